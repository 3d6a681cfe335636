"""In a real browser, in English and French, at 1440 and 390 px: a mapping edit that would
break records says so at the top of the profile's page, counting new failures, old ones
and fixes apart, with its "save anyway" beside it; the saved edit is in the settings
history; and a record that failed at mapping still shows that failure on its timeline
after a resubmit took it to confirmed. axe-core finds no violation of any impact."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from integration.models import MappingProfile, Status, Submission
from integration.models.mapping import FieldMapping
from integration.roles import Role, assign_roles
from integration.services.staff_actions import Actor, resubmit
from tests.browser.conftest import screenshot
from tests.browser.test_tour import AXE, AXE_TAGS, SIZES, open_context
from tests.fixtures import birth_request
from tests.support.mapping_defaults import load_defaults_with_address_default

pytestmark = pytest.mark.e2e

WORDS = {
    "en": {
        "breaks": "4 records that map today would fail at mapping after this change.",
        "still": "1 record fails today and would still fail.",
        "scope": "Checked on the last 3 stored records and 2 sample payloads.",
        "anyway": "Save anyway: 4 records would fail",
        "save": "Save",
        "correct": "Please correct",
        "history": "row gender: source",
        "step": "Map to MOSIP fields",
        "confirmed": "Confirmed",
        "no call": "No call made yet.",
    },
    "fr": {
        "breaks": (
            "4 dossiers qui se convertissent aujourd’hui échoueraient à la conversion "
            "après cette modification."
        ),
        "still": "1 dossier échoue aujourd’hui et échouerait encore.",
        "scope": "Vérifié sur les 3 derniers dossiers enregistrés et 2 exemples de requête.",
        "anyway": "Enregistrer quand même : 4 dossiers échoueraient",
        "save": "Enregistrer",
        "correct": "Corrigez",
        "history": "row gender: source",
        "step": "Conversion vers les champs MOSIP",
        "confirmed": "Confirmé",
        "no call": "Aucun appel effectué pour l’instant.",
    },
}


def no_violation(page, name: str) -> None:
    """axe-core on the page as it is: no violation at all, whatever its impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not found, f"{name}:\n" + "\n".join(found)


def fits(page, size: str, name: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES[size]["width"], f"{name} is {wide} px wide"


def staff(username: str, role: Role):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.org", first_name=username.title()
    )
    assign_roles(user, {role})
    return user


def stored_birth(n: int, date_of_birth: str) -> None:
    body = birth_request(f"2026B9000000{n}", f"B900000{n}")
    body["requestFields"]["dateOfBirth"] = date_of_birth
    Submission.objects.create(
        event_type="birth",
        event_type_id="birth",
        source_format="interop",
        tracking_id=body["trackingId"],
        certificate_number=body["requestFields"]["birthCertificateNumber"],
        raw_request=body,
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_breaking_mapping_edit_says_so_at_the_top_with_save_anyway(
    browser, live_server, transactional_db, language, size
):
    assert AXE.exists(), "run `npm ci` in tests/browser/oidc"
    words, width = WORDS[language], SIZES[size]["width"]
    admin = staff("ina", Role.ADMIN)
    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    # Two records that map today, one that fails today (a date MOSIP would refuse).
    for n, date in enumerate(["2024/01/31", "2024/02/01", "31st of Jan"]):
        stored_birth(n, date)
    context, page = open_context(browser, live_server, language, size, admin)
    try:
        url = f"{live_server.url}/admin/integration/mappingprofile/{profile.pk}/change/"
        page.goto(url)
        # Nothing to decide before an edit: no verdict, no "save anyway".
        expect(page.get_by_test_id("mapping-verdict")).to_have_count(0)
        expect(page.locator('input[name="save_anyway"]')).to_have_count(0)

        # gender read from a path no record has: every record with a gender breaks.
        page.locator('textarea[name="rows-0-source"]').fill("requestFields.sex")
        page.locator('input[name="_save"]').last.click()

        verdict = page.get_by_test_id("mapping-verdict")
        expect(verdict).to_contain_text(words["breaks"])
        expect(verdict).to_contain_text(words["still"])
        expect(verdict).to_contain_text(words["scope"])
        expect(page.get_by_text(words["correct"])).to_have_count(0)
        anyway = page.get_by_label(words["anyway"])
        # The verdict and its choice are first on the form, on the first screen.
        first_fieldset = page.locator("fieldset").first.bounding_box()["y"]
        box = verdict.bounding_box()
        assert box["y"] < first_fieldset, "the verdict is below the profile's fields"
        choice = anyway.bounding_box()
        assert box["y"] <= choice["y"] <= box["y"] + box["height"]
        top = box["y"] - page.evaluate("window.scrollY")
        assert top < SIZES[size]["height"], f"the verdict starts {top:.0f} px down"
        fits(page, size, "mapping verdict")
        no_violation(page, f"mapping verdict [{language}, {size}]")
        screenshot(page, f"mapping-check-{language}-{width}-verdict")
        assert FieldMapping.objects.get(profile=profile, target="gender").source == (
            "requestFields.gender"
        )

        anyway.check()
        verdict.get_by_role("button", name=words["save"]).click()
        page.wait_for_url("**/admin/integration/mappingprofile/")
        expect(page.locator(".messagelist .warning")).to_contain_text(words["breaks"])
        assert FieldMapping.objects.get(profile=profile, target="gender").source == (
            "requestFields.sex"
        )

        # The settings history names the row and field changed, never the value.
        page.goto(live_server.url + "/admin/integration/settingschange/")
        row = page.locator("#result_list tbody tr").first
        expect(row).to_contain_text(f"Mapping profile {profile.name}")
        expect(row).to_contain_text(words["history"])
        expect(page.locator("#result_list")).not_to_contain_text("requestFields.sex")
        fits(page, size, "settings changes")
        no_violation(page, f"settings changes [{language}, {size}]")
        screenshot(page, f"mapping-check-{language}-{width}-history")
    finally:
        context.close()


def test_a_mapping_failure_stays_on_the_timeline_after_a_successful_resubmit(
    browser, live_server, pipeline
):
    assert AXE.exists(), "run `npm ci` in tests/browser/oidc"
    support = staff("sam", Role.SUPPORT)
    load_defaults_with_address_default()
    gender = FieldMapping.objects.get(
        profile__source_format="interop", profile__event_type="birth", target="gender"
    )
    gender.source = "requestFields.sex"  # a broken edit, saved anyway
    gender.save()
    body = birth_request("2026B91000001", "B91000001")
    assert pipeline.register(body).status_code == 202
    failed = pipeline.wait_for("2026B91000001", Status.FAILED)
    assert failed.failed_step == "mapping"

    gender.source = "requestFields.gender"  # put right, then resubmitted
    gender.save()
    resubmit(failed, Actor(None, "support"), "mapping fixed")
    done = pipeline.wait_for("2026B91000001", Status.CONFIRMED)
    assert done.last_error == ""

    for language in ("en", "fr"):
        words = WORDS[language]
        for size in SIZES:
            width = SIZES[size]["width"]
            context, page = open_context(browser, live_server, language, size, support)
            try:
                page.goto(f"{pipeline.portal_url}/console/submissions/{done.pk}/")
                expect(page.get_by_text(words["confirmed"]).first).to_be_visible()
                rows = page.locator("table.timeline tbody tr")
                failure = rows.filter(has_text=words["step"]).filter(has_text="gender")
                more = page.locator("[data-show-older]")
                if size == "phone" and more.count():
                    more.click()  # on a phone the older calls wait behind a button
                expect(failure).to_have_count(1)
                expect(failure).to_be_visible()
                expect(failure).to_contain_text("✗")
                expect(page.get_by_text(words["no call"])).to_have_count(0)
                fits(page, size, "record")
                no_violation(page, f"record timeline [{language}, {size}]")
                screenshot(page, f"mapping-check-{language}-{width}-timeline")
            finally:
                context.close()
