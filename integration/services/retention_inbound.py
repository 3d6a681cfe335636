"""Retention for the inbound store (integration.models.inbound): a stored credential or
OpenCRVS webhook body is the person's data, kept as it came. Its body and headers are
erased once it is older than the personal-data period, and the row itself is deleted
with the other call records; a delivery still waiting to be handled or reprocessed
(received, kept for retry) is kept whole until it is."""

from datetime import datetime

from integration.masking import mask_message, masked_params
from integration.models import InboundEvent
from integration.models.inbound import PENDING

BATCH = 5000


def erase_inbound(before: datetime) -> int:
    old = (
        InboundEvent.objects.filter(received_at__lt=before)
        .exclude(outcome__in=PENDING)
        .exclude(body=b"")
        .order_by("received_at", "id")
    )
    erased = 0
    while events := list(old.only("id", "error", "reason_params")[:BATCH]):
        for event in events:
            InboundEvent.objects.filter(pk=event.pk).update(
                body=b"",
                headers={},
                error=mask_message(event.error),
                reason_params=masked_params(event.reason_params),
            )
        erased += len(events)
    return erased


def prune_inbound(before: datetime) -> int:
    old = InboundEvent.objects.filter(received_at__lt=before).exclude(outcome__in=PENDING)
    deleted = 0
    while ids := list(old.values_list("id", flat=True)[:BATCH]):
        deleted += InboundEvent.objects.filter(pk__in=ids).delete()[0]
    return deleted
