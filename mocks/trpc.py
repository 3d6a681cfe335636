"""tRPC v11 (superjson transformer) answer envelopes, as OpenCRVS's gateway sends them.

A batched call (``?batch=1``) takes ``{"0": {"json": input}}`` and answers a JSON list with one
entry per call; an unbatched call takes ``{"json": input}`` and answers the entry itself.
The HTTP status of a single-call batch is the entry's ``httpStatus``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from .base import json_response

# tRPC error code name → (JSON-RPC code, HTTP status), from tRPC's documented table.
ERROR_CODES: dict[str, tuple[int, int]] = {
    "PARSE_ERROR": (-32700, 400),
    "BAD_REQUEST": (-32600, 400),
    "INTERNAL_SERVER_ERROR": (-32603, 500),
    "UNAUTHORIZED": (-32001, 401),
    "FORBIDDEN": (-32003, 403),
    "NOT_FOUND": (-32004, 404),
    "CONFLICT": (-32009, 409),
    "METHOD_NOT_SUPPORTED": (-32005, 405),
}


class TrpcError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def http_status(self) -> int:
        return ERROR_CODES[self.code][1]

    def entry(self, path: str) -> dict[str, Any]:
        number, status = ERROR_CODES[self.code]
        return {
            "error": {
                "json": {
                    "message": self.message,
                    "code": number,
                    "data": {"code": self.code, "httpStatus": status, "path": path},
                }
            }
        }


def call_input(body: Any, batch: bool) -> Any:
    """The procedure input from a request body; raises TrpcError(BAD_REQUEST) if absent."""
    call = body.get("0") if batch and isinstance(body, dict) else body
    if not isinstance(call, dict) or "json" not in call:
        raise TrpcError(
            "BAD_REQUEST",
            'Expected {"0": {"json": <input>}}' if batch else 'Expected {"json": <input>}',
        )
    return call["json"]


def reply(entry: dict[str, Any], status: int, batch: bool) -> Response:
    return json_response([entry] if batch else entry, status)


def result_entry(data: Any) -> dict[str, Any]:
    return {"result": {"data": {"json": data}}}
