"""Failure reasons in the reader's language, in a real browser: on a phone (390 px), in
French and in English, a support person reads why a record failed as a sentence in their
language, and MOSIP's own words beside it, quoted and marked as MOSIP's verbatim text
(not translated, selectable to copy), on the record page, the list and the dashboard.
axe-core reports no violation at all, and nothing is wider than the screen."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from integration.models import EventType, Status, Submission
from integration.models.submission import Step
from integration.roles import Role, assign_roles
from tests.browser.conftest import screenshot
from tests.browser.test_tour import AXE, AXE_TAGS, SIZES, open_context
from tests.console.test_reasons_in_language import MOSIP_SAYS, refused_by_mosip
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e

WORDS = {
    "fr": {
        "reason": "MOSIP (création du paquet) a répondu HTTP 400",
        "caption": "Texte exact de MOSIP (création du paquet) (tel qu’envoyé, non traduit)",
        "english": "answered HTTP",
    },
    "en": {
        "reason": "MOSIP create packet answered HTTP 400",
        "caption": "In MOSIP create packet's own words (as sent, not translated)",
        "english": "",
    },
}


@pytest.fixture
def world(transactional_db):
    from integration.services import lifecycle
    from integration.services.failures import classify
    from integration.services.progress import after_failure

    support = get_user_model().objects.create_user("sam", first_name="Sam", last_name="Support")
    assign_roles(support, {Role.SUPPORT})
    body = birth_request("2026B70000001", "B7000001")
    record = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id=body["trackingId"],
        certificate_number=body["requestFields"]["birthCertificateNumber"],
        raw_request=body,
        status=Status.RECEIVED,
    )
    # The delivery worker's own path: MOSIP refuses the packet with its error list.
    claimed = lifecycle.claim(record.pk, "claim_delivery")
    after_failure(
        claimed,
        classify(refused_by_mosip()),
        Step.CREATE_PACKET,
        retry="delivery_retry",
        fail_as="delivery_failed",
    )
    return {"support": support, "record": Submission.objects.get(pk=record.pk)}


def axe_clean(page, name: str, language: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES["phone"]["width"], f"{name} [{language}] is {wide} px wide"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not found, f"{name} [{language}]:\n" + "\n".join(found)
    screenshot(page, f"reasons-{language}-390-{name}")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_failure_reads_in_the_readers_language_with_mosips_words_marked(
    browser, live_server, world, language
):
    assert AXE.exists(), "run `npm ci` in tests/browser/oidc"
    words, record = WORDS[language], world["record"]
    assert record.status == Status.FAILED and record.reason_code == "remote_http"
    context, page = open_context(browser, live_server, language, "phone", world["support"])
    try:
        page.goto(f"{live_server.url}/console/submissions/{record.pk}/")
        reason = page.get_by_role("alert")
        expect(reason.get_by_test_id("failure-reason")).to_have_text(words["reason"])
        verbatim = reason.get_by_test_id("remote-verbatim")
        expect(verbatim.locator("figcaption")).to_contain_text(words["caption"])
        expect(verbatim.locator("code")).to_have_text(MOSIP_SAYS)
        assert verbatim.locator("blockquote").get_attribute("lang") == "en"
        # Selectable as a whole, to paste into a ticket to MOSIP.
        assert verbatim.locator("code").evaluate("e => getComputedStyle(e).userSelect") == "all"
        if words["english"]:
            outside = reason.evaluate(
                "e => { const c = e.cloneNode(true); c.querySelector('figure').remove();"
                " return c.innerText; }"
            )
            assert words["english"] not in outside
        axe_clean(page, "record", language)

        page.goto(f"{live_server.url}/console/submissions/")
        listed = page.get_by_test_id("failure-reason").first
        expect(listed).to_contain_text(words["reason"])
        axe_clean(page, "list", language)

        page.goto(f"{live_server.url}/console/")
        expect(page.get_by_test_id("reason-group").first).to_contain_text(words["reason"])
        axe_clean(page, "dashboard", language)
    finally:
        context.close()
