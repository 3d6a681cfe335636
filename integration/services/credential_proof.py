"""Check a credential's proof as the callback does: allowlisted verification method, its
key, the proof suite, and the claims the signature covers.

The trust roots are the MOSIP settings (allowlists), the documents an admin stored
(``TrustedDocument``) and, for ``manage.py verify_credential``, documents given on the
command line. Everything else is fetched only from allowlisted URLs, and cached.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

from cachetools import TTLCache

from integration import config_cache
from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.crypto.ld_contexts import ContextLoader, ContextUnavailable
from integration.crypto.ld_keys import (
    LdKeyError,
    PublicKey,
    document_url,
    key_for_method,
    key_from_did,
    method_ids,
)
from integration.crypto.ld_proof import verify_ld_proof
from integration.crypto.vc_proof import ProofError, verification_method, verify_jcs_proof
from integration.models import MosipSettings, TrustedDocument, TrustedDocumentKind
from integration.reasons import Reason

TRUSTED_DOCUMENTS = "trusted-documents"


def _trusted_documents() -> list[TrustedDocument]:
    return list(TrustedDocument.objects.all())


class ProofUnavailable(Exception):
    """The proof cannot be checked now (a document out of reach): try again later.
    Raised with a Reason (integration/reason_codes.py); str() is its English text."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        super().__init__(str(reason))


@dataclass
class Trust:
    """What one check may rely on."""

    allowlist: frozenset[str]
    context_allowlist: frozenset[str] = frozenset()
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # method id → document
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)  # context URL → doc
    jcs: bool = False

    def add_key_document(self, document: dict[str, Any], url: str = "") -> list[str]:
        """Trust every verification method ``document`` defines (and ``url`` itself)."""
        ids = method_ids(document) or ([url] if url else [])
        for method in ids:
            self.keys[method] = document
        return ids

    def method_allowed(self, method: str) -> bool:
        return (
            method in self.allowlist
            or urldefrag(method).url in self.allowlist
            or method in self.keys
        )

    def context_allowed(self, url: str) -> bool:
        if url in self.context_allowlist:
            return True
        origin = _origin(url)
        trusted = (*self.allowlist, *self.keys)
        return bool(origin) and any(_origin(m) == origin for m in trusted)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def trust_from_settings(config: MosipSettings) -> Trust:
    trust = Trust(
        allowlist=frozenset(config.verification_method_allowlist or []),
        context_allowlist=frozenset(config.context_url_allowlist or []),
        jcs=config.jcs_proofs,
    )
    for stored in config_cache.cached(TRUSTED_DOCUMENTS, _trusted_documents):
        if stored.kind == TrustedDocumentKind.CONTEXT:
            trust.contexts[stored.url] = stored.document
        else:
            trust.add_key_document(stored.document, stored.url)
    return trust


# A loader keeps pyld's processed contexts, which is what makes a check cheap: one per
# distinct set of context sources, kept across credentials in this process for as long as
# a fetched context is cached (an hour), so that a context MOSIP changes is read again.
_loaders: TTLCache = TTLCache(maxsize=8, ttl=3600)


def _loader(trust: Trust, client: MosipClient) -> ContextLoader:
    fingerprint = hashlib.sha256(
        json.dumps(
            [
                trust.contexts,
                sorted(trust.context_allowlist),
                sorted(trust.allowlist),
                sorted(trust.keys),
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    loader = _loaders.get(fingerprint)
    if loader is None:

        def fetch(url: str) -> dict[str, Any]:
            try:
                return client.fetch_document(url, "JSON-LD context")
            except RemoteError as exc:
                raise ContextUnavailable(str(exc), retriable=exc.retriable) from exc

        loader = ContextLoader(trust.contexts, fetch, trust.context_allowed)
        _loaders[fingerprint] = loader
    return loader


def _key(method: str, trust: Trust, client: MosipClient) -> PublicKey:
    try:
        if (key := key_from_did(method)) is not None:
            return key
        document = trust.keys.get(method)
        if document is None:
            document = client.fetch_document(document_url(method), "verification-method document")
        return key_for_method(method, document)
    except LdKeyError as exc:
        raise ProofError(str(exc)) from exc
    except RemoteError as exc:
        # Out of reach or answering 4xx alike: the allowlisted key document is our
        # set-up's side, so the credential is kept and MOSIP asked to send it again.
        # The call's reason (a Reason, with MOSIP's words apart) is shown translated.
        raise ProofUnavailable(Reason("proof_key_unreachable", error=exc.reason)) from exc


def check_proof(
    credential: dict[str, Any], trust: Trust, client: MosipClient | None = None
) -> dict[str, Any]:
    """Raise ProofError (refuse) or ProofUnavailable (try later) unless the credential's
    proof verifies; return the credential as its signature covers it."""
    client = client or MosipClient()
    method = verification_method(credential)
    if not trust.method_allowed(method):
        raise ProofError(f"verification method {method} is not on the allowlist")
    key = _key(method, trust, client)
    if trust.jcs:  # JCS signs the whole JSON: every claim is covered
        verify_jcs_proof(credential, key)
        return {k: v for k, v in credential.items() if k != "proof"}
    try:
        return verify_ld_proof(credential, key, _loader(trust, client)).claims
    except ContextUnavailable as exc:
        if exc.retriable:
            raise ProofUnavailable(Reason("proof_context_unreachable", error=str(exc))) from exc
        raise ProofError(str(exc)) from exc
