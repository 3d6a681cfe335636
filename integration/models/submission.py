"""One registration on its way through the portal, and every outbound call made for it."""

from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration.fields import EncryptedTextField


class EventType(models.TextChoices):
    BIRTH = "birth", _("Birth")
    DEATH = "death", _("Death")


class Status(models.TextChoices):
    """Every state a submission can be in. Which moves connect them, and the only code
    that changes a submission's status, is `integration.services.lifecycle`."""

    RECEIVED = "received", _("Received")
    SENDING = "sending", _("Sending to MOSIP")
    DELIVERY_RETRY = "delivery_retry", _("Delivery retry scheduled")
    AWAITING_CREDENTIAL = "awaiting_credential", _("Awaiting credential")
    CREDENTIAL_RECEIVED = "credential_received", _("Credential received")
    CONFIRMING = "confirming", _("Confirming in OpenCRVS")
    CONFIRMATION_RETRY = "confirmation_retry", _("Confirmation retry scheduled")
    REJECTING = "rejecting", _("Rejecting in OpenCRVS")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed (registered in OpenCRVS, no confirmation needed)")
    NOTHING_TO_CONFIRM = (
        "nothing_to_confirm",
        _("Nothing to confirm (OpenCRVS has no pending action for it)"),
    )
    FAILED = "failed", _("Failed")
    TOKEN_EXPIRED = "token_expired", _("Token expired")
    REJECTED = "rejected", _("Rejected")
    RESOLVED = "resolved", _("Resolved")


# States after which nothing more happens on its own.
FINAL_STATUSES = (
    Status.CONFIRMED,
    Status.COMPLETED,
    Status.NOTHING_TO_CONFIRM,
    Status.REJECTED,
    Status.RESOLVED,
)
# States a person has to act on.
NEEDS_ACTION_STATUSES = (Status.FAILED, Status.TOKEN_EXPIRED)
# States in which a process is working on the record and holds its lease.
IN_FLIGHT_STATUSES = (Status.SENDING, Status.CONFIRMING, Status.REJECTING)
RETRY_STATUSES = (Status.DELIVERY_RETRY, Status.CONFIRMATION_RETRY)


class FailureKind(models.TextChoices):
    """What kind of failure it was, as far as what happens next depends on it: how
    `integration.services.failures` classifies an error, and what a record that stopped
    keeps in `failure_kind` (STORED_FAILURE_KINDS; the others are retried)."""

    REFUSED = "refused", _("The remote system said no")
    MAPPING = "mapping", _("The record could not be mapped")
    GAVE_UP = "gave_up", _("Retries used up")
    INTERRUPTED = "interrupted", _("Interrupted")
    MOSIP_REJECTED = "mosip_rejected", _("MOSIP rejected the packet")
    CREDENTIAL_LOST = "credential_lost", _("The credential never came")
    # Retried, never stored: the remote system out of reach (counted), our own
    # infrastructure (not counted), a bug (counted, so it ends at the limit).
    UNAVAILABLE = "unavailable", _("The remote system was out of reach")
    INFRASTRUCTURE = "infrastructure", _("The portal's own infrastructure failed")
    UNEXPECTED = "unexpected", _("An unexpected error")


# The kinds a record that stopped for a person is stored with.
STORED_FAILURE_KINDS = (
    FailureKind.REFUSED,
    FailureKind.MAPPING,
    FailureKind.GAVE_UP,
    FailureKind.INTERRUPTED,
    FailureKind.MOSIP_REJECTED,
    FailureKind.CREDENTIAL_LOST,
)
# A record's failure, written together by `integration.services.lifecycle` (a move with
# `failure=`, or a move that clears it): the reason as text, code and values, its
# dashboard grouping keys, the step and the kind.
REASON_COLUMNS = frozenset(
    {"last_error", "reason_code", "reason_params", "reason_key", "masked_reason_key"}
)
FAILURE_FIELDS = REASON_COLUMNS | {"failed_step", "failure_kind"}


class StatusWriteRefused(RuntimeError):
    """`status` was about to be written other than through `integration.services.lifecycle`."""


class ReasonWriteRefused(RuntimeError):
    """`last_error` was about to be written without the columns that go with it
    (`integration.services.lifecycle.reason_columns`)."""


def _check_reason_write(fields) -> None:
    if "last_error" in fields and not REASON_COLUMNS <= set(fields):
        raise ReasonWriteRefused(
            "Write last_error with its reason columns: "
            "integration.services.lifecycle.reason_columns, or a move with failure=..."
        )


class SubmissionQuerySet(models.QuerySet):
    """Refuses status writes from outside the lifecycle module, and writes of
    `last_error` that leave out the columns that go with it."""

    def update(self, **kwargs):
        if "status" in kwargs and not _lifecycle_writing():
            raise StatusWriteRefused(
                "A submission's status changes only through integration.services.lifecycle."
            )
        _check_reason_write(kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "status" in fields:
            raise StatusWriteRefused("bulk_update may not write a submission's status.")
        _check_reason_write(fields)
        return super().bulk_update(objs, fields, *args, **kwargs)


# True while `integration.services.lifecycle` writes a status: the only writer the model
# lets through. The flag lives here, with the check, so the model needs nothing above it.
writing_status: ContextVar[bool] = ContextVar("writing_status", default=False)


def _lifecycle_writing() -> bool:
    return writing_status.get()


class Submission(models.Model):
    event_type = models.CharField(
        max_length=10, choices=EventType.choices, verbose_name=_("event type")
    )
    source_format = models.CharField(
        max_length=20, default="interop", verbose_name=_("source format")
    )
    event_type_id = models.CharField(
        _("OpenCRVS event type id"),
        max_length=50,
        blank=True,
        default="",
        db_default="",  # rows written by plain SQL (bulk seeding, imports) get it too
        help_text=_("e.g. birth, v2.birth"),
    )
    confirm_in_opencrvs = models.BooleanField(
        default=True,
        db_default=True,
        help_text=_(
            "Off for webhook records: OpenCRVS registered them already, so they end "
            "when the credential arrives."
        ),
        verbose_name=_("confirm in opencrvs"),
    )
    tracking_id = models.CharField(max_length=64, db_index=True, verbose_name=_("tracking id"))
    certificate_number = models.CharField(
        max_length=64, unique=True, verbose_name=_("certificate number")
    )
    event_id = models.CharField(_("OpenCRVS event id"), max_length=64, blank=True)
    action_id = models.CharField(_("OpenCRVS action id"), max_length=64, blank=True)
    request_id = models.CharField(
        _("OpenCRVS correction request id"),
        max_length=64,
        blank=True,
        help_text=_("Corrections: the request the approval names, read from OpenCRVS."),
    )
    token = EncryptedTextField(
        _("single-record token"), blank=True, help_text=_("Wiped once confirmed or rejected.")
    )
    token_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("token expires at")
    )

    raw_request = models.JSONField(
        help_text=_("The request body as OpenCRVS sent it."), verbose_name=_("raw request")
    )
    fields_sent = models.JSONField(default=dict, blank=True, verbose_name=_("fields sent"))
    fields_defaulted = models.JSONField(
        _("fields filled by default"),
        default=list,
        blank=True,
        help_text=_("Fields sent with a mapping profile's default: the record had no value."),
    )
    declaration = models.JSONField(
        _("declaration read from OpenCRVS"),
        null=True,
        blank=True,
        help_text=_(
            "The event's declaration, read from OpenCRVS for fields the request did not "
            "carry (empty until it was needed)."
        ),
    )
    fields_from_declaration = models.JSONField(
        _("fields from OpenCRVS's declaration"),
        default=list,
        blank=True,
        help_text=_("Fields the request did not carry, sent with values from the declaration."),
    )

    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.RECEIVED, verbose_name=_("status")
    )
    transaction_id = models.CharField(_("current MOSIP transaction id"), max_length=40, blank=True)
    vid = models.CharField(_("VID received"), max_length=64, blank=True)

    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    packet_created_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("packet created at")
    )
    # The transaction id a createPacket call went out for, written (fenced) just before
    # the call: a later worker finding it without packet_created_at asks MOSIP's packet
    # manager whether the packet exists instead of sending it again
    # (integration.services.delivery).
    packet_sent_for = models.CharField(
        _("createPacket sent for"), max_length=40, blank=True, default=""
    )
    workflow_started_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("workflow started at")
    )
    credential_received_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("credential received at")
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    # What MOSIP's registration processor last said of the packet
    # (integration.services.mosip_status): its external status and the stage it is at.
    mosip_status = models.CharField(
        _("MOSIP status"), max_length=40, blank=True, default="", db_default=""
    )
    mosip_stage = models.CharField(
        _("MOSIP stage"), max_length=200, blank=True, default="", db_default=""
    )
    mosip_checked_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("MOSIP status checked at")
    )
    # Credentials asked again of MOSIP's credential request generator, and when last.
    credential_requests = models.PositiveIntegerField(
        default=0, db_default=0, verbose_name=_("credential re-requests")
    )
    credential_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("credential last re-requested at")
    )

    failed_step = models.CharField(max_length=30, blank=True, verbose_name=_("failed step"))
    failure_kind = models.CharField(
        max_length=20,
        choices=[(kind.value, kind.label) for kind in STORED_FAILURE_KINDS],
        blank=True,
        verbose_name=_("failure kind"),
    )
    last_error = models.TextField(_("last error"), blank=True)
    # `last_error`'s group on the dashboard, as is and masked (integration.reason_groups);
    # written with it (integration.services.lifecycle.reason_columns), never on their own.
    reason_key = models.CharField(max_length=160, blank=True, editable=False)
    masked_reason_key = models.CharField(max_length=160, blank=True, editable=False)
    # `last_error` as a code of integration/reason_codes.py and its values, shown in the
    # reader's language; empty for a plain text and for rows written before codes.
    reason_code = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)
    retry_count = models.PositiveIntegerField(default=0, verbose_name=_("retry count"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    # The lease of the process working on the record (IN_FLIGHT_STATUSES): `claimed_at`
    # identifies the claim, so a process whose lease ran out can no longer move the
    # record; a live worker renews `lease_expires_at` by a heartbeat.
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("lease expires at")
    )
    personal_data_erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the retention policy erased this record's personal data."),
        verbose_name=_("personal data erased at"),
    )
    # Who on the support desk looks after the record (integration.services.ownership).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the partial index below: most records are nobody's
        verbose_name=_("assigned to"),
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        constraints = [
            # One record per OpenCRVS event: a single-record token confirms one record.
            # Corrections of the event are records of their own (one per approval).
            models.UniqueConstraint(
                fields=["event_id"],
                condition=~models.Q(event_id="") & ~models.Q(source_format="correction"),
                name="submission_one_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "lease_expires_at"],
                condition=models.Q(lease_expires_at__isnull=False),
                name="submission_lease",
            ),
            models.Index(fields=["status", "next_attempt_at"], name="submission_status_next"),
            models.Index(fields=["status", "updated_at"], name="submission_status_updated"),
            # Staff console: an index behind every list filter, sort and dashboard figure.
            models.Index(fields=["created_at", "id"], name="submission_created_id"),
            models.Index(fields=["updated_at", "id"], name="submission_updated_id"),
            models.Index(fields=["status", "created_at", "id"], name="submission_status_created"),
            models.Index(
                fields=["event_type", "created_at", "id"], name="submission_event_created"
            ),
            models.Index(
                fields=["failed_step", "created_at", "id"],
                condition=~models.Q(failed_step=""),
                name="submission_step_created",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=~models.Q(last_error=""),
                name="submission_failing_created",
            ),
            models.Index(fields=["vid"], condition=~models.Q(vid=""), name="submission_vid"),
            models.Index(
                models.fields.json.KT("raw_request__requestFields__nationalIdNumber"),
                name="submission_nid",
            ),
            # The NID as sent to MOSIP: the deceased's, whatever format it came in.
            models.Index(
                models.fields.json.KT("fields_sent__nationalIdNumber"),
                name="submission_nid_sent",
            ),
            models.Index(
                fields=["token_expires_at"],
                condition=~models.Q(status__in=FINAL_STATUSES),
                name="submission_open_token_expiry",
            ),
            models.Index(
                fields=["confirmed_at"],
                condition=models.Q(confirmed_at__isnull=False),
                name="submission_confirmed_at",
            ),
            # Metrics: records in retry or needing a person, by the step that failed
            # (an index-only scan of the few such rows, at every scrape).
            models.Index(
                fields=["status", "failed_step"],
                condition=models.Q(status__in=[*RETRY_STATUSES, *NEEDS_ACTION_STATUSES]),
                name="submission_stuck_by_step",
            ),
            # Dashboard: why records need a person, grouped by an index-only scan.
            models.Index(
                fields=["failed_step", "reason_key", "masked_reason_key"],
                include=["id"],
                condition=models.Q(status__in=NEEDS_ACTION_STATUSES),
                name="submission_failure_reasons",
            ),
            # Console: "assigned to me" (and a deleted user's records, set to nobody).
            models.Index(
                fields=["assignee", "created_at", "id"],
                condition=models.Q(assignee__isnull=False),
                name="submission_assignee_created",
            ),
        ]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.event_type} {self.tracking_id} ({self.certificate_number})"

    def save(self, *args, **kwargs):
        """A new row starts in the state it is created in; after that only the lifecycle
        module moves it (a whole-row save could also overwrite a newer state). `last_error`
        is saved with the columns that go with it, or not at all."""
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and not _lifecycle_writing():
            if update_fields is None or "status" in update_fields:
                raise StatusWriteRefused(
                    "Save an existing submission with update_fields that leave out `status`."
                )
        if update_fields is not None:
            _check_reason_write(update_fields)
        super().save(*args, **kwargs)

    @property
    def is_correction(self) -> bool:
        return self.source_format == "correction"

    @property
    def kind_label(self) -> str:
        """What staff call the record: a birth, a death, or a correction of a birth."""
        label = self.get_event_type_display()
        return _("%(event)s correction") % {"event": label} if self.is_correction else label


class TransactionId(models.Model):
    """Every MOSIP transaction id a submission has had: a late credential for an older
    packet must still find its submission after a resubmission."""

    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="transaction_ids",
        verbose_name=_("submission"),
    )
    value = models.CharField(max_length=40, unique=True, verbose_name=_("value"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # What MOSIP issued for this packet: a late credential for an older packet, or a
    # second one after the record was confirmed, is kept here and shown to staff.
    vid = models.CharField(_("VID issued"), max_length=64, blank=True)
    credential_received_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("credential received at")
    )

    class Meta:
        verbose_name = _("MOSIP transaction id")
        verbose_name_plural = _("MOSIP transaction ids")

    def __str__(self) -> str:
        return self.value


class Step(models.TextChoices):
    AUTH = "auth", _("MOSIP auth")
    CREATE_PACKET = "create_packet", _("Create packet")
    START_WORKFLOW = "start_workflow", _("Start workflow")
    CREDENTIAL = "credential", _("Credential")
    MAPPING = "mapping", _("Map to MOSIP fields")
    OPENCRVS_AUTH = "opencrvs_auth", _("OpenCRVS auth")
    LOOKUP = "lookup", _("Look up the event in OpenCRVS")
    CONFIRM = "confirm", _("Confirm in OpenCRVS")
    REJECT = "reject", _("Reject in OpenCRVS")
    WEBSUB_SUBSCRIBE = "websub_subscribe", _("WebSub subscription")
    WEBSUB_UNSUBSCRIBE = "websub_unsubscribe", _("WebSub unsubscription")
    ID_SCHEMA = "id_schema", _("MOSIP ID schema")
    MOSIP_STATUS = "mosip_status", _("MOSIP registration status")
    MOSIP_TRANSACTIONS = "mosip_transactions", _("MOSIP processing steps")
    PACKET_INFO = "packet_info", _("Packet look-up")
    IDENTITY = "identity", _("MOSIP identity by registration id")
    CREDENTIAL_REQUEST = "credential_request", _("Ask MOSIP for the credential again")


class Attempt(models.Model):
    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="attempts",
        null=True,
        blank=True,
        verbose_name=_("submission"),
    )
    step = models.CharField(max_length=30, choices=Step.choices, verbose_name=_("step"))
    url = models.URLField(max_length=500, verbose_name=_("url"))
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))
    http_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("http status")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    # `error` as a code and its values (integration/reason_codes.py), as Submission's.
    reason_code = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)
    # The request as sent, secrets redacted and bounded (integration.clients.sent); personal
    # data like the reply's: hidden from auditors, erased by retention.
    request_excerpt = models.TextField(
        blank=True, default="", db_default="", verbose_name=_("request excerpt")
    )
    response_excerpt = models.TextField(blank=True, verbose_name=_("response excerpt"))

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["step", "started_at"], name="attempt_step_started"),
            # Staff console: the last successful contact with each system.
            models.Index(
                fields=["step", "started_at"],
                condition=models.Q(error=""),
                name="attempt_ok_step_started",
            ),
        ]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return f"{self.step} {self.http_status or self.error[:40]}"


class IntakeRepeat(models.Model):
    """A request for a record stored already, kept so staff see it on the record.

    OpenCRVS's reference country config makes a new registration number each time it
    handles the register action, so a retried action arrives with the same event and
    another certificate number: accepted, no second packet. A known certificate number
    with another event's token is refused (409): a token confirms one record only."""

    class Kind(models.TextChoices):
        NEW_NUMBER = "new_number", _("Same OpenCRVS event again, another certificate number")
        OTHER_EVENT = "other_event", _("Another OpenCRVS event's token for this certificate number")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="repeats")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    certificate_number = models.CharField(max_length=64)
    event_id = models.CharField("OpenCRVS event id", max_length=64, blank=True)
    tracking_id = models.CharField(max_length=64, blank=True)
    refused = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.certificate_number}"
