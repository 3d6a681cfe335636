"""Which MOSIP ID schema is in force. The portal ships the schema mosip-api compiles into
its source (and sends as `schemaJson` with every packet), because no mosip-api
environment variable carries it: an install moved over with `import_mosip_api_env`
would otherwise have none, send `schemaJson "{}"` and check nothing."""

import json
from functools import lru_cache
from pathlib import Path

SHIPPED_SCHEMA_PATH = Path(__file__).parent / "mosip_api_id_schema.json"


@lru_cache(maxsize=1)
def shipped_id_schema() -> dict:
    """mosip-api's ID schema (opencrvs/mosip packages/mosip-api/src/types/idSchemaJson.ts)."""
    return json.loads(SHIPPED_SCHEMA_PATH.read_text())


def identity_properties(schema: dict) -> dict:
    identity = (schema.get("properties") or {}).get("identity") if isinstance(schema, dict) else {}
    return (identity or {}).get("properties") or {}


def schema_problem(schema: dict) -> str:
    """Why this schema cannot be used to build packets; "" when it can."""
    if not schema:
        return "No ID schema is in force"
    if not identity_properties(schema):
        return "The ID schema in force has no properties.identity.properties"
    return ""


def describe(schema: dict) -> str:
    """One line an admin can recognise a schema by."""
    identity = (schema.get("properties") or {}).get("identity") or {}
    required = ", ".join(identity.get("required") or []) or "none"
    title = schema.get("title") or schema.get("description") or "untitled"
    return f"{title}: {len(identity_properties(schema))} fields, required {required}"
