"""Open E-Signet's tokens: a compact JWE for the client (RSA-OAEP-256 + A256GCM, `cty: JWT`)
around a compact JWS, and the JWS itself (RS256 or PS256, nothing else).

The algorithms are pinned here and passed to joserfc on every call, so a token's header can
never choose a weaker one (`none`, HMAC with a public key as secret, ...).
"""

import json
from collections.abc import Callable, Iterable

from django.utils.translation import gettext_lazy as _
from joserfc import jwe, jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import RSAKey

from integration.crypto.esignet_keys import SIGNING_ALGORITHMS, TrustedKey
from integration.reasons import StaffReadableError

JWE_ALGORITHMS = ("RSA-OAEP-256", "A256GCM")
_JWE_REGISTRY = jwe.JWERegistry(algorithms=list(JWE_ALGORITHMS))


class TokenRefused(StaffReadableError):
    """The token cannot be trusted; the message says why, and never holds its claims.
    str() is English (logs); staff read it in their language (integration.reasons)."""


def is_jwe(token: str) -> bool:
    return token.count(".") == 4


def decrypt(token: str, key: RSAKey | None) -> str:
    """The JWS inside a JWE made for the client's encryption key."""
    if key is None:
        raise TokenRefused(
            _("it is encrypted (JWE) and no client encryption key is set in the E-Signet settings")
        )
    header = _header(token, "JWE")
    if (header.get("alg"), header.get("enc")) != JWE_ALGORITHMS:
        raise TokenRefused(
            _("it is encrypted with %(alg)s/%(enc)s; only RSA-OAEP-256/A256GCM is accepted"),
            alg=repr(header.get("alg")),
            enc=repr(header.get("enc")),
        )
    try:
        plaintext = jwe.decrypt_compact(token, key, registry=_JWE_REGISTRY).plaintext
    except JoseError as exc:
        raise TokenRefused(
            _("it cannot be decrypted with the client encryption key (encrypted for another key?)")
        ) from exc
    inner = (plaintext or b"").decode("ascii", errors="replace").strip()
    if inner.count(".") != 2:
        raise TokenRefused(_("the encrypted token does not hold a signed JWT"))
    return inner


def signing_header(token: str) -> dict:
    """The JWS header, read before any key is chosen; refuses algorithms not pinned."""
    header = _header(token, "JWS")
    alg = header.get("alg")
    if alg not in SIGNING_ALGORITHMS:
        raise TokenRefused(
            _("it is signed with %(alg)s; only RS256 and PS256 are accepted"), alg=repr(alg)
        )
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRefused(_("its kid is not a string"))
    return header


def verify(token: str, keys: Iterable[TrustedKey], trusted: Callable[[], object]) -> dict:
    """The claims of a JWS signed by one of `keys` (the one its `kid` names, when it names
    one). `keys` may be lazy: sources are read only until a key verifies; `trusted()` then
    names what was tried (and what could not be read) for the refusal."""
    header = signing_header(token)
    alg, kid = header["alg"], header.get("kid")
    tried = 0
    for candidate in keys:
        if not (candidate.fits(kid) and candidate.allows(alg)):
            continue
        tried += 1
        try:
            signed = jws.deserialize_compact(token, candidate.key, algorithms=[alg])
        except BadSignatureError:
            continue
        except JoseError as exc:
            raise TokenRefused(_("it is not a valid JWS (%(error)s)"), error=exc.error) from exc
        return _claims(signed.payload)
    if tried == 0:
        if kid is None:
            raise TokenRefused(
                _("no trusted key fits it (no kid, %(alg)s); trusted: %(trusted)s"),
                alg=alg,
                trusted=trusted(),
            )
        raise TokenRefused(
            _("no trusted key fits it (kid %(kid)s, %(alg)s); trusted: %(trusted)s"),
            kid=repr(kid),
            alg=alg,
            trusted=trusted(),
        )
    raise TokenRefused(
        _("its signature does not verify against any trusted key (%(trusted)s)"),
        trusted=trusted(),
    )


def unverified_claims(token: str) -> dict:
    """For installations that chose not to check signatures (no key configured)."""
    signing_header(token)
    try:
        return _claims(jws.extract_compact(token.encode("ascii")).payload)
    except (JoseError, UnicodeEncodeError, ValueError) as exc:
        raise TokenRefused(_("it is not a compact JWS")) from exc


def _header(token: str, kind: str) -> dict:
    try:
        if kind == "JWE":
            header = jwe.extract_compact(token.encode("ascii"), _JWE_REGISTRY).headers()
        else:
            header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, UnicodeEncodeError, ValueError) as exc:
        raise TokenRefused(_("it is not a compact %(kind)s"), kind=kind) from exc
    if not isinstance(header, dict):
        raise TokenRefused(_("it is not a compact %(kind)s"), kind=kind)
    return header


def _claims(payload: bytes) -> dict:
    try:
        claims = json.loads(payload)
    except ValueError as exc:
        raise TokenRefused(_("its payload is not JSON")) from exc
    if not isinstance(claims, dict):
        raise TokenRefused(_("its payload is not a JSON object"))
    return claims
