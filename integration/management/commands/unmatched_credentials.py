"""List the credentials MOSIP delivered for transactions this database does not know.

After a restore (docs/runbook/backup-restore.md#after-a-restore) these are the
registrations the portal accepted after the backup was taken: MOSIP registered the
person and issued the credential, the portal answered 200 and kept the delivery as
refused (`no submission has transaction id …`). For each, this prints what staff need to
complete the registration in OpenCRVS by hand, read from the stored delivery and checked
as the callback checks it: the transaction id (MOSIP's registration id), the certificate
number the signed credential names, and the national id (masked unless asked for).
Nothing is changed.
"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from integration.fields import mask
from integration.models import InboundEvent, InboundKind, InboundOutcome, MosipSettings
from integration.models.submission import TransactionId
from integration.services.credential import (
    CredentialRefused,
    read_signed,
    signed_vid,
    subject_of,
)

UNKNOWN = "no submission has transaction id "
CERTIFICATE_KEYS = ("birthCertificateNumber", "deathCertificateNumber")


class Command(BaseCommand):
    help = (
        "List credentials MOSIP delivered for transactions this database does not know "
        "(after a restore): transaction id, certificate number, national id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="Only deliveries received at or after this ISO 8601 time."
        )
        parser.add_argument(
            "--show-national-id",
            action="store_true",
            help="Print the national id in full (for OpenCRVS's operators); masked otherwise.",
        )

    def handle(self, *args, since: str | None = None, show_national_id: bool = False, **opts):
        events = InboundEvent.objects.filter(
            kind=InboundKind.CREDENTIAL,
            outcome=InboundOutcome.REFUSED,
            error__startswith=UNKNOWN,
        ).order_by("received_at", "id")
        if since:
            when = parse_datetime(since)
            if when is None:
                raise CommandError(f"--since {since!r} is not an ISO 8601 time")
            events = events.filter(received_at__gte=when)
        config = MosipSettings.load()
        count = 0
        for event in events.iterator():
            transaction_id = event.error.removeprefix(UNKNOWN).strip()
            line = [f"#{event.pk}", event.received_at.isoformat(), f"transaction {transaction_id}"]
            if TransactionId.objects.filter(value=transaction_id).exists():
                line.append("now known: reprocess it from the console's Inbound page")
            else:
                line += self._read(event, config, show_national_id)
            self.stdout.write("  ".join(line))
            count += 1
        self.stdout.write(f"{count} credential(s) for transactions this database does not know.")

    def _read(self, event: InboundEvent, config: MosipSettings, show: bool) -> list[str]:
        if not bytes(event.body):
            return ["its body was erased by retention"]
        try:
            data = json.loads(bytes(event.body))["event"]["data"]
            vc, claims = read_signed(config, str(data.get("credential", "")))
            key = config.national_id_key or "VID"
            national_id = signed_vid(vc, claims, key)
        except (ValueError, KeyError, TypeError, CredentialRefused) as exc:
            return [f"unreadable now: {exc}"]
        subject = subject_of(claims)
        certificate = next((str(subject[k]) for k in CERTIFICATE_KEYS if subject.get(k)), "")
        shown = national_id if show else mask(national_id)
        return [f"certificate {certificate or '(not in the credential)'}", f"{key} {shown}"]
