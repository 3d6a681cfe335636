"""A record's failure reason as staff read it: its code's sentence in the reader's
language, and the remote system's own words apart, quoted and marked as such (never
translated; selectable to copy). Rows without a code show their stored text as before."""

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from integration.reasons import Reason


def reason_of(submission) -> Reason | None:
    return Reason.load(
        getattr(submission, "reason_code", ""), getattr(submission, "reason_params", None)
    )


def sentence(submission) -> str:
    """The reason in the reader's language, the remote's words quoted after it (one line:
    lists, titles)."""
    reason = reason_of(submission)
    if reason is None:
        return _stored_text(submission)
    return reason.for_staff_quoting()


def finding_sentence(finding: dict) -> str:
    """A reason kept in a JSON entry (a reconciliation run's finding) as `reason_code`,
    `reason_params` beside its English `detail`: one line, in the reader's language."""
    reason = Reason.load(finding.get("reason_code", ""), finding.get("reason_params"))
    return reason.for_staff_quoting() if reason else finding.get("detail", "")


def rendered(submission) -> SafeString:
    """The reason as the record page shows it: the sentence, then the remote's own words
    in a block marked as that system's verbatim text."""
    reason = reason_of(submission)
    if reason is None:
        return format_html("<span data-testid='failure-reason'>{}</span>", _stored_text(submission))
    verbatim, source = reason.quoted()
    shown = format_html("<span data-testid='failure-reason'>{}</span>", reason.for_staff())
    if not verbatim:
        return shown
    caption = (
        # The source's name is a msgid (reason_codes.SYSTEM_NAMES); its words are not.
        _("In %(system)s's own words (as sent, not translated):") % {"system": _(source)}
        if source
        else _("Technical detail (as recorded, not translated):")
    )
    return format_html(
        "{}<figure class='verbatim' data-testid='remote-verbatim'><figcaption>{}</figcaption>"
        "<blockquote lang='en'><code>{}</code></blockquote></figure>",
        shown,
        caption,
        verbatim,
    )


def _stored_text(row) -> str:
    """A submission's `last_error`, a call's or an inbound delivery's `error`, a
    verification record's `error_message`: as stored, in English."""
    for name in ("last_error", "error", "error_message"):
        if hasattr(row, name):
            return getattr(row, name)
    return ""
