"""What the staff console records: who did what to which submission and why, bulk jobs and
their progress, and which identity-provider account each staff user signs in with."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from integration import app_settings
from integration.models.submission import Submission
from integration.reasons import Reason


class ActionKind(models.TextChoices):
    RESUBMIT = "resubmit", _("Resubmit to MOSIP")
    RETRY_CONFIRMATION = "retry_confirmation", _("Retry the confirmation")
    REJECT = "reject", _("Reject in OpenCRVS")
    RESOLVE = "resolve", _("Mark resolved")


# The audit trail also records what no person asked for: the retention policy erasing a
# record's personal data (not a staff action, so not an ActionKind).
ERASE = "erase"
# Who did what no person asked for: stored as a msgid in `actor_name` (English in the
# audit entry), shown in the reader's language (StaffAction.who).
RETENTION_POLICY = gettext_noop("Retention policy")
PORTAL_ACTORS = frozenset({RETENTION_POLICY})
# Where an audit entry written by the portal itself keeps its "why" as a code: among
# `message_params`, beside its English in `reason` (staff_actions.words_of).
WHY = "why"
# Who looks after a record, and notes on it (integration.services.ownership): audited like
# the actions, but they change nothing in the record's flow, so they are not ActionKinds.
ASSIGN = "assign"
NOTE = "note"
# An event OpenCRVS holds that the portal never received, taken in by a person from the
# reconciliation page (integration.services.reconciliation).
TAKE_IN = "take_in"
AUDIT_KINDS = [
    *ActionKind.choices,
    (ASSIGN, _("Assign")),
    (NOTE, _("Note")),
    (ERASE, _("Erase personal data (retention)")),
    (TAKE_IN, _("Take in from OpenCRVS")),
]
# What a bulk job can do to many records at once.
BULK_KINDS = [*ActionKind.choices, (ASSIGN, _("Assign"))]


class ActionOutcome(models.TextChoices):
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class BulkJob(models.Model):
    """One staff action on many submissions, run by a worker; its progress is the count
    of its audit entries."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Stopped by an error")

    kind = models.CharField(max_length=30, choices=BULK_KINDS)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An assignment job: whom the records go to (none: nobody).",
    )
    all_matching = models.BooleanField(
        default=False, help_text="Every record matching the filters (none: every record)."
    )
    submission_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="The records, fixed when the job starts: picked one by one, or those "
        "matching the filters then.",
    )
    filters = models.JSONField(
        default=dict, blank=True, help_text="The list filters the records were matched on."
    )
    total = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(
        default=timezone.now, help_text="The worker's heartbeat: set after every record."
    )
    resumed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last took over from one that stopped."
    )

    class Meta:
        default_permissions = ()
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.FINISHED, self.State.FAILED)

    @staticmethod
    def stale_before(now: datetime) -> datetime:
        """A running job whose heartbeat is older than this lost its worker: no single
        record takes that long (the same bound as a submission's claim)."""
        return now - timedelta(seconds=app_settings.STALE_CLAIM_SECONDS)

    @property
    def stalled(self) -> bool:
        return self.state == self.State.RUNNING and self.updated_at < self.stale_before(
            timezone.now()
        )


class StaffAction(models.Model):
    """The audit entry for one staff action on one submission: who, when, what, why."""

    kind = models.CharField(max_length=30, choices=AUDIT_KINDS)
    outcome = models.CharField(max_length=10, choices=ActionOutcome.choices)
    message = models.TextField(blank=True, help_text="What happened, in words.")
    # `message` as a code of integration/reason_codes.py and its values, shown in the
    # reader's language (`summary`); empty for entries written before codes and for an
    # assignment's (its `message` is the assignee's name).
    message_code = models.CharField(max_length=40, blank=True, editable=False)
    message_params = models.JSONField(default=dict, blank=True, editable=False)
    reason = models.TextField(help_text="Why the person did it.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=300)
    submission = models.ForeignKey(
        Submission,
        null=True,
        on_delete=models.SET_NULL,
        related_name="staff_actions",
        db_index=False,  # led by the (submission, created_at) index below
    )
    tracking_id = models.CharField(max_length=64, blank=True)
    status_before = models.CharField(max_length=30, blank=True)
    status_after = models.CharField(max_length=30, blank=True)
    job = models.ForeignKey(
        BulkJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        db_index=False,  # led by the (job, outcome) index below
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        default_permissions = ("view",)
        permissions = [
            ("use_console", "Can open the staff console"),
            ("act_on_submissions", "Can resubmit, retry, reject and resolve submissions"),
            ("see_personal_data", "Can see personal data unmasked"),
        ]
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["submission", "created_at"], name="staffaction_submission"),
            models.Index(fields=["job", "outcome"], name="staffaction_job_outcome"),
            models.Index(fields=["created_at", "id"], name="staffaction_created"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.get_kind_display()} {self.tracking_id} ({self.outcome})"

    @property
    def summary(self) -> str:
        """What happened, in the reader's language: its code's sentence (a remote's own
        words quoted after it), an assignment told from its assignee's name (`message`);
        entries written before codes keep their words, and a note's words are its
        `reason`."""
        said = Reason.load(self.message_code, self.message_params)
        if said is not None:
            return said.for_staff_quoting()
        if self.kind != ASSIGN or self.outcome == ActionOutcome.FAILED:
            return self.message
        if self.outcome == ActionOutcome.SKIPPED:
            if self.message:
                return _("Already assigned to %(name)s.") % {"name": self.message}
            return _("Already assigned to no one.")
        if self.message:
            return _("Assigned to %(name)s.") % {"name": self.message}
        return _("No longer assigned to anyone.")

    @property
    def why(self) -> str:
        """Why it was done, in the reader's language when the portal itself wrote it (the
        retention policy, the reconciliation's take-in): a person's words as written."""
        said = Reason.load(self.message_code, self.message_params)
        why = said.params.get(WHY) if said is not None else None
        return why.for_staff() if isinstance(why, Reason) else self.reason

    @property
    def who(self) -> str:
        """Who did it: a person's name as stored; the portal's own policy in the reader's
        language."""
        if self.actor_id is None and self.actor_name in PORTAL_ACTORS:
            return gettext(self.actor_name)
        return self.actor_name


class OidcIdentity(models.Model):
    """The identity provider's account (`sub`) a staff user signs in with. Users are
    matched on this, never on e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity"
    )
    subject = models.CharField("subject (sub claim)", max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_login_roles = models.JSONField(default=list, blank=True)

    class Meta:
        default_permissions = ()
        verbose_name = "OIDC identity"
        verbose_name_plural = "OIDC identities"

    def __str__(self) -> str:
        return self.subject
