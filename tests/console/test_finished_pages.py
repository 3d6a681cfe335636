"""The admin as finished as the console: written 403 pages, empty lists that say what they
are for, no empty error on /console/bulk/, no tab stop on a zero count, a favicon, and API
docs that load nothing from a CDN."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from integration.console.views.access import permission_denied
from integration.models import RetentionRun, Status
from portal import urls

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.mark.parametrize(
    ("path", "lacks"),
    [
        ("/admin/auth/user/", "manage staff accounts"),
        ("/admin/auth/group/", "manage groups and their permissions"),
    ],
)
def test_the_integration_admin_gets_a_written_403_on_users_and_groups(admin_client_, path, lacks):
    reply = admin_client_.get(path)
    page = reply.content.decode()
    assert reply.status_code == 403
    assert 'data-testid="forbidden"' in page and "console/admin.css" in page  # the admin look
    assert "You are signed in as <strong>Ina &lt;ina@example.org&gt;</strong>" in page
    assert "(Integration admin)" in page
    assert f"that role cannot {lacks}." in page
    assert "ask whoever runs your identity provider" in page


def test_the_admin_403_is_in_french(admin_client_):
    page = admin_client_.get("/admin/auth/user/", **FRENCH).content.decode()
    assert "gérer les comptes du personnel" in page
    assert "adressez-vous à qui gère votre fournisseur d’identité" in page


def test_support_staff_get_the_console_403_in_the_admin(support_client):
    reply = support_client.get("/admin/", follow=True)
    assert reply.status_code == 403
    assert "cannot open the Django admin (integration admin role)" in reply.content.decode()


def test_an_api_403_stays_json(rf):
    request = rf.get("/events/registration")
    reply = permission_denied(request, PermissionDenied())
    assert reply.status_code == 403 and reply["Content-Type"] == "application/json"
    assert urls.handler403 == "integration.console.views.access.permission_denied"


@pytest.mark.parametrize(
    ("model", "words"),
    [
        ("retentionrun", "Each row is one pass of the retention policy"),
        ("verificationrecord", "One row per identity check OpenCRVS forms ask for"),
        ("settingschange", "Each save of a settings page is kept here"),
        ("trusteddocument", "JSON-LD contexts and verification keys"),
    ],
)
def test_an_empty_admin_list_says_what_it_is_for(admin_client_, model, words):
    page = admin_client_.get(reverse(f"admin:integration_{model}_changelist")).content.decode()
    assert 'data-testid="empty-state"' in page and words in page
    assert not re.search(r"\b0 [a-z ]+s\b</p>", page)  # no "0 retention runs"


def test_a_filled_list_shows_its_rows_and_a_filtered_empty_one_its_count(admin_client_):
    RetentionRun.objects.create(personal_data_days=30, call_record_days=90)
    url = reverse("admin:integration_retentionrun_changelist")
    page = admin_client_.get(url).content.decode()
    assert 'data-testid="empty-state"' not in page and 'id="result_list"' in page
    found = admin_client_.get(url + "?started_at__year=1999").content.decode()
    assert 'data-testid="empty-state"' not in found


def test_empty_states_are_in_french(admin_client_):
    url = reverse("admin:integration_retentionrun_changelist")
    page = admin_client_.get(url, **FRENCH).content.decode()
    assert "Chaque ligne est un passage de la politique de conservation" in page


def test_a_get_on_bulk_goes_to_the_list(support_client):
    reply = support_client.get("/console/bulk/")
    assert reply.status_code == 302 and reply.url == reverse("console:submissions")


def test_zero_status_counts_are_not_links(support_client, make_submission):
    make_submission(Status.FAILED)
    page = support_client.get(reverse("console:dashboard")).content.decode()
    strip = page[page.index('class="status-counts"') :]
    strip = strip[: strip.index("</ul>")]
    links = re.findall(r'<a href="[^"]*\?status=(\w+)"', strip)
    assert links == ["failed"]  # the only status with records is the only tab stop
    assert strip.count('data-testid="status-zero"') >= 10


def test_a_favicon_is_served(client):
    reply = client.get("/favicon.ico")
    assert reply.status_code == 301 and reply.url.endswith("console/favicon.svg")


def test_the_api_docs_load_nothing_from_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="([^"]+)"', page).group(1)
    assert script == reverse("api-docs-script")
    body = client.get(script).content
    assert b"cdn.redoc.ly" not in body and b"Redoc" in body


def test_the_api_docs_title_carries_the_release_not_1(client):
    from integration.version import __version__

    schema = client.get("/api/schema/?format=json").json()
    assert schema["info"]["version"] == __version__


def test_the_record_page_offers_the_older_calls_on_demand(support_client, make_submission):
    record = make_submission(Status.FAILED)
    for n in range(10):
        record.attempts.create(
            step="create_packet", url="http://mosip.test/", http_status=503, error=f"503 ({n})"
        )
    page = support_client.get(reverse("console:submission", args=[record.pk])).content.decode()
    assert "is-collapsible" in page
    assert "Show the 7 older calls" in page


def test_a_form_refused_for_its_csrf_token_gets_a_written_page(support, admin_user):
    from django.test import Client

    for user, path in ((support, "/console/bulk/"), (admin_user, "/admin/logout/")):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user, backend="integration.auth.ProviderBackend")
        reply = client.post(path, {"action": "resubmit"}, **FRENCH)
        page = reply.content.decode()
        assert reply.status_code == 403
        assert 'data-testid="expired-form"' in page
        assert "rechargez la page et envoyez-le de nouveau" in page
    signing_in = Client(enforce_csrf_checks=True).post("/console/login/", {})  # not signed in
    assert signing_in.status_code == 403
    assert 'data-testid="expired-form"' in signing_in.content.decode()
