"""Helpers for the stand-in tests (no tests here): wire fixtures, a tiny WebSub subscriber,
and credential decryption / proof verification written independently of both the portal
and the stand-ins, straight from docs/protocols.md#credential-issued."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs12
from pyld import jsonld
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mocks.paths import certs_dir
from tests.fixtures import load_json

KEYSTORE_PASSWORD = b"mosip123"


def wire(name: str) -> dict[str, Any]:
    return load_json("wire", f"{name}.json")


def same_shape(actual: Any, expected: Any, where: str = "$") -> None:
    """Same keys all the way down; same JSON types where the capture has a value."""
    if expected is None:
        return
    assert type(actual) is type(expected), f"{where}: {type(actual)} != {type(expected)}"
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{where}: keys {set(actual) ^ set(expected)}"
        for key in expected:
            same_shape(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{where}: {len(actual)} items"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            same_shape(a, e, f"{where}[{i}]")


def keystore(directory: Path | None = None) -> tuple[rsa.RSAPrivateKey, Any]:
    """The partner keystore: the stand-ins' demo keys, or the one a capture was made for."""
    key, cert, _ = pkcs12.load_key_and_certificates(
        ((directory or certs_dir()) / "keystore.p12").read_bytes(), KEYSTORE_PASSWORD
    )
    assert isinstance(key, rsa.RSAPrivateKey) and cert is not None
    return key, cert


def decrypt_credential(
    encoded: str, key: rsa.RSAPrivateKey | None = None
) -> tuple[dict[str, Any], bytes]:
    """(credential, thumbprint) from a CREDENTIAL_ISSUED ``data.credential``."""
    key = key or keystore()[0]
    key_part, data_part = base64.b64decode(encoded).split(b"#KEY_SPLITTER#", 1)
    assert key_part[:6] == b"VER_R2"
    aes_key = key.decrypt(
        key_part[38:],
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    aad = data_part[:32]
    plaintext = AESGCM(aes_key).decrypt(aad[:12], data_part[32:], aad)
    return json.loads(plaintext), key_part[6:38]


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_proof(credential: dict[str, Any], public_key: rsa.RSAPublicKey) -> None:
    """Raise InvalidSignature unless the detached PS256 JWS signs the credential."""
    proof = credential["proof"]
    encoded_header, payload, signature = proof["jws"].split(".")
    assert payload == ""
    header = json.loads(b64url_decode(encoded_header))
    assert header == {
        "alg": "PS256",
        "b64": False,
        "crit": ["b64"],
        "kid": proof["verificationMethod"],
    }
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    public_key.verify(
        b64url_decode(signature),
        encoded_header.encode() + b"." + rfc8785.dumps(unsigned),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def urdna2015_sha256(document: dict[str, Any], load_document: Any) -> bytes:
    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": load_document(url)}

    nquads = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "base": None,
            "format": "application/n-quads",
            "documentLoader": loader,
        },
    )
    return hashlib.sha256(nquads.encode()).digest()


def verify_ld_proof(
    credential: dict[str, Any], public_key: rsa.RSAPublicKey, load_document: Any
) -> None:
    """Raise InvalidSignature unless the RsaSignature2018 proof (detached ``b64: false``
    JWS, PS256 or RS256) signs SHA-256(URDNA2015(proof options with the security v3
    context)) ‖ SHA-256(URDNA2015(credential without proof))."""
    proof = credential["proof"]
    assert proof["type"] == "RsaSignature2018"
    encoded_header, payload, signature = proof["jws"].split(".")
    assert payload == ""
    header = json.loads(b64url_decode(encoded_header))
    assert header["b64"] is False and header["crit"] == ["b64"]
    options = {k: v for k, v in proof.items() if k != "jws"}
    options["@context"] = "https://w3id.org/security/v3"
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    tbs = urdna2015_sha256(options, load_document) + urdna2015_sha256(unsigned, load_document)
    pad = (
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        if header["alg"] == "PS256"
        else padding.PKCS1v15()
    )
    assert header["alg"] in ("PS256", "RS256")
    public_key.verify(
        b64url_decode(signature), encoded_header.encode() + b"." + tbs, pad, hashes.SHA256()
    )


class Subscriber:
    """A WebSub subscriber: echoes the challenge (unless ``echo`` is False), keeps posts."""

    def __init__(self, echo: bool = True, status: int = 200) -> None:
        self.echo, self.status = echo, status
        self.challenges: list[dict[str, str]] = []
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.got_post = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "GET":
            self.challenges.append(dict(request.args))
            answer = request.args.get("hub.challenge", "") if self.echo else "not the challenge"
            response = Response(answer, content_type="text/plain")
        else:
            self.posts.append((dict(request.headers), request.get_data()))
            self.got_post.set()
            response = Response(
                '{"status": "RECEIVED"}', self.status, content_type="application/json"
            )
        return response(environ, start_response)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (free port) for the duration; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
