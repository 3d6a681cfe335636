"""Who may see and do what: every check is on the server."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from integration.models import Status

pytestmark = pytest.mark.django_db

CONSOLE_PAGES = ["console:dashboard", "console:submissions", "console:jobs", "console:audit"]


@pytest.mark.parametrize("name", CONSOLE_PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    reply = client.get(reverse(name))
    assert reply.status_code == 302
    assert reply.url.startswith(reverse("console:login"))


@pytest.mark.parametrize("name", CONSOLE_PAGES)
def test_every_role_can_read_the_console(support_client, auditor_client, admin_client_, name):
    for client in (support_client, auditor_client, admin_client_):
        assert client.get(reverse(name)).status_code == 200


def test_a_signed_in_account_without_a_role_is_refused(db):
    nobody = get_user_model().objects.create_user("nobody")
    client = Client()
    client.force_login(nobody)
    reply = client.get(reverse("console:dashboard"))
    assert reply.status_code == 403
    assert "cannot open the staff console" in reply.content.decode()


def test_auditors_get_no_action_and_cannot_force_one(auditor_client, make_submission):
    failed = make_submission(Status.FAILED)
    page = auditor_client.get(reverse("console:submission", args=[failed.pk])).content.decode()
    assert "Resubmit" not in page and "Mark resolved" not in page
    listing = auditor_client.get(reverse("console:submissions")).content.decode()
    assert 'id="bulk-form"' not in listing

    url = reverse("console:submission-action", args=[failed.pk, "resubmit"])
    assert auditor_client.get(url).status_code == 403
    assert auditor_client.post(url, {"reason": "trying anyway"}).status_code == 403
    bulk = {"action": "resolve", "ids": [failed.pk], "confirmed": "1", "reason": "trying"}
    assert auditor_client.post(reverse("console:bulk-action"), bulk).status_code == 403
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_support_sees_the_actions_that_apply(support_client, make_submission):
    failed = make_submission(Status.FAILED)
    page = support_client.get(reverse("console:submission", args=[failed.pk])).content.decode()
    assert "Resubmit to MOSIP" in page and "Reject in OpenCRVS" in page
    assert "Retry the confirmation" not in page  # no credential yet


def test_support_cannot_open_the_settings_admin(support_client):
    reply = support_client.get("/admin/integration/mosipsettings/", follow=True)
    assert reply.status_code == 403
    assert "cannot open the Django admin" in reply.content.decode()
    assert "Settings &amp; mappings" not in reply.content.decode()


def test_integration_admins_open_the_admin_with_the_console_header(admin_client_):
    reply = admin_client_.get("/admin/integration/mosipsettings/", follow=True)
    assert reply.status_code == 200
    page = reply.content.decode()
    assert "MOSIP settings" in page
    assert 'class="topbar"' in page and reverse("console:submissions") in page


def test_the_admin_sign_in_is_the_console_sign_in(client):
    reply = client.get("/admin/")
    assert reply.status_code == 302
    reply = client.get(reply.url)
    assert reply.status_code == 302
    assert reply.url.startswith(reverse("console:login"))


def test_actions_need_a_csrf_token(support, make_submission):
    from tests.console.conftest import client_for

    failed = make_submission(Status.FAILED)
    client = client_for(support)
    client.handler.enforce_csrf_checks = True
    url = reverse("console:submission-action", args=[failed.pk, "resolve"])
    assert client.post(url, {"reason": "settled by phone"}).status_code == 403
    bulk = {"action": "resolve", "ids": [failed.pk], "confirmed": "1", "reason": "settled"}
    assert client.post(reverse("console:bulk-action"), bulk).status_code == 403
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_password_sign_in_is_for_local_superusers_only(client, support):
    support.set_password("a-long-password")
    support.save()
    reply = client.post(
        reverse("console:login"), {"username": "sam", "password": "a-long-password"}
    )
    assert reply.status_code == 200
    assert "not a local superuser" in reply.content.decode()

    get_user_model().objects.create_superuser("root", "root@example.org", "break-glass-pw")
    reply = client.post(
        reverse("console:login"), {"username": "root", "password": "break-glass-pw"}
    )
    assert reply.status_code == 302
    assert client.get(reverse("console:dashboard")).status_code == 200


def test_setup_roles_creates_the_three_groups(db):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("setup_roles", verbosity=0)
    support = Group.objects.get(name="Support staff")
    assert {p.codename for p in support.permissions.all()} >= {
        "use_console",
        "act_on_submissions",
        "see_personal_data",
    }
    auditors = Group.objects.get(name="Auditors")
    assert "see_personal_data" not in {p.codename for p in auditors.permissions.all()}
    admins = Group.objects.get(name="Integration admins")
    assert admins.permissions.filter(codename="change_mosipsettings").exists()
