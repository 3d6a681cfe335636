"""What the stand-in E-Signet's user info says in each mode, as real deployments send it
(mosip/esignet 1.4–1.8, esignet-mock-services, esignet-plugins, opencrvs/mosip):

- ``ida``: E-Signet passes IDA's KYC token through: ``sub`` (the PSUT) and the consented
  claims only, no ``aud``/``iss``/``iat``/``exp``; IDA may give only ``name``; with several
  claims locales every text is ``claim#<lang>`` in two-letter codes (``name#en``).
  ``individual_id`` is the number the person signed in with. RS256, IDA's KYC key, which
  E-Signet lists in its JWKS.
- ``mock_identity``: the mock identity system (0.11 and later) adds ``iss`` and ``aud`` =
  client id; with several claims locales every value is ``claim#<lang>`` in MOSIP's
  three-letter codes (``name#eng``); ``individual_id`` as above. RS256 with a key
  published only at ``/v1/mock-identity-system/keys.json``.
- ``esignet``: a plugin answered plain JSON and E-Signet signed it with its own key
  (``OIDC_SERVICE``), PS256 as from 1.7.
- ``opencrvs_mock``: OpenCRVS's E-Signet mock: signed RS256 with the relying party's own
  key, no ``kid``, lower-case gender, ``iat``/``exp`` added; its token answer has no ID token.
"""

from __future__ import annotations

import time

from .base import JSON

MODES = ("ida", "mock_identity", "esignet", "opencrvs_mock")
LANGUAGES = ("eng", "khm")  # the mock identity system's claims locales
IDA_LANGUAGES = ("en", "km")  # the same two as IDA names them
OPENCRVS_MOCK_SUB = "405710304278395"  # the fixed sub of OpenCRVS's mock


def _slash_date(iso: str) -> str:
    return iso.replace("-", "/")  # E-Signet's yyyy/MM/dd


def _in_khmer(text: str) -> str:
    # A second locale whose values must never be picked for an "eng" installation.
    return "ខ្មែរ " + text


def claims_for(mode: str, person: JSON, sub: str, client_id: str, issuer: str) -> JSON:
    first, middle, family = person["firstName"], person["middleName"], person["familyName"]
    full = " ".join(p for p in (first, middle, family) if p)
    if mode == "ida":
        english, khmer = IDA_LANGUAGES
        return {
            "sub": sub,
            f"name#{english}": full,
            f"name#{khmer}": _in_khmer(full),
            f"gender#{english}": person["gender"].capitalize(),
            f"gender#{khmer}": _in_khmer(person["gender"].capitalize()),
            "birthdate": _slash_date(person["birthDate"]),
            "phone_number": "+260971234567",
            "individual_id": person["nid"],
        }
    if mode == "mock_identity":
        claims: JSON = {"sub": sub, "iss": issuer, "aud": client_id}
        for claim, value in (
            ("name", full),
            ("given_name", first),
            ("middle_name", middle),
            ("family_name", family),
            ("gender", person["gender"].capitalize()),
        ):
            claims[f"{claim}#eng"] = value
            claims[f"{claim}#khm"] = _in_khmer(value)
        claims["birthdate"] = _slash_date(person["birthDate"])
        claims["individual_id"] = person["nid"]
        return claims
    if mode == "esignet":
        return {
            "sub": sub,
            "name": full,
            "given_name": first,
            "middle_name": middle,
            "family_name": family,
            "gender": person["gender"].capitalize(),
            "birthdate": _slash_date(person["birthDate"]),
            "email": f"{first.lower()}@example.org",
            "address": {"locality": "Ibombo", "country": "Farajaland"},
        }
    if mode == "opencrvs_mock":
        now = int(time.time())
        return {
            "sub": OPENCRVS_MOCK_SUB,
            "name": f"{first} {family}",
            "given_name": first,
            "family_name": family,
            "middle_name": middle,
            "email": f"team+esignet+{first}@opencrvs.org",
            "email_verified": True,
            "gender": person["gender"],
            "birthdate": _slash_date(person["birthDate"]),
            "locale": "en-US",
            "updated_at": now * 1000,
            "iat": now,
            "exp": now + 3600,
        }
    raise ValueError(f"unknown mode {mode!r}; known: {MODES}")
