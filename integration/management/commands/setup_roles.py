"""Create the staff role groups (integration admins, support staff, auditors) and bring
their permissions up to date. Sign-ins do this too; run it after adding models."""

from django.core.management.base import BaseCommand

from integration.roles import Role, group_for


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        for role in Role:
            group = group_for(role)
            self.stdout.write(f"{group.name}: {group.permissions.count()} permissions")
