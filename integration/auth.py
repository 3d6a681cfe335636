"""Staff sign-in.

Staff sign in with the country's identity provider (OIDC, through mozilla-django-oidc).
Accounts are matched on the provider's `sub`, never on e-mail, and the provider's group
or role claim decides the portal role at every sign-in. A provider account is never a
superuser. Username and password remain only as break-glass for local superusers.
"""

import hashlib

from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from integration import app_settings
from integration.models import OidcIdentity
from integration.roles import Role, assign_roles


def client_ip(request) -> str:
    """Who is signing in, for throttling: behind the TLS proxy, the address the proxy
    appended to X-Forwarded-For (the right-most; anything left of it the client wrote)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if app_settings.BEHIND_TLS_PROXY and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


class BreakGlassBackend(ModelBackend):
    """Username and password, accepted for local superusers only."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.is_superuser


def claimed_values(claims: dict) -> set[str]:
    """The values of the role claim (OIDC_ROLES_CLAIM, a dotted path such as
    `realm_access.roles`), as a list or a space- or comma-separated string."""
    value = claims
    for part in app_settings.OIDC_ROLES_CLAIM.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return set(value.replace(",", " ").split())
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return set()


def roles_from_claims(claims: dict) -> set[Role]:
    values = claimed_values(claims)
    mapping = {
        Role.ADMIN: app_settings.OIDC_ADMIN_ROLES,
        Role.SUPPORT: app_settings.OIDC_SUPPORT_ROLES,
        Role.AUDITOR: app_settings.OIDC_AUDITOR_ROLES,
    }
    return {role for role, names in mapping.items() if values & set(names)}


def username_for(subject: str) -> str:
    """A stable username that cannot be mistaken for a local account's."""
    if len(subject) <= 140:
        return f"oidc-{subject}"
    return "oidc-" + hashlib.sha256(subject.encode()).hexdigest()


class ProviderBackend(OIDCAuthenticationBackend):
    """The identity provider's accounts: matched on `sub`, roles from the claim."""

    def verify_claims(self, claims: dict) -> bool:
        # No role for this portal, no sign-in.
        return bool(claims.get("sub")) and bool(roles_from_claims(claims))

    def filter_users_by_claims(self, claims: dict):
        return self.UserModel.objects.filter(oidc_identity__subject=str(claims["sub"]))

    def create_user(self, claims: dict):
        subject = str(claims["sub"])
        with transaction.atomic():
            user = self.UserModel.objects.create_user(username_for(subject))  # no password
            OidcIdentity.objects.create(user=user, subject=subject)
        return self.update_user(user, claims)

    def update_user(self, user, claims: dict):
        roles = roles_from_claims(claims)
        user.email = str(claims.get("email", ""))[:254]
        user.first_name = str(claims.get("given_name") or claims.get("name") or "")[:150]
        user.last_name = (
            str(claims.get("family_name") or "")[:150] if "given_name" in claims else ""
        )
        user.is_superuser = False  # whatever happened to the account locally
        user.save()
        assign_roles(user, roles)
        OidcIdentity.objects.filter(user=user).update(last_login_roles=sorted(roles))
        return user
