"""The `address` transform: one part of an OpenCRVS address as MOSIP's ID schema names
the parts (addressLine1 and region > province > city > zone), from the shapes OpenCRVS
stores: a v2 declaration's ADDRESS value (domestic, international) and a FHIR address."""

import pytest

from integration.mapping.transforms import TransformError, address, check_params

AREA = "62a0ccb4-880d-4f30-8882-f256007dfff9"
DOMESTIC = {
    "country": "FAR",
    "addressType": "DOMESTIC",
    "administrativeArea": AREA,
    "streetLevelDetails": {
        "town": "Isamba",
        "residentialArea": "Mzuzu Estate",
        "street": "Kalulushi Road",
        "number": "14",
        "zipCode": "10101",
    },
}
INTERNATIONAL = {
    "country": "KEN",
    "addressType": "INTERNATIONAL",
    "streetLevelDetails": {
        "state": "Nairobi County",
        "district2": "Westlands",
        "cityOrTown": "Nairobi",
        "addressLine1": "Apartment 4",
        "addressLine2": "Waiyaki Way",
        "postcodeOrZip": "00800",
    },
}
FHIR = [
    {
        "type": "PRIMARY_ADDRESS",
        "line": ["12", "Example Street", "", "", "c443761b-22ba-43a0-8279-586421f57b9d"],
        "district": "c443761b-22ba-43a0-8279-586421f57b9d",
        "state": "3a94db17-73bb-465c-8fd5-447aa1e8389c",
        "country": "FAR",
    }
]
BUNDLE = {
    "bundle": {
        "entry": [
            {"resource": {"resourceType": "Location", "id": FHIR[0]["district"], "name": "Ibombo"}},
            {"resource": {"resourceType": "Location", "id": FHIR[0]["state"], "name": "Central"}},
        ]
    }
}


def parts(value, document=None) -> dict:
    names = ("line", "zone", "city", "province", "region")
    return {name: address(value, {"part": name}, document or {}) for name in names}


def test_a_domestic_address_gives_each_part():
    assert parts(DOMESTIC) == {
        "line": "14 Kalulushi Road",
        "zone": "Mzuzu Estate",
        "city": "Isamba",
        "province": AREA,  # a v2 declaration names its leaf area by id only
        "region": "FAR",
    }


def test_an_international_address_gives_its_lines_district_and_state():
    assert parts(INTERNATIONAL) == {
        "line": "Apartment 4, Waiyaki Way",
        "zone": "Nairobi",
        "city": "Nairobi",
        "province": "Westlands",
        "region": "Nairobi County",
    }


def test_a_fhir_address_drops_location_ids_from_its_lines_and_names_its_areas():
    assert parts(FHIR, BUNDLE) == {
        "line": "12, Example Street",
        "zone": "Ibombo",
        "city": "Ibombo",
        "province": "Ibombo",
        "region": "Central",
    }
    empty_lines = [{**FHIR[0], "line": ["", "", ""]}]
    assert parts(empty_lines, BUNDLE)["line"] == "Ibombo"


def test_a_missing_part_comes_from_the_next_broader_one():
    only_area = {"country": "FAR", "addressType": "DOMESTIC", "administrativeArea": AREA}
    assert parts(only_area) == {
        "line": AREA, "zone": AREA, "city": AREA, "province": AREA, "region": "FAR",
    }  # fmt: skip
    assert parts({"country": "FAR", "streetLevelDetails": {"town": "Isamba"}})["line"] == "Isamba"


def test_text_already_given_passes_unchanged_and_nothing_gives_nothing():
    simple = [{"language": "eng", "value": "1 Example Street"}]
    assert address("1 Example Street", {"part": "line"}, {}) == "1 Example Street"
    assert address(simple, {"part": "line"}, {}) == simple
    assert address(None, {"part": "line"}, {}) is None
    assert address({}, {"part": "city"}, {}) is None


def test_an_unknown_part_is_refused():
    with pytest.raises(ValueError, match="part must be one of"):
        check_params("address", {"part": "street"})
    with pytest.raises(TransformError):
        address(DOMESTIC, {"part": "street"}, {})
