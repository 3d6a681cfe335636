"""In a real browser: the API docs render with nothing reachable but the portal, and
the console and admin run under the Content-Security-Policy without a violation."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from integration.models import EventType, MappingProfile, Status, Submission
from integration.services.lifecycle import reason_columns
from tests.browser.conftest import screenshot
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e


def only_the_portal(page, origin: str) -> list[str]:
    """Abort every request that leaves the portal; return what was attempted."""
    attempted: list[str] = []

    def route(route) -> None:
        url = route.request.url
        if url.startswith((f"{origin}/", "data:", "blob:")):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    page.route("**/*", route)
    return attempted


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_the_api_docs_render_with_no_network_beyond_the_portal(live_server, page):
    outside = only_the_portal(page, live_server.url)
    violations = csp_violations(page)

    page.goto(f"{live_server.url}/api/docs/")

    title = page.get_by_role("heading", name="OpenCRVS–MOSIP integration portal")
    expect(title).to_be_visible(timeout=30_000)  # ReDoc renders the whole schema first
    for operation in (
        "CREDENTIAL_ISSUED from MOSIP's hub",
        "BIRTH_REGISTERED / DEATH_REGISTERED from OpenCRVS core (<= 1.9)",
        "Health for load balancers and operators",
    ):
        expect(page.get_by_role("heading", name=operation)).to_be_visible()
    expect(page.get_by_text("opencrvsRecordToken", exact=True).first).to_be_visible()
    screenshot(page, "api-docs-offline")
    assert outside == [], f"the docs reached beyond the portal: {outside}"
    # ReDoc's footer logo no longer comes from its CDN: nothing for the policy to refuse.
    assert violations == [], violations


def test_console_and_admin_pages_run_without_a_csp_violation(live_server, page, transactional_db):
    get_user_model().objects.create_superuser("root", password="break-glass-password-1")
    record = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id="B71000001",
        certificate_number="2026B71000001",
        raw_request=birth_request("2026B71000001", "B71000001"),
        status=Status.FAILED,
        **reason_columns("MOSIP answered HTTP 401"),
    )
    profile = MappingProfile.objects.create(
        name="births", source_format="interop", event_type="birth"
    )
    outside = only_the_portal(page, live_server.url)
    violations = csp_violations(page)

    page.goto(f"{live_server.url}/console/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("break-glass-password-1")
    page.get_by_role("button", name="Sign in with password").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for path in (
        "/console/submissions/",
        f"/console/submissions/{record.pk}/",
        "/console/jobs/",
        "/admin/",
        f"/admin/integration/mappingprofile/{profile.pk}/change/",
        "/admin/integration/mosipsettings/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("body").is_visible(), path
    assert outside == []
    assert violations == [], violations
