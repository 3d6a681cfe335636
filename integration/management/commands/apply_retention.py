"""`manage.py apply_retention`: apply the retention policy now (beat does it regularly)."""

from django.core.management.base import BaseCommand

from integration.services.retention import apply_retention


class Command(BaseCommand):
    help = "Erase personal data and delete call records past the retention policy, now."

    def handle(self, *args, **options):
        run = apply_retention()
        self.stdout.write(
            f"{run.records_erased} records erased ({run.call_records_scrubbed} call records "
            f"scrubbed), {run.call_records_deleted} call records and "
            f"{run.identity_checks_deleted} identity checks deleted, "
            f"{run.bulk_jobs_scrubbed} bulk jobs scrubbed, {run.inbound_events_erased} inbound "
            f"deliveries erased and {run.inbound_events_deleted} deleted"
            + (f"; stopped: {run.error}" if run.error else "")
        )
