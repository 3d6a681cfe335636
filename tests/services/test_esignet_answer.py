"""The answer OpenCRVS's form reads, from the claims real deployments send: the shape of
mosip-api 1.9's `pickUserInfo` (opencrvs/mosip packages/mosip-api/src/esignet-api.ts)."""

import pytest

from integration.services.esignet_answer import to_opencrvs

TAIL = {"verificationStatus": "authenticated", "idType": None, "nid": None}


def test_the_reference_field_set_with_dob_unknown_whenever_a_birth_date_is_given():
    claims = {
        "sub": "psut",
        "given_name": "Jenny",
        "middle_name": "Debra",
        "family_name": "Doe",
        "gender": "Female",
        "birthdate": "2002/02/01",
        "email": "jenny@example.org",
    }

    assert to_opencrvs(claims) == {
        "name": {"firstname": "Jenny", "middlename": "Debra", "surname": "Doe"},
        "gender": "female",
        "dobUnknown": None,
        "birthDate": "2002-02-01",
        **TAIL,
        "sub": "psut",
    }


def test_what_was_not_sent_is_left_out_as_mosip_api_leaves_it_out():
    assert to_opencrvs({"given_name": "Jenny"}) == {"name": {"firstname": "Jenny"}, **TAIL}


def test_the_2_x_answer_carries_the_psut_and_the_number_signed_in_with():
    claims = {"sub": "psut-of-jenny", "given_name": "Jenny", "individual_id": "1234567891"}

    answer = to_opencrvs(claims)

    assert answer["sub"] == "psut-of-jenny"
    assert (answer["idType"], answer["nid"]) == ("NATIONAL_ID", "1234567891")


@pytest.mark.parametrize(
    ("language", "claims"),
    [
        ("eng", {"name#en": "Jenny Debra Doe", "gender#en": "Female"}),  # IDA
        ("eng", {"name#EN": "Jenny Debra Doe", "gender#en-GB": "Female"}),
        ("en", {"name#eng": "Jenny Debra Doe", "gender#eng": "Female"}),  # mock identity
        ("fra", {"name#fr": "Jenny Debra Doe", "gender#fr": "Female"}),
        ("fre", {"name#fra": "Jenny Debra Doe", "gender#fr": "Female"}),
    ],
)
def test_two_and_three_letter_codes_name_the_same_language(language, claims):
    claims = {**claims, "name#km": "ខ្មែរ", "gender#km": "ខ្មែរ"}

    answer = to_opencrvs(claims, language)

    assert answer["name"] == {"firstname": "Jenny", "middlename": "Debra", "surname": "Doe"}
    assert answer["gender"] == "female"


def test_the_configured_spelling_wins_and_another_language_is_never_taken():
    claims = {"name#en": "Jenny Doe", "name#eng": "Jennifer Doe", "name#km": "ខ្មែរ ស"}

    assert to_opencrvs(claims, "eng")["name"]["firstname"] == "Jennifer"
    assert to_opencrvs(claims, "en")["name"]["firstname"] == "Jenny"
    assert to_opencrvs({"name#km": "ខ្មែរ ស"}, "eng")["name"] == {}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jenny Debra Doe", {"firstname": "Jenny", "middlename": "Debra", "surname": "Doe"}),
        ("Jenny Doe", {"firstname": "Jenny", "surname": "Doe"}),
        ("Jenny", {"firstname": "Jenny"}),
        (
            "  Ana  Maria  de  Souza ",
            {"firstname": "Ana", "middlename": "Maria de", "surname": "Souza"},
        ),
    ],
)
def test_only_a_full_name_is_split_first_middle_last(name, expected):
    assert to_opencrvs({"name": name})["name"] == expected


def test_name_parts_win_over_the_full_name():
    claims = {"name": "Someone Else Entirely", "given_name": "Jenny", "family_name": "Doe"}
    assert to_opencrvs(claims)["name"] == {"firstname": "Jenny", "surname": "Doe"}


def test_with_several_locales_the_configured_language_is_used():
    claims = {
        "name#eng": "Jenny Debra Doe",
        "name#fra": "Jeanne Débora Doe",
        "gender#eng": "Female",
        "gender#fra": "Femme",
        "birthdate": "2002/02/01",
    }

    assert to_opencrvs(claims, "eng")["name"]["firstname"] == "Jenny"
    assert to_opencrvs(claims, "eng")["gender"] == "female"
    french = to_opencrvs(claims, "fra")
    assert french["name"] == {"firstname": "Jeanne", "middlename": "Débora", "surname": "Doe"}
    assert french["gender"] == "femme"
    assert "firstname" not in to_opencrvs(claims, "khm")["name"]


@pytest.mark.parametrize(
    ("birthdate", "expected"),
    [
        ("2002/02/01", "2002-02-01"),
        ("2002-02-01", "2002-02-01"),
        ("2002-02-01T00:00:00Z", "2002-02-01"),
        ("01/02/2002", ""),  # ambiguous: left for the person to fill in, as mosip-api does
    ],
)
def test_birth_dates_in_esignet_s_format_or_iso(birthdate, expected):
    answer = to_opencrvs({"birthdate": birthdate})
    assert answer["birthDate"] == expected
    assert answer["dobUnknown"] is None
