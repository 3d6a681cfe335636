"""In a real browser, in English and French, at 1440 and 390 px: the written 403 page, an
admin list's empty state, a connection test's result and a record's collapsed timeline,
each with no serious or critical axe-core violation and nothing wider than the screen."""

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from demo.verification import configure_demo
from integration.models import EsignetSettings, IdaSettings
from integration.roles import Role, assign_roles
from mocks.esignet import EsignetStandIn
from mocks.ida import IdaStandIn
from tests.browser.conftest import failed_records, screenshot
from tests.browser.test_tour import AXE, SIZES, check, open_context

pytestmark = pytest.mark.e2e

WORDS = {
    "en": {
        "forbidden": "Not allowed",
        "lacks": "that role cannot manage staff accounts",
        "empty": "Each row is one pass of the retention policy",
        "test": "Test connection",
        "licence": "IDA refuses the MISP licence key",
        "older": "Show the 7 older calls",
        "client": "E-Signet does not know the client id “not-registered”.",
        "token": "answers as E-Signet does",
    },
    "fr": {
        "forbidden": "Accès refusé",
        "lacks": "ce rôle ne permet pas de gérer les comptes du personnel",
        "empty": "Chaque ligne est un passage de la politique de conservation",
        "test": "Tester la connexion",
        "licence": "IDA refuse la clé de licence MISP",
        "older": "Afficher les 7 appels plus anciens",
        "client": "E-Signet ne connaît pas l’identifiant client « not-registered ».",
        "token": "répond comme E-Signet",
    },
}


@pytest.fixture
def ida_server() -> Iterator[IdaStandIn]:
    with IdaStandIn() as server:
        yield server


@pytest.fixture
def esignet_server() -> Iterator[EsignetStandIn]:
    with EsignetStandIn() as server:
        yield server


@pytest.fixture
def world(transactional_db, ida_server, esignet_server):
    admin = get_user_model().objects.create_user(
        "ina", email="ina@example.org", first_name="Ina", last_name="Admin"
    )
    assign_roles(admin, {Role.ADMIN})
    configure_demo(ida_server.url, esignet_server.url)
    ida = IdaSettings.load()
    ida.misp_license_key = "a-wrong-licence-key-42"
    ida.save()
    signet = EsignetSettings.load()
    signet.client_id = "not-registered"
    signet.save()
    [record] = failed_records(1)
    for n in range(10):
        record.attempts.create(
            step="create_packet",
            url="http://mosip.test/",
            http_status=503,
            error=f"MOSIP answered HTTP 503 ({n})",
            response_excerpt='{"errors": [{"errorCode": "KER-ATH-401"}]}' * 4,
        )
    return {"admin": admin, "record": record}


def fits(page, size: str, name: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES[size]["width"], f"{name} is {wide} px wide"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_403_empty_state_connection_result_and_timeline(
    browser, live_server, world, language, size
):
    assert AXE.exists(), "run `npm ci` in tests/browser/oidc"
    words, width = WORDS[language], SIZES[size]["width"]
    context, page = open_context(browser, live_server, language, size, world["admin"])
    try:
        # The integration admin on the users page: what they lack and whom to ask.
        reply = page.goto(live_server.url + "/admin/auth/user/")
        assert reply.status == 403
        expect(page.get_by_role("heading", name=words["forbidden"])).to_be_visible()
        expect(page.get_by_text(words["lacks"])).to_be_visible()
        fits(page, size, "403")
        check(page, "admin 403", language, size)
        screenshot(page, f"finished-{language}-{width}-admin-403")

        # An empty admin list says what it is for.
        page.goto(live_server.url + "/admin/integration/retentionrun/")
        expect(page.get_by_test_id("empty-state")).to_contain_text(words["empty"])
        fits(page, size, "empty state")
        check(page, "empty state", language, size)
        screenshot(page, f"finished-{language}-{width}-empty-state")

        # A connection test with a wrong licence key: red, naming the key, in the language.
        page.goto(live_server.url + "/admin/integration/idasettings/")
        page.get_by_role("button", name=words["test"]).click()
        error = page.locator(".messagelist .error")
        expect(error).to_contain_text(words["licence"])
        expect(error).not_to_contain_text("a-wrong-licence-key-42")
        fits(page, size, "connection test")
        check(page, "connection test", language, size)
        screenshot(page, f"finished-{language}-{width}-connection-test")

        # E-Signet: its token endpoint is right (green), the client id is not (red).
        page.goto(live_server.url + "/admin/integration/esignetsettings/")
        page.get_by_role("button", name=words["test"]).click()
        expect(page.locator(".messagelist .error")).to_contain_text(words["client"])
        expect(
            page.locator(".messagelist .success").filter(has_text=words["token"])
        ).to_be_visible()
        fits(page, size, "E-Signet connection test")
        check(page, "E-Signet connection test", language, size)
        screenshot(page, f"finished-{language}-{width}-esignet-test")

        # A record with ten calls: on a phone the last three, the rest on demand.
        page.goto(f"{live_server.url}/console/submissions/{world['record'].pk}/")
        rows = page.locator("table.timeline tbody tr")
        more = page.get_by_role("button", name=words["older"])
        if size == "phone":
            expect(rows.filter(has_text="(0)")).to_be_hidden()
            expect(rows.filter(has_text="(9)")).to_be_visible()
            height = page.evaluate("document.documentElement.scrollHeight")
            check(page, "record, older calls folded", language, size)
            screenshot(page, f"finished-{language}-{width}-timeline-folded")
            more.click()
            expect(rows.filter(has_text="(0)")).to_be_visible()
            expect(more).to_be_hidden()
            assert page.evaluate("document.documentElement.scrollHeight") > height + 1000
        else:
            expect(more).to_be_hidden()
            expect(rows.filter(has_text="(0)")).to_be_visible()
        fits(page, size, "record")
        check(page, "record", language, size)

        # The dashboard: a status with no record is not a tab stop.
        page.goto(live_server.url + "/console/")
        zero = page.get_by_test_id("status-zero").first
        expect(zero).to_be_visible()
        assert zero.evaluate("e => e.tabIndex") == -1
        assert page.locator(".status-counts a").count() == 1  # the one status with records
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_mapping_list_shows_its_last_column_at_1280(browser, live_server, world, language):
    from integration.mapping.exchange import load_defaults

    load_defaults()
    context, page = open_context(browser, live_server, language, "desktop", world["admin"])
    try:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(live_server.url + "/admin/integration/mappingprofile/")
        box = page.locator("#changelist .results")
        header = page.locator("#result_list th.column-updated_at")
        expect(header).to_be_visible()
        inside = box.evaluate("e => e.getBoundingClientRect().right")
        assert header.evaluate("e => e.getBoundingClientRect().right") <= inside + 1
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing to scroll to
        check(page, "mapping list", language, "desktop")
    finally:
        context.close()
