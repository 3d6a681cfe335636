"""Every remote call goes through one layer (integration.clients.http.send): each HTTP
failure class is classified once, redirects are never followed, connections are reused,
and only hosts the operator allows are called."""

import pytest

from integration.clients import http
from integration.clients.http import DestinationRefused, RemoteError, raise_for_status, send
from tests.support.scripted_server import Reply, ScriptedServer


@pytest.fixture
def server():
    with ScriptedServer() as running:
        yield running


def outcome(url: str) -> RemoteError | None:
    try:
        raise_for_status(send("GET", url, what="the test system"), "the test system")
    except RemoteError as exc:
        return exc
    return None


@pytest.mark.parametrize(
    ("status", "retriable"),
    [(408, True), (429, True), (500, True), (502, True), (503, True), (400, False),
     (401, False), (404, False), (422, False)],
)  # fmt: skip
def test_each_http_status_class(server, status, retriable):
    server.replies["/x"] = Reply(status, b'{"message": "quota gone"}')
    error = outcome(f"{server.url}/x")
    assert error is not None and error.http_status == status
    assert error.retriable is retriable
    assert "quota gone" in error.message  # the remote system's own words


def test_a_timeout_is_retriable(server, portal_settings):
    portal_settings.HTTP_READ_TIMEOUT = 0.2
    server.replies["/slow"] = Reply(delay=1.0)
    error = outcome(f"{server.url}/slow")
    assert error.retriable and "no answer in time from the test system" in error.message


def test_a_refused_connection_is_retriable():
    error = outcome("http://127.0.0.1:1/x")
    assert error.retriable and "could not connect to the test system" in error.message


def test_a_redirect_is_not_followed(server):
    server.replies["/moved"] = Reply(302, b"", headers={"Location": f"{server.url}/elsewhere"})
    error = outcome(f"{server.url}/moved")
    assert not error.retriable and error.http_status == 302
    assert server.paths() == ["/moved"]  # /elsewhere was never called


def test_connections_are_reused(server):
    server.replies["/x"] = Reply()
    for _ in range(3):
        assert outcome(f"{server.url}/x") is None
    ports = {port for _path, port in server.hits}
    assert len(server.hits) == 3 and len(ports) == 1


def test_only_hosts_the_operator_allows_are_called(server, portal_settings):
    server.replies["/x"] = Reply()
    portal_settings.OUTBOUND_HOSTS = ["mosip.example.org", "*.opencrvs.example.org"]
    with pytest.raises(DestinationRefused, match="not in PORTAL_OUTBOUND_HOSTS"):
        send("GET", f"{server.url}/x")
    assert server.hits == []

    portal_settings.OUTBOUND_HOSTS = [f"127.0.0.1:{server.url.rsplit(':', 1)[1]}"]
    assert send("GET", f"{server.url}/x").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0:80/",
     "file:///etc/passwd", "gopher://127.0.0.1/"],
)  # fmt: skip
def test_addresses_that_are_never_a_remote_system_are_refused(url):
    # Refused before any connection is attempted.
    with pytest.raises(DestinationRefused):
        send("GET", url)


def test_an_html_reply_is_described_not_echoed(server):
    page = b"<html><body>internal admin console: secrets here</body></html>"
    server.replies["/page"] = Reply(500, page, content_type="text/html")
    response = send("GET", f"{server.url}/page")
    assert http.excerpt(response) == f"[text/html reply of {len(page)} bytes, not kept]"


def test_keys_in_a_url_path_never_reach_a_message():
    error = outcome("http://127.0.0.1:1/licence-key-123/partner/api-key-456")
    assert "licence-key-123" not in error.message and "api-key-456" not in error.message


def test_the_environments_proxy_settings_hold_for_every_call(server, monkeypatch):
    """HTTP_PROXY and NO_PROXY are honoured on every call (the session reads them once per
    remote system, not on each call)."""
    for name in ("http_proxy", "no_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server.replies["http://remote.invalid:81/x"] = Reply()
    http._forget_session()
    try:
        with ScriptedServer() as direct:
            direct.replies["/y"] = Reply()
            for _ in range(2):
                assert outcome("http://remote.invalid:81/x") is None  # through the proxy
                assert outcome(f"{direct.url}/y") is None  # not: NO_PROXY names it
    finally:
        http._forget_session()
    assert server.paths() == ["http://remote.invalid:81/x"] * 2
    assert direct.paths() == ["/y"] * 2
