"""Try a mapping profile edit on real records before it is saved: the last stored
records of its format and event type, and the sample payloads shipped for it, are mapped
with the edited profile and with the saved one. Nothing is stored and nothing is sent."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from integration.models import MosipSettings, Submission
from integration.models.mapping import MappingProfile
from integration.services import declaration
from integration.services.packet import map_submission

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "mapping" / "samples"
RECENT_RECORDS = 50


@dataclass
class MappingCheck:
    records: int = 0  # stored records tried
    samples: int = 0  # sample payloads tried
    failing: int = 0  # how many of them the edited profile fails
    newly_failing: int = 0  # ... of which the saved profile maps today
    reasons: Counter = field(default_factory=Counter)  # MOSIP field -> records failing on it
    examples: dict[str, str] = field(default_factory=dict)  # MOSIP field -> one reason

    @property
    def tried(self) -> int:
        return self.records + self.samples

    def summary(self) -> str:
        scope = f"the last {self.records} stored record(s) and {self.samples} sample payload(s)"
        if not self.failing:
            return f"Checked on {scope}: none would fail at mapping."
        why = "; ".join(
            f"{name}: {count} ({self.examples[name]})" for name, count in self.reasons.most_common()
        )
        return (
            f"With this change {self.failing} of {scope} would fail at mapping "
            f"({self.newly_failing} of them map today). Why: {why}"
        )


def sample_records(profile: MappingProfile) -> list[Submission]:
    """The shipped sample payloads for the profile's format and event type (unsaved)."""
    pattern = f"{profile.source_format}-{profile.event_type}-*.json"
    return [
        Submission(
            event_type=profile.event_type,
            event_type_id=profile.event_type,
            source_format=profile.source_format,
            raw_request=json.loads(path.read_text()),
        )
        for path in sorted(SAMPLES_DIR.glob(pattern))
    ]


def recent_records(profile: MappingProfile, limit: int = RECENT_RECORDS) -> list[Submission]:
    candidates = Submission.objects.filter(
        source_format=profile.source_format, event_type=profile.event_type
    ).only("event_type", "event_type_id", "source_format", "raw_request", "declaration")
    type_ids = profile.event_type_ids or [profile.event_type]
    return list(candidates.filter(event_type_id__in=[*type_ids, ""]).order_by("-id")[:limit])


def _problems(record: Submission, config, profile, rows) -> dict[str, str]:
    try:
        problems = map_submission(record, config, profile=profile, rows=rows)[1].problems
    except (ValueError, KeyError, TypeError) as exc:
        return {"record": f"could not be read: {exc}"}
    if record.declaration is None and record.source_format in declaration.REQUEST_FORMATS:
        # Delivery reads these from OpenCRVS's declaration, which the check cannot do.
        unread = {row.target for row in declaration.declaration_rows(profile, rows)}
        problems = {name: reason for name, reason in problems.items() if name not in unread}
    return problems


def check_profile_edit(edited: MappingProfile, rows: list) -> MappingCheck:
    """Map the recent records and samples with `edited` and its `rows` (unsaved), and
    with the saved profile when there is one, and count what the edit would break."""
    config = MosipSettings.load()
    saved = MappingProfile.objects.filter(pk=edited.pk).first() if edited.pk else None
    saved_rows = list(saved.rows.all()) if saved else None
    records, samples = recent_records(edited), sample_records(edited)
    check = MappingCheck(records=len(records), samples=len(samples))
    for record in records + samples:
        problems = _problems(record, config, edited, rows)
        if not problems:
            continue
        check.failing += 1
        if saved is None or not _problems(record, config, saved, saved_rows):
            check.newly_failing += 1
        for name, reason in problems.items():
            check.reasons[name] += 1
            check.examples.setdefault(name, reason[:200])
    return check
