"""MOSIP's own rules for a packet beyond the ID schema, as its default configuration sets
them (docs/mosip-validation.md names the sources): which missing fields count per
process, the date of birth's format, and what the CRVS_NEW (infant) route asks for."""

import json
import re
from datetime import date
from typing import Any

from integration.reasons import Reason

# mosip-config v1.3.0, application-default.properties:
# mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.<process in lower case>.
# CRVS_UPDATE has no entry there; the dev2 branch (the first to route CRVS_UPDATE) lists
# IDSchemaVersion only.
DEFAULT_MANDATORY_ATTRIBUTES = {
    "CRVS_NEW": "IDSchemaVersion,UIN,fullName,dateOfBirth|age,gender,addressLine1,region,"
    "province,city,zone",
    "CRVS_UPDATE": "IDSchemaVersion",
    "CRVS_DEATH": "IDSchemaVersion,UIN",
}
# The packet writer adds IDSchemaVersion (the packet's schemaVersion) to every packet.
FILLED_BY_MOSIP = frozenset({"IDSchemaVersion"})
# mosip.kernel.idobjectvalidator.date-format (checked when MOSIP stores the identity).
DOB_FORMAT = "uuuu/MM/dd"
# registration-processor-camel-routes-infant-crvs_new-default.xml and the packet
# classifier's age groups ('INFANT':'0-5').
INFANT_ROUTE_PROCESSES = frozenset({"CRVS_NEW"})
INFANT_MAX_AGE = 5
OFFICER_LABELS = ("officerId", "supervisorId")
TAG_VALUE_NOT_AVAILABLE = "--TAG_VALUE_NOT_AVAILABLE--"


def mandatory_names(spec: str | list | None) -> frozenset[str]:
    """The field names a mandatory-attributes entry counts. MOSIP splits the list on
    commas and each entry on '|', and counts every name of an entry on its own: with
    `dateOfBirth|age`, a missing dateOfBirth is reported when the schema requires it,
    whether or not age is there. Empty: every field the schema requires counts."""
    entries = spec.split(",") if isinstance(spec, str) else list(spec or [])
    return frozenset(
        name.strip() for entry in entries for name in str(entry).split("|") if name.strip()
    )


def mandatory_table(text: str) -> dict[str, str]:
    """Process (lower case) -> list, from lines as MOSIP's properties write them:
    `crvs_new=IDSchemaVersion,...`, with or without the property's prefix; blank lines
    and `#` comments skipped."""
    table: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, sep, names = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            table[key.strip().rsplit(".", 1)[-1].lower()] = names.strip()
    return table


def mandatory_for(process: str, table: dict | str | None) -> frozenset[str]:
    """The names for a process (matched without regard to case, as MOSIP lower-cases
    it); a process the table does not name counts every field the schema requires."""
    if isinstance(table, str):
        table = mandatory_table(table)
    for key, spec in (table or {}).items():
        if str(key).lower() == process.lower():
            return mandatory_names(spec)
    return frozenset()


# Java DateTimeFormatter letters MOSIP's default formats use, with the digits STRICT
# resolution takes for each.
_DATE_LETTERS = {
    "uuuu": (r"(\d{4})", "year"),
    "yyyy": (r"(\d{4})", "year"),
    "MM": (r"(\d{2})", "month"),
    "dd": (r"(\d{2})", "day"),
}
_DATE_TOKEN = re.compile(r"uuuu|yyyy|MM|dd|[A-Za-z]+|[^A-Za-z]+")


def parse_dob(text: str, java_format: str = DOB_FORMAT) -> date | None:
    """The date in MOSIP's (Java) format, parsed strictly; None when it does not parse.
    A format using letters beyond year, month and day is not understood: None."""
    pattern, order = "", []
    for token in _DATE_TOKEN.findall(java_format):
        if token in _DATE_LETTERS:
            regex, part = _DATE_LETTERS[token]
            pattern += regex
            order.append(part)
        elif token.isalpha():
            return None
        else:
            pattern += re.escape(token)
    found = re.fullmatch(pattern, text)
    if not found or sorted(order) != ["day", "month", "year"]:
        return None
    parts = dict(zip(order, (int(g) for g in found.groups()), strict=True))
    try:
        return date(parts["year"], parts["month"], parts["day"])
    except ValueError:
        return None


def dob_problem(fields: dict, today: date, java_format: str = DOB_FORMAT) -> Reason | str:
    """Why MOSIP will refuse dateOfBirth when it stores the identity; "" when it won't."""
    value = fields.get("dateOfBirth")
    if not isinstance(value, str):
        return ""  # absent, or the wrong shape, which the schema check names
    born = parse_dob(value, java_format)
    if born is None:
        return Reason("dob_not_date", value=repr(value)[:200], format=java_format)
    if born > today:
        return Reason("dob_future", value=repr(value)[:200])
    return ""


def age_in_years(fields: dict, today: date, java_format: str = DOB_FORMAT) -> int | None:
    """The age MOSIP's packet classifier tags: whole years from dateOfBirth to today,
    else the age field; None when neither gives one."""
    value = fields.get("dateOfBirth")
    if isinstance(value, str) and (born := parse_dob(value, java_format)):
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return years
    age = fields.get("age")
    if isinstance(age, int | float) and not isinstance(age, bool):
        return int(age)
    if isinstance(age, str) and age.strip().isdigit():
        return int(age)
    return None


def operations_data(meta_info: dict) -> dict[str, Any]:
    """metaInfo.operationsData as label -> value (MOSIP sends it as a JSON string of
    {"label", "value"} entries; a list is read the same way)."""
    raw = (meta_info or {}).get("operationsData")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, list):
        return {}
    return {
        str(entry.get("label")): entry.get("value")
        for entry in raw
        if isinstance(entry, dict) and entry.get("label")
    }


def has_officer(meta_info: dict) -> bool:
    data = operations_data(meta_info)
    values = (data.get(label) for label in OFFICER_LABELS)
    unset = ("", TAG_VALUE_NOT_AVAILABLE)
    return any(isinstance(v, str) and v.strip() not in unset for v in values)


def with_officer(meta_info: dict, officer_id: str) -> dict:
    """metaInfo with officerId added to operationsData (kept as MOSIP's JSON string)."""
    raw = (meta_info or {}).get("operationsData")
    entries: list = []
    if isinstance(raw, str):
        try:
            entries = json.loads(raw)
        except ValueError:
            entries = []
    elif isinstance(raw, list):
        entries = list(raw)
    if not isinstance(entries, list):
        entries = []
    entries = [e for e in entries if not (isinstance(e, dict) and e.get("label") == "officerId")]
    entries.insert(0, {"label": "officerId", "value": officer_id})
    return {**(meta_info or {}), "operationsData": json.dumps(entries)}


def needs_officer(process: str, meta_info: dict) -> bool:
    """Whether MOSIP's route for this process will fail the packet for naming no
    officer or supervisor in metaInfo.operationsData (the CRVS_NEW route does)."""
    return process.upper() in INFANT_ROUTE_PROCESSES and not has_officer(meta_info)


def route_problems(
    fields: dict, process: str, today: date, java_format: str = DOB_FORMAT
) -> dict[str, str]:
    """What MOSIP's route for this process fails a packet's fields for after validation:
    the CRVS_NEW route takes only infants. (Its officer rule is about the settings, not
    the record: needs_officer.)"""
    if process.upper() not in INFANT_ROUTE_PROCESSES:
        return {}
    age = age_in_years(fields, today, java_format)
    if age is None:
        if dob_problem(fields, today, java_format):
            return {}  # named by the date check
        return {"dateOfBirth": Reason("route_needs_age", process=process)}
    if age > INFANT_MAX_AGE:
        limit = INFANT_MAX_AGE + 1
        return {"dateOfBirth": Reason("route_infants_only", process=process, limit=limit, age=age)}
    return {}
