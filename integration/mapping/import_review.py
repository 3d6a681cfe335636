"""What an import of mapping profiles would change, shown before it is applied, and the
import itself as one transaction whose every error names its profile."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from integration.mapping.exchange import PROFILE_FIELDS, ROW_FIELDS, export_profile, import_profile
from integration.models.mapping import MappingProfile


@dataclass
class Change:
    name: str
    before: object
    after: object


@dataclass
class ProfileDiff:
    name: str
    new: bool
    fields: list[Change] = field(default_factory=list)
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    rows_changed: list[tuple[str, list[Change]]] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (
            self.new or self.fields or self.rows_added or self.rows_removed or self.rows_changed
        )


def profile_name(data: object, index: int) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else _("profile %(n)s in the file") % {"n": index + 1}


def _changes(before: dict, after: dict, names: list[str]) -> list[Change]:
    return [
        Change(name, before.get(name), after[name])
        for name in names
        if name in after and before.get(name) != after[name]
    ]


def diff(data: dict) -> ProfileDiff:
    """The profile as stored now against the one in the file (rows matched by target)."""
    existing = MappingProfile.objects.filter(name=data.get("name")).first()
    if existing is None:
        return ProfileDiff(str(data.get("name")), new=True)
    now = export_profile(existing)
    result = ProfileDiff(existing.name, new=False, fields=_changes(now, data, PROFILE_FIELDS))
    old_rows = {row["target"]: row for row in now["rows"]}
    new_rows = {row.get("target"): row for row in data.get("rows") or []}
    result.rows_added = [t for t in new_rows if t not in old_rows]
    result.rows_removed = [t for t in old_rows if t not in new_rows]
    for target, row in new_rows.items():
        if target in old_rows:
            changes = _changes(old_rows[target], row, [f for f in ROW_FIELDS if f != "target"])
            if changes:
                result.rows_changed.append((target, changes))
    return result


class ImportRefused(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def apply(profiles: list, *, dry_run: bool = False) -> list[MappingProfile]:
    """Import every profile, or none: each error is prefixed with its profile's name."""
    problems: list[str] = []
    imported: list[MappingProfile] = []
    with transaction.atomic():
        for index, data in enumerate(profiles):
            try:
                imported.append(import_profile(data))
            except ValidationError as error:
                name = profile_name(data, index)
                problems += [
                    _("Profile “%(name)s”: %(problem)s") % {"name": name, "problem": message}
                    for message in error.messages
                ]
        if problems or dry_run:
            transaction.set_rollback(True)
    if problems:
        raise ImportRefused(problems)
    return imported


def review(profiles: list) -> list[ProfileDiff]:
    """Check the whole import (nothing kept) and say what it would change."""
    apply(profiles, dry_run=True)
    return [diff(data) for data in profiles]
