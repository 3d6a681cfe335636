"""What drf-spectacular cannot see on its own: how OpenCRVS's token authenticates, and the
endpoints served by plain Django views (MOSIP's WebSub callback, OpenCRVS's webhooks,
the health check), described here so the schema lists every endpoint callers use."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

RECORD_TOKEN = "opencrvsRecordToken"  # noqa: S105 - a scheme name, not a secret
WEBSUB_SIGNATURE = "mosipWebSubSignature"
WEBHOOK_SIGNATURE = "opencrvsWebhookSignature"
METRICS_TOKEN = "metricsToken"  # noqa: S105 - a scheme name, not a secret


class RecordTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integration.api.authentication.RecordTokenAuthentication"
    name = RECORD_TOKEN

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A token OpenCRVS issued (RS256, checked against OpenCRVS's public "
            "key). Registrations need a single-record token with `eventId`, `actionId` and "
            "the `record.confirm-registration` scope.",
        }


def _json(description: str, example: dict | None = None) -> dict:
    content: dict = {"schema": {"type": "object"}}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {"application/json": content}}


def _text(description: str) -> dict:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


SECURITY_SCHEMES = {
    WEBSUB_SIGNATURE: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Hub-Signature",
        "description": "`sha256=` + hex HMAC-SHA256 of the raw body with the WebSub secret "
        "set in the MOSIP settings (checked whenever a secret is set, as it should be).",
    },
    METRICS_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "description": "PORTAL_METRICS_TOKEN; the scraper may instead (or also) have to come "
        "from PORTAL_METRICS_ALLOWED_NETWORKS.",
    },
    WEBHOOK_SIGNATURE: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Hub-Signature",
        "description": "`sha1=` + hex HMAC-SHA1 of the raw body with the webhook secret "
        "OpenCRVS core gave at subscription (OpenCRVS settings).",
    },
}

PATHS = {
    "/websub/callback": {
        "get": {
            "operationId": "websub_intent_verification",
            "summary": "WebSub intent verification (MOSIP's hub)",
            "description": "The challenge is echoed. A check for the subscription the portal "
            "last asked for (same `hub.mode` and `hub.topic`) is recorded as its verification "
            "(`subscribe_websub` waits for it; /healthz shows it); `hub.mode=denied` records "
            "the hub's refusal and `hub.reason`.",
            "tags": ["websub"],
            "parameters": [
                {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
                for name, required in (
                    ("hub.mode", False),
                    ("hub.topic", False),
                    ("hub.challenge", False),
                    ("hub.lease_seconds", False),
                    ("hub.reason", False),
                )
            ],
            "security": [{}],
            "responses": {
                "200": _text("The challenge, echoed."),
                "204": {"description": "A denial (hub.mode=denied), recorded."},
                "400": _text("No hub.challenge (and not a denial)."),
            },
        },
        "post": {
            "operationId": "websub_credential_issued",
            "summary": "CREDENTIAL_ISSUED from MOSIP's hub",
            "description": "The credential is decrypted, its proof verified and the VID "
            "stored. `event.status` is `RECEIVED`, or `ERROR` for a credential refused for "
            "good; 503 asks the hub to deliver it again later.",
            "tags": ["websub"],
            "security": [{WEBSUB_SIGNATURE: []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {
                "200": _json("Received (or refused for good: `event.status` ERROR)."),
                "400": _json("Not JSON, or no `event` object."),
                "401": _json("X-Hub-Signature does not match."),
                "503": _json("Cannot be read for now; deliver again."),
            },
        },
    },
    "/websub/callback/workflow": {
        "get": {
            "operationId": "websub_workflow_intent_verification",
            "summary": "WebSub intent verification for the workflow manager's topic",
            "description": "As for `/websub/callback`: the challenge is echoed and the "
            "hub's check recorded.",
            "tags": ["websub"],
            "parameters": [
                {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                for name in ("hub.mode", "hub.topic", "hub.challenge", "hub.lease_seconds")
            ],
            "security": [{}],
            "responses": {
                "200": _text("The challenge, echoed."),
                "400": _text("No hub.challenge."),
            },
        },
        "post": {
            "operationId": "websub_workflow_completed",
            "summary": "A packet's workflow ended (MOSIP's workflow manager, via its hub)",
            "description": "`{instanceId, resultCode, workflowType, errorCode}`. REJECTED or "
            "FAILED fails the record whose transaction id is `instanceId` with MOSIP's reason; "
            "PROCESSED leaves it waiting for its credential; an id the portal does not know "
            "is kept and ignored. 503 asks the hub to deliver it again later.",
            "tags": ["websub"],
            "security": [{WEBSUB_SIGNATURE: []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {
                "200": {"description": "Taken (applied, ignored, or kept as unexpected)."},
                "400": _json("Not JSON (no WebSub secret set)."),
                "401": _json("X-Hub-Signature does not match."),
                "503": _json("MOSIP's reason or our database out of reach; deliver again."),
            },
        },
    },
    "/webhooks/opencrvs": {
        "get": {
            "operationId": "opencrvs_webhook_verification",
            "summary": "OpenCRVS core (<= 1.9) webhook subscription check",
            "tags": ["webhooks"],
            "parameters": [
                {"name": "mode", "in": "query", "required": True, "schema": {"type": "string"}},
                {
                    "name": "challenge",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                },
            ],
            "security": [{}],
            "responses": {
                "200": _json("The challenge, echoed.", {"challenge": "..."}),
                "400": _json("mode=subscribe and challenge are required."),
            },
        },
        "post": {
            "operationId": "opencrvs_webhook_delivery",
            "summary": "BIRTH_REGISTERED / DEATH_REGISTERED from OpenCRVS core (<= 1.9)",
            "tags": ["webhooks"],
            "security": [{WEBHOOK_SIGNATURE: []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {
                "202": _json("Stored; delivered to MOSIP in the background.", {}),
                "400": _json("Not the expected event (the field is named)."),
                "401": _json("X-Hub-Signature does not match."),
                "503": _json("No webhook secret configured on this portal."),
            },
        },
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics",
            "tags": ["operations"],
            "security": [{METRICS_TOKEN: []}],
            "responses": {
                "200": _text("Prometheus text exposition format."),
                "401": _json("A valid bearer token is required."),
                "403": _json("Metrics are off, or not from an allowed network."),
            },
        }
    },
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "summary": "Health for load balancers and operators",
            "tags": ["operations"],
            "security": [{}],
            "responses": {
                "200": _json("Serving (`status` says ok, or why it is degraded)."),
                "503": _json("The database or the broker is unreachable."),
            },
        }
    },
}


def add_plain_django_endpoints(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS)."""
    result.setdefault("paths", {}).update(PATHS)
    result.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    return result
