"""Identity-provider accounts: matched on `sub`, roles from the claim, never superusers."""

import pytest
from django.contrib.auth import get_user_model

from integration.auth import ProviderBackend, roles_from_claims
from integration.roles import Role, roles_of

pytestmark = pytest.mark.django_db


def sign_in(claims: dict):
    """What mozilla-django-oidc does with the claims once the tokens are verified."""
    backend = ProviderBackend()
    assert backend.verify_claims(claims)
    users = backend.filter_users_by_claims(claims)
    return backend.update_user(users[0], claims) if users else backend.create_user(claims)


def test_the_role_claim_maps_to_roles(portal_settings):
    assert roles_from_claims({"groups": ["support", "other"]}) == {Role.SUPPORT}
    assert roles_from_claims({"groups": "auditor integration-admin"}) == {Role.AUDITOR, Role.ADMIN}
    assert roles_from_claims({"groups": []}) == set()
    portal_settings.OIDC_ROLES_CLAIM = "realm_access.roles"
    portal_settings.OIDC_SUPPORT_ROLES = ["crvs-helpdesk"]
    assert roles_from_claims({"realm_access": {"roles": ["crvs-helpdesk"]}}) == {Role.SUPPORT}


def test_no_role_no_sign_in():
    assert not ProviderBackend().verify_claims({"sub": "abc", "groups": ["staff"]})
    assert not ProviderBackend().verify_claims({"groups": ["support"]})


def test_accounts_are_matched_on_sub_not_email():
    get_user_model().objects.create_superuser("root", "boss@example.org", "pw-break-glass")
    user = sign_in({"sub": "idp-1", "email": "boss@example.org", "groups": ["support"]})
    assert user.username == "oidc-idp-1"
    assert not user.is_superuser and not user.has_usable_password()
    again = sign_in({"sub": "idp-1", "email": "changed@example.org", "groups": ["support"]})
    assert again.pk == user.pk and again.email == "changed@example.org"
    assert get_user_model().objects.get(username="root").is_superuser  # untouched


def test_roles_follow_the_claim_at_every_sign_in():
    user = sign_in({"sub": "idp-2", "groups": ["integration-admin"], "name": "Ina Admin"})
    assert roles_of(user) == [Role.ADMIN] and user.is_staff
    assert user.has_perm("integration.change_mosipsettings")
    user = get_user_model().objects.get(pk=user.pk)
    user = sign_in({"sub": "idp-2", "groups": ["auditor"], "name": "Ina Admin"})
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    assert roles_of(user) == [Role.AUDITOR] and not user.is_staff
    assert not user.has_perm("integration.change_mosipsettings")
    assert user.has_perm("integration.use_console")
    assert not user.has_perm("integration.act_on_submissions")


def test_a_provider_account_made_superuser_locally_is_demoted_at_sign_in():
    user = sign_in({"sub": "idp-3", "groups": ["support"]})
    get_user_model().objects.filter(pk=user.pk).update(is_superuser=True)
    user = sign_in({"sub": "idp-3", "groups": ["support"]})
    assert not user.is_superuser
