"""The common part of every stand-in: a werkzeug app in a background thread, fault controls
and a thread-safe record of what was received.

Fault injection ("controls") is settable from Python (``stand_in.controls.down = True``) and
over HTTP (``POST /_control`` with a JSON object of the fields to change, ``GET /_control`` to
read them), so the demo can be driven from a shell while tests stay in-process.

``down`` answers **503 with a JSON error body** instead of refusing connections. A refused
connection would also make ``/_control`` unreachable, so the demo could not switch the server
back on; and a 503 from the ingress is what a MOSIP or OpenCRVS outage looks like from outside
anyway (the gateway stays up while the service behind it is gone). ``/_control`` itself is
never delayed, failed or downed.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

JSON = dict[str, Any]


def iso_now() -> str:
    """Timestamps as the Java and Node services write them: UTC, milliseconds, ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    # ``charset=utf-8`` in the content type, as both real services send it.
    return Response(
        json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def read_json(request: Request) -> Any:
    """The body as JSON whatever the Content-Type says (curl sends form type); None if not."""
    try:
        return json.loads(request.get_data())
    except ValueError:
        return None


@dataclass
class Controls:
    """Faults to inject. Changes take effect on the next request."""

    latency_seconds: float = 0.0
    error_rate: float = 0.0  # fraction of requests answered 503
    down: bool = False  # every request answered 503 (see module docstring)
    duplicate_callbacks: bool = False  # MOSIP only: deliver each credential twice
    # MOSIP only (fractions 0-1): packets the registration processor rejects after the
    # checks the portal can foresee; packets answered as written that never reach the
    # processor; credentials the WebSub hub gives up on.
    packet_reject_rate: float = 0.0
    packet_lose_rate: float = 0.0
    credential_drop_rate: float = 0.0

    def update(self, changes: JSON) -> None:
        """Apply a partial update, validating types; raises ValueError on bad input."""
        known = {f.name for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown control {key!r}; known: {sorted(known)}")
            if isinstance(getattr(self, key), bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{key} must be a non-negative number")
            if key.endswith("_rate") and value > 1:
                raise ValueError(f"{key} must be between 0 and 1")
        for key, value in changes.items():
            setattr(self, key, value if isinstance(value, bool) else float(value))


@dataclass
class Received:
    """One HTTP request as it arrived, and the status it was answered with."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)
    status: int | None = None

    def json(self) -> Any:
        return json.loads(self.body)


class _QuietHandler(WSGIRequestHandler):
    """Request handler without the per-request access log (tests would drown in it)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class StandIn:
    """Base class. Subclasses give ``rules()`` whose endpoints name ``on_<endpoint>`` methods."""

    name = "stand-in"
    # Endpoints that faults never touch: the way to switch faults off, and test helpers.
    exempt_endpoints: frozenset[str] = frozenset({"control"})

    def __init__(self, controls: Controls | None = None, *, quiet: bool = True) -> None:
        self.controls = controls or Controls()
        self.received: list[Received] = []
        self.url = ""
        self._quiet = quiet
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._random = random.Random()  # noqa: S311 - fault injection, not security
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._map = Map([Rule("/_control", endpoint="control", methods=["GET", "POST"])])
        for rule in self.rules():
            self._map.add(rule)

    # -- lifecycle -------------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        return []

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; port 0 picks a free port. Returns the base URL."""
        if self._server is not None:
            raise RuntimeError(f"{self.name} already started at {self.url}")
        handler = _QuietHandler if self._quiet else None
        self._server = make_server(host, port, self, threaded=True, request_handler=handler)
        self.url = f"http://{host}:{self._server.server_port}"
        self._stopping.clear()
        # A short poll interval: ``stop()`` waits for one poll, and tests stop servers often.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{self.name}:{self.url}",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving; background work (scheduled callbacks) is abandoned."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> StandIn:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def in_background(self, target: Any, *args: Any, delay: float = 0.0) -> threading.Thread:
        """Run ``target(*args)`` after ``delay`` seconds unless the stand-in stops first."""

        def run() -> None:
            if not self._stopping.wait(delay):
                target(*args)

        thread = threading.Thread(target=run, name=f"{self.name}-background", daemon=True)
        thread.start()
        return thread

    # -- recording -------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[Received]:
        """A copy of the requests received on ``path`` (exact match, no query)."""
        with self._lock:
            return [r for r in self.received if r.path == path]

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        record = Received(
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            headers=dict(request.headers),
            body=request.get_data(cache=True),
        )
        with self._lock:
            self.received.append(record)
        response = self._dispatch(request)
        record.status = response.status_code
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException as exc:
            fault = self._fault()  # a downed server is down for unknown paths too
            return fault or json_response(
                {"errors": [{"errorCode": str(exc.code), "message": exc.description}]},
                exc.code or 500,
            )
        if endpoint not in self.exempt_endpoints:
            fault = self._fault()
            if fault is not None:
                return fault
        return getattr(self, f"on_{endpoint}")(request, **values)

    def _fault(self) -> Response | None:
        controls = self.controls
        if controls.latency_seconds:
            time.sleep(controls.latency_seconds)
        if controls.down:
            return self._unavailable("down (controls.down)")
        if controls.error_rate and self._random.random() < controls.error_rate:
            return self._unavailable("injected error (controls.error_rate)")
        return None

    def _unavailable(self, why: str) -> Response:
        return json_response(
            {"errors": [{"errorCode": "STANDIN-503", "message": f"{self.name} {why}"}]}, 503
        )

    def on_control(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = json.loads(request.get_data() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                with self._lock:
                    self.controls.update(changes)
            except ValueError as exc:  # JSONDecodeError is a ValueError
                return json_response({"error": str(exc)}, 400)
        return json_response(asdict(self.controls))
