"""Integration admins change mappings in the admin; the next packet follows, a broken
mapping fails visibly, and a resubmission after the fix goes through."""

import json

import pytest
import requests

from integration.mapping.exchange import export_profile
from integration.models import MappingProfile, Status, Submission
from integration.models.mapping import FieldMapping
from integration.services.staff_actions import Actor, resubmit
from tests.api.test_other_formats import BIRTH, event_document
from tests.fixtures import birth_request, load_json
from tests.support.admin_forms import change_form_data, row_prefix
from tests.support.mapping_defaults import load_defaults_with_address_default


def post_row(admin_client, profile: MappingProfile, target: str, save_anyway=False, **changes):
    url = f"/admin/integration/mappingprofile/{profile.pk}/change/"
    data = change_form_data(admin_client.get(url))
    prefix = row_prefix(data, target)
    for name, value in changes.items():
        data[f"{prefix}-{name}"] = value
    if save_anyway:
        data["save_anyway"] = "on"
    return admin_client.post(url, data, follow=False)


def edit_row(admin_client, profile: MappingProfile, target: str, **changes) -> None:
    response = post_row(admin_client, profile, target, **changes)
    assert response.status_code == 302, response.context["adminform"].form.errors or [
        f.errors for f in response.context["inline_admin_formsets"][0].formset.forms
    ]


def held_back_because(response) -> str:
    """The verdict at the top of the page, as its text reads."""
    assert response.status_code == 200, "the change was saved without confirmation"
    page = response.content.decode()
    assert "Please correct the error" not in page  # no error: a choice to make
    verdict = page[page.index('data-testid="mapping-verdict"') :]
    # First on the form, with its "save anyway" box, before the profile's own fields.
    assert page.index('data-testid="mapping-verdict"') < page.index('name="name"')
    assert verdict.index('name="save_anyway"') < verdict.index("</section>")
    check = response.context["mapping_check"]
    return " ".join([check.headline(), *check.why(), *check.others(), check.scope])


def send(pipeline, event_id: str, tracking_id: str) -> Submission:
    document = event_document("birth", BIRTH, event_id)
    document["trackingId"] = tracking_id
    token = pipeline.opencrvs.mint_token(event_id=event_id)
    reply = requests.post(
        f"{pipeline.portal_url}/trigger/events/birth/actions/REGISTER",
        json=document,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 202, reply.text
    return Submission.objects.get(tracking_id=tracking_id)


@pytest.mark.e2e
def test_an_admin_edit_changes_the_next_packet_and_a_broken_mapping_is_fixed(
    pipeline, admin_client
):
    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="event", event_type="birth")

    edit_row(
        admin_client,
        profile,
        "fullName",
        params=json.dumps({"parts": ["surname", "firstname"], "language": "eng"}),
    )
    first = pipeline.wait_for(
        send(pipeline, "evt-a", "BAAAAAA").certificate_number, Status.CONFIRMED
    )
    packet = pipeline.mosip.packets[first.transaction_id]
    assert packet["fields"]["fullName"] == [{"language": "eng", "value": "Doe Baby"}]

    # A breaking change: before it is saved, the admin sees how many records it would fail.
    breaking = {"params": json.dumps({"format": "%d.%m.%Y"})}
    why = held_back_because(post_row(admin_client, profile, "dateOfBirth", **breaking))
    assert "1 record that maps today would fail at mapping after this change." in why
    assert "dateOfBirth: 1 record, e.g. dateOfBirth '31.01.2024' does not match" in why
    assert "Checked on the last 1 stored record and" in why
    assert FieldMapping.objects.get(profile=profile, target="dateOfBirth").params == {
        "format": "%Y/%m/%d"
    }
    saved = post_row(admin_client, profile, "dateOfBirth", save_anyway=True, **breaking)
    assert saved.status_code == 302
    broken = pipeline.wait_for(send(pipeline, "evt-b", "BBBBBBB").certificate_number, Status.FAILED)
    assert broken.failed_step == "mapping"
    assert "dateOfBirth" in broken.last_error and "31.01.2024" in broken.last_error
    assert broken.transaction_id not in pipeline.mosip.packets  # nothing was sent

    edit_row(
        admin_client,
        profile,
        "dateOfBirth",
        transform="date",
        params=json.dumps({"format": "%Y/%m/%d"}),
    )
    resubmit(broken, Actor(None, "support"), "mapping fixed")
    fixed = pipeline.wait_for(broken.certificate_number, Status.CONFIRMED)
    assert pipeline.mosip.packets[fixed.transaction_id]["fields"]["dateOfBirth"] == "2024/01/31"


@pytest.fixture
def profile(db):
    load_defaults_with_address_default()
    return MappingProfile.objects.get(source_format="fhir", event_type="birth")


def test_a_path_that_does_not_parse_is_refused_with_a_clear_error(admin_client, profile):
    url = f"/admin/integration/mappingprofile/{profile.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data[f"{row_prefix(data, 'fullName')}-source"] = 'sections."child-details".name[0'
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "not a valid JMESPath expression" in errors
    assert FieldMapping.objects.get(profile=profile, target="fullName").source.endswith("[0]")


def test_a_transform_without_its_parameters_is_refused(admin_client, profile):
    url = f"/admin/integration/mappingprofile/{profile.pk}/change/"
    data = change_form_data(admin_client.get(url))
    prefix = row_prefix(data, "gender")
    data[f"{prefix}-params"] = "{}"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "value_map needs the parameter(s): map" in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )


def test_preview_of_a_pasted_bundle_shows_fields_and_validation(admin_client, profile):
    bundle = load_json("opencrvs-fhir", "incoming-birth-bundle.json")
    response = admin_client.post(
        f"/admin/integration/mappingprofile/{profile.pk}/preview/",
        {"payload": json.dumps(bundle)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Toni Sami" in page and "2024/01/01" in page
    assert "Passes the ID schema" in page
    assert Submission.objects.count() == 0  # nothing stored, nothing sent


@pytest.mark.parametrize("key", ["certificate number", "tracking id", "id"])
def test_preview_of_a_stored_submission_names_the_failing_fields(admin_client, profile, key):
    bundle = load_json("opencrvs-fhir", "incoming-birth-bundle.json")
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    stored = Submission.objects.create(
        event_type="birth",
        source_format="fhir",
        tracking_id="BT7Q2XK",
        certificate_number="2026BT7Q2XK",
        raw_request=bundle,
    )
    picked = {
        "certificate number": "2026BT7Q2XK",
        "tracking id": "BT7Q2XK",
        "id": str(stored.pk),
    }[key]
    response = admin_client.post(
        f"/admin/integration/mappingprofile/{profile.pk}/preview/", {"submission": picked}
    )
    problems = response.context["result"]["problems"]
    assert set(problems) >= {"fullName", "dateOfBirth", "gender"}
    assert "required" in problems["fullName"]


def test_preview_refuses_a_payload_that_is_not_json(admin_client, profile):
    response = admin_client.post(
        f"/admin/integration/mappingprofile/{profile.pk}/preview/", {"payload": "{nope"}
    )
    assert "not JSON" in response.content.decode()


def test_export_then_import_reproduces_a_profile(admin_client, profile):
    response = admin_client.post(
        "/admin/integration/mappingprofile/",
        {"action": "export_json", "_selected_action": [profile.pk]},
    )
    assert response["Content-Disposition"].endswith('mapping-profile.json"')
    exported = json.loads(response.content)
    assert exported == export_profile(profile)

    exported["name"] = "FHIR birth (copy from staging)"
    exported["rows"][0]["source"] = "registrationNumber || certificateNumber"
    upload = json.dumps(exported)
    review = admin_client.post("/admin/integration/mappingprofile/import/", {"text": upload})
    assert "new profile" in review.content.decode()  # shown first, applied once confirmed
    assert not MappingProfile.objects.filter(name="FHIR birth (copy from staging)").exists()
    response = admin_client.post(
        "/admin/integration/mappingprofile/import/", {"text": upload, "confirmed": "1"}
    )

    assert response.status_code == 302
    copy = MappingProfile.objects.get(name="FHIR birth (copy from staging)")
    assert copy.active and not MappingProfile.objects.get(pk=profile.pk).active
    assert copy.rows.count() == profile.rows.count()
    assert copy.rows.first().source == "registrationNumber || certificateNumber"


def test_an_invalid_import_saves_nothing_and_lists_the_problems(admin_client, profile):
    exported = export_profile(profile)
    exported["name"] = "broken"
    exported["rows"][1]["source"] = "a.[b"
    exported["rows"][2]["transform"] = "eval"
    response = admin_client.post(
        "/admin/integration/mappingprofile/import/", {"text": json.dumps(exported)}
    )
    assert response.status_code == 200
    errors = response.context["errors"]
    assert any("JMESPath" in e for e in errors) and any("eval" in e for e in errors)
    assert not MappingProfile.objects.filter(name="broken").exists()


def test_import_refuses_something_that_is_not_an_export(admin_client, db):
    response = admin_client.post(
        "/admin/integration/mappingprofile/import/", {"text": json.dumps({"name": "x"})}
    )
    assert "not a mapping profile export" in " ".join(response.context["errors"])


def test_a_change_that_breaks_the_shipped_samples_is_held_back_until_confirmed(admin_client, db):
    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    params = json.dumps({"map": {"female": "Female"}, "language": "eng"})  # "male" dropped

    why = held_back_because(post_row(admin_client, profile, "gender", params=params))

    assert "2 records that map today would fail at mapping after this change." in why
    assert "Checked on the last 0 stored records and 2 sample payloads." in why
    assert "gender: 2 records, e.g. gender: 'male' is not one of female" in why
    page = admin_client.get(f"/admin/integration/mappingprofile/{profile.pk}/change/")
    assert "filled by default" in page.content.decode()
    assert "addressLine1 = &quot;Address not recorded&quot;" in page.content.decode()


def test_a_harmless_change_is_saved_and_says_what_was_checked(admin_client, db):
    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    params = json.dumps(
        {"map": {"male": "Male", "female": "Female", "unknown": "Others"}, "language": "eng"}
    )
    response = post_row(admin_client, profile, "gender", params=params)

    assert response.status_code == 302
    shown = [str(m) for m in admin_client.get(response.url).context["messages"]]
    assert (
        "No record that maps today would fail after this change. "
        "Checked on the last 0 stored records and 2 sample payloads."
    ) in " ".join(shown)


def stored_births(*dates: str) -> None:
    for n, date in enumerate(dates):
        body = birth_request(f"2026B8000000{n}", f"B800000{n}")
        body["requestFields"]["dateOfBirth"] = date
        Submission.objects.create(
            event_type="birth",
            event_type_id="birth",
            source_format="interop",
            tracking_id=body["trackingId"],
            certificate_number=body["requestFields"]["birthCertificateNumber"],
            raw_request=body,
        )


def test_new_failures_old_failures_and_fixes_are_counted_apart(admin_client, db):
    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    # Two records that map today, one that fails today (a date MOSIP would refuse).
    stored_births("2024/01/31", "2024/02/01", "31st of Jan")
    no_male = json.dumps({"map": {"female": "Female"}, "language": "eng"})

    why = held_back_because(post_row(admin_client, profile, "gender", params=no_male))

    # 2 records and 2 samples map today and would not; the third still fails; 3 + 2 tried.
    assert "4 records that map today would fail at mapping after this change." in why
    assert "1 record fails today and would still fail." in why
    assert "would map after this change" not in why
    assert "Checked on the last 3 stored records and 2 sample payloads." in why

    saved = post_row(admin_client, profile, "gender", save_anyway=True, params=no_male)
    assert saved.status_code == 302
    # Putting "male" back fixes the four and is saved at once, saying so.
    both = json.dumps({"map": {"male": "Male", "female": "Female"}, "language": "eng"})
    fixed = post_row(admin_client, profile, "gender", params=both)
    assert fixed.status_code == 302
    shown = " ".join(str(m) for m in admin_client.get(fixed.url).context["messages"])
    assert "No record that maps today would fail after this change." in shown
    assert "1 record fails today and would still fail." in shown
    assert "4 records fail today and would map after this change." in shown


def test_the_save_anyway_choice_is_shown_only_when_something_would_break(admin_client, db):
    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    url = f"/admin/integration/mappingprofile/{profile.pk}/change/"

    page = admin_client.get(url).content.decode()
    assert 'name="save_anyway"' not in page and "mapping-verdict" not in page
    harmless = json.dumps({"map": {"male": "Male", "female": "Female"}, "language": "eng"})
    assert post_row(admin_client, profile, "gender", params=harmless).status_code == 302


def test_mapping_edits_are_in_the_settings_history_without_values(admin_client, db):
    from integration.models import SettingsChange

    load_defaults_with_address_default()
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    params = json.dumps({"map": {"male": "Male", "female": "Female"}, "language": "eng"})

    assert post_row(admin_client, profile, "gender", params=params).status_code == 302

    change = SettingsChange.objects.get()
    assert change.settings_name == f"Mapping profile {profile.name}"
    assert change.changed_by_name and change.fields == ["row gender: parameters"]
    history = admin_client.get("/admin/integration/settingschange/").content.decode()
    assert f"Mapping profile {profile.name}" in history and "row gender: parameters" in history
    assert "Female" not in history  # never a value
