"""Decide whether E-Signet's answer can be trusted, as real deployments send it.

User info is whatever E-Signet's identity plugin made during the KYC exchange: MOSIP IDA
signs `sub` and the consented claims only (no aud, iss, iat, exp) with its KYC key, listed
in E-Signet's JWKS; the mock identity system adds iss and aud and publishes its key at
`keys.json`; E-Signet signs plain-JSON plugin answers itself (PS256 from 1.7); any of these
may come encrypted for the client (JWE). So: the signature must verify against a trusted
key, and each of aud, iss, iat, exp, nbf is checked when present. The ID token is standard
OIDC and binds the user info to this login by its `sub`.

Keys are read for every sign-in (sign-ins come at human pace, and a rotated key then just
works), lazily: a later source is fetched only when no earlier key verified.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from joserfc.jwk import RSAKey

from integration.clients.esignet import EsignetClient, TokenAnswer, load_client_jwk
from integration.clients.http import RemoteError
from integration.crypto.esignet_jose import (
    TokenRefused,
    decrypt,
    is_jwe,
    unverified_claims,
    verify,
)
from integration.crypto.esignet_keys import (
    EsignetKeyError,
    TrustedKey,
    keys_from_document,
    keys_from_text,
    load_private_key,
)
from integration.models import EsignetSettings
from integration.reasons import Readable

CLOCK_SKEW_SECONDS = 60
# Names in refusals, in the reader's language (the English in logs).
JWKS_NAME = _("E-Signet's JWKS")
IT = _("it")  # the user info
ID_TOKEN = _("the ID token")


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class KeyRing:
    """The keys configured for one sign-in, read on demand; failures are kept to explain a
    refusal ("the JWKS could not be read") instead of hiding behind "no key fits"."""

    client: EsignetClient
    config: EsignetSettings
    problems: list[Readable] = field(default_factory=list)
    _read: dict[str, list[TrustedKey]] = field(default_factory=dict)  # the ID token reuses

    @property
    def has_keys(self) -> bool:
        c = self.config
        return bool(
            c.jwks_url
            or lines(c.trusted_key_urls)
            or c.trusted_keys.strip()
            or c.userinfo_signed_by == "client_key"
        )

    def describe(self, *, id_token: bool = False) -> Readable:
        """The sources tried, then what could not be read: in the reader's language for
        staff, English in logs (integration.reasons.Readable)."""
        c, names = self.config, []
        if c.jwks_url:
            names.append(JWKS_NAME)
        if not id_token:
            names += lines(c.trusted_key_urls)
        if c.trusted_keys.strip():
            names.append(_("pinned keys"))
        if c.userinfo_signed_by == "client_key" and not id_token:
            names.append(_("the client's own key"))
        # Words and values only: nothing here to translate but the names themselves.
        listed = Readable("%(names)s", names=names) if names else Readable(_("none configured"))
        if not self.problems:
            return listed
        return Readable("%(names)s; %(problems)s", names=listed, problems=self.problems)

    def keys(self, *, id_token: bool = False) -> Iterator[TrustedKey]:
        """User info: every configured source. ID token: E-Signet's own (JWKS, pinned)."""
        c = self.config
        if c.userinfo_signed_by == "client_key" and not id_token:
            # Its kid is not carried over: the mock's tokens name none.
            own = load_client_jwk(c.client_private_jwk).public_key  # ValueError: settings
            yield TrustedKey(RSAKey.import_key(own), None, None, "the client's own key")
        if c.trusted_keys.strip():
            yield from keys_from_text(c.trusted_keys)  # checked when saved in the admin
        if c.jwks_url:
            yield from self._fetched(c.jwks_url, JWKS_NAME)
        if not id_token:
            for url in lines(c.trusted_key_urls):
                yield from self._fetched(url, url)

    def _fetched(self, url: str, name: str) -> list[TrustedKey]:
        if url not in self._read:
            try:
                keys = keys_from_document(self.client.key_document(url, "keys"), name)
            except (RemoteError, EsignetKeyError) as exc:
                cause = exc.reason if isinstance(exc, RemoteError) else exc
                self.problems.append(
                    Readable(_("%(name)s could not be read: %(error)s"), name=name, error=cause)
                )
                keys = []
            self._read[url] = keys
        return self._read[url]


def trusted_user_info(raw: str, tokens: TokenAnswer, client: EsignetClient, client_id: str) -> dict:
    """The user-info claims, or TokenRefused saying why they cannot be trusted."""
    config = client.config
    ring = KeyRing(client, config)
    if is_jwe(raw):
        secret = config.client_encryption_key
        raw = decrypt(raw, load_private_key(secret) if secret else None)
    if not ring.has_keys:
        return unverified_claims(raw)  # the installation chose the reference's behaviour
    claims = verify(raw, ring.keys(), ring.describe)
    issuers = {config.issuer, *lines(config.userinfo_issuers)} - {""}
    check_claims(claims, client_id, issuers)
    if tokens.id_token is not None:
        id_claims = verify(
            tokens.id_token, ring.keys(id_token=True), lambda: ring.describe(id_token=True)
        )
        check_id_token(id_claims, client_id, config.issuer)
        if claims.get("sub") != id_claims["sub"]:
            raise TokenRefused(
                _("its sub differs from the ID token's: it is not about the person who signed in")
            )
    return claims


def check_claims(claims: dict, client_id: str, issuers: set[str]) -> None:
    """aud, iss, iat, exp, nbf: each only when present, as IDA sends none of them."""
    if "aud" in claims and not _audience_is(claims["aud"], client_id):
        raise TokenRefused(
            _("it is meant for another client (aud %(aud)s)"), aud=_shown(claims["aud"])
        )
    if "iss" in claims and issuers and claims["iss"] not in issuers:
        raise TokenRefused(
            _("its issuer %(iss)s is neither E-Signet's nor a configured user-info issuer"),
            iss=repr(claims["iss"]),
        )
    _check_times(claims, IT)


def check_id_token(claims: dict, client_id: str, issuer: str) -> None:
    """OIDC Core 3.1.3.7: iss, aud, exp (and a sub to bind the user info to)."""
    for name in ("iss", "sub", "aud", "exp"):
        if name not in claims:
            raise TokenRefused(_("the ID token has no %(name)s"), name=name)
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRefused(_("the ID token's sub is not a string"))
    if not _audience_is(claims["aud"], client_id):
        raise TokenRefused(
            _("the ID token is meant for another client (aud %(aud)s)"),
            aud=_shown(claims["aud"]),
        )
    if issuer and claims["iss"] != issuer:
        raise TokenRefused(
            _("the ID token's issuer %(iss)s is not %(issuer)s"),
            iss=_shown(claims["iss"]),
            issuer=repr(issuer),
        )
    _check_times(claims, ID_TOKEN)


def _shown(value: object) -> str:
    """A remote value quoted in a refusal: never long (issuers and client ids are short)."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _audience_is(aud: object, client_id: str) -> bool:
    if isinstance(aud, list):
        return client_id in aud
    return aud == client_id


def _check_times(claims: dict, which: object) -> None:
    now = time.time()
    for name in ("exp", "iat", "nbf"):
        if name in claims and (
            isinstance(claims[name], bool) or not isinstance(claims[name], int | float)
        ):
            raise TokenRefused(_("%(which)s: %(name)s is not a number"), which=which, name=name)
    if "exp" in claims and claims["exp"] < now - CLOCK_SKEW_SECONDS:
        raise TokenRefused(_("%(which)s has expired (exp)"), which=which)
    if "iat" in claims and claims["iat"] > now + CLOCK_SKEW_SECONDS:
        raise TokenRefused(_("%(which)s was issued in the future (iat)"), which=which)
    if "nbf" in claims and claims["nbf"] > now + CLOCK_SKEW_SECONDS:
        raise TokenRefused(_("%(which)s is not valid yet (nbf)"), which=which)
