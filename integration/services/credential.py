"""MOSIP's CREDENTIAL_ISSUED event: decrypt the credential, check its proof, find the
submission by transaction id, keep the VID and queue the confirmation.

A credential delivered twice changes nothing the second time.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integration import logs
from integration.clients.http import recorded_call
from integration.crypto.credential import CredentialError, MalformedCredential, decrypt_credential
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.crypto.vc_proof import ProofError
from integration.models import EventType, MosipSettings, Status, Submission, TransactionId
from integration.models.submission import FINAL_STATUSES, Step
from integration.reasons import Reason
from integration.services import lifecycle
from integration.services.credential_proof import ProofUnavailable, check_proof, trust_from_settings
from integration.services.key_rotation import partner_keystores

log = logging.getLogger(__name__)
# Credential types whose subject carries the national id: MOSIP's `vercred` and the
# `euin` of newer credential templates. Absent means an older hub: read as vercred.
READABLE_CREDENTIAL_TYPES = ("vercred", "euin")


class CredentialRefused(Exception):
    """The credential cannot be used; the reason is safe to log and to store. Raised with
    a Reason (integration/reason_codes.py): str() is its English text, the record's
    timeline shows it in the reader's language."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        super().__init__(str(reason))


class CredentialNotReadable(CredentialRefused):
    """Not the credential's fault but our set-up's (no keystore, a wrong keystore or
    password, a key document out of reach or answering 4xx): MOSIP is asked to deliver
    it again, and it is kept to be reprocessed once the set-up is fixed."""


class CredentialForged(CredentialRefused):
    """The credential's proof does not hold: refused, and kept for the audit."""


class CredentialMalformed(CredentialRefused):
    """Not a CREDENTIAL_ISSUED event the portal can read (no `data.credential`, or not
    MOSIP's encrypted layout): no set-up of ours would read it, so it is not asked for
    again; kept as invalid."""


@dataclass
class CredentialOutcome:
    accepted: bool
    reason: str = ""  # English, as the Inbound row stores it (`why`: its code)
    why: Reason | None = None
    retry: bool = False  # answer so that the hub delivers the event again
    forged: bool = False
    invalid: bool = False  # not a credential event at all (CredentialMalformed)
    submission: Submission | None = None


@lru_cache(maxsize=4)
def _partner_key(keystore: bytes, password: str):
    # Cached per keystore and password: parsing PKCS#12 on every credential is wasted work.
    return load_pkcs12(keystore, password)


def _open(config: MosipSettings, credential_b64: str) -> dict:
    keystores = list(partner_keystores(config))
    if not keystores:
        raise CredentialNotReadable(Reason("credential_no_keystore"))
    # The current keystore first; during a rotation, MOSIP may still have encrypted for
    # the previous certificate, which is kept until an admin removes it.
    problems = []
    for which, keystore, password in keystores:
        try:
            key, certificate = _partner_key(keystore, password)
            vc = decrypt_credential(credential_b64, key, certificate)
        except MalformedCredential as exc:
            raise CredentialMalformed(Reason("credential_unreadable", error=str(exc))) from exc
        except KeystoreError as exc:
            if which == "previous":
                problems.append(Reason("previous_keystore_unusable", error=str(exc)))
            else:
                problems.append(Reason("current_keystore_unusable", error=str(exc)))
        except CredentialError as exc:
            # MOSIP encrypts for the certificate we registered: failing to decrypt most
            # likely means the keystore in our settings is not that one.
            if which == "previous":
                problems.append(Reason("previous_keystore_wrong", error=str(exc)))
            else:
                problems.append(Reason("current_keystore_wrong", error=str(exc)))
        else:
            if which == "previous":
                # What tells the operator the previous keystore is still needed.
                log.warning("credential decrypted with the previous keystore")
            return vc
    raise CredentialNotReadable(Reason("credential_keystores_failed", problems=problems))


def _signed_claims(config: MosipSettings, vc: dict) -> dict:
    """The credential as its proof covers it (all of it when the check is turned off)."""
    if not config.verify_credential_proof:
        log.warning("credential proof check is turned off in the MOSIP settings")
        return vc
    try:
        return check_proof(vc, trust_from_settings(config))
    except ProofUnavailable as exc:
        raise CredentialNotReadable(exc.reason) from exc
    except ProofError as exc:
        raise CredentialForged(Reason("proof_invalid", error=str(exc))) from exc


def read_signed(config: MosipSettings, credential_b64: str) -> tuple[dict, dict]:
    """The credential decrypted, and what its proof covers, checked as the callback
    checks them; raises CredentialRefused (or a subclass) as the callback would."""
    vc = _open(config, credential_b64)
    return vc, _signed_claims(config, vc)


def subject_of(claims: dict) -> dict:
    subject = claims.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if isinstance(subject, str):  # JSON-LD compacts a subject with only an id to the id
        return {"id": subject}
    return subject if isinstance(subject, dict) else {}


def _text(value) -> str:
    if isinstance(value, dict):  # a typed or language-tagged literal after compaction
        value = value.get("@value", "")
    return "" if value is None else str(value)


def signed_vid(vc: dict, claims: dict, key: str = "VID") -> str:
    """The national id under `key` (the MOSIP setting), only as the signature covers it:
    JSON-LD drops a term its contexts do not define, so a value in the JSON may be
    outside the signed graph."""
    vid = _text(subject_of(claims).get(key))
    if _text(subject_of(vc).get(key)) not in ("", vid):
        raise CredentialRefused(Reason("credential_id_unsigned", key=key))
    return vid


def _transaction_id(vc: dict, registration_id: str) -> str:
    subject_id = _text(subject_of(vc).get("id"))
    transaction_id = subject_id.rstrip("/").rsplit("/", 1)[-1]
    if registration_id and transaction_id != registration_id:
        raise CredentialForged(Reason("credential_subject_mismatch"))
    return transaction_id


def receive_credential(event: dict) -> CredentialOutcome:
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("credential"), str):
        reason = Reason("credential_not_event")
        log.warning("credential event refused: %s", reason)
        return CredentialOutcome(False, str(reason), why=reason, invalid=True)
    registration_id = str(data.get("registrationId", ""))
    with recorded_call(Step.CREDENTIAL, "websub:/websub/callback", None) as call:
        call.submission = _find(registration_id)  # for the timeline; may be None
        if call.submission is not None:
            logs.bind_submission(call.submission)
        try:
            kind = data.get("credentialType") or "vercred"
            if kind not in READABLE_CREDENTIAL_TYPES:
                raise CredentialRefused(
                    Reason(
                        "credential_type_unread",
                        credential_type=repr(kind),
                        readable=", ".join(READABLE_CREDENTIAL_TYPES),
                    )
                )
            config = MosipSettings.load()
            vc = _open(config, str(data.get("credential", "")))
            claims = _signed_claims(config, vc)
            transaction_id = _transaction_id(claims, registration_id)
            # Found already unless the registrationId was missing (it must match).
            submission = call.submission if registration_id else _find(transaction_id)
            if submission is None:
                raise CredentialRefused(
                    Reason("credential_no_submission", transaction_id=registration_id)
                )
            key = config.national_id_key or "VID"
            vid = signed_vid(vc, claims, key)
            if submission.event_type == EventType.BIRTH and not vid:
                raise CredentialRefused(Reason("credential_no_national_id", key=key))
            _store_vid(submission, transaction_id, vid)
        except CredentialRefused as exc:
            call.error = exc.reason  # stored as its code (integration.reasons)
            log.warning("credential for %s refused: %s", registration_id or "?", exc)
            return CredentialOutcome(
                False,
                str(exc),
                why=exc.reason,
                retry=isinstance(exc, CredentialNotReadable),
                forged=isinstance(exc, CredentialForged),
                invalid=isinstance(exc, CredentialMalformed),
                # Found by the event's registrationId (our transaction id): the Inbound
                # row links it, and a refusal on our side marks it as needing a person.
                submission=call.submission,
            )
    return CredentialOutcome(True, submission=submission)


# What a credential callback reads of its record. Loading only these keeps the lookup
# cheap: Django builds each of a Submission's 30-odd columns into the query and back.
# Without it the callback reads the whole row (the stored request, the encrypted token);
# with it, a field read but not named here costs one more query each: add it here.
# tests/e2e/test_fast_paths.py checks the look-up selects these columns and no deferred one.
CALLBACK_FIELDS = ("status", "event_type", "confirm_in_opencrvs", "transaction_id", "vid",
                   "claimed_at", "credential_received_at")  # fmt: skip


def _find(transaction_id: str) -> Submission | None:
    # A transaction id is unique: at most one row, so no ORDER BY is needed.
    found = Submission.objects.filter(transaction_ids__value=transaction_id)
    return next(iter(found.only(*CALLBACK_FIELDS)[:1]), None)


def _store_vid(submission: Submission, transaction_id: str, vid: str) -> None:
    """Keep the VID with the packet it was issued for; the record takes the first one.

    Another credential (for an older packet, or again after the record was confirmed)
    never replaces the VID already sent or being sent to OpenCRVS: it stays on its
    transaction id, where the console shows it to staff. The VID and the move on to the
    confirmation are written together, so a database failure between them cannot leave
    a record holding its credential but still waiting for it."""
    with transaction.atomic():
        _store_vid_once(submission, transaction_id, vid)


def _store_vid_once(submission: Submission, transaction_id: str, vid: str) -> None:
    now = timezone.now()
    TransactionId.objects.filter(value=transaction_id, credential_received_at__isnull=True).update(
        vid=vid, credential_received_at=now
    )
    done = {"next_attempt_at": None, "retry_count": 0}
    # A record to confirm waits for OpenCRVS next; a webhook record (OpenCRVS registered
    # it already) ends with its credential.
    if submission.confirm_in_opencrvs:
        to, ending = Status.CREDENTIAL_RECEIVED, {}
    else:
        to, ending = Status.COMPLETED, {"token": ""}
    # The usual case, a record waiting for its first credential: the VID and the move in
    # one UPDATE. Any other (a worker holds the record, a credential came before, the
    # record is finished): the VID first, then the move if the record may make it.
    first_and_moved = lifecycle.move(
        submission,
        "credential_arrived",
        to=to,
        where=Q(credential_received_at__isnull=True),
        vid=vid,
        credential_received_at=now,
        **done,
        **ending,
    )
    if first_and_moved:
        _confirm_next(submission)
        return
    first = (
        Submission.objects.filter(pk=submission.pk, credential_received_at__isnull=True)
        .exclude(status__in=FINAL_STATUSES)
        .update(vid=vid, credential_received_at=now, updated_at=now)
    )
    if not first and vid != submission.vid:
        log.warning(
            "submission %s: another credential (transaction %s) after the first; "
            "kept for staff to see",
            submission.pk,
            transaction_id,
        )
    # While a worker holds the record it finishes the hand-over itself (see delivery).
    # The same credential again moves on a record still waiting for it (rows left so by
    # an older version); a failed record moves on only for a credential it did not have.
    waiting = Q(credential_received_at__isnull=False)
    if not first:
        waiting &= ~Q(status=Status.FAILED)
    if lifecycle.move(submission, "credential_arrived", to=to, where=waiting, **done, **ending):
        _confirm_next(submission)


def _confirm_next(submission: Submission) -> None:
    from integration.tasks import enqueue_confirmation  # late: tasks reaches this module

    if submission.confirm_in_opencrvs:
        enqueue_confirmation(submission.pk)
