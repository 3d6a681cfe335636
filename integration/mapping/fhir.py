"""Reading OpenCRVS FHIR bundles: sections, identifiers, the Task
(docs/protocols.md#opencrvs-webhooks)."""

from typing import Any

SECTION_SYSTEM = "http://opencrvs.org/doc-sections"
IDENTIFIER_SYSTEM = "http://opencrvs.org/specs/identifier-type"
EXTENSION = "http://opencrvs.org/specs/extension/"
TASK_ID = "http://opencrvs.org/specs/id/"


def resources(bundle: dict) -> list[dict]:
    return [e.get("resource") or {} for e in bundle.get("entry") or [] if isinstance(e, dict)]


def first_of_type(bundle: dict, resource_type: str) -> dict:
    return next((r for r in resources(bundle) if r.get("resourceType") == resource_type), {})


def by_reference(bundle: dict, reference: str) -> dict:
    kind, _, ident = reference.partition("/")
    return next(
        (r for r in resources(bundle) if r.get("resourceType") == kind and r.get("id") == ident),
        {},
    )


def section_resource(bundle: dict, code: str) -> dict:
    """The resource a Composition section points to; a RelatedPerson (an informant who
    is also a parent) is followed to its Patient."""
    composition = first_of_type(bundle, "Composition")
    for section in composition.get("section") or []:
        codes = {c.get("code") for c in (section.get("code") or {}).get("coding") or []}
        if code in codes and section.get("entry"):
            resource = by_reference(bundle, section["entry"][0].get("reference", ""))
            if resource.get("resourceType") == "RelatedPerson" and resource.get("patient"):
                return by_reference(bundle, resource["patient"].get("reference", "")) or resource
            return resource
    return {}


def sections(bundle: dict) -> dict[str, dict]:
    composition = first_of_type(bundle, "Composition")
    codes = [
        c.get("code")
        for s in composition.get("section") or []
        for c in (s.get("code") or {}).get("coding") or []
        if c.get("system") == SECTION_SYSTEM
    ]
    return {code: section_resource(bundle, code) for code in codes}


def identifier(resource: Any, type_code: str) -> str | None:
    for ident in (resource or {}).get("identifier") or [] if isinstance(resource, dict) else []:
        codes = {c.get("code") for c in (ident.get("type") or {}).get("coding") or []}
        if type_code in codes:
            return ident.get("value")
    return None


def task_identifier(task: dict, suffix: str) -> str | None:
    """e.g. suffix "tracking-id" finds .../birth-tracking-id or .../death-tracking-id."""
    for ident in task.get("identifier") or []:
        if str(ident.get("system", "")).startswith(TASK_ID) and ident["system"].endswith(suffix):
            return ident.get("value")
    return None


def task_extension(task: dict, name: str) -> str | None:
    for extension in task.get("extension") or []:
        if extension.get("url") == EXTENSION + name:
            return extension.get("valueString")
    return None


def event_type(bundle: dict) -> str:
    task = first_of_type(bundle, "Task")
    codes = [c.get("code", "") for c in (task.get("code") or {}).get("coding") or []]
    return codes[0].lower() if codes else ""
