"""Where JSON-LD context documents come from when a credential proof is checked.

In order: documents given for this check (stored by an admin, or ``--contexts``), the
bundled copies of the W3C documents (``contexts/``), then a fetch, only for URLs the caller
allows (MOSIP's own ``mosip-context.json``). Nothing else ever reaches the network: a
context that JSON-LD cannot load would silently change what the signature covers.
"""

import json
from collections.abc import Callable, Collection, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver

CONTEXTS_DIR = Path(__file__).with_name("contexts")
BUNDLED = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/v2": "security-v2.jsonld",
    "https://w3id.org/security/v3": "security-v3-unstable.jsonld",
    "https://w3id.org/security/suites/jws-2020/v1": "jws-2020-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://www.w3.org/ns/odrl.jsonld": "odrl.jsonld",
}

Fetch = Callable[[str], dict[str, Any]]


class ContextUnavailable(ValueError):
    """A context the credential names cannot be loaded; ``retriable`` when only a
    network failure stood in the way."""

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


@cache
def bundled(url: str) -> dict[str, Any] | None:
    name = BUNDLED.get(url)
    return json.loads((CONTEXTS_DIR / name).read_text()) if name else None


class ContextLoader:
    """A pyld document loader over the sources above. One instance per set of sources:
    it also owns pyld's cache of processed contexts, which is what makes repeated
    checks cheap, so keep it for as long as its sources stay the same."""

    def __init__(
        self,
        documents: Mapping[str, dict[str, Any]] | None = None,
        fetch: Fetch | None = None,
        allowed: Callable[[str], bool] | Collection[str] = (),
    ) -> None:
        self.documents = dict(documents or {})
        self.fetch = fetch
        self._allowed = allowed if callable(allowed) else frozenset(allowed).__contains__
        self.resolver_cache: LRUCache = LRUCache(maxsize=100)
        self.loaded: dict[str, dict[str, Any]] = {}  # held, so the ids below stay theirs
        self.inline: dict[int, Any] = {}  # id of a dict inside a loaded document → resolved

    def document(self, url: str) -> dict[str, Any]:
        if url in self.loaded:
            return self.loaded[url]
        found = self.documents.get(url) or bundled(url)
        if found is None:
            if self.fetch is None or not self._allowed(url):
                raise ContextUnavailable(
                    f"the JSON-LD context {url} is not bundled, not stored and not allowlisted"
                )
            found = self.fetch(url)
        self.loaded[url] = found
        for inner in _dicts(found):
            self.inline.setdefault(id(inner), None)
        return found

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        # The shape pyld expects; "static" lets pyld cache the processed context by URL,
        # which is safe because the resolver cache below belongs to this loader only.
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": self.document(url),
            "tag": "static",
        }

    def resolver(self) -> ContextResolver:
        return _Resolver(self.resolver_cache, self)


def _dicts(value: Any):
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _dicts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _dicts(inner)


class _Resolver(ContextResolver):
    """pyld keys every inline context (such as a type-scoped one) by its RFC 8785 form,
    recomputed on each use: a third of the time per credential. A context that is part of a
    document this loader holds is the same object every time, so its resolution is kept."""

    def __init__(self, shared_cache: LRUCache, loader: ContextLoader) -> None:
        super().__init__(shared_cache, loader)
        self.loader = loader

    def resolve(self, active_ctx, context, base, cycles=None):
        inline = self.loader.inline
        if not isinstance(context, dict) or id(context) not in inline:
            return super().resolve(active_ctx, context, base, cycles)
        if inline[id(context)] is None:
            inline[id(context)] = super().resolve(active_ctx, context, base, cycles)
        return inline[id(context)]
