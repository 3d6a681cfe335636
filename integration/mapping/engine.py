"""Apply a mapping profile to a source document: MOSIP fields, notification, metaInfo
and audits, with a plain-words problem for every field that cannot be filled."""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from integration.mapping.conform import without_empty
from integration.mapping.paths import is_empty, search
from integration.mapping.transforms import TransformError, apply_transform, is_simple_type, join
from integration.reasons import Reason

PLACEHOLDER = re.compile(r"\{(year|trackingId|certificateNumber|eventType|eventId|now|uuid)\}")
DEFAULT_META_INFO = {
    "metaData": "[]",
    "registrationId": "{trackingId}",
    "operationsData": "[]",
    "capturedRegisteredDevices": "[]",
    "creationDate": "{now}",
}
DEFAULT_AUDIT = {
    "uuid": "{uuid}",
    "createdAt": "{now}",
    "eventId": "OPENCRVS_{eventType}",
    "eventName": "opencrvs-registration",
    "eventType": "{eventType}",
    "actionTimeStamp": "{now}",
}


@dataclass
class Mapped:
    fields: dict = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # MOSIP field -> reason
    defaulted: list[str] = field(default_factory=list)  # fields filled from a row's default
    # fields whose value came from the tracked part of the document (see map_fields)
    from_tracked: list[str] = field(default_factory=list)
    notification: dict = field(default_factory=dict)
    meta_info: dict = field(default_factory=dict)
    audits: list = field(default_factory=list)


def fill(template: Any, values: dict[str, str]) -> Any:
    """Replace known {placeholders} in every string of a JSON template (no code runs)."""
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template


def placeholder_values(document: dict, certificate_number: str, event_type: str) -> dict:
    now = datetime.now(UTC)
    return {
        "year": str(document.get("year") or now.year),
        "trackingId": str(document.get("trackingId", "")),
        "eventId": str(document.get("eventId", "")),
        "certificateNumber": certificate_number,
        "eventType": event_type.upper(),
        "now": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "uuid": str(uuid.uuid4()),
    }


def certificate_number(profile, document: dict) -> str:
    if profile.certificate_number_path:
        found = search(profile.certificate_number_path, document)
        if not is_empty(found):
            return str(found).strip()
    if document.get("certificateNumber"):
        return str(document["certificateNumber"])
    values = placeholder_values(document, "", profile.event_type)
    return fill(profile.certificate_number_pattern or "", values).strip()


def _decoded(value: Any) -> Any:
    """Some country configs send simpleType lists JSON-encoded as strings."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, list) else value
    return value


def reads(row, key: str) -> bool:
    """Whether a row's paths read the document's `key` (e.g. declaration)."""
    paths = [row.source, *((row.params or {}).get("paths") or [])]
    return any(key in path for path in paths if isinstance(path, str))


def _row_value(row, document: dict) -> Any:
    value = search(row.source, document) if row.source else None
    if row.transform != "none" and (
        row.transform in ("constant", "first_non_empty") or not is_empty(value)
    ):
        value = apply_transform(row.transform, value, row.params or {}, document)
    elif (row.params or {}).get("language") and not is_empty(value):
        value = apply_transform("wrap", value, row.params, document)
    return value


def map_fields(
    profile, document: dict, rows: list | None = None, tracked: str | None = None
) -> tuple[dict, dict[str, str], list[str], list[str]]:
    """The fields, the problems per field, which fields came from a row's default, and
    which came from the document's `tracked` part (a value the row finds only with it).
    `rows` replaces the profile's saved rows (the admin's check of an edit)."""
    fields: dict = {}
    problems: dict[str, str] = {}
    defaulted: list[str] = []
    from_tracked: list[str] = []
    if profile.pass_through_request_fields:
        fields = {k: _decoded(v) for k, v in (document.get("requestFields") or {}).items()}
    if rows is None:
        rows = profile.rows.all() if profile.pk else []  # the built-in profile has none
    for row in rows:
        try:
            value = _row_value(row, document)
            if (
                tracked
                and document.get(tracked)
                and reads(row, tracked)
                and without_empty(value) is not None
                and without_empty(_row_value(row, {**document, tracked: {}})) is None
            ):
                from_tracked.append(row.target)
        except TransformError as exc:
            problems[row.target] = Reason("row_failed", field=row.target, problem=exc.reason)
            continue
        except ValueError as exc:  # a library's words (a path, a parser): shown as they are
            problems[row.target] = Reason("row_error", field=row.target, value=str(exc))
            continue
        value = without_empty(value)
        if value is None and without_empty(row.default) is not None:
            value = without_empty(row.default)
            defaulted.append(row.target)
        if value is None:
            if row.required:
                where = row.source or row.transform
                problems[row.target] = Reason("field_not_found", field=row.target, where=where)
            continue
        fields[row.target] = value
    return fields, problems, defaulted, from_tracked


def _notification_value(path: str, document: dict) -> str:
    """Plain text for the notification: a name from its name parts only, never "@TODO"."""
    value = search(path, document) if path else None
    if is_simple_type(value):
        value = value[0]["value"]
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]  # e.g. FHIR's list of HumanNames: the first
    if is_empty(value):
        return ""
    if isinstance(value, dict | list):
        return join(value, {}, document)  # a name object such as {firstname, surname}
    return str(value).strip()


def map_record(
    profile, document: dict, rows: list | None = None, tracked: str | None = None
) -> Mapped:
    number = certificate_number(profile, document)
    document = {**document, "certificateNumber": number}
    fields, problems, defaulted, from_tracked = map_fields(profile, document, rows, tracked)
    values = placeholder_values(document, number, profile.event_type)
    notification = {
        "name": _notification_value(profile.notification_name_path, document),
        "phone": _notification_value(profile.notification_phone_path, document),
        "email": _notification_value(profile.notification_email_path, document),
    }
    return Mapped(
        fields=fields,
        problems=problems,
        defaulted=defaulted,
        from_tracked=from_tracked,
        notification=notification,
        meta_info=fill(profile.meta_info_template or DEFAULT_META_INFO, values),
        audits=fill(profile.audits_template or [DEFAULT_AUDIT], values),
    )
