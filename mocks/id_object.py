"""The stand-in MOSIP's registration processor, as MOSIP's sources and default
configuration make it fail a packet after `createPacket` answered (docs/mosip-validation.md):

1. packet validator: the identity (the fields the ID schema defines, plus
   IDSchemaVersion) against the schema masterdata serves for the packet's version, with
   the process's mandatory attributes: KER-IOV-005 for a missing field, KER-IOV-004 for one
   of the wrong type, with keys the schema forbids, or failing a validator;
2. the CRVS_NEW route after the classifier: an infant (0-5 years) with an officer or
   supervisor in metaInfo.operationsData;
3. UIN generation (the identity repository's reference check): dateOfBirth in
   uuuu/MM/dd and not in the future.

Written apart from the portal's own check (integration/mapping/validation.py), so the
tests compare two readings of MOSIP."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from jsonschema import Draft4Validator

MISSING, INVALID = "KER-IOV-005", "KER-IOV-004"
MANDATORY_ATTRIBUTES = {
    "crvs_new": "IDSchemaVersion,UIN,fullName,dateOfBirth|age,gender,addressLine1,region,"
    "province,city,zone",
    "crvs_update": "IDSchemaVersion",
    "crvs_death": "IDSchemaVersion,UIN",
}
AGE_GROUPS = {"INFANT": (0, 5), "MINOR": (6, 17), "ADULT": (18, 200)}
NOT_AVAILABLE = "--TAG_VALUE_NOT_AVAILABLE--"
DOB = re.compile(r"(\d{4})/(\d{2})/(\d{2})")


def identity_of(fields: dict, schema: dict, version: float) -> dict:
    """What the validator reads back from a written packet: only fields the schema
    defines (the writer leaves the others out), and IDSchemaVersion."""
    props = ((schema.get("properties") or {}).get("identity") or {}).get("properties") or {}
    identity = {name: value for name, value in fields.items() if name in props}
    identity["IDSchemaVersion"] = version
    return identity


def _counted(spec: str) -> set[str]:
    return {name for entry in spec.split(",") for name in entry.split("|") if name}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, str | int | float) else ""


def identity_problems(
    fields: dict, schema: dict, mandatory: str = "", version: float = 0.1
) -> list[tuple[str, str]]:
    """MOSIP's ID object validation errors (code, message), in its wording, for the
    packet's fields as the validator reads them back (identity_of)."""
    identity = identity_of(fields, schema, version)
    listed = _counted(mandatory)
    problems: list[tuple[str, str]] = []
    for error in Draft4Validator({"properties": {"identity": {}}, **schema}).iter_errors(
        {"identity": identity}
    ):
        where = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            top_level = list(error.absolute_path) == ["identity"]
            if top_level and listed and missing not in listed:
                continue
            problems.append((MISSING, f"Missing input parameter - {where}/{missing}"))
        elif error.validator in ("type", "additionalProperties"):
            problems.append((INVALID, f"Invalid input parameter - {where}"))
    props = (schema.get("properties") or {}).get("identity", {}).get("properties") or {}
    for name, value in identity.items():
        prop = props.get(name) or {}
        if "$ref" in prop:
            continue  # a $ref stands for its definition alone: its validators are ignored
        for validator in prop.get("validators") or []:
            if validator.get("type") != "regex":
                continue
            try:
                pattern = re.compile(validator.get("validator", ""))
            except re.error:
                continue  # a Java-only construct
            if not pattern.fullmatch(_text(value)):
                problems.append((INVALID, f"Invalid input parameter - identity/{name}"))
    return sorted(set(problems))


def _born(identity: dict) -> date | None:
    found = DOB.fullmatch(str(identity.get("dateOfBirth", "")))
    if not found:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def age_group(identity: dict, today: date) -> str:
    born = _born(identity)
    if born is not None:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    elif str(identity.get("age", "")).isdigit():
        age = int(identity["age"])
    else:
        return NOT_AVAILABLE
    return next((group for group, (low, high) in AGE_GROUPS.items() if low <= age <= high), "")


def operations_tags(meta_info: dict) -> dict[str, str]:
    """The classifier's META_INFO-OPERATIONS_DATA tags for officerId and supervisorId."""
    raw = meta_info.get("operationsData")
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        entries = None
    values = {e.get("label"): e.get("value") for e in entries or [] if isinstance(e, dict)}
    return {
        label: values[label] if isinstance(values.get(label), str) else NOT_AVAILABLE
        for label in ("officerId", "supervisorId")
    }


def infant_route_problem(identity: dict, meta_info: dict, today: date) -> str:
    """Why the CRVS_NEW route completes the packet as failed; "" when it goes on."""
    if age_group(identity, today) != "INFANT":
        return "INFANT packet is allowed but received the MINOR/ADULT packet"
    tags = operations_tags(meta_info)
    if all(tags[label] in ("", NOT_AVAILABLE) for label in tags):
        return "no officerId or supervisorId in metaInfo.operationsData"
    return ""


def uin_generation_problems(identity: dict, today: date) -> list[tuple[str, str]]:
    if "dateOfBirth" not in identity:
        return []
    born = _born(identity)
    if born is None or born > today:
        return [(INVALID, "Invalid input parameter - identity/dateOfBirth")]
    return []
