"""A mapping row's transform parameters are edited as fields of that transform (a value
map as pairs, a date's format...), the JSON kept as an advanced view; mistakes are
reported on the row's parameters and nothing is saved."""

import json
from html.parser import HTMLParser

import pytest

from integration.mapping.exchange import load_defaults
from integration.models.mapping import FieldMapping, MappingProfile
from tests.support.admin_forms import change_form_data, row_prefix

pytestmark = pytest.mark.django_db


class Inputs(HTMLParser):
    """Every input and text area of a page, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._area: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "checkbox":
            self.found.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea":
            self._area, self._text = attrs.get("name"), ""

    def handle_data(self, data):
        if self._area:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._area:
            self.found.append((self._area, self._text.removeprefix("\n")))
            self._area = None


def page_of(admin_client, profile: MappingProfile):
    return admin_client.get(f"/admin/integration/mappingprofile/{profile.pk}/change/")


def params_inputs(page, prefix: str) -> dict:
    """The row's parameter boxes as posted: repeated names (a value map's pairs) as lists."""
    parser = Inputs()
    parser.feed(page.content.decode())
    data: dict = {}
    for name, value in parser.found:
        if name.startswith(f"{prefix}-params"):
            data.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 and not k.endswith(("__key", "__value")) else v
            for k, v in data.items()}  # fmt: skip


def post(admin_client, profile, target: str, edit) -> tuple:
    """Open the page, let `edit` change the row's boxes, save."""
    page = page_of(admin_client, profile)
    data = change_form_data(page)
    prefix = row_prefix(data, target)
    data.update(params_inputs(page, prefix))
    edit(data, f"{prefix}-params")
    reply = admin_client.post(f"/admin/integration/mappingprofile/{profile.pk}/change/", data)
    return reply, prefix


def row_errors(reply, target: str) -> list[str]:
    assert reply.status_code == 200, "saved despite the mistake"
    formset = reply.context["inline_admin_formsets"][0].formset
    form = next(f for f in formset.forms if f["target"].value() == target)
    return list(form.errors.get("params", []))


@pytest.fixture
def profile() -> MappingProfile:
    return next(
        p for p in load_defaults() if p.source_format == "event" and p.event_type == "birth"
    )


def test_a_value_map_and_a_date_format_are_fields_and_the_json_is_advanced(admin_client, profile):
    page = page_of(admin_client, profile)
    prefix = row_prefix(change_form_data(page), "gender")
    boxes = params_inputs(page, prefix)
    keys, values = (
        boxes[f"{prefix}-params__value_map__map__key"],
        boxes[f"{prefix}-params__value_map__map__value"],
    )
    assert dict(zip(keys, values, strict=True)) | {"": ""} == {
        "male": "Male", "female": "Female", "unknown": "Others", "other": "Others", "": "",
    }  # fmt: skip
    assert boxes[f"{prefix}-params__value_map__language"] == "eng"
    html = page.content.decode()
    assert '<details class="params-json">' in html and "Advanced: as JSON" in html
    date = row_prefix(change_form_data(page), "dateOfBirth")
    assert params_inputs(page, date)[f"{date}-params__date__format"] == "%Y/%m/%d"


def test_a_value_map_is_changed_through_its_pairs(admin_client, profile):
    def edit(data, name):
        keys, values = data[f"{name}__value_map__map__key"], data[f"{name}__value_map__map__value"]
        values[keys.index("unknown")] = "Other"
        keys[4], values[4] = "intersex", "Other"  # a spare pair filled in

    reply, _ = post(admin_client, profile, "gender", edit)
    assert reply.status_code == 302, reply.context and row_errors(reply, "gender")
    row = FieldMapping.objects.get(profile=profile, target="gender")
    assert row.params == {
        "map": {
            "male": "Male", "female": "Female", "unknown": "Other", "other": "Others",
            "intersex": "Other",
        },
        "language": "eng",
    }  # fmt: skip


def test_a_date_format_is_changed_through_its_field(admin_client, profile):
    def edit(data, name):
        data[f"{name}__date__format"] = "%Y-%m-%d"
        data[f"{name}__date__input_formats"] = "%d.%m.%Y\n\n%Y-%m-%d"

    reply, _ = post(admin_client, profile, "dateOfBirth", edit)
    assert reply.status_code == 302
    row = FieldMapping.objects.get(profile=profile, target="dateOfBirth")
    assert row.params == {"format": "%Y-%m-%d", "input_formats": ["%d.%m.%Y", "%Y-%m-%d"]}


def test_a_pair_without_its_record_value_is_refused_on_the_row(admin_client, profile):
    def edit(data, name):
        data[f"{name}__value_map__map__value"][4] = "Other"

    reply, prefix = post(admin_client, profile, "gender", edit)
    assert row_errors(reply, "gender") == ["Values: “Other” has no value from the record."]
    # What was typed is shown again beside the message.
    again = params_inputs(reply, prefix)[f"{prefix}-params__value_map__map__value"]
    assert "Other" in again
    assert FieldMapping.objects.get(profile=profile, target="gender").params["map"]["male"]


def test_a_transform_without_its_needed_parameter_is_refused(admin_client, profile):
    def edit(data, name):
        data[name.removesuffix("params") + "transform"] = "fhir_identifier"

    reply, _ = post(admin_client, profile, "gender", edit)
    assert row_errors(reply, "gender") == ["Identifier type: needed for this transform."]

    def with_type(data, name):
        data[name.removesuffix("params") + "transform"] = "fhir_identifier"
        data[f"{name}__fhir_identifier__type"] = "NATIONAL_ID"

    reply, _ = post(admin_client, profile, "gender", with_type)
    assert reply.status_code == 302
    # The value map's own parameters went with it; the language, any transform's, stays.
    row = FieldMapping.objects.get(profile=profile, target="gender")
    assert row.params == {"type": "NATIONAL_ID", "language": "eng"}


def test_the_json_view_wins_when_it_is_the_one_edited(admin_client, profile):
    def edit(data, name):
        data[name] = json.dumps({"format": "%d/%m/%Y"})

    reply, _ = post(admin_client, profile, "dateOfBirth", edit)
    assert reply.status_code == 302
    assert FieldMapping.objects.get(profile=profile, target="dateOfBirth").params == {
        "format": "%d/%m/%Y"
    }

    def broken(data, name):
        data[name] = '{"format": '

    reply, _ = post(admin_client, profile, "dateOfBirth", broken)
    assert row_errors(reply, "dateOfBirth") == ["Enter a valid JSON."]


def test_parameters_the_fields_cannot_hold_stay_json(admin_client, profile):
    row = FieldMapping.objects.get(profile=profile, target="phone")
    row.transform, row.params = "constant", {"value": 5}
    row.save()
    page = page_of(admin_client, profile)
    prefix = row_prefix(change_form_data(page), "phone")
    boxes = params_inputs(page, prefix)
    assert f"{prefix}-params__fields" not in boxes  # the fields are not read back
    assert "These parameters do not fit the fields" in page.content.decode()

    reply, _ = post(admin_client, profile, "phone", lambda data, name: None)
    assert reply.status_code == 302
    assert FieldMapping.objects.get(pk=row.pk).params == {"value": 5}
