"""The fixed registry of transforms a mapping row can use. Each takes the value found by
the row's path, the row's parameters and the whole source document.

Any transform accepts a `language` parameter: its result is then wrapped as MOSIP's
simpleType, `[{"language": <language>, "value": <result>}]`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from integration.mapping import fhir
from integration.mapping.paths import check_expression, is_empty, search
from integration.reasons import Reason


class TransformError(ValueError):
    """A value a row's transform cannot turn into what MOSIP expects. Raised with a
    Reason (integration/reason_codes.py): str() is its English text."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        super().__init__(str(reason))


@dataclass(frozen=True)
class Transform:
    label: str | Promise
    apply: Callable[[Any, dict, Any], Any]
    required_params: tuple[str, ...] = ()


INPUT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y", "%d/%m/%Y")


def is_simple_type(value: Any) -> bool:
    """MOSIP's simpleType: a list of {"language", "value"} entries."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and "value" in v and "language" in v for v in value)
    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_text(v) for v in value if not is_empty(v)).strip()
    return "" if value is None else str(value).strip()


def as_is(value, params, document):
    return value


def date(value, params, document):
    if is_empty(value):
        return value
    text = str(value)[:10] if "T" in str(value) else str(value)
    for fmt in params.get("input_formats") or INPUT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime(params.get("format", "%Y/%m/%d"))
        except ValueError:
            continue
    raise TransformError(Reason("value_not_a_date", value=repr(value)))


# The keys that hold a person's name, in reading order: OpenCRVS's {firstname,
# middlename, surname} and FHIR's HumanName {given[], family}. Anything else in a name
# object (FHIR's `use`, `prefix`, `period`, codes) is never part of the name.
NAME_PARTS = ("firstname", "middlename", "given", "surname", "family")


def join(value, params, document):
    """Name parts (a dict such as {firstname, surname} or FHIR {given[], family}) or a list."""
    separator = params.get("separator", " ")
    if isinstance(value, dict):
        parts = params.get("parts") or [p for p in NAME_PARTS if p in value] or list(value)
        value = [value.get(part) for part in parts]
    if isinstance(value, list):
        return separator.join(t for t in (_text(v) for v in value) if t)
    return _text(value)


def wrap(value, params, document):
    return value  # the wrapping itself happens for every transform (see apply_transform)


def value_map(value, params, document):
    if is_simple_type(value):  # map each entry's value, keep its language
        return [{**entry, "value": value_map(entry["value"], params, document)} for entry in value]
    mapping = params["map"]
    key = _text(value)
    if key in mapping:
        return mapping[key]
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    if key.lower() in lowered:
        return lowered[key.lower()]
    if "otherwise" in params:
        return params["otherwise"]
    raise TransformError(
        Reason("value_not_listed", value=repr(key), choices=", ".join(map(str, mapping)))
    )


def constant(value, params, document):
    return params["value"]


def first_non_empty(value, params, document):
    for path in params["paths"]:
        found = search(path, document)
        if not is_empty(found):
            return found
    return None


def fhir_identifier(value, params, document):
    return fhir.identifier(value, params["type"])


def fhir_section(value, params, document):
    bundle = value if isinstance(value, dict) and value.get("resourceType") == "Bundle" else None
    resource = fhir.section_resource(bundle or document.get("bundle") or {}, params["section"])
    return search(params["path"], resource) if params.get("path") else resource


# MOSIP's default ID schema holds an address as addressLine1 and a location hierarchy
# (region > province > city > zone). A part the address lacks is taken from the next
# broader one it has, so each asks for one value and MOSIP gets one when any is there.
ADDRESS_PARTS = ("line", "zone", "city", "province", "region")
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _location_names(document: Any) -> dict[str, str]:
    """Location ids to names, as far as the source carries them: a FHIR bundle's Location
    resources; an OpenCRVS v2 declaration names only the leaf area's id."""
    bundle = document.get("bundle") if isinstance(document, dict) else None
    names: dict[str, str] = {}
    for entry in (bundle or {}).get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "Location":
            if resource.get("id") and resource.get("name"):
                names[str(resource["id"])] = str(resource["name"])
    return names


def _fhir_address_parts(value: dict, names: dict[str, str]) -> dict[str, str]:
    # OpenCRVS (<= 1.9) keeps location ids among the lines; they are no street.
    lines = [t for t in (_text(v) for v in value.get("line") or []) if t and not UUID_TEXT.match(t)]
    district, state = _text(value.get("district")), _text(value.get("state"))
    return {
        "line": ", ".join(lines),
        "city": _text(value.get("city")),
        "province": names.get(district, district),
        "region": names.get(state, state),
    }


def _opencrvs_address_parts(value: dict, names: dict[str, str]) -> dict[str, str]:
    """An OpenCRVS v2 ADDRESS field: {country, addressType, administrativeArea (the leaf
    area's id, domestic), streetLevelDetails: {...}}; older shapes keep the details flat."""
    details = value.get("streetLevelDetails")
    details = details if isinstance(details, dict) else value
    part = lambda *keys: " ".join(t for t in (_text(details.get(k)) for k in keys) if t)  # noqa: E731
    # The leaf area's id; OpenCRVS 1.8's flat shape named district and province instead.
    area = _text(value.get("administrativeArea")) or _text(value.get("district"))
    state = _text(value.get("province"))
    lines = (part(k) for k in ("addressLine1", "addressLine2", "addressLine3"))  # international
    return {
        "line": part("number", "street") or ", ".join(t for t in lines if t),
        "zone": part("residentialArea"),
        "city": part("town") or part("cityOrTown"),
        "province": names.get(area, area) if area else names.get(d := part("district2"), d),
        "region": names.get(r := part("state") or state, r) or _text(value.get("country")),
    }


def address(value, params, document):
    """One part of an OpenCRVS address (v2 declaration or FHIR): `part` is one of line,
    zone, city, province, region. A value that is already text passes unchanged."""
    if isinstance(value, str) or is_simple_type(value):
        return value
    if isinstance(value, list):  # FHIR: the first address
        value = next((v for v in value if isinstance(v, dict)), None)
    if not isinstance(value, dict):
        return None
    names = _location_names(document)
    fhir_shape = isinstance(value.get("line"), list) and "addressType" not in value
    parts = (_fhir_address_parts if fhir_shape else _opencrvs_address_parts)(value, names)
    wanted = params["part"]
    if wanted not in ADDRESS_PARTS:
        raise TransformError(
            Reason("part_not_listed", part=repr(wanted), choices=", ".join(ADDRESS_PARTS))
        )
    for name in ADDRESS_PARTS[ADDRESS_PARTS.index(wanted) :]:
        if parts.get(name):
            return parts[name]
    return None


# The labels name what each does; its parameters are fields of their own in the admin
# (integration.admin.params).
TRANSFORMS: dict[str, Transform] = {
    "none": Transform(_("No change"), as_is),
    "date": Transform(_("Reformat a date"), date),
    "join": Transform(_("Join name parts"), join),
    "wrap": Transform(_("Wrap as [{language, value}]"), wrap, ("language",)),
    "value_map": Transform(_("Map values"), value_map, ("map",)),
    "constant": Transform(_("Constant"), constant, ("value",)),
    "first_non_empty": Transform(_("First non-empty path"), first_non_empty, ("paths",)),
    "fhir_identifier": Transform(_("FHIR identifier by type"), fhir_identifier, ("type",)),
    "fhir_section": Transform(_("FHIR section"), fhir_section, ("section",)),
    "address": Transform(_("Part of an address"), address, ("part",)),
}


def check_params(name: str, params: dict) -> None:
    """Raise ValueError naming what is wrong with a row's transform parameters."""
    if name not in TRANSFORMS:
        raise ValueError(f"unknown transform {name!r}")
    if not isinstance(params, dict):
        raise ValueError("parameters must be a JSON object")
    missing = [p for p in TRANSFORMS[name].required_params if p not in params]
    if missing:
        raise ValueError(f"{name} needs the parameter(s): {', '.join(missing)}")
    if name == "address" and params["part"] not in ADDRESS_PARTS:
        raise ValueError(f"part must be one of {', '.join(ADDRESS_PARTS)}")
    if name == "value_map" and not isinstance(params["map"], dict):
        raise ValueError('map must be an object such as {"male": "Male"}')
    for path in params.get("paths", []) if name == "first_non_empty" else []:
        check_expression(path)
    if params.get("path"):
        check_expression(params["path"])


def apply_transform(name: str, value: Any, params: dict, document: Any) -> Any:
    result = TRANSFORMS[name].apply(value, params, document)
    language = params.get("language")
    if language and not is_empty(result) and not isinstance(result, list):
        return [{"language": language, "value": str(result)}]
    return result
