"""Checking the X-Hub-Signature of incoming deliveries, always in constant time."""

import hashlib
import hmac
from urllib.parse import quote

# What JavaScript's encodeURIComponent leaves alone, besides letters and digits.
URI_COMPONENT_SAFE = "-_.!~*'()"
OPENCRVS_ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}


def _split(header: str | None) -> tuple[str, str]:
    algorithm, _, received = (header or "").strip().partition("=")
    return algorithm.lower(), received.strip().lower()


def mosip_signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """MOSIP's WebSub hub: `sha256=<hex HMAC-SHA256 of the raw body>`."""
    algorithm, received = _split(header)
    if algorithm != "sha256" or not received:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


def opencrvs_signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """OpenCRVS webhooks (docs/protocols.md#opencrvs-webhooks): HMAC over the ASCII bytes
    `"<algorithm>:" + encodeURIComponent(raw body)`, sha256 or (older) sha1."""
    algorithm, received = _split(header)
    digest = OPENCRVS_ALGORITHMS.get(algorithm)
    if digest is None or not received:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    message = f"{algorithm}:{quote(text, safe=URI_COMPONENT_SAFE)}".encode("ascii")
    expected = hmac.new(secret.encode(), message, digest).hexdigest()
    return hmac.compare_digest(expected, received)
