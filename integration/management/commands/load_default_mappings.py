"""Install the default mapping profiles (the reference country config's mapping for
birth and death, for registration requests, EventDocuments and FHIR bundles). What the
country config's requests leave out (the address) is read from OpenCRVS's declaration
(integration.services.declaration), so a fresh install needs no default."""

from django.core.management.base import BaseCommand

from integration.mapping.exchange import load_defaults


class Command(BaseCommand):
    help = "Create or replace the default mapping profiles (by name)."

    def handle(self, *args, **options):
        for profile in load_defaults():
            self.stdout.write(f"{profile.name}: {profile.rows.count()} field rows")
