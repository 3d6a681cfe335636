"""The stand-in OpenCRVS's events: EventDocuments with their actions, the pending action as
core's ``getPendingAction`` finds it, and the async ``accept``/``reject`` procedures that
settle it (opencrvs-core ``packages/events``: ``router/event/actions/index.ts``).

An action is *pending* while it is ``Requested`` and no ``Accepted``/``Rejected`` action
names it as ``originalActionId``. Two kinds of record are made:

- a registration: DECLARE accepted, REGISTER requested (the 1.9 flow);
- a birth correction: DECLARE and REGISTER accepted, REQUEST_CORRECTION accepted,
  APPROVE_CORRECTION requested with ``requestId`` naming the REQUEST_CORRECTION.

Accept on an already accepted action returns the event again; on a rejected one it is
BAD_REQUEST, as in core.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

from .base import JSON, iso_now
from .trpc import TrpcError

REGISTER, APPROVE_CORRECTION = "REGISTER", "APPROVE_CORRECTION"
REQUEST_CORRECTION, DECLARE = "REQUEST_CORRECTION", "DECLARE"
# procedure -> (the action type it settles, the status it gives)
PROCEDURES: dict[str, tuple[str, str]] = {
    "event.actions.register.accept": (REGISTER, "Accepted"),
    "event.actions.register.reject": (REGISTER, "Rejected"),
    "event.actions.correction.approve.accept": (APPROVE_CORRECTION, "Accepted"),
    "event.actions.correction.approve.reject": (APPROVE_CORRECTION, "Rejected"),
}
GET = "event.get"


def _tracking_id() -> str:
    return "B" + "".join(secrets.choice(string.digits) for _ in range(8))


def _action(action_id: str, kind: str, status: str, at: str, **extra: Any) -> JSON:
    return {
        "id": action_id,
        "type": kind,
        "status": status,
        "createdAt": at,
        "createdBy": "registrar",
        "createdByUserType": "user",
        "transactionId": str(uuid.uuid4()),
        "declaration": {},
        **extra,
    }


@dataclass
class EventRecord:
    id: str
    type: str
    action_id: str  # the action the record's token was issued for
    pending_type: str = REGISTER
    tracking_id: str = field(default_factory=_tracking_id)
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    actions: list[JSON] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.actions:
            return
        at = self.created_at
        self.actions.append(
            _action(str(uuid.uuid5(uuid.NAMESPACE_URL, self.id)), DECLARE, "Accepted", at)
        )
        if self.pending_type == APPROVE_CORRECTION:
            self.actions += [
                _action(
                    str(uuid.uuid4()),
                    REGISTER,
                    "Accepted",
                    at,
                    registrationNumber="2026" + _tracking_id(),
                ),
                _action(self.request_id, REQUEST_CORRECTION, "Accepted", at),
                _action(
                    self.action_id, APPROVE_CORRECTION, "Requested", at, requestId=self.request_id
                ),
            ]
        else:
            self.actions.append(_action(self.action_id, REGISTER, "Requested", at))

    @classmethod
    def from_document(cls, document: JSON) -> EventRecord:
        """An EventDocument as OpenCRVS holds it (declarations, actions and all, e.g. one
        of tests/fixtures/farajaland/): its own action is the last one requested."""
        actions = [dict(a) for a in document.get("actions") or []]
        requested = [a for a in actions if a.get("status") == "Requested"] or actions[-1:]
        own = requested[-1] if requested else {"id": str(uuid.uuid4()), "type": REGISTER}
        return cls(
            id=document["id"],
            type=document["type"],
            action_id=own["id"],
            pending_type=own["type"],
            tracking_id=document.get("trackingId") or _tracking_id(),
            created_at=document.get("createdAt") or iso_now(),
            updated_at=document.get("updatedAt") or iso_now(),
            request_id=own.get("requestId") or str(uuid.uuid4()),
            actions=actions,
        )

    # -- reading ---------------------------------------------------------------------------

    def settled_by(self, action_id: str) -> JSON | None:
        return next(
            (
                a
                for a in self.actions
                if a.get("originalActionId") == action_id
                and a["status"] in ("Accepted", "Rejected")
            ),
            None,
        )

    def pending_actions(self) -> list[JSON]:
        return [
            a
            for a in self.actions
            if a["status"] == "Requested" and self.settled_by(a["id"]) is None
        ]

    @property
    def status(self) -> str:
        """``pending``, ``accepted`` or ``rejected``: the fate of the token's action."""
        outcome = self.settled_by(self.action_id)
        return "pending" if outcome is None else outcome["status"].lower()

    @property
    def outcome(self) -> JSON | None:
        return self.settled_by(self.action_id)

    def document(self) -> JSON:
        """An EventDocument as ``event.get`` and the procedures return it."""
        return {
            "id": self.id,
            "type": self.type,
            "trackingId": self.tracking_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "actions": [dict(a) for a in self.actions],
        }

    def index(self) -> JSON:
        """The event as ``POST /events/search`` lists it (core's ``EventIndex``, the
        metadata fields): ``status`` from the latest accepted action, ``flags`` with
        ``<type>:requested`` for an action sent and not settled, ``legalStatuses``."""
        settled = {
            a.get("originalActionId"): a
            for a in self.actions
            if a.get("originalActionId") and a["status"] in ("Accepted", "Rejected")
        }
        latest: dict[str, str] = {}
        registered: JSON | None = None
        declared: JSON | None = None
        for action in self.actions:
            if action.get("originalActionId"):
                continue
            outcome = settled.get(action["id"])
            state = outcome["status"] if outcome else action["status"]
            latest[action["type"]] = state
            if state == "Accepted" and action["type"] == DECLARE:
                declared = action
            if state == "Accepted" and action["type"] == REGISTER:
                registered = outcome or action
        flags = [f"{kind}:{state}".lower() for kind, state in latest.items() if state != "Accepted"]
        status = "REGISTERED" if registered else "DECLARED" if declared else "CREATED"
        legal: JSON = {"DECLARED": None, "REGISTERED": None}
        if declared:
            legal["DECLARED"] = {
                "createdAt": declared["createdAt"],
                "acceptedAt": declared["createdAt"],
            }
        if registered:
            legal["REGISTERED"] = {
                "createdAt": registered["createdAt"],
                "acceptedAt": registered["createdAt"],
                "registrationNumber": registered.get("registrationNumber"),
            }
        return {
            "id": self.id,
            "type": self.type,
            "status": status,
            "legalStatuses": legal,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "trackingId": self.tracking_id,
            "flags": flags,
            "declaration": {},
        }

    # -- settling --------------------------------------------------------------------------

    def settle(self, procedure: str, payload: JSON, by: str = "system") -> JSON:
        """What core's ``accept``/``reject`` do with the action ``payload["actionId"]``."""
        kind, status = PROCEDURES[procedure]
        original = next((a for a in self.actions if a["id"] == payload["actionId"]), None)
        if original is None or original["type"] != kind:
            raise TrpcError("NOT_FOUND", "Action not found.")
        done = self.settled_by(original["id"])
        if done is not None:
            if done["status"] == "Rejected":
                raise TrpcError("BAD_REQUEST", f"Event {self.id} has been rejected")
            if status == "Rejected":
                raise TrpcError("BAD_REQUEST", "Action has already been accepted.")
            return self.document()  # accepted again: the event, unchanged
        if (
            kind == APPROVE_CORRECTION
            and status == "Accepted"
            and (payload.get("requestId") != original.get("requestId"))
        ):
            raise TrpcError("BAD_REQUEST", "requestId does not name this correction request")
        self.updated_at = iso_now()
        outcome = _action(
            str(uuid.uuid4()),
            kind,
            status,
            self.updated_at,
            originalActionId=original["id"],
            createdBy=by,
            createdByUserType="system",
        )
        outcome["transactionId"] = payload["transactionId"]
        if status == "Accepted":
            outcome["declaration"] = payload.get("declaration", {})
            if kind == REGISTER:
                outcome["registrationNumber"] = payload.get("registrationNumber")
            else:
                outcome["requestId"] = payload["requestId"]
        self.actions.append(outcome)
        return self.document()

    def forget_outcome(self) -> None:
        """The record's action shows as waiting again, as if OpenCRVS never kept what the
        portal's confirmation settled (a lost or failed asynchronous action)."""
        self.actions = [a for a in self.actions if a.get("originalActionId") != self.action_id]
        self.updated_at = iso_now()

    def settle_elsewhere(self, status: str = "Accepted") -> None:
        """Someone else settled the pending action (a registrar, another system)."""
        for pending in self.pending_actions():
            self.actions.append(
                _action(
                    str(uuid.uuid4()),
                    pending["type"],
                    status,
                    iso_now(),
                    originalActionId=pending["id"],
                )
            )


def validate(procedure: str, payload: Any) -> None:
    """The procedure's input schema, loosely: the keys a caller must send."""
    if not isinstance(payload, dict):
        raise TrpcError("BAD_REQUEST", "input must be an object")
    if procedure == GET:
        if not isinstance(payload.get("eventId"), str) or not payload["eventId"]:
            raise TrpcError("BAD_REQUEST", "eventId must be a non-empty string")
        return
    kind, status = PROCEDURES[procedure]
    required = ["transactionId", "eventId", "actionId"]
    if kind == APPROVE_CORRECTION and status == "Accepted":
        required.append("requestId")
    problems = [
        f"{k} must be a non-empty string"
        for k in required
        if not isinstance(payload.get(k), str) or not payload[k]
    ]
    if status == "Accepted" and not isinstance(payload.get("declaration", {}), dict):
        problems.append("declaration must be an object")
    # Core's reject input is exactly {transactionId, eventId, actionId} (AsyncActionInput):
    # anything else, such as a `content` with a reason, is dropped by its schema.
    if problems:
        raise TrpcError("BAD_REQUEST", "; ".join(problems))


# -- search (core: packages/commons/src/events/EventIndex.ts, QueryType) -------------------


def _in_range(value: str | None, condition: JSON) -> bool:
    if not value:
        return False
    kind = condition.get("type")
    if kind == "range":
        # ISO strings of one format compare as times; a date bound covers its whole day.
        lte = condition["lte"] if "T" in condition["lte"] else condition["lte"] + "T99"
        return condition["gte"] <= value <= lte
    if kind == "exact":
        return value.startswith(condition["term"])
    raise TrpcError("BAD_REQUEST", f"date condition {kind!r} is not supported by the stand-in")


def _matches(index: JSON, clause: JSON) -> bool:
    if "clauses" in clause:
        return matches(index, clause)
    for key, condition in clause.items():
        if key == "eventType" and index["type"] != condition:
            return False
        if key == "id" and index["id"] != condition:
            return False
        if key == "trackingId" and index["trackingId"] != condition.get("term"):
            return False
        if key == "status":
            terms = condition.get("terms") or [condition.get("term")]
            if index["status"] not in terms:
                return False
        if key == "flags":
            if condition.get("anyOf") and not set(condition["anyOf"]) & set(index["flags"]):
                return False
            if set(condition.get("noneOf") or []) & set(index["flags"]):
                return False
        if key in ("createdAt", "updatedAt") and not _in_range(index[key], condition):
            return False
        if key.startswith("legalStatuses."):
            _prefix, status, field_name = key.split(".", 2)
            legal = index["legalStatuses"].get(status) or {}
            if not _in_range(legal.get(field_name), condition):
                return False
    return True


def matches(index: JSON, query: JSON) -> bool:
    """Core's QueryType: ``{"type": "and"|"or", "clauses": [QueryExpression|QueryType]}``."""
    clauses = query.get("clauses")
    if query.get("type") not in ("and", "or") or not isinstance(clauses, list) or not clauses:
        raise TrpcError("BAD_REQUEST", "query needs a type (and/or) and at least one clause")
    results = (_matches(index, c) for c in clauses)
    return any(results) if query["type"] == "or" else all(results)
