"""The three staff roles, the Django groups that carry their permissions, and who has which.

- integration admin: the Django admin (settings and mappings) and everything support does;
- support: the console, with personal data, and the actions (resubmit, retry, reject,
  resolve);
- auditor: the console read-only, personal data masked.

Groups are created (and their permissions brought up to date) on first use, so a new
model's permissions reach the admins at their next sign-in; `manage.py setup_roles` does
the same at once.
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

USE_CONSOLE = "integration.use_console"
ACT_ON_SUBMISSIONS = "integration.act_on_submissions"
SEE_PERSONAL_DATA = "integration.see_personal_data"


class Role(StrEnum):
    ADMIN = "integration_admin"
    SUPPORT = "support"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def group_name(self) -> str:
        return GROUP_NAMES[self]


LABELS = {
    Role.ADMIN: _("Integration admin"),
    Role.SUPPORT: _("Support"),
    Role.AUDITOR: _("Auditor"),
}
GROUP_NAMES = {
    Role.ADMIN: "Integration admins",
    Role.SUPPORT: "Support staff",
    Role.AUDITOR: "Auditors",
}
_CONSOLE_CODENAMES = {
    Role.AUDITOR: ["use_console", "view_staffaction"],
    Role.SUPPORT: ["use_console", "view_staffaction", "act_on_submissions", "see_personal_data"],
}


def permissions_for(role: Role) -> QuerySet[Permission]:
    integration = Permission.objects.filter(content_type__app_label="integration")
    if role == Role.ADMIN:
        return integration  # settings, mappings, and everything in the console
    return integration.filter(codename__in=_CONSOLE_CODENAMES[role])


def group_for(role: Role) -> Group:
    group, _created = Group.objects.get_or_create(name=role.group_name)
    group.permissions.set(permissions_for(role))
    return group


def assign_roles(user: AbstractBaseUser, roles: set[Role]) -> None:
    """Give the user exactly these roles (other groups stay). Only admins get into the
    Django admin."""
    others = list(user.groups.exclude(name__in=GROUP_NAMES.values()))
    user.groups.set([*others, *(group_for(role) for role in roles)])
    user.is_staff = Role.ADMIN in roles
    user.save(update_fields=["is_staff"])


def roles_of(user: AbstractBaseUser) -> list[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.group_name in names]


def role_label(user: AbstractBaseUser) -> str:
    if user.is_superuser:
        return str(_("Local superuser"))
    return ", ".join(str(LABELS[role]) for role in roles_of(user)) or str(_("No role"))
