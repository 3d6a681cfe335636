"""Says what `migrate` will change, how long it should take, and what to stop meanwhile."""

from django.core.management.base import BaseCommand

from integration.services import upgrade_plan


class Command(BaseCommand):
    help = (
        "Before `migrate`: the migrations not applied yet, each with what it does, the rows "
        "its data steps touch, the locks it takes and its expected time; which processes to "
        "stop. Changes nothing."
    )
    requires_migrations_checks = False
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options):
        for line in upgrade_plan.report(upgrade_plan.plan(database)):
            self.stdout.write(line)
