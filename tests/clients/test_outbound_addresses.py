"""The portal never calls cloud metadata or another link-local address, however the URL
spells it and whatever its name resolves to, even when DNS changes its answer between
two calls. Names are resolved by replacing getaddrinfo (the socket boundary) only; every
connection actually made is to a real server on loopback."""

import datetime
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integration.clients import http
from integration.clients.http import DestinationRefused, destination_problem, send
from tests.support.scripted_server import Reply, ScriptedServer

METADATA_FORMS = [
    "http://[::ffff:169.254.169.254]/latest/meta-data/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://2852039166/latest/meta-data/",  # one decimal number
    "http://0xA9FEA9FE/latest/meta-data/",  # hexadecimal
    "http://0251.0376.0251.0376/latest/meta-data/",  # octal
    "http://169.254.43518/latest/meta-data/",  # the last two parts as one
]


@pytest.fixture(autouse=True)
def fresh_connections():
    http._forget_session()  # no connection kept from another test
    yield
    http._forget_session()


@pytest.fixture
def dns(monkeypatch) -> dict[str, str]:
    """Names the test decides the address of, as a resolver would answer them."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, kind=0, proto=0, flags=0):  # noqa: ANN001
        if host in answers:
            address = answers[host]
            if ":" in address:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, family, kind, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize("url", METADATA_FORMS)
def test_every_spelling_of_the_metadata_address_is_refused(url, portal_settings):
    portal_settings.OUTBOUND_HOSTS = []
    assert "never a remote system" in str(destination_problem(url))  # the admin's check
    with pytest.raises(DestinationRefused):
        send("GET", url)


def test_a_listed_host_is_still_refused_when_it_is_the_metadata_address(portal_settings):
    portal_settings.OUTBOUND_HOSTS = ["169.254.169.254"]
    assert "never a remote system" in str(destination_problem("http://169.254.169.254/"))


@pytest.mark.parametrize("address", ["169.254.169.254", "::ffff:169.254.169.254", "fe80::1"])
def test_a_name_resolving_to_link_local_is_refused_before_connecting(dns, address):
    dns["metadata.example.test"] = address
    with pytest.raises(DestinationRefused, match="resolved to .*never a remote system"):
        send("GET", "http://metadata.example.test/latest/meta-data/", what="MOSIP auth")


def test_dns_rebinding_between_calls_is_refused(dns, portal_settings):
    """The name passes the URL check and its first connection is genuine; then DNS says
    metadata. Each new connection checks the address it connects to."""
    with ScriptedServer() as server:
        server.replies["/x"] = Reply()
        port = server.url.rsplit(":", 1)[1]
        portal_settings.OUTBOUND_HOSTS = [f"mosip.example.test:{port}"]
        dns["mosip.example.test"] = "127.0.0.1"
        assert send("GET", f"http://mosip.example.test:{port}/x").status_code == 200
        http._forget_session()  # the kept connection gone, as after an idle timeout
        dns["mosip.example.test"] = "169.254.169.254"
        with pytest.raises(DestinationRefused):
            send("GET", f"http://mosip.example.test:{port}/x")
        assert server.paths() == ["/x"]


def _certificate(tmp_path, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "server.crt", tmp_path / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def test_tls_still_verifies_the_urls_host_name(dns, tmp_path):
    cert, key = _certificate(tmp_path, "mosip.example.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ScriptedServer()
    server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
    port = server.url.rsplit(":", 1)[1]
    dns["mosip.example.test"] = "127.0.0.1"
    dns["other.example.test"] = "127.0.0.1"
    with server:
        server.replies["/x"] = Reply()
        good = send("GET", f"https://mosip.example.test:{port}/x", verify=cert)
        assert good.status_code == 200
        # The same server under a name its certificate does not hold: refused by TLS.
        with pytest.raises(http.RemoteError, match="could not connect"):
            send("GET", f"https://other.example.test:{port}/x", verify=cert)
