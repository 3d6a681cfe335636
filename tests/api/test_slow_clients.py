"""Clients that send their request slowly (one byte every two seconds) cannot take every
gunicorn thread: /healthz and real requests are answered meanwhile, and a request not
complete within PORTAL_REQUEST_READ_TIMEOUT is answered 408 and its connection closed.
The portal is served by gunicorn with its production settings file, over real sockets."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from portal.gunicorn_worker import request_is_complete
from tests.support import gunicorn

SLOW_CLIENTS = 40
BODY = b'{"trackingId": "' + b"x" * 100 + b'"}'
HEAD = (
    b"POST /events/registration HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: " + str(len(BODY)).encode() + b"\r\n\r\n"
)


@pytest.fixture
def portal(transactional_db) -> Iterator[str]:
    """gunicorn as deployed (one process of four threads), the read timeout at 6 s."""
    with gunicorn.served_portal(
        "/healthz", PORTAL_WEB_THREADS="4", PORTAL_REQUEST_READ_TIMEOUT="6"
    ) as url:
        yield url


class Trickle:
    """Clients that each send a request one byte every two seconds, some in the headers,
    most in the body; what each finally received."""

    def __init__(self, url: str, count: int) -> None:
        port = int(url.rsplit(":", 1)[1])
        self.sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        self.pending = []
        for number, sock in enumerate(self.sockets):
            request = HEAD + BODY
            split = 20 if number % 4 == 0 else len(HEAD) + 1  # a quarter slow in the headers
            sock.sendall(request[:split])
            sock.setblocking(False)
            self.pending.append(request[split:])
        self.answers = [b""] * count
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(2.0):
            for number, sock in enumerate(self.sockets):
                if self.pending[number]:
                    try:
                        sock.send(self.pending[number][:1])
                        self.pending[number] = self.pending[number][1:]
                    except OSError:
                        self.pending[number] = b""  # cut off
                try:
                    self.answers[number] += sock.recv(4096)
                except OSError:
                    pass  # nothing yet (or the connection is gone)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def test_health_and_requests_are_answered_while_40_clients_trickle(portal):
    slow = Trickle(portal, SLOW_CLIENTS)
    try:
        time.sleep(1.0)
        for _ in range(3):
            started = time.monotonic()
            health = requests.get(f"{portal}/healthz", timeout=5)
            assert health.status_code in (200, 503) and "checks" in health.json()
            assert time.monotonic() - started < 2.0
            # A request sent in one go is answered too (401: no token; it reached Django).
            answer = requests.post(f"{portal}/events/registration", data=BODY, timeout=5)
            assert answer.status_code == 401
            time.sleep(1.0)
        assert any(slow.pending), "the slow clients were all cut off already"

        # Past the read timeout (checked as each byte comes) every slow client has been
        # answered 408 and closed.
        deadline = time.monotonic() + 15
        while not all(b" 408 Request Timeout" in answer for answer in slow.answers):
            assert time.monotonic() < deadline, [a[:12] for a in slow.answers]
            time.sleep(0.5)
        # The cut-off clients have not hung up; the portal answers at once all the same.
        started = time.monotonic()
        assert requests.get(f"{portal}/healthz", timeout=5).status_code in (200, 503)
        assert time.monotonic() - started < 2.0
    finally:
        slow.close()


def test_a_request_sent_in_parts_within_the_timeout_is_served(portal):
    port = int(portal.rsplit(":", 1)[1])
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request[:10])
        time.sleep(1.5)
        sock.sendall(request[10:30])
        time.sleep(1.5)
        sock.sendall(request[30:])
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200") or reply.startswith(b"HTTP/1.1 503")
    assert b'"checks"' in reply


@pytest.mark.parametrize(
    ("held", "complete"),
    [
        (b"GET / HTTP/1.1\r\nHost: x", False),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (HEAD + BODY[:-1], False),
        (HEAD + BODY, True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n", True),
    ],
)
def test_when_a_request_is_complete(held, complete):
    assert request_is_complete(held) is complete
