"""Forms of the staff console: the list's filters, the selection for a bulk action, and
the reason every action needs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from integration.console.pagination import Sort
from integration.models import ActionKind, EventType, Status
from integration.models.console import ASSIGN, BULK_KINDS
from integration.models.submission import Step

NEEDS_ACTION = "needs_action"
ASSIGNED_TO_ME = "me"
ASSIGNED_TO_NOBODY = "nobody"
# Pseudo-statuses for what the dashboard headline counts (integration/monitoring/waiting.py).
WAITING_FILTERS = {"waiting_on_mosip": "MOSIP", "waiting_on_opencrvs": "OpenCRVS"}

SORTS = {
    "newest": Sort("created_at", descending=True, label=_("Newest first")),
    "oldest": Sort("created_at", descending=False, label=_("Oldest first")),
    "updated": Sort("updated_at", descending=True, label=_("Recently changed")),
    "waiting": Sort("updated_at", descending=False, label=_("Unchanged the longest")),
}


class SubmissionFilterForm(forms.Form):
    """The list's filters; every one of them is served by an index."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Tracking id, certificate no., transaction id or NID"),
                "type": "search",
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any status")),
            (NEEDS_ACTION, _("Needs action (failed or token expired)")),
            ("waiting_on_mosip", _("Waiting on MOSIP (retries included)")),
            ("waiting_on_opencrvs", _("Waiting on OpenCRVS (retries included)")),
            *Status.choices,
        ],
    )
    event_type = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Births and deaths")), *EventType.choices]
    )
    failed_step = forms.ChoiceField(
        label=_("Failed step"), required=False, choices=[("", _("Any step")), *Step.choices]
    )
    assigned = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[
            ("", _("Anyone or no one")),
            (ASSIGNED_TO_ME, _("Me")),
            (ASSIGNED_TO_NOBODY, _("No one")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason starts with"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. MOSIP auth answered HTTP 401")}),
    )
    created_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, sort.label) for key, sort in SORTS.items()]
    )

    def __init__(self, *args, personal_data: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not personal_data:
            # Searching by VID or NID, or guessing a masked error message letter by letter
            # through "reason starts with", would reveal what is masked on screen.
            del self.fields["reason"]
            self.fields["q"].widget.attrs["placeholder"] = _(
                "Tracking id, certificate no. or transaction id"
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end date is before the start date."))
        return cleaned

    def active_filters(self) -> dict[str, str]:
        """The filters in use, as strings (for a bulk job, and to show them back)."""
        if not self.is_valid():
            return {}
        return {
            name: str(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name != "sort"
        }


# What the reason is for, per action (only a rejection's reason is one OpenCRVS never sees).
REASON_HELP = {
    ActionKind.RESUBMIT: _(
        "Kept in the portal's audit log with the resubmission, for whoever looks at the "
        "record next: say what changed since it failed."
    ),
    ActionKind.RETRY_CONFIRMATION: _(
        "Kept in the portal's audit log with the retry: say why OpenCRVS should accept "
        "the confirmation now."
    ),
    ActionKind.REJECT: _(
        "Kept in the portal's audit log only: OpenCRVS does not record a rejection's reason."
    ),
    ActionKind.RESOLVE: _(
        "Kept in the portal's audit log: say how and where the case was settled."
    ),
    ASSIGN: _(
        "Optional. Kept in the portal's audit log with the assignment: say what the person "
        "should look at."
    ),
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why?"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IdListField(forms.Field):
    """Submission ids picked on the list page (ids that no longer exist are skipped)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("The selection is not a list of record ids.")) from exc


class BulkSelectionForm(forms.Form):
    """What the list page posts: an action and either picked ids or "all matching"."""

    action = forms.ChoiceField(choices=BULK_KINDS)
    ids = IdListField(required=False)
    all_matching = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_matching") and not cleaned.get("ids"):
            raise forms.ValidationError(_("Pick at least one record, or all matching records."))
        return cleaned


class AssignForm(forms.Form):
    """Whom a record (or a bulk job's records) goes to; no one takes it off anyone."""

    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        required=False,
        empty_label=_("No one"),
    )
    reason = forms.CharField(
        label=_("Why? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        from integration.services.ownership import assignable_staff

        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_staff()
        self.fields["assignee"].label_from_instance = _staff_name


def _staff_name(user) -> str:
    return user.get_full_name() or user.get_username()


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Add a note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Seen by the staff and auditors who open this record, and kept in the audit "
            "log; personal data in it is masked for auditors and erased with the record's."
        ),
    )
