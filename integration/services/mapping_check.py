"""Try a mapping profile edit on real records before it is saved: the last stored
records of its format and event type, and the sample payloads shipped for it, are mapped
with the edited profile and with the saved one. Nothing is stored and nothing is sent."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integration.models import MosipSettings, Submission
from integration.models.mapping import MappingProfile
from integration.reasons import staff_text
from integration.services import declaration
from integration.services.packet import map_submission

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "mapping" / "samples"
RECENT_RECORDS = 50


@dataclass
class MappingCheck:
    """What an edit would do to the records tried, each counted once: records that map
    today and would fail (`breaks`), records that fail today and still would
    (`still_failing`), and records that fail today and would map (`fixed`)."""

    records: int = 0  # stored records tried
    samples: int = 0  # sample payloads tried
    new_profile: bool = False  # nothing maps with it today: each failure is a new one
    breaks: int = 0
    still_failing: int = 0
    fixed: int = 0
    reasons: Counter = field(default_factory=Counter)  # MOSIP field -> records failing on it
    examples: dict[str, str] = field(default_factory=dict)  # MOSIP field -> one reason
    breaking_reasons: Counter = field(default_factory=Counter)  # ... of the new failures only

    @property
    def tried(self) -> int:
        return self.records + self.samples

    @property
    def failing(self) -> int:
        """How many the edited profile fails, new failures and old ones."""
        return self.breaks + self.still_failing

    @property
    def scope(self) -> str:
        records = ngettext(
            "the last %(count)s stored record", "the last %(count)s stored records", self.records
        ) % {"count": self.records}
        samples = ngettext(
            "%(count)s sample payload", "%(count)s sample payloads", self.samples
        ) % {"count": self.samples}
        return _("Checked on %(records)s and %(samples)s.") % {
            "records": records,
            "samples": samples,
        }

    def headline(self) -> str:
        if self.breaks and self.new_profile:
            return ngettext(
                "%(count)s record would fail at mapping with this new profile.",
                "%(count)s records would fail at mapping with this new profile.",
                self.breaks,
            ) % {"count": self.breaks}
        if self.breaks:
            return ngettext(
                "%(count)s record that maps today would fail at mapping after this change.",
                "%(count)s records that map today would fail at mapping after this change.",
                self.breaks,
            ) % {"count": self.breaks}
        return _("No record that maps today would fail after this change.")

    def why(self) -> list[str]:
        """Per MOSIP field, how many new failures it causes and one reason."""
        return [
            ngettext(
                "%(field)s: %(count)s record, e.g. %(example)s",
                "%(field)s: %(count)s records, e.g. %(example)s",
                count,
            )
            % {"field": name, "count": count, "example": self.examples[name]}
            for name, count in self.breaking_reasons.most_common()
        ]

    def others(self) -> list[str]:
        """Records failing today: still failing, or fixed by the change."""
        lines = []
        if self.still_failing:
            lines.append(
                ngettext(
                    "%(count)s record fails today and would still fail.",
                    "%(count)s records fail today and would still fail.",
                    self.still_failing,
                )
                % {"count": self.still_failing}
            )
        if self.fixed:
            lines.append(
                ngettext(
                    "%(count)s record fails today and would map after this change.",
                    "%(count)s records fail today and would map after this change.",
                    self.fixed,
                )
                % {"count": self.fixed}
            )
        return lines

    def summary(self) -> str:
        """One paragraph, for the message after a save."""
        why = self.why()
        parts = [self.headline()]
        if why:
            parts.append(_("Why: %(why)s.") % {"why": "; ".join(why)})
        return " ".join([*parts, *self.others(), self.scope])


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
    check = MappingCheck(records=len(records), samples=len(samples), new_profile=saved is None)
    for record in records + samples:
        problems = _problems(record, config, edited, rows)
        fails_today = saved is not None and bool(_problems(record, config, saved, saved_rows))
        if not problems:
            check.fixed += fails_today
            continue
        if fails_today:
            check.still_failing += 1
        else:
            check.breaks += 1
        for name, reason in problems.items():
            check.reasons[name] += 1
            check.examples.setdefault(name, staff_text(reason)[:200])
            if not fails_today:
                check.breaking_reasons[name] += 1
    return check
