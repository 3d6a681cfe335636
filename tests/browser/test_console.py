"""The staff console in a real browser, signed in through a real OIDC provider, with the
real pipeline behind it (live portal, Celery worker, stand-in MOSIP and OpenCRVS)."""

import re

import pytest
from playwright.sync_api import expect

from demo.stand_ins import DEMO_SECRET
from integration.models import MosipSettings, Status, Submission
from tests.browser.conftest import ADMIN, AUDITOR, SUPPORT, screenshot, sign_in
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e


def test_support_finds_a_failed_registration_and_resubmits_it_until_confirmed(
    pipeline, oidc, page, past_week
):
    # Someone mistyped MOSIP's client secret: the registration fails at MOSIP's door.
    mosip = MosipSettings.load()
    mosip.packet_client_secret = "a-typo"
    mosip.save()
    assert pipeline.register(birth_request("2026B77000001", "B77000001")).status_code == 202
    failed = pipeline.wait_for("2026B77000001", Status.FAILED)
    mosip.packet_client_secret = DEMO_SECRET  # an integration admin puts it right
    mosip.save()

    sign_in(page, pipeline.portal_url, SUPPORT)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("role")).to_have_text("Support")
    expect(page.get_by_test_id("needs-action")).to_have_text("1")
    expect(page.get_by_text("Last 7 days")).to_contain_text(f"{past_week + 1} received")
    reason = page.get_by_role("link", name=re.compile("MOSIP auth answered HTTP 401"))
    expect(reason).to_have_count(1)  # grouped by reason, with a link to the records
    screenshot(page, "dashboard")

    page.get_by_role("link", name="Submissions", exact=True).click()
    page.get_by_role("searchbox").fill("b77000001")  # as read out on the phone
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.submissions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Failed")
    screenshot(page, "list")

    rows.first.get_by_role("link", name="B77000001").click()
    expect(page.get_by_role("alert")).to_contain_text("MOSIP auth answered HTTP 401")
    page.get_by_role("link", name="Resubmit to MOSIP").click()
    expect(page.get_by_text(failed.transaction_id)).to_be_visible()  # "the current one …"
    page.get_by_label("Why?").fill("The MOSIP client secret was mistyped; fixed in the settings.")
    screenshot(page, "confirm-resubmit")
    page.get_by_role("button", name="Resubmit to MOSIP").click()

    expect(page.get_by_role("status")).to_contain_text("Queued for delivery")
    expect(page.get_by_test_id("status")).to_have_text("Confirmed", timeout=30_000)
    submission = Submission.objects.get(certificate_number="2026B77000001")
    expect(page.get_by_test_id("vid")).to_have_text(submission.vid)
    expect(page.get_by_text("earlier, still resolves")).to_be_visible()
    expect(page.get_by_text("The MOSIP client secret was mistyped")).to_be_visible()
    screenshot(page, "detail")

    assert submission.transaction_id != failed.transaction_id
    [accept] = pipeline.opencrvs.accepted
    assert accept.input["declaration"] == {"child.nid": submission.vid}


def test_an_auditor_sees_the_record_with_personal_data_masked_and_no_actions(pipeline, oidc, page):
    assert pipeline.register(birth_request("2026B77000002", "B77000002")).status_code == 202
    confirmed = pipeline.wait_for("2026B77000002", Status.CONFIRMED)

    sign_in(page, pipeline.portal_url, AUDITOR, start="/console/submissions/")
    expect(page.get_by_test_id("role")).to_have_text("Auditor")
    expect(page.locator("#bulk-form")).to_have_count(0)
    expect(page.locator('input[name="ids"]')).to_have_count(0)
    page.get_by_role("link", name="B77000002").click()
    screenshot(page, "detail-auditor")

    expect(page.get_by_test_id("status")).to_have_text("Confirmed")
    expect(page.get_by_text("personal data hidden")).to_be_visible()
    expect(page.get_by_test_id("vid")).to_have_text("•••••")
    fields = page.get_by_test_id("fields-sent")
    expect(fields).to_contain_text("fullName")
    expect(fields).to_contain_text("•••••")
    body = page.locator("body").inner_text() + page.get_by_test_id("raw-request").inner_text()
    for personal in ("Baby Doe", "Jane Doe", "2024/01/31", "jane.doe@example.com", confirmed.vid):
        assert personal not in body
    expect(
        page.get_by_role("link", name=re.compile("Resubmit|Reject|Resolve|Retry"))
    ).to_have_count(0)


def test_support_cannot_open_the_mapping_admin_but_an_integration_admin_can(
    live_server, oidc, page, browser
):
    sign_in(page, live_server.url, SUPPORT)
    expect(page.get_by_role("link", name="Settings & mappings")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/integration/mappingprofile/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("cannot open the Django admin")).to_be_visible()

    admin_context = browser.new_context(viewport={"width": 1280, "height": 800})
    admin = admin_context.new_page()
    try:
        sign_in(admin, live_server.url, ADMIN)
        admin.get_by_role("link", name="Settings & mappings").click()
        expect(admin.get_by_text("Site administration")).to_be_visible()
        expect(admin.get_by_test_id("role")).to_have_text("Integration admin")  # one header
        nav = admin.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Submissions")).to_be_visible()
        screenshot(admin, "admin")
    finally:
        admin_context.close()


def test_a_bulk_action_runs_in_the_background_and_shows_its_progress(pipeline, oidc, page):
    from tests.browser.conftest import failed_records

    failed_records(30)
    sign_in(page, pipeline.portal_url, SUPPORT, start="/console/submissions/")
    # The label holds its options' words, and "Failed step" now offers "MOSIP registration status".
    page.get_by_label(re.compile(r"^Status\b")).select_option(label="Failed")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("table.submissions tbody tr")).to_have_count(30)

    page.get_by_label("With the selected records").select_option(label="Mark resolved")
    page.get_by_label("or every record matching the filters").check()
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_test_id("bulk-count")).to_have_text("30")
    page.get_by_label("Why?").fill("Registered by hand in OpenCRVS during the outage.")
    page.get_by_role("button", name="Mark resolved: 30 records").click()

    expect(page.get_by_role("heading", name=re.compile("Mark resolved #"))).to_be_visible()
    expect(page.get_by_text("Finished")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-field="done"]')).to_have_text("30")
    screenshot(page, "bulk-job")
    assert Submission.objects.filter(status=Status.RESOLVED).count() == 30
