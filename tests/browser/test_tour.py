"""Every console page and the custom admin pages, in English and French, on a desktop
(1440 px) and a phone (390 px): axe-core finds no serious or critical WCAG 2.2 AA
violation, nothing is wider than the screen, the phone's top bar folds into a menu, and a
screenshot of each is saved to screenshots/ (tour-<language>-<width>-<page>.png)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from integration.console.tasks import run_bulk_job
from integration.mapping.exchange import load_defaults
from integration.models import (
    InboundEvent,
    InboundKind,
    InboundOutcome,
    MosipSettings,
    ReconciliationRun,
    Status,
    Submission,
)
from integration.roles import Role, assign_roles
from integration.services import staff_actions
from integration.services.bulk_jobs import start_bulk_job
from integration.services.lifecycle import reason_columns
from integration.services.staff_actions import Actor
from tests.browser.conftest import CHROMIUM, failed_records, screenshot
from tests.fixtures import birth_request

AXE = Path(__file__).resolve().parent / "oidc" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {
    "en": ("Dashboard", "Sign out", "Menu"),
    "fr": ("Tableau de bord", "Se déconnecter", "Menu"),
}
# The bulk form's own button (the form also holds "Ask MOSIP about the selected records").
CONTINUE = {"en": "Continue…", "fr": "Continuer…"}


@pytest.fixture
def world(transactional_db):
    """An integration admin (who sees every page) and records in the states staff meet."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user(
        "ina", email="ina@example.org", first_name="Ina", last_name="Admin"
    )
    assign_roles(admin, {Role.ADMIN})
    auditor = get_user_model().objects.create_user("ada", first_name="Ada", last_name="Auditor")
    assign_roles(auditor, {Role.AUDITOR})
    [failed, *_others] = failed_records(3)
    now = timezone.now()
    body = birth_request("2026B4000001", "B4000001")
    Submission.objects.create(
        event_type="birth",
        tracking_id="B4000001",
        certificate_number="2026B4000001",
        raw_request=body,
        fields_sent=body["requestFields"],
        status=Status.DELIVERY_RETRY,
        failed_step="create_packet",
        **reason_columns("MOSIP answered HTTP 503: Service Unavailable"),
        next_attempt_at=now + timedelta(minutes=4),
        retry_count=2,
        token_expires_at=now + timedelta(days=5),
    )
    # One record resolved by hand, then a job that resolves another and skips that one.
    staff_actions.perform("resolve", _others[1].pk, Actor.of(admin), "Settled by phone")
    job = start_bulk_job(
        "resolve",
        Actor.of(admin),
        "Settled by phone with the registrar",
        ids=[failed.pk, _others[1].pk],
        all_matching=False,
    )
    run_bulk_job(job.pk)
    MosipSettings.load()
    profile = load_defaults()[0]
    # Deliveries as the inbound list shows them: one accepted, one kept to reprocess.
    InboundEvent.objects.create(
        kind=InboundKind.CREDENTIAL,
        remote_address="10.0.0.7",
        body=b"{}",
        signature_valid=True,
        outcome=InboundOutcome.ACCEPTED,
        submission=failed,
    )
    InboundEvent.objects.create(
        kind=InboundKind.OPENCRVS_WEBHOOK,
        body=b"{}",
        outcome=InboundOutcome.KEPT_FOR_RETRY,
        error="The credential keystore password is wrong.",
    )
    # A reconciliation that took one event in and left one for a person.
    ReconciliationRun.objects.create(
        finished_at=timezone.now(), window_start=timezone.now() - timedelta(hours=72),
        window_end=timezone.now(), events_seen=40, missing=2, taken_in=1, listed=1,
        findings=[
            {"event_id": "0b9f6c1e-5d1a-4c57-9a43-3f1b2a7d9e10", "event_type": "v2.birth",
             "tracking_id": "B7KQ2M1", "opencrvs_status": "DECLARED", "finding": "missing",
             "done": "listed"},
            {"event_id": "5c2e8a40-1f7b-4d3e-b6a9-8e0d4c2f1a77", "event_type": "v2.birth",
             "tracking_id": "B9XW4P3", "opencrvs_status": "DECLARED", "finding": "missing",
             "done": "taken_in", "submission": failed.pk},
        ],
    )  # fmt: skip
    return {
        "admin": admin,
        "auditor": auditor,
        "failed": _others[0],
        "job": job,
        "profile": profile,
    }


def session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user, backend="integration.auth.ProviderBackend")
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}


def pages(world) -> dict[str, str]:
    """Every console page and every admin page the portal made or changed, for the admin."""
    failed, job, profile = world["failed"], world["job"], world["profile"]
    return {
        "dashboard": "/console/",
        "list": "/console/submissions/",
        "confirm-bulk": "/console/submissions/",  # then the bulk form is sent (see visit)
        "detail": f"/console/submissions/{failed.pk}/",
        "confirm-resubmit": f"/console/submissions/{failed.pk}/resubmit/",
        "jobs": "/console/jobs/",
        "job": f"/console/jobs/{job.pk}/",
        "audit": "/console/audit/",
        "inbound": "/console/inbound/",
        "reconciliation": "/console/reconciliation/",
        "admin": "/admin/",
        "admin-mosip-settings": "/admin/integration/mosipsettings/",
        "admin-opencrvs-settings": "/admin/integration/opencrvssettings/",
        "admin-ida-settings": "/admin/integration/idasettings/",
        "admin-esignet-settings": "/admin/integration/esignetsettings/",
        "admin-retention-policy": "/admin/integration/retentionpolicy/",
        "admin-settings-history": "/admin/integration/settingschange/",
        "admin-submissions": "/admin/integration/submission/",
        "admin-submission": f"/admin/integration/submission/{failed.pk}/change/",
        "admin-trusted-documents": "/admin/integration/trusteddocument/",
        "admin-verification-records": "/admin/integration/verificationrecord/",
        "admin-retention-runs": "/admin/integration/retentionrun/",
        "admin-mapping-profiles": "/admin/integration/mappingprofile/",
        "admin-mapping-profile": f"/admin/integration/mappingprofile/{profile.pk}/change/",
        "admin-mapping-preview": f"/admin/integration/mappingprofile/{profile.pk}/preview/",
        "admin-mapping-import": "/admin/integration/mappingprofile/import/",
    }


def check(page, name: str, language: str, size: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if bad:
        pytest.fail(f"{name} [{language}, {size}]:\n" + "\n".join(bad), pytrace=False)


def open_context(browser, live_server, language: str, size: str, user=None):
    # axe-core goes in as an inline script, which the portal's CSP refuses (rightly):
    # this context alone bypasses it (test_offline_and_csp checks the CSP itself).
    context = browser.new_context(
        viewport=SIZES[size], locale=language, timezone_id="UTC", bypass_csp=True
    )
    if user is not None:
        context.add_cookies([session_cookie(user, live_server)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def visit(page, url: str, name: str, language: str, size: str, signed_in: bool = True) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    if name == "confirm-bulk":  # the list's bulk form, for every matching record
        page.locator('#bulk-form input[name="all_matching"]').check()
        form = page.locator("#bulk-form")
        form.get_by_role("button", name=CONTINUE[language], exact=True).click()
        page.wait_for_url("**/console/bulk/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    heading, sign_out, menu = WORDS[language]
    # Nothing scrolls sideways, on a phone or on a desktop.
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES[size]["width"], f"{name} [{language}] is {wide} px wide"
    width = SIZES[size]["width"]
    if size == "phone" and signed_in:
        # The top bar is a menu button; the navigation shows once it is opened.
        toggle = page.get_by_role("button", name=menu)
        expect(toggle).to_be_visible()
        expect(page.get_by_role("button", name=sign_out)).to_be_hidden()
        check(page, name, language, size)
        screenshot(page, f"tour-{language}-{width}-{name}")
        toggle.click()
        expect(page.get_by_role("button", name=sign_out)).to_be_visible()
        check(page, f"{name} (menu open)", language, size)
        if name == "dashboard":
            screenshot(page, f"tour-{language}-{width}-menu")
        return
    if signed_in:
        expect(page.get_by_role("button", name=sign_out)).to_be_visible()
        expect(page.get_by_role("link", name=heading, exact=True)).to_be_visible()
    check(page, name, language, size)
    screenshot(page, f"tour-{language}-{width}-{name}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_in_each_language_and_size(browser, live_server, world, language, size):
    assert Path(CHROMIUM).exists() and AXE.exists(), "run `make browser-deps`"
    context, page = open_context(browser, live_server, language, size, world["admin"])
    try:
        for name, path in pages(world).items():
            visit(page, live_server.url + path, name, language, size)
    finally:
        context.close()
    # An auditor asking for an action meets the "not allowed" page.
    context, page = open_context(browser, live_server, language, size, world["auditor"])
    try:
        url = f"{live_server.url}/console/submissions/{world['failed'].pk}/resubmit/"
        visit(page, url, "forbidden", language, size)
        expect(page.locator("main h1")).to_be_visible()
    finally:
        context.close()
    # Signed out: the sign-in page.
    context, page = open_context(browser, live_server, language, size)
    try:
        visit(page, live_server.url + "/console/", "sign-in", language, size, signed_in=False)
        expect(page).to_have_url(re.compile(r"/console/login/"))
    finally:
        context.close()


def test_the_language_switcher_changes_the_language_and_keeps_the_page(browser, live_server, world):
    context = browser.new_context(viewport=SIZES["desktop"], locale="en-GB", timezone_id="UTC")
    context.add_cookies([session_cookie(world["admin"], live_server)])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/console/submissions/")
        expect(page.get_by_role("heading", name="Submissions")).to_be_visible()
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("button", name="Switch").click()
        expect(page).to_have_url(live_server.url + "/console/submissions/")
        expect(page.get_by_role("heading", name="Dossiers")).to_be_visible()
        expect(page.get_by_text("next try", exact=False)).to_have_count(0)
        expect(page.get_by_text("prochaine tentative dans")).to_be_visible()
        page.goto(live_server.url + "/console/")
        expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    finally:
        context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(browser, live_server, world):
    context = browser.new_context(viewport=SIZES["desktop"], locale="en-GB")
    context.add_cookies([session_cookie(world["admin"], live_server)])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/console/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to the content")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()


def test_the_parameter_fields_follow_the_transform(browser, live_server, world):
    context = browser.new_context(viewport=SIZES["desktop"], locale="en-GB", timezone_id="UTC")
    context.add_cookies([session_cookie(world["admin"], live_server)])
    page = context.new_page()
    try:
        profile = world["profile"]
        page.goto(f"{live_server.url}/admin/integration/mappingprofile/{profile.pk}/change/")
        row = page.locator("tr.form-row", has=page.locator('input[value="gender"]'))
        expect(row.get_by_label("In the record, value 1")).to_have_value("male")
        expect(row.get_by_label("Format", exact=True)).to_be_hidden()
        row.get_by_label("Transform, row", exact=False).select_option("date")
        expect(row.get_by_label("Format", exact=True)).to_be_visible()
        expect(row.get_by_label("In the record, value 1")).to_be_hidden()
        expect(row.get_by_text("Advanced: as JSON")).to_be_visible()
    finally:
        context.close()
