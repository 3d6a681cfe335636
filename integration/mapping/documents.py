"""The document a profile's paths read, one shape per source format. It keeps the raw
payload and adds the facts every mapping needs, so paths stay short."""

from typing import Any

from integration.mapping import fhir


def merged_declaration(event: dict) -> dict:
    """The effective declaration: every action's declaration, in order, later wins."""
    declaration: dict = {}
    for action in event.get("actions") or []:
        if isinstance(action, dict) and isinstance(action.get("declaration"), dict):
            declaration.update(action["declaration"])
    return declaration


def interop_document(body: dict) -> dict:
    fields = body.get("requestFields") or {}
    return {
        "request": body,
        "requestFields": fields,
        "notification": body.get("notification") or {},
        "trackingId": body.get("trackingId", ""),
        "certificateNumber": fields.get("birthCertificateNumber")
        or fields.get("deathCertificateNumber", ""),
    }


def _year(timestamp) -> str:
    """The year of an ISO timestamp, so a certificate number made from it is the same
    whenever the record is received (a resend across New Year stays one record)."""
    text = str(timestamp or "")
    return text[:4] if text[:4].isdigit() else ""


def registered_year(event: dict) -> str:
    actions = [a for a in event.get("actions") or [] if isinstance(a, dict)]
    register = [a for a in actions if a.get("type") == "REGISTER"]
    for action in register + actions:
        if year := _year(action.get("createdAt")):
            return year
    return _year(event.get("createdAt"))


def event_document(event: dict) -> dict:
    return {
        "event": event,
        "declaration": merged_declaration(event),
        "type": event.get("type", ""),
        "trackingId": event.get("trackingId", ""),
        "eventId": event.get("id", ""),
        "year": registered_year(event),
    }


def fhir_document(bundle: dict) -> dict:
    task = fhir.first_of_type(bundle, "Task")
    return {
        "bundle": bundle,
        "composition": fhir.first_of_type(bundle, "Composition"),
        "task": task,
        "sections": fhir.sections(bundle),
        "type": fhir.event_type(bundle),
        "trackingId": fhir.task_identifier(task, "tracking-id") or "",
        "registrationNumber": fhir.task_identifier(task, "registration-number") or "",
        "eventId": fhir.first_of_type(bundle, "Composition").get("id", ""),
        "year": _year(task.get("lastModified"))
        or _year(fhir.first_of_type(bundle, "Composition").get("date")),
        "contact": {
            "email": fhir.task_extension(task, "contact-person-email") or "",
            "phone": fhir.task_extension(task, "contact-person-phone-number") or "",
        },
    }


BUILDERS = {
    "interop": interop_document,
    "correction": interop_document,  # update-biographics: the same envelope, with a VID
    "event": event_document,
    "fhir": fhir_document,
}


# Requests the country config builds carry only what it chose to send; the rest of the
# registration is OpenCRVS's declaration, read for them when a row needs it
# (integration.services.declaration). Paths read it as declaration."mother.address".
DECLARATION = "declaration"
REQUEST_BUILDERS = ("interop", "correction")


def source_document(source_format: str, payload: Any, declaration: dict | None = None) -> dict:
    document = BUILDERS[source_format](payload if isinstance(payload, dict) else {})
    if source_format in REQUEST_BUILDERS:
        document[DECLARATION] = declaration if isinstance(declaration, dict) else {}
    return document
