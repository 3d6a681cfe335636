"""Small helpers for the console's templates: status badges, people, durations, JSON."""

import json
from datetime import UTC, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from integration.console import reason_text
from integration.console.times import local_time
from integration.models import Status
from integration.models.submission import Step
from integration.roles import role_label as _role_label
from integration.services.credential_refusals import refusal_of
from integration.services.staff_actions import display_name as _display_name

register = template.Library()


@register.simple_tag
def portal_version() -> str:
    from integration.version import __version__

    return __version__


TONES = {
    Status.RECEIVED: "progress",
    Status.SENDING: "progress",
    Status.DELIVERY_RETRY: "retry",
    Status.AWAITING_CREDENTIAL: "waiting",
    Status.CREDENTIAL_RECEIVED: "progress",
    Status.CONFIRMING: "progress",
    Status.CONFIRMATION_RETRY: "retry",
    Status.REJECTING: "progress",
    Status.CONFIRMED: "done",
    Status.COMPLETED: "done",
    Status.NOTHING_TO_CONFIRM: "closed",
    Status.FAILED: "danger",
    Status.TOKEN_EXPIRED: "danger",
    Status.REJECTED: "closed",
    Status.RESOLVED: "closed",
}
# States in which the record moves on by itself: its page keeps itself up to date.
MOVING = {status for status, tone in TONES.items() if tone in ("progress", "waiting", "retry")}


@register.filter
def tone(status: str) -> str:
    return TONES.get(status, "closed")


@register.filter
def is_moving(status: str) -> bool:
    return status in MOVING


@register.simple_tag
def credential_refusal(submission):
    """The record's credential delivery our set-up refused, when it still waits for it:
    the record needs a person (integration/services/credential_refusals.py)."""
    return refusal_of(submission)


@register.simple_tag
def status_badge(status: str) -> str:
    label = Status(status).label if status in Status.values else status
    return format_html('<span class="badge badge-{}">{}</span>', tone(status), label)


@register.filter
def status_label(status: str) -> str:
    """A status code (as the audit log keeps it) as the label staff read everywhere else."""
    return Status(status).label if status in Status.values else status


@register.filter
def short_label(label: str) -> str:
    """A status label without its explanation in brackets."""
    return label.split(" (", 1)[0]


@register.filter
def step_label(step: str) -> str:
    return Step(step).label if step in Step.values else step


@register.filter
def display_name(user) -> str:
    return _display_name(user)


@register.filter
def role_label(user) -> str:
    return _role_label(user)


@register.filter
def moment(value: datetime | None, short: str = "") -> str:
    """A <time> element: the local, localised time to read, the instant in UTC for
    machines. `|moment:"short"` leaves out the seconds."""
    if value is None:
        return "—"
    instant = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return format_html('<time datetime="{}">{}</time>', instant, local_time(value, bool(short)))


@register.filter
def local(value: datetime | None) -> str:
    """The same, as plain text (for a title attribute)."""
    return "—" if value is None else local_time(value)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "3 days, 2 hours ago"."""
    if moment is None:
        return "—"
    if timezone.now() - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment)}


@register.filter
def until(moment: datetime | None) -> str:
    """ "in 5 minutes", or "now" when the time has come."""
    if moment is None:
        return "—"
    if moment - timezone.now() < timedelta(minutes=1):
        return _("now")
    return _("in %(time)s") % {"time": timeuntil(moment)}


@register.filter
def thousands(value) -> str:
    """An integer grouped as the language writes it (1,234 / 1 234)."""
    return number_format(value, force_grouping=True) if isinstance(value, int) else str(value)


@register.filter
def duration(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "—"
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    return f"{number_format(milliseconds / 1000, 1)} s"


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@register.filter
def field_value(value) -> str:
    """MOSIP simpleType lists ([{language, value}]) as plain text; the rest as JSON."""
    if isinstance(value, list) and all(isinstance(v, dict) and "value" in v for v in value):
        return " / ".join(
            f"{v['value']} ({v['language']})" if v.get("language") else str(v["value"])
            for v in value
        )
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


@register.filter
def mosip_status(status: str) -> str:
    """MOSIP's status of a packet as staff read it (integration.services.mosip_status)."""
    from integration.services.mosip_status import label

    return label(status)


@register.filter
def failure_reason(submission) -> str:
    """The record's failure reason in the reader's language, the remote's own words marked
    apart (integration/console/reason_text.py)."""
    return reason_text.rendered(submission)


@register.filter
def failure_sentence(submission) -> str:
    """The same on one line, for lists and titles."""
    return reason_text.sentence(submission)


@register.filter
def finding_detail(finding: dict) -> str:
    """A reconciliation finding's detail in the reader's language (its stored English
    when it has no code)."""
    return reason_text.finding_sentence(finding)
