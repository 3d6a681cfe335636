"""Install the default mapping profiles (the reference country config's mapping for
birth and death, for registration requests, EventDocuments and FHIR bundles)."""

from django.core.management.base import BaseCommand

from integration.mapping.exchange import load_defaults


class Command(BaseCommand):
    help = "Create or replace the default mapping profiles (by name)."

    def handle(self, *args, **options):
        for profile in load_defaults():
            self.stdout.write(f"{profile.name}: {profile.rows.count()} field rows")
            waiting = profile.rows.filter(required=True, default__isnull=True, source__gt="")
            for row in waiting.filter(target="addressLine1"):
                # The ID schema requires it; the reference country config never sends it.
                self.stdout.write(
                    f"  {row.target} is required by the ID schema and has no default: "
                    "records without one fail at mapping until an admin sets a default "
                    "for it on this profile."
                )
