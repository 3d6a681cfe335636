"""pyld's private surface that integration/crypto leans on, pinned.

pyld is pinned exactly in pyproject.toml because ``ld_canon._Processor`` overrides its
private ``JsonLdProcessor._process_context`` (and calls ``_clone_active_context``), and
``ld_proof`` uses its private ``_is_absolute_iri``. A release may change any of these
without notice; these tests fail on such a release, so raising the pin is a decision
taken with the override re-read, not a lock-file refresh that silently breaks (or
silently disables) the cache. Output equality with plain pyld is checked in
tests/crypto/test_ld_proof.py.
"""

import inspect

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from integration.crypto import ld_canon
from integration.crypto.ld_canon import canonical_nquads
from integration.crypto.ld_contexts import ContextLoader
from mocks import mosip_issuer

BASE = "https://mosip.example"


def parameters(function) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_override_takes_exactly_what_pyld_passes():
    # pyld calls _process_context positionally and by keyword from several places: the
    # override must accept the same names, order and defaults, and forward them all.
    assert parameters(ld_canon._Processor._process_context) == parameters(
        jsonld.JsonLdProcessor._process_context
    )


def test_pyld_still_copies_the_active_context_where_the_override_does_it_once():
    # The override hands pyld, for a non-propagating context, the child pyld would make
    # itself: the same clone with previousContext set, and a _uuid naming it. If pyld no
    # longer does this (or clones another way), the override's shortcut is wrong.
    source = inspect.getsource(jsonld.JsonLdProcessor._process_context)
    assert "if not propagate and not rval.get('previousContext'):" in source
    assert "rval = self._clone_active_context(rval)" in source
    assert "rval['previousContext'] = active_ctx" in source
    assert "'_uuid'" in source
    assert parameters(jsonld.JsonLdProcessor._clone_active_context)[1:] == [
        ("active_ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty)
    ]
    assert callable(jsonld.JsonLdProcessor.arrayify)


def test_the_private_helpers_and_the_resolver_keep_their_shape():
    assert jsonld._is_absolute_iri("did:example:1#key") and not jsonld._is_absolute_iri("#key")
    # ld_contexts._Resolver subclasses the resolver and overrides resolve().
    assert [name for name, *_ in parameters(ContextResolver.__init__)][:3] == [
        "self",
        "shared_cache",
        "document_loader",
    ]
    assert [name for name, *_ in parameters(ContextResolver.resolve)] == [
        "self",
        "active_ctx",
        "context",
        "base",
        "cycles",
    ]


def test_the_override_is_still_reached_and_reuses_its_child_context():
    # A credential's type-scoped context is the case the override serves; if pyld stopped
    # calling _process_context through the instance, the cache would stay empty.
    subject = mosip_issuer.credential_subject(
        "100016232770034", "CRVS_NEW", {"birthCertificateNumber": "2026B1"}, "2555480504"
    )
    credential = mosip_issuer.unsigned_credential(BASE, subject)
    context_url = f"{BASE}/.well-known/mosip-context.json"
    loader = ContextLoader({context_url: mosip_issuer.mosip_context(BASE, defines_vid=True)})
    ld_canon._Processor._children.clear()

    first = canonical_nquads(credential, loader)
    children = dict(ld_canon._Processor._children)
    assert children  # the override made (and kept) a child context
    assert canonical_nquads(credential, loader) == first
    assert dict(ld_canon._Processor._children) == children  # the second run reused it
