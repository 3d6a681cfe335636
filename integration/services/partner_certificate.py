"""Whether the partner keystores about to be saved can read what MOSIP sends.

MOSIP encrypts each credential for the partner certificate it holds, and names that
certificate in the credential (the SHA-256 thumbprint after `VER_R2`). The portal has no
other record of which certificate MOSIP holds, so the latest credential MOSIP delivered
(read, or signed by the hub and kept for a reason on our side) stands for it: when
neither the keystore being saved nor the previous one kept beside it holds that
certificate, every credential to come would be refused, and the save is refused instead.
With no such delivery yet (a new installation) nothing can be checked this way.
"""

import json
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration.crypto.credential import certificate_thumbprint, recipient_thumbprint
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.models import InboundEvent, InboundKind, InboundOutcome, MosipSettings
from integration.reasons import Readable
from integration.services.key_rotation import partner_keystores

# A delivery older than this may predate a rotation MOSIP has made since.
RECENT = timedelta(days=30)
LOOK_AT = 5  # the latest deliveries read for a thumbprint (some may not state one)


def certificate_mosip_encrypts_for() -> tuple[bytes, InboundEvent] | None:
    """The thumbprint the latest trustworthy credential delivery was encrypted for."""
    trusted = Q(outcome=InboundOutcome.ACCEPTED) | Q(
        outcome=InboundOutcome.KEPT_FOR_RETRY, signature_valid=True
    )
    deliveries = InboundEvent.objects.filter(
        trusted, kind=InboundKind.CREDENTIAL, received_at__gte=timezone.now() - RECENT
    ).order_by("-received_at", "-id")[:LOOK_AT]
    for delivery in deliveries:
        try:
            data = json.loads(bytes(delivery.body))["event"]["data"]
            thumbprint = recipient_thumbprint(str(data["credential"]))
        except (ValueError, KeyError, TypeError):
            continue
        if thumbprint:
            return thumbprint, delivery
    return None


def keystore_problem(config: MosipSettings) -> Readable | None:
    """Why the keystores in `config` (as they would be saved) cannot decrypt what MOSIP
    sends; None when they can or when it cannot be told."""
    found = certificate_mosip_encrypts_for()
    if found is None:
        return None
    wanted, delivery = found
    held = []
    for _which, keystore, password in partner_keystores(config):
        try:
            held.append(certificate_thumbprint(load_pkcs12(keystore, password)[1]))
        except KeystoreError:
            continue  # reported by the form's own check
    if not held or wanted in held:
        return None
    return Readable(
        _(
            "MOSIP encrypts credentials for another certificate (SHA-256 thumbprint "
            "%(wanted)s, in delivery #%(delivery)s): this keystore's certificate is "
            "%(held)s. Upload the keystore whose certificate is registered for the "
            "partner in MOSIP, or keep the previous keystore until MOSIP encrypts for "
            "the new one."
        ),
        wanted=wanted.hex()[:16] + "…",
        delivery=delivery.pk,
        held=held[0].hex()[:16] + "…",
    )
