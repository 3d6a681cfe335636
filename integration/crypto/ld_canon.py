"""URDNA2015 canonical N-Quads of a JSON-LD document, with pyld.

pyld processes a type-scoped context (such as the one ``VerifiableCredential`` carries in
the credentials v1 context) against a fresh copy of the active context on every call, so
its cache of processed contexts never hits and each check re-processes the same terms
(about 60 % of the time per credential). ``_Processor`` hands pyld the same copy for the
same active context, which lets that cache work; the output is unchanged
(tests/crypto/test_ld_proof.py compares it with plain pyld).

``_process_context`` and ``_clone_active_context`` are pyld's private methods: a release
may rename them, change their parameters or stop copying the context this way, and the
override would then break canonicalization or quietly stop caching. So pyld is pinned
exactly in pyproject.toml, and tests/crypto/test_ld_canon_pin.py fails on a release that changes
what the override relies on; re-read this class before raising the pin.
"""

import threading
import uuid
from typing import Any

from cachetools import LRUCache
from pyld import jsonld

from .ld_contexts import ContextLoader, ContextUnavailable


class CanonicalizationError(ValueError):
    """The document is not JSON-LD that can be canonicalized."""


class _Processor(jsonld.JsonLdProcessor):
    _children: LRUCache = LRUCache(maxsize=512)
    _lock = threading.Lock()

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        first = jsonld.JsonLdProcessor.arrayify(local_ctx)[:1]
        # Only the case pyld would copy itself: a non-propagating inline context on an
        # active context without a previous one (active contexts are frozen, and their
        # _uuid names their content, so one child per parent _uuid is exact).
        if (
            not propagate
            and not active_ctx.get("previousContext")
            and "_uuid" in active_ctx
            and first
            and isinstance(first[0], dict)
            and "@propagate" not in first[0]
        ):
            with self._lock:
                child = self._children.get(active_ctx["_uuid"])
                if child is None:
                    child = self._clone_active_context(active_ctx)
                    child["previousContext"] = active_ctx
                    child["_uuid"] = str(uuid.uuid4())
                    self._children[active_ctx["_uuid"]] = child
            active_ctx = child
        return super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )


def _options(loader: ContextLoader) -> dict[str, Any]:
    return {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,  # MOSIP's signers have no base IRI: relative IRIs are dropped
        "documentLoader": loader,
        "contextResolver": loader.resolver(),
    }


def _unavailable(exc: BaseException) -> ContextUnavailable | None:
    while exc is not None:
        if isinstance(exc, ContextUnavailable):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _run(operation, *args) -> Any:
    try:
        return operation(*args)
    except jsonld.JsonLdError as exc:
        if (cause := _unavailable(exc)) is not None:
            raise cause from exc
        raise CanonicalizationError(f"not valid JSON-LD: {exc.args[0]}") from exc


def canonical_nquads(document: dict[str, Any], loader: ContextLoader) -> str:
    """The URDNA2015 canonical N-Quads of ``document`` (terms its contexts do not define
    are dropped, exactly as MOSIP's signers drop them)."""
    return _run(_Processor().normalize, document, _options(loader))


def expand(document: dict[str, Any], loader: ContextLoader) -> list[dict[str, Any]]:
    return _run(_Processor().expand, document, _options(loader))


def compact(expanded: Any, context: Any, loader: ContextLoader) -> dict[str, Any]:
    return _run(_Processor().compact, expanded, {"@context": context}, _options(loader))
