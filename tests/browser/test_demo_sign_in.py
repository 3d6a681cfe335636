"""A newcomer signs in to the demo as each role through the demo's own identity provider
(mocks/oidc.py), over the portal's real OIDC flow (mozilla-django-oidc, RS256, PKCE)."""

import pytest
from playwright.sync_api import expect

from integration.models import Submission
from mocks.oidc import PEOPLE, OidcStandIn
from tests.browser.conftest import failed_records, screenshot

pytestmark = pytest.mark.e2e
PERSON = {person.login: person for person in PEOPLE}


@pytest.fixture
def demo_idp(live_server, settings):
    """The provider as `manage.py demo` runs it, and the portal configured with the same
    OIDC_* values the demo hands its web process."""
    idp = OidcStandIn(redirect_uris=(f"{live_server.url}/oidc/callback/",))
    idp.start()
    for name, value in idp.portal_settings().items():
        setattr(settings, name, value)
    yield idp
    idp.stop()


def sign_in_as(page, portal_url: str, login: str, start: str = "/console/") -> None:
    page.goto(portal_url + start)
    page.get_by_role("link", name="Sign in with the demo identity provider").click()
    expect(page.get_by_role("heading", name="Demo identity provider: sign in as")).to_be_visible()
    screenshot(page, "demo-idp-picker")
    page.get_by_role("button", name=f"Sign in as {PERSON[login].name}").click()
    page.wait_for_url(f"{portal_url}/**")


@pytest.fixture
def failed(transactional_db) -> Submission:
    [record] = failed_records(1)
    return record


def test_the_integration_admin_signs_in_and_reaches_the_settings(
    live_server, demo_idp, page, failed
):
    sign_in_as(page, live_server.url, "ina")
    expect(page.get_by_test_id("role")).to_have_text("Integration admin")
    page.get_by_role("link", name="Settings & mappings").click()
    expect(page.get_by_text("Site administration")).to_be_visible()
    expect(page.get_by_role("link", name="Retention policy")).to_be_visible()
    screenshot(page, "demo-admin")


def test_support_signs_in_and_may_act_on_a_failed_record(live_server, demo_idp, page, failed):
    sign_in_as(page, live_server.url, "sam", start=f"/console/submissions/{failed.pk}/")
    expect(page.get_by_test_id("role")).to_have_text("Support")
    expect(page.get_by_role("link", name="Resubmit to MOSIP")).to_be_visible()
    expect(page.get_by_test_id("raw-request")).to_contain_text("Baby Doe")
    expect(page.get_by_role("link", name="Settings & mappings")).to_have_count(0)
    screenshot(page, "demo-support")


def test_the_auditor_signs_in_and_reads_a_masked_record(live_server, demo_idp, page, failed):
    sign_in_as(page, live_server.url, "ada", start=f"/console/submissions/{failed.pk}/")
    expect(page.get_by_test_id("role")).to_have_text("Auditor")
    expect(page.get_by_text("personal data hidden")).to_be_visible()
    expect(page.get_by_role("link", name="Resubmit to MOSIP")).to_have_count(0)
    body = page.locator("body").inner_text() + page.get_by_test_id("raw-request").inner_text()
    assert "Baby Doe" not in body and "Jane Doe" not in body
    screenshot(page, "demo-auditor")


def test_the_provider_refuses_a_redirect_it_does_not_know(live_server, demo_idp, page):
    page.goto(
        f"{demo_idp.url}/authorize?client_id=portal-console&response_type=code&scope=openid"
        "&redirect_uri=http://127.0.0.1:9/steal"
    )
    expect(page.get_by_text("not registered")).to_be_visible()
