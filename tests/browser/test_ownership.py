"""Ownership, notes and each call's request in a real browser, in English and French, on
a desktop (1440 px) and a phone (390 px): a support person assigns a record from its page,
finds it under "assigned to me", assigns others from the list, writes a note and opens a
call's request beside its reply; an auditor reads the note masked and the request's head
only. axe-core reports no violation at all on these pages (any impact), and nothing is
wider than the screen."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from integration.console.tasks import run_bulk_job
from integration.models import BulkJob, Submission
from integration.roles import Role, assign_roles
from tests.browser.conftest import failed_records, screenshot
from tests.browser.test_tour import AXE, AXE_TAGS, SIZES, open_context

pytestmark = pytest.mark.e2e

NOTE = "Jane Doe rang from 0911111111: her daughter's name is mistyped."
WORDS = {
    "en": {
        "assign_to": "Assign to",
        "assign": "Assign",
        "assigned": "Assigned to Lou Lambert",
        "filter": "Assigned to",
        "me": "Me",
        "apply": "Apply filters",
        "with_selected": "With the selected records",
        "continue": "Continue…",
        "assign_many": "Assign: 2 records",
        "gives": "Gives each record to Sam Support",
        "add_note": "Add a note",
        "add": "Add the note",
        "added": "Note added.",
        "request": "Request as sent",
        "hidden": "Its body is hidden: it carries personal data.",
    },
    "fr": {
        "assign_to": "Attribuer à",
        "assign": "Attribuer",
        "assigned": "Attribué à Lou Lambert",
        "filter": "Attribué à",
        "me": "Moi",
        "apply": "Appliquer les filtres",
        "with_selected": "Avec les dossiers sélectionnés",
        "continue": "Continuer…",
        "assign_many": "Attribuer : 2 dossiers",
        "gives": "Attribue chaque dossier à Sam Support",
        "add_note": "Ajouter une note",
        "add": "Ajouter la note",
        "added": "Note ajoutée.",
        "request": "Requête telle qu’envoyée",
        "hidden": "Son corps est masqué : il contient des données personnelles.",
    },
}


def person(username: str, first: str, last: str, role: Role):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.org", first_name=first, last_name=last
    )
    assign_roles(user, {role})
    return user


@pytest.fixture
def world(transactional_db):
    support = person("sam", "Sam", "Support", Role.SUPPORT)
    person("lou", "Lou", "Lambert", Role.SUPPORT)
    auditor = person("ada", "Ada", "Auditor", Role.AUDITOR)
    record, *others = failed_records(3)
    record.attempts.create(
        step="create_packet",
        url="http://mosip.test/commons/v1/packetmanager/createPacket",
        http_status=400,
        error="MOSIP create packet answered HTTP 400: RPR-PKR-016",
        request_excerpt="PUT http://mosip.test/commons/v1/packetmanager/createPacket\n"
        "Cookie: Authorization=[redacted]\nContent-Type: application/json\n\n"
        '{"request": {"id": "10001", "fields": {"fullName": "Baby Doe", '
        '"phone": "0911111111"}}}',
        response_excerpt='{"errors": [{"errorCode": "RPR-PKR-016"}]}',
    )
    return {"support": support, "auditor": auditor, "record": record, "others": others}


def axe_clean(page, name: str, language: str, size: str) -> None:
    """No axe-core violation of any impact (WCAG 2.2 AA rules), and nothing scrolls sideways."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES[size]["width"], f"{name} [{language}] is {wide} px wide"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not found, f"{name} [{language}, {size}]:\n" + "\n".join(found)
    screenshot(page, f"ownership-{language}-{SIZES[size]['width']}-{name}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_assign_filter_note_and_request_in_each_language_and_size(
    browser, live_server, world, language, size
):
    assert AXE.exists(), "run `npm ci` in tests/browser/oidc"
    words, record = WORDS[language], world["record"]
    record_url = f"{live_server.url}/console/submissions/{record.pk}/"
    context, page = open_context(browser, live_server, language, size, world["support"])
    try:
        # Assign the record to a colleague from its page.
        page.goto(record_url)
        page.get_by_label(words["assign_to"]).select_option(label="Lou Lambert")
        page.get_by_role("button", name=words["assign"], exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(words["assigned"])
        expect(page.get_by_test_id("assignee")).to_contain_text("Lou Lambert")
        axe_clean(page, "assigned", language, size)

        # A note, without any action.
        page.get_by_label(words["add_note"]).fill(NOTE)
        page.get_by_role("button", name=words["add"]).click()
        expect(page.get_by_role("status")).to_contain_text(words["added"])
        expect(page.get_by_test_id("note").first).to_contain_text(NOTE)
        # The call's request as sent, beside its reply.
        request = page.get_by_test_id("request-excerpt")
        request.get_by_text(words["request"]).click()
        expect(request.locator("pre")).to_contain_text("Cookie: Authorization=[redacted]")
        expect(request.locator("pre")).to_contain_text('"phone": "0911111111"')
        axe_clean(page, "note-and-request", language, size)

        # The other two, from the list, for oneself: a bulk job.
        page.goto(f"{live_server.url}/console/submissions/")
        for other in world["others"]:
            page.get_by_role("checkbox", name=re.compile(other.tracking_id)).check()
        page.get_by_label(words["with_selected"]).select_option("assign")
        page.get_by_role("button", name=words["continue"]).click()
        page.get_by_label(words["assign_to"]).select_option(label="Sam Support")
        axe_clean(page, "confirm-bulk-assign", language, size)
        page.get_by_role("button", name=words["assign_many"]).click()
        expect(page.get_by_test_id("job-assignee")).to_contain_text(words["gives"])
        run_bulk_job(BulkJob.objects.get().pk)  # the worker's part

        # "Assigned to me" lists those two, not the one given to Lou.
        page.goto(f"{live_server.url}/console/submissions/")
        page.get_by_label(words["filter"]).select_option(words["me"])
        page.get_by_role("button", name=words["apply"]).click()
        rows = page.locator("table.submissions tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text=record.tracking_id)).to_have_count(0)
        expect(page.get_by_test_id("assignee").first).to_contain_text("Sam Support")
        axe_clean(page, "assigned-to-me", language, size)
    finally:
        context.close()
    assert set(Submission.objects.values_list("assignee__username", flat=True)) == {"lou", "sam"}

    # The auditor reads the note and the request's head, personal data masked.
    context, page = open_context(browser, live_server, language, size, world["auditor"])
    try:
        page.goto(record_url)
        expect(page.get_by_test_id("assign-form")).to_have_count(0)
        expect(page.get_by_test_id("note-form")).to_have_count(0)
        note = page.get_by_test_id("note").first
        expect(note).to_contain_text("rang from")
        expect(note).not_to_contain_text("Jane Doe")
        expect(note).not_to_contain_text("0911111111")
        request = page.get_by_test_id("request-excerpt")
        request.get_by_text(words["request"]).click()
        expect(request.locator("pre")).to_contain_text("PUT http://mosip.test/commons/")
        expect(request).not_to_contain_text("0911111111")
        expect(request).to_contain_text(words["hidden"])
        axe_clean(page, "auditor", language, size)
    finally:
        context.close()
