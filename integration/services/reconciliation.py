"""Reconciliation with OpenCRVS: nothing OpenCRVS waits for is lost between the two.

If the country config's call to the portal fails, OpenCRVS shows the record waiting for
external validation forever; and a confirmation OpenCRVS accepted may still leave the
event waiting there. So a periodic run (beat, `integration.reconcile_with_opencrvs`)
asks OpenCRVS, with the integration's system client, for the events registered or
waiting for the portal in a moving window (`POST /events/search`,
docs/protocols.md#event-search) and compares them with the portal's records:

- an event the portal never received is read in full (`event.get`) and taken in as a
  raw EventDocument from the country config would be (integration.services.intake), or,
  with PORTAL_RECONCILIATION_MISSING=list, listed for a person to take in from the
  console;
- a record the portal confirmed that OpenCRVS still shows waiting is confirmed again,
  by the confirmation service as any other.

An event taken in has no record token: its confirmation uses the system client's
action-confirmation token (integration.services.opencrvs_access).

Events younger than PORTAL_RECONCILIATION_GRACE_SECONDS are left alone: the country
config's call, or our own confirmation, may still be on its way.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from integration import app_settings
from integration.clients.http import RemoteError
from integration.clients.opencrvs import REGISTER, OpenCrvsClient, TokenRejected, pending_action
from integration.clients.opencrvs_auth import OpenCrvsAuth, may_search
from integration.mapping.profiles import active_profiles
from integration.models import ReconciliationRun, SourceFormat, StaffAction, Status, Submission
from integration.models.console import TAKE_IN, ActionOutcome
from integration.models.reconciliation import Done, Finding
from integration.models.submission import Step
from integration.reasons import Reason, stored_reason
from integration.services import intake, lifecycle
from integration.services.record_token import RecordToken
from integration.services.staff_actions import words_of

log = logging.getLogger(__name__)
PAGE = 100  # core's default and a sensible page
MAX_PAGES = 50  # 5,000 events a run: more means the window is far too wide
WAITING_FLAG = "register:requested"  # core: an action sent, not yet accepted or rejected
MAX_FINDINGS = 500  # kept on the run; the counts stay exact beyond it
# A record OpenCRVS accepted this many times and still shows waiting is left to a person.
MAX_CONFIRMATIONS = 3


class NotReady(Exception):
    """The reconciliation cannot run: no system client, or one that may not search.
    Raised with a Reason: the run stores it as its code."""


@dataclass
class Seen:
    """One event as the search lists it (core's EventIndex, the fields used here)."""

    id: str
    type: str
    tracking_id: str
    status: str
    waiting: bool
    changed_at: datetime | None

    @classmethod
    def from_index(cls, entry: dict) -> "Seen":
        flags = entry.get("flags") or []
        return cls(
            id=str(entry.get("id", "")),
            type=str(entry.get("type", "")),
            tracking_id=str(entry.get("trackingId", "")),
            status=str(entry.get("status", "")),
            waiting=WAITING_FLAG in flags,
            changed_at=parse_datetime(str(entry.get("updatedAt") or "")),
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event_type_ids() -> list[str]:
    """The OpenCRVS event types the portal takes as raw EventDocuments (active profiles)."""
    ids: list[str] = []
    for profile in active_profiles():
        if profile.source_format != SourceFormat.EVENT:
            continue
        for type_id in profile.event_type_ids or [profile.event_type]:
            if type_id not in ids:
                ids.append(type_id)
    return ids


def search_query(types: list[str], start: datetime, end: datetime) -> dict:
    """Per event type: registered in the window, or waiting for the portal and changed in
    it (core's QueryType: an `or` of QueryExpressions)."""
    window = {"type": "range", "gte": _iso(start), "lte": _iso(end)}
    clauses: list[dict] = []
    for type_id in types:
        clauses.append(
            {
                "eventType": type_id,
                "status": {"type": "exact", "term": "REGISTERED"},
                "legalStatuses.REGISTERED.acceptedAt": window,
            }
        )
        clauses.append(
            {
                "eventType": type_id,
                "status": {"type": "anyOf", "terms": ["DECLARED", "VALIDATED"]},
                "flags": {"anyOf": [WAITING_FLAG]},
                "updatedAt": window,
            }
        )
    return {"type": "or", "clauses": clauses}


NO_SYSTEM_CLIENT = gettext_lazy(
    "No OpenCRVS system client is set up: the reconciliation needs one (the admin's "
    "OpenCRVS settings) with the scopes record.read and record.search."
)


def _system_token(auth: OpenCrvsAuth) -> str:
    if not auth.configured:
        raise NotReady(Reason("reconciliation_no_system_client"))
    token = auth.system_token()
    if not may_search(token):
        raise NotReady(Reason("reconciliation_no_search_scope"))
    return token


def list_events(client: OpenCrvsClient, token: str, query: dict) -> list[Seen]:
    seen: dict[str, Seen] = {}
    for page in range(MAX_PAGES):
        found = client.search_events(query, token, limit=PAGE, offset=page * PAGE)
        for entry in found["results"]:
            event = Seen.from_index(entry)
            if event.id:
                seen[event.id] = event
        if not found["results"] or (page + 1) * PAGE >= found["total"]:
            break
    return list(seen.values())


def take_in(event_id: str, auth: OpenCrvsAuth | None = None) -> tuple[Submission, bool]:
    """Read the event (`event.get`, the system client's token) and take it in as a raw
    EventDocument from the country config would be: the same intake, the same record
    if it came meanwhile. Without a pending REGISTER (registered in OpenCRVS already)
    there is nothing to confirm. Raises intake.NotConfigured or RemoteError."""
    auth = auth or OpenCrvsAuth()
    if not auth.configured:
        raise RemoteError(Reason("reconciliation_no_system_client"), retriable=False)
    event = OpenCrvsClient().get_event(event_id, auth.system_token(), None)
    pending = pending_action(event)
    waits = pending is not None and pending.get("type") == REGISTER
    # No record token comes with it: the ids stand in for the token's claims, and the
    # confirmation exchanges the system client's token for one.
    claims = {"eventId": str(event.get("id", event_id)), "actionId": pending["id"] if waits else ""}
    incoming = intake.from_event_document(event, RecordToken(raw="", claims=claims))
    with transaction.atomic():
        submission, created = intake.receive(incoming)
        if created and not waits:
            Submission.objects.filter(pk=submission.pk).update(confirm_in_opencrvs=False)
    return submission, created


def reconcile() -> ReconciliationRun | None:
    """One run; whatever happens, it is recorded (with its error) for the console. None
    without a system client: 1.9 without one is a set-up the portal supports, so no run
    (and no alert) until one is set; the console page says what is missing."""
    auth = OpenCrvsAuth()
    if not auth.configured:
        log.info("reconciliation with OpenCRVS skipped: no system client is set up")
        return None
    now = timezone.now()
    start = now - timedelta(hours=app_settings.RECONCILIATION_WINDOW_HOURS)
    run = ReconciliationRun.objects.create(started_at=now, window_start=start, window_end=now)
    try:
        _reconcile(run, auth, start, now)
    except NotReady as error:
        _stopped(run, error.args[0])
        log.warning("reconciliation with OpenCRVS cannot run: %s", error)
    except RemoteError as error:
        _stopped(run, error.reason)
        log.warning("reconciliation with OpenCRVS failed: %s", error.message)
    except Exception as exc:  # noqa: BLE001 - the run says so; beat tries again next time
        _stopped(run, Reason("run_unexpected", kind=type(exc).__name__))
        log.exception("reconciliation with OpenCRVS failed")
    run.finished_at = timezone.now()
    run.findings = run.findings[:MAX_FINDINGS]
    run.save()
    return run


def _stopped(run: ReconciliationRun, why: object) -> None:
    """Why the run could not run: its English text, and its code for the console."""
    stored = stored_reason(why)
    run.error = stored["last_error"]
    run.reason_code, run.reason_params = stored["reason_code"], stored["reason_params"]


def _reconcile(run: ReconciliationRun, auth: OpenCrvsAuth, start: datetime, end: datetime):
    token = _system_token(auth)
    types = event_type_ids()
    if not types:
        raise NotReady(Reason("reconciliation_no_profile"))
    client = OpenCrvsClient()
    try:
        events = list_events(client, token, search_query(types, start, end))
    except TokenRejected as error:
        auth.forget_system_token()
        raise NotReady(error.reason) from error
    run.events_seen = len(events)
    settled = end - timedelta(seconds=app_settings.RECONCILIATION_GRACE_SECONDS)
    ids = [e.id for e in events]
    trackings = [e.tracking_id for e in events if e.tracking_id]
    known = (
        Submission.objects.exclude(source_format=SourceFormat.CORRECTION)
        .filter(Q(event_id__in=ids) | Q(tracking_id__in=trackings))
        .only("pk", "event_id", "tracking_id", "status", "confirmed_at", "claimed_at")
    )
    by_event = {s.event_id: s for s in known if s.event_id}
    by_tracking = {s.tracking_id: s for s in known if s.tracking_id}
    for event in events:
        if event.changed_at and event.changed_at > settled:
            continue  # too fresh: its call or our confirmation may be on its way
        record = by_event.get(event.id) or by_tracking.get(event.tracking_id)
        if record is None:
            _missing(run, event, auth)
        elif event.waiting and record.status == Status.CONFIRMED:
            if record.confirmed_at and record.confirmed_at > settled:
                continue
            _still_waiting(run, event, record)


def _note(run: ReconciliationRun, event: Seen, finding: str, done: str, **extra) -> None:
    run.findings.append(
        {
            "event_id": event.id,
            "event_type": event.type,
            "tracking_id": event.tracking_id,
            "opencrvs_status": event.status,
            "finding": finding,
            "done": done,
            **extra,
        }
    )


def _detail(why: object) -> dict:
    """A finding's `detail` (English) and, for a reason, its code and values: the console
    shows it in the reader's language (integration.console.templatetags)."""
    stored = stored_reason(why)
    detail = {"detail": stored.pop("last_error")}
    return {**detail, **stored} if stored["reason_code"] else detail


def _missing(run: ReconciliationRun, event: Seen, auth: OpenCrvsAuth) -> None:
    run.missing += 1
    if app_settings.RECONCILIATION_MISSING == "list":
        run.listed += 1
        _note(run, event, Finding.MISSING, Done.LISTED)
        return
    try:
        submission, _created = take_in(event.id, auth)
    except (intake.NotConfigured, intake.EventConflict, RemoteError) as error:
        detail = getattr(error, "message", None) or str(error)
        _note(run, event, Finding.MISSING, Done.FAILED, **_detail(getattr(error, "reason", error)))
        log.warning("reconciliation: event %s could not be taken in: %s", event.id, detail)
        return
    run.taken_in += 1
    _note(run, event, Finding.MISSING, Done.TAKEN_IN, submission=submission.pk)
    log.info("reconciliation: took in OpenCRVS event %s as record %s", event.id, submission.pk)


def _still_waiting(run: ReconciliationRun, event: Seen, record: Submission) -> None:
    from integration.tasks import enqueue_confirmation

    run.still_waiting += 1
    accepted = record.attempts.filter(step=Step.CONFIRM, error="", http_status=200).count()
    if accepted >= MAX_CONFIRMATIONS:
        # OpenCRVS accepts and still shows it waiting: asking again would loop for ever.
        detail = _detail(Reason("reconciliation_confirmed_often", n=accepted))
        _note(run, event, Finding.STILL_WAITING, Done.FAILED, submission=record.pk, **detail)
        log.warning("reconciliation: record %s confirmed %s times, OpenCRVS still waits",
                    record.pk, accepted)  # fmt: skip
        return
    with transaction.atomic():
        moved = lifecycle.move(record, "confirm_again", next_attempt_at=None)
        if moved:
            enqueue_confirmation(record.pk)
    if moved:
        run.confirmed_again += 1
        _note(run, event, Finding.STILL_WAITING, Done.CONFIRMED_AGAIN, submission=record.pk)
        log.info("reconciliation: record %s confirmed again (OpenCRVS still waits)", record.pk)
    else:
        _note(run, event, Finding.STILL_WAITING, Done.FAILED, submission=record.pk)


def take_in_by_person(event_id: str, user, reason: str = "") -> Submission:
    """The console's action for an event a run listed: taken in, and audited."""
    submission, created = take_in(event_id)
    said = (
        Reason("taken_in", pk=submission.pk)
        if created
        else Reason("taken_in_already", pk=submission.pk)
    )
    StaffAction.objects.create(
        kind=TAKE_IN,
        outcome=ActionOutcome.DONE,
        # English in the audit log; codes for pages (the portal's own reason too)
        **words_of(said, why=reason or Reason("taken_in_listed")),
        actor=user,
        actor_name=user.get_username(),
        submission=submission,
        tracking_id=submission.tracking_id,
        status_after=submission.status,
    )
    return submission


def last_runs(limit: int = 20) -> list[ReconciliationRun]:
    return list(ReconciliationRun.objects.order_by("-started_at", "-id")[:limit])


def waiting_for_a_person() -> list[dict]:
    """Events the latest finished run listed for a person, less those taken in since."""
    run = ReconciliationRun.objects.filter(finished_at__isnull=False).first()
    if run is None:
        return []
    listed = [f for f in run.findings if f.get("done") == Done.LISTED]
    held = set(
        Submission.objects.filter(event_id__in=[f["event_id"] for f in listed]).values_list(
            "event_id", flat=True
        )
    )
    return [f for f in listed if f["event_id"] not in held]
