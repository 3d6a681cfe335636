"""gunicorn's threaded worker, made safe from clients that send their request slowly.

gunicorn's gthread worker gives a connection a thread as soon as its first bytes arrive,
and the thread then waits, without any time limit, for the rest of the headers and the
body. Forty clients sending one byte every two seconds hold every thread, and /healthz
(and OpenCRVS, and MOSIP's hub) wait behind them.

This worker reads what has arrived without waiting and hands the connection back to
gunicorn's poller (no thread held) until the whole request is in; only then does a thread
run it. A request not complete within PORTAL_REQUEST_READ_TIMEOUT seconds of its first
byte is answered 408 and the connection closed. Requests larger than BUFFERED_BYTES, and
those that ask for `100-continue`, are read as gunicorn always did, so the buffering proxy
in front (nginx or Traefik: README "Deploying") remains the first defence.

Loaded by portal/gunicorn_conf.py from this file: importing the `portal` package would
load Django and Celery into gunicorn's arbiter. It relies on gthread's deferral to the
poller (gunicorn 24 and later); without it, it is gthread unchanged.
"""

import io
import os
import re
import socket
import time

from gunicorn.workers import gthread

READ_TIMEOUT = float(os.environ.get("PORTAL_REQUEST_READ_TIMEOUT", "20"))
BUFFERED_BYTES = 256 * 1024  # per request at most, held until a thread runs it
_DEFER = getattr(gthread, "_DEFER", None)
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)")
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
    b"Connection: close\r\nContent-Length: 52\r\n\r\n"
    b'{"detail": "The request was not received in time."}'
)


def request_is_complete(held: bytes) -> bool:
    """Whether `held` holds a whole request (or as much as is worth holding). gunicorn's
    parser still decides what the request is: a wrong guess here only changes when a
    thread starts reading."""
    if len(held) >= BUFFERED_BYTES:
        return True
    end = held.find(b"\r\n\r\n")
    if end < 0:
        return False
    head, body = held[:end].lower(), held[end + 4 :]
    if b"\r\nexpect:" in head:
        return True  # the client waits for "100 Continue" before sending its body
    if b"\r\ntransfer-encoding:" in head:
        return body.endswith(b"0\r\n\r\n")
    length = _CONTENT_LENGTH.search(head)
    return len(body) >= (int(length.group(1)) if length else 0)


def _hang_up(conn) -> bool:  # noqa: ANN001
    """Close at once: gunicorn's graceful close waits up to 2 s, in its main loop (which
    accepts and dispatches every request), for the client to hang up first."""
    try:
        conn.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return False


class Worker(gthread.ThreadWorker):
    def handle(self, conn):  # noqa: ANN001, ANN201 - gunicorn's signature
        if _DEFER is None or self.cfg.is_ssl:
            return super().handle(conn)
        try:
            conn.init()  # the parser over the socket (once per connection)
            if conn.is_http2:
                return super().handle(conn)
            held, closed = self._read_what_arrived(conn)
        except OSError:
            return _hang_up(conn)
        if held and request_is_complete(held):
            conn.portal_first_byte_at = None
            return super().handle(conn)
        if closed:
            return _hang_up(conn)
        if not held:
            return _DEFER  # nothing yet: wait on the poller, not in a thread
        started = getattr(conn, "portal_first_byte_at", None)
        if started is None:
            conn.portal_first_byte_at = started = time.monotonic()
        if time.monotonic() - started > READ_TIMEOUT:
            self.log.warning(
                "a request was not complete %.0f s after its first byte: answered 408",
                READ_TIMEOUT,
            )
            try:
                conn.sock.send(_TIMED_OUT, socket.MSG_DONTWAIT)
            except OSError:
                pass
            return _hang_up(conn)
        return _DEFER

    @staticmethod
    def _read_what_arrived(conn) -> tuple[bytes, bool]:  # noqa: ANN001
        """Everything the client has sent so far, kept in the parser's buffer (where
        gunicorn reads first); and whether the client closed its side."""
        unreader = conn.parser.unreader
        held = unreader.buf.getvalue()
        closed = False
        while len(held) < BUFFERED_BYTES:
            try:
                data = conn.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            if not data:
                closed = True
                break
            held += data
        unreader.buf = io.BytesIO()
        unreader.buf.write(held)
        return held, closed
