"""Store inbound deliveries first, then handle them; the same handling reprocesses a
stored one from the console.

The views only store (`store`), check the signature at receipt and answer what
`handle` decides. An outcome on our side (`kept_for_retry`) is answered 503 so that the
sender delivers it again; in the meantime the row waits to be reprocessed.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from integration.db import insert
from integration.json_bodies import BadInput, parse_json
from integration.models import (
    InboundEvent,
    InboundKind,
    InboundOutcome,
    MosipSettings,
    OpenCrvsSettings,
)
from integration.models.inbound import REPROCESSABLE
from integration.outages import outage_of
from integration.reasons import Reason
from integration.services import intake, workflow_events
from integration.services.credential import receive_credential
from integration.services.key_rotation import websub_secrets
from integration.services.signatures import mosip_signature_matches, opencrvs_signature_matches

log = logging.getLogger(__name__)

# Never stored in clear: whoever reads the row must not be able to replay a credential.
REDACTED_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}


@dataclass
class Handled:
    """What to answer the sender, and what became of the delivery."""

    status: int
    outcome: str
    error: str = ""  # English, as answered and logged
    detail: dict = field(default_factory=dict)  # the JSON answer, for views that use it
    document: object = None  # the parsed body, when it parsed
    reason: Reason | None = None  # `error` as a code, for the Inbound page


def _refused(status: int, outcome: str, reason: Reason, detail: dict | None = None,
             document: object = None) -> Handled:  # fmt: skip
    return Handled(status, outcome, str(reason), detail or {}, document, reason)


def _invalid(status: int, detail: dict) -> Handled:
    """Not a delivery the portal reads: the answer sent back is the reason's detail
    (the API's English words, shown apart as recorded)."""
    return _refused(status, InboundOutcome.INVALID, Reason("inbound_invalid", verbatim=str(detail)),
                    detail)  # fmt: skip


def store(request: HttpRequest, kind: str) -> InboundEvent:
    """Write the delivery as it came, in its own commit, before anything looks at it."""
    headers = {
        name: "[redacted]" if name.lower() in REDACTED_HEADERS else value
        for name, value in request.headers.items()
    }
    # One INSERT that commits by itself (no BEGIN and COMMIT round trips).
    return insert(
        InboundEvent,
        kind=kind,
        remote_address=request.META.get("REMOTE_ADDR") or None,
        headers=headers,
        body=request.body,
    )


def signature_holds(event: InboundEvent) -> bool | None:
    """True or False; None when no signature can be asked for yet (no secret set)."""
    signature = event.headers.get("X-Hub-Signature")
    body = bytes(event.body)
    if event.kind in MOSIP_KINDS:
        # The previous secret too, for its overlap after a rotation (key_rotation.py).
        secrets = websub_secrets(MosipSettings.load())
        if not secrets:
            return None
        return any([mosip_signature_matches(body, signature, secret) for secret in secrets])
    secret = OpenCrvsSettings.load().webhook_secret
    return opencrvs_signature_matches(body, signature, secret) if secret else None


def _finish(event: InboundEvent, handled: Handled, submission=None) -> Handled:
    event.outcome, event.error = handled.outcome, handled.error[:2000]
    stored = handled.reason.stored() if handled.reason else {"reason_code": "", "reason_params": {}}
    event.reason_code, event.reason_params = stored["reason_code"], stored["reason_params"]
    event.handled_at = timezone.now()
    if submission is not None:
        event.submission = submission
    event.save(
        update_fields=[
            "outcome", "error", "reason_code", "reason_params", "handled_at", "submission",
            "signature_valid",
        ]
    )  # fmt: skip
    return handled


def handle(event: InboundEvent) -> Handled:
    """Check and process a stored delivery; record what became of it."""
    holds = signature_holds(event)
    event.signature_valid = holds
    handler = HANDLERS.get(event.kind, _webhook)
    if holds is False:
        return _finish(
            event, _refused(401, InboundOutcome.FORGED, Reason("inbound_signature_wrong"))
        )
    if holds is None and event.kind == InboundKind.OPENCRVS_WEBHOOK:
        reason = Reason("inbound_no_webhook_secret")
        log.error("an OpenCRVS webhook arrived but %s", reason)
        return _finish(event, _refused(503, InboundOutcome.KEPT_FOR_RETRY, reason))
    try:
        document = parse_json(bytes(event.body))
    except BadInput as exc:
        return _finish(event, _invalid(_invalid_status(event), exc.as_json()))
    try:
        return handler(event, document)
    except Exception as exc:
        # Our side: an outage or a bug. The sender is asked to deliver it again, and the
        # row stays to be reprocessed. Only the exception's class is logged: its text
        # may quote the delivery.
        service = outage_of(exc)
        reason = (
            Reason("inbound_outage", service=service)
            if service
            else Reason("inbound_unexpected", error=type(exc).__name__)
        )
        log.error("inbound event %s kept for reprocessing: %s", event.pk, reason)
        if service is None:
            log.debug("inbound event %s failed", event.pk, exc_info=True)
        return _finish(event, _refused(503, InboundOutcome.KEPT_FOR_RETRY, reason))


def _invalid_status(event: InboundEvent) -> int:
    """A credential delivery the hub signed correctly but that is no CREDENTIAL_ISSUED
    event (not JSON, another shape) is answered 200 with status ERROR, as any refused
    credential: the hub delivers again what is not a 2xx, and this would never read
    better. It is kept as invalid for staff. Unsigned (no secret set yet) it is a 400."""
    signed = event.kind in MOSIP_KINDS and event.signature_valid
    return 200 if signed else 400


def _credential(event: InboundEvent, document: object) -> Handled:
    message = document.get("event") if isinstance(document, dict) else None
    if not isinstance(message, dict):
        detail = {"event": ["Expected a WebSub event with an `event` object."]}
        return _finish(event, _invalid(_invalid_status(event), detail))
    outcome = receive_credential(message)
    # Refused: `why` is the reason as a code, `reason` its English text.
    if outcome.accepted:
        handled = Handled(200, InboundOutcome.ACCEPTED, document=document)
    elif outcome.invalid:
        handled = Handled(200, InboundOutcome.INVALID, outcome.reason, document=document)
    elif outcome.retry:
        handled = Handled(503, InboundOutcome.KEPT_FOR_RETRY, outcome.reason, document=document)
    else:
        kind = InboundOutcome.FORGED if outcome.forged else InboundOutcome.REFUSED
        handled = Handled(200, kind, outcome.reason, document=document)
    handled.reason = outcome.why
    return _finish(event, handled, outcome.submission)


def _webhook(event: InboundEvent, document: object) -> Handled:
    try:
        topic = document["event"]["hub"]["topic"]
        bundle = document["event"]["context"][0]
    except (KeyError, IndexError, TypeError):
        detail = {"event": ["Expected {event: {hub: {topic}, context: [<FHIR Bundle>]}}."]}
        return _finish(event, _invalid(400, detail))
    if topic not in intake.WEBHOOK_TOPICS:
        detail = {"topic": [f"Unknown topic {str(topic)[:50]!r}."]}
        return _finish(event, _invalid(400, detail))
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        detail = {"context": ["Expected a FHIR Bundle."]}
        return _finish(event, _invalid(400, detail))
    submission, _created = intake.receive(intake.from_webhook(bundle, topic, bytes(event.body)))
    return _finish(event, Handled(202, InboundOutcome.ACCEPTED), submission)


def _workflow(event: InboundEvent, document: object) -> Handled:
    """MOSIP's workflow manager: a packet's workflow ended (services/workflow_events.py).
    An event for a registration id we do not know is kept and answered 200: every
    subscriber of the topic gets every packet's event."""
    outcome = workflow_events.receive(document)
    if outcome.invalid:
        handled = _invalid(_invalid_status(event), {"event": [outcome.invalid]})
    elif outcome.retry and outcome.why:
        # Too early, or MOSIP's reason out of reach: the hub delivers it again (and the
        # status look-up finds it too); the row waits to be reprocessed meanwhile.
        handled = _refused(503, InboundOutcome.KEPT_FOR_RETRY, outcome.why)
    elif outcome.applied or not outcome.why:
        handled = Handled(200, InboundOutcome.ACCEPTED)
    else:
        handled = _refused(200, InboundOutcome.REFUSED, outcome.why)
    return _finish(event, handled, outcome.submission)


# The kinds MOSIP's WebSub hub delivers, signed with the subscription's secret.
MOSIP_KINDS = (InboundKind.CREDENTIAL, InboundKind.MOSIP_WORKFLOW)
HANDLERS = {
    InboundKind.CREDENTIAL: _credential,
    InboundKind.MOSIP_WORKFLOW: _workflow,
    InboundKind.OPENCRVS_WEBHOOK: _webhook,
}


def reprocess(event_id: int, actor_name: str) -> InboundEvent | None:
    """Handle a kept delivery again (a console action). None when it is not (or no
    longer) reprocessable: a forged one never is, an accepted one has nothing to do."""
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update()
            .filter(pk=event_id, outcome__in=REPROCESSABLE)
            .first()
        )
        if event is None:
            return None
        event.reprocessed_count += 1
        event.reprocessed_by = actor_name[:300]
        event.save(update_fields=["reprocessed_count", "reprocessed_by"])
    log.info("inbound event %s reprocessed by a staff member", event_id)
    handle(event)
    return event
