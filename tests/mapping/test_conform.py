"""Schema-driven conversion of mapped fields: only what needs no guess, nothing empty."""

import pytest

from integration.mapping.conform import conform
from integration.mapping.schemas import shipped_id_schema
from integration.mapping.transforms import join

SCHEMA = shipped_id_schema()


def eng(text: str) -> list[dict]:
    return [{"language": "eng", "value": text}]


def test_plain_text_for_a_simple_type_field_is_wrapped_in_the_profiles_language():
    fields = conform({"fullName": "Baby Doe", "phone": "0911111111"}, SCHEMA, "fra")
    assert fields == {"fullName": [{"language": "fra", "value": "Baby Doe"}], "phone": "0911111111"}


@pytest.mark.parametrize("value", ["2024-01-31", "2024/01/31", "2024.01.31"])
def test_a_year_first_date_takes_the_schemas_layout(value):
    assert conform({"dateOfBirth": value}, SCHEMA, "eng") == {"dateOfBirth": "2024/01/31"}


@pytest.mark.parametrize("value", ["31/01/2024", "01-02-2024", "2024-02-30", "yesterday"])
def test_an_ambiguous_or_impossible_date_is_left_for_validation_to_name(value):
    assert conform({"dateOfBirth": value}, SCHEMA, "eng") == {"dateOfBirth": value}


def test_a_date_is_not_guessed_when_the_regex_allows_day_and_month_either_way():
    schema = {
        "properties": {
            "identity": {
                "properties": {
                    "when": {
                        "type": "string",
                        "validators": [{"type": "regex", "validator": r"^\d{2}/\d{2}/\d{4}$"}],
                    }
                }
            }
        }
    }
    assert conform({"when": "2024-01-31"}, schema, "eng") == {"when": "2024-01-31"}


def test_fields_with_no_value_are_left_out_never_sent_empty():
    fields = {
        "fullName": "@TODO",
        "gender": eng(""),
        "addressLine1": [{"language": "eng", "value": " "}, {"language": "fra", "value": "Rue 1"}],
        "email": "",
        "phone": None,
        "nationalIdNumber": "1234567892",
    }
    assert conform(fields, SCHEMA, "eng") == {
        "addressLine1": [{"language": "fra", "value": "Rue 1"}],
        "nationalIdNumber": "1234567892",
    }


def test_a_name_is_built_from_its_name_parts_never_fhirs_use_code():
    fhir_name = {"use": "en", "given": ["Toni", ""], "family": "Sami", "period": {}}
    assert join(fhir_name, {}, None) == "Toni Sami"
    assert join({"surname": "Doe", "firstname": "Baby", "middlename": ""}, {}, None) == "Baby Doe"
