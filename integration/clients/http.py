"""The one way out of the portal: every remote call goes through `send`.

`send` uses one pooled `requests` session per process, default timeouts, never follows
a redirect, refuses hosts the operator did not allow, and turns every transport failure
into a `RemoteError` that says whether trying again can help. `recorded_call` stores
each call of the registration flow as an `Attempt` that never holds a secret or a token.

A client's whole use of it:

    with recorded_call(Step.X, url, submission) as call:  # or without, for unrecorded calls
        call.response = http.send("POST", url, what="MOSIP auth", json=body)
        raise_for_status(call.response, "MOSIP auth")
"""

import ipaddress
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext_lazy
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from integration import app_settings
from integration.clients import fence
from integration.clients.sent import request_excerpt
from integration.models import Attempt, Submission
from integration.reasons import Readable, Reason, stored_reason
from integration.redaction import redact

# Retrying these can succeed later; any other 4xx will fail the same way again.
RETRIABLE_STATUSES = {408, 429}
EXCERPT_CHARS = 300
# Replies kept as an excerpt: a remote API's own words. Anything else (an HTML page of
# whatever answered at that address) is described, never echoed.
EXCERPT_TYPES = ("application/json", "application/problem+json", "text/plain")


class RemoteError(Exception):
    """A remote system did not do what we asked. `retriable` says whether to try again."""

    def __init__(
        self,
        message: object,
        *,
        retriable: bool,
        http_status: int | None = None,
    ):
        # `message` may be an integration.reasons.Reason: stored as a code, shown in the
        # reader's language; `message` stays the English text.
        super().__init__(str(message))
        self.reason = message
        self.message = str(message)
        self.retriable = retriable
        self.http_status = http_status


class DestinationRefused(RemoteError):
    """The URL points somewhere the portal may not call: fix the settings."""

    def __init__(self, message: object):
        super().__init__(message, retriable=False)


def timeouts() -> tuple[float, float]:
    return (app_settings.HTTP_CONNECT_TIMEOUT, app_settings.HTTP_READ_TIMEOUT)


# --- where the portal may call ------------------------------------------------------------
def origin(url: str) -> str:
    """scheme://host:port of a URL: safe to show, whatever its path or query carries."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "?"


def _host_matches(entry: str, host: str, port: int | None) -> bool:
    entry = entry.strip().lower()
    name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if entry_port and str(port) != entry_port:
        return False
    if name.startswith("*."):
        return host.endswith(name[1:])
    return host == name.strip("[]")


# What inet_aton reads as an IPv4 address besides the dotted quad: 2852039166,
# 0xA9FEA9FE, 0251.0376.0251.0376, 169.254.43518. Resolvers take these too.
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$")


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names without asking DNS, IPv4-mapped IPv6 as its IPv4."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def never_remote(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Cloud metadata and link-local, unspecified, multicast: never a remote system."""
    return address.is_link_local or address.is_unspecified or address.is_multicast


def destination_problem(url: str) -> Readable | None:
    """Why the portal may not call `url`, or None (English as str(), in the admin's
    language for the admin). Hosts come from the operator's PORTAL_OUTBOUND_HOSTS
    (environment, never the admin); without it, addresses that are never a remote system
    (cloud metadata, link-local, unspecified) are refused."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return Readable(gettext_lazy("the URL is not valid"))
    if parts.scheme not in ("http", "https") or not host:
        return Readable(gettext_lazy("the URL must start with http:// or https:// and name a host"))
    address = literal_address(host)
    if address is not None and never_remote(address):
        return Readable(gettext_lazy("the address %(host)s is never a remote system"), host=host)
    allowed = app_settings.OUTBOUND_HOSTS
    if allowed and not any(_host_matches(entry, host, port) for entry in allowed):
        return Readable(
            gettext_lazy("the host %(host)s is not in PORTAL_OUTBOUND_HOSTS"), host=host
        )
    return None


def check_destination(url: str, what: str = "") -> None:
    if not url:
        raise DestinationRefused(Reason("no_url", system=what))
    problem = destination_problem(url)
    if problem:
        raise DestinationRefused(
            Reason("destination_refused", system=what or origin(url), problem=problem)
        )


# --- the address actually connected to ---------------------------------------------------
# The URL's host is checked above; what it resolves to is checked on every new connection,
# for the very address the socket then connects to: a name that resolves (or is re-bound
# in DNS between a check and the call) to a link-local address is refused before any
# packet is sent to it. TLS still verifies the certificate against the URL's host name.
# Through an HTTP proxy the connection is to the proxy, which must apply its own rules.
class PeerRefused(Exception):
    """A host resolved to an address the portal never calls (not an OSError, so urllib3
    neither retries it nor reads it as the remote system being down)."""

    def __init__(self, host: str, peer: str):
        super().__init__(f"{host} resolved to {peer}")
        self.host = host
        self.peer = peer


def checked_connection(
    host: str,
    port: int,
    timeout: float | None,
    socket_options,
    source_address,  # noqa: ANN001
) -> socket.socket:
    """urllib3's create_connection, refusing the host if any of its addresses is never a
    remote system."""
    found = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    for *_, sockaddr in found:
        address = literal_address(sockaddr[0].split("%")[0])  # an IPv6 zone cut off
        if address is None or never_remote(address):
            raise PeerRefused(host, sockaddr[0])
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in found:
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError("getaddrinfo returns an empty list")


class _Checked:
    """urllib3's _new_conn, connecting through checked_connection."""

    def _new_conn(self) -> socket.socket:
        try:
            sock = checked_connection(
                self._dns_host, self.port, self.timeout, self.socket_options, self.source_address
            )
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out (connect timeout={self.timeout})"
            ) from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock


class _CheckedHTTPConnection(_Checked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """requests' adapter whose direct connections check the address they reached."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


# --- the session ----------------------------------------------------------------------------
class _Session(requests.Session):
    """requests' session, reading the environment's proxy and CA-bundle settings once per
    origin instead of on every call (two scans of the whole environment per call: as much
    CPU as the rest of the call). The environment does not change under a running process.

    Without it every call pays those scans again; nothing else changes. It rests on
    requests calling `merge_environment_settings` with these arguments for each request:
    tests/e2e/test_fast_paths.py fails when a release stops doing so."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple, dict] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: ANN001, ANN201
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        found = self._environment.get(key)
        if found is None:
            found = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = found
        return {**found, "proxies": dict(found["proxies"])}


_session: requests.Session | None = None
_session_lock = threading.Lock()


def session() -> requests.Session:
    """This process's pooled session (connections are reused across calls and threads)."""
    global _session
    with _session_lock:
        if _session is None:
            new = _Session()
            adapter = CheckedAdapter(pool_connections=16, pool_maxsize=32, max_retries=0)
            new.mount("http://", adapter)
            new.mount("https://", adapter)
            _session = new
        return _session


def _forget_session() -> None:
    # A forked worker must not share its parent's sockets.
    global _session, _session_lock
    _session, _session_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_session)


def transport_error(exc: requests.RequestException, what: str) -> RemoteError:
    """The one reading of a transport failure as a RemoteError (retriable or not). What
    a failure does to a record is `services.failures.classify`'s decision, not this."""
    if isinstance(exc, requests.Timeout):
        return RemoteError(Reason("remote_timeout", system=what), retriable=True)
    if isinstance(exc, requests.ConnectionError):
        return RemoteError(Reason("remote_unreachable", system=what), retriable=True)
    if isinstance(
        exc,
        requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema
        | requests.exceptions.InvalidURL
        | requests.exceptions.InvalidHeader,
    ):
        return RemoteError(Reason("remote_bad_url", system=what), retriable=False)
    # Broken chunked replies and the like: worth another try.
    return RemoteError(
        Reason("remote_call_failed", system=what, error=type(exc).__name__), retriable=True
    )


def send(method: str, url: str, *, what: str = "", **kwargs) -> requests.Response:
    """Make one HTTP call. `what` names the remote system in messages (default: the
    URL's origin; the path may carry keys, so it is never quoted)."""
    what = what or origin(url)
    check_destination(url, what)
    kwargs.setdefault("timeout", timeouts())
    # Inside a worker's lease: still ours, renewed, and the call ends well inside it.
    if lease := fence.before_call(what):
        kwargs["timeout"] = lease.cap(kwargs["timeout"])
    kwargs["allow_redirects"] = False
    try:
        response = session().request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise transport_error(exc, what) from None
    except PeerRefused as exc:
        raise DestinationRefused(Reason("peer_refused", system=what, peer=exc.peer)) from None
    if response.is_redirect or response.is_permanent_redirect:
        raise RemoteError(
            Reason("remote_redirect", system=what, status=response.status_code),
            retriable=False,
            http_status=response.status_code,
        )
    return response


# --- what is kept of a reply ------------------------------------------------------------
def excerpt(response: requests.Response | None) -> str:
    if response is None:
        return ""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind and kind not in EXCERPT_TYPES:
        return f"[{kind} reply of {len(response.content)} bytes, not kept]"
    return redact(response.text[:EXCERPT_CHARS])


def reason_in(response: requests.Response) -> str:
    """The remote system's own words for a failure, as a support person wants to read
    them: MOSIP's `errors[].message`, a `message`/`detail`/`error`, else the raw start."""
    try:
        body = response.json()
    except ValueError:
        return excerpt(response)[:200] or response.reason
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = (body[0].get("error") or {}).get("json") or body[0]  # a tRPC batch reply
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(
                f"{e.get('errorCode', '')}: {e.get('message', '')}".strip(": ")
                if isinstance(e, dict)
                else str(e)
                for e in errors
            )[:300]
        for key in ("message", "detail", "error_description", "error"):
            if isinstance(body.get(key), str):
                return redact(body[key])[:300]
    return excerpt(response)[:200]


def raise_for_status(response: requests.Response, what: str) -> None:
    """Turn an HTTP failure into a RemoteError of the right kind."""
    status = response.status_code
    if status < 400:
        return
    retriable = status >= 500 or status in RETRIABLE_STATUSES
    raise RemoteError(
        Reason(
            "remote_http",
            system=what,
            status=status,
            verbatim=redact(reason_in(response)),
            source=what,
        ),
        retriable=retriable,
        http_status=status,
    )


@dataclass
class CallRecord:
    submission: Submission | None = None  # may be set during the call, once known
    response: requests.Response | None = None
    error: str | Reason = ""  # a Reason is stored as its code (integration.reasons)
    # What was sent when no reply came (a timeout, a refused connection); with a reply
    # it is the reply's own `request`.
    request: requests.PreparedRequest | None = None


def _sent_request(exc: BaseException) -> requests.PreparedRequest | None:
    """The request a transport failure was for: `send` raises its RemoteError from the
    requests exception (context kept, only its display suppressed)."""
    cause = exc if isinstance(exc, requests.RequestException) else exc.__context__
    return getattr(cause, "request", None) if isinstance(cause, requests.RequestException) else None


@contextmanager
def recorded_call(step: str, url: str, submission: Submission | None) -> Iterator[CallRecord]:
    """Time one outbound call and store it as an Attempt, whatever happens."""
    record = CallRecord(submission)
    started = time.monotonic()
    sent = True
    try:
        yield record
    except fence.LeaseLost:
        sent = False
        raise
    except requests.RequestException as exc:  # a caller that used its own session
        error = transport_error(exc, origin(url))
        record.error = error.reason
        record.request = record.request or _sent_request(exc)
        raise error from exc
    except RemoteError as exc:
        record.error = exc.reason  # a Reason is stored as its code (integration.reasons)
        record.request = record.request or _sent_request(exc)
        raise
    except Exception as exc:
        record.error = Reason("unexpected_call", error=type(exc).__name__, system=origin(url))
        raise
    finally:
        response = record.response
        if sent:  # refused before sending: there is no call to keep
            stored = stored_reason(record.error)
            Attempt.objects.create(
                submission=record.submission,
                step=step,
                url=redact(url)[:500],
                duration_ms=int((time.monotonic() - started) * 1000),
                http_status=response.status_code if response is not None else None,
                error=redact(stored["last_error"]),
                reason_code=stored["reason_code"],
                reason_params=stored["reason_params"],
                request_excerpt=request_excerpt(
                    response.request if response is not None else record.request
                ),
                response_excerpt=excerpt(response),
            )
