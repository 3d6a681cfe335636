"""Each performance trick on a record's way through the portal, pinned by what a caller
notices: a claim is one SQL statement, the HTTP session reads the environment once per
remote system, one process authenticates at MOSIP once for many deliveries, and the
credential callback reads only the columns it uses. The code says why each is there
(look for "tests/e2e/test_fast_paths.py"); the per-step query budgets are in
tests/e2e/test_query_budget.py, the proxy settings' correctness in
tests/clients/test_outbound.py."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.stand_ins import configure_for_stand_ins
from integration.clients import http
from integration.clients.http import RemoteError, raise_for_status, send
from integration.models import Status, Submission
from integration.services import delivery, lifecycle
from integration.services.credential import CALLBACK_FIELDS
from tests.fixtures import birth_request
from tests.support.record_walk import walk_one_record
from tests.support.scripted_server import Reply, ScriptedServer


def stored(number: str) -> Submission:
    return Submission.objects.create(
        event_type="birth", tracking_id=f"T{number}", certificate_number=number,
        raw_request=birth_request(number, f"T{number}"), token="header.payload.signature",
    )  # fmt: skip


# --- a claim: UPDATE ... RETURNING (lifecycle._update_returning) ---------------------------
def test_a_claim_is_one_statement_that_answers_the_whole_row(db, django_assert_num_queries):
    """Built on Django's UpdateQuery and its compiler: this fails on a Django release that
    changes them (Django is pinned to 5.2.x in pyproject.toml)."""
    submission = stored("2026B1")
    with django_assert_num_queries(1) as captured:
        claimed = lifecycle.claim(submission.pk, "claim_delivery")
    sql = captured.captured_queries[0]["sql"]
    assert sql.startswith("UPDATE") and " RETURNING " in sql
    assert claimed is not None and claimed.status == Status.SENDING
    assert claimed.claimed_at is not None and claimed.lease_expires_at is not None
    # The row as it now is, every column loaded: reading it costs no further query.
    with django_assert_num_queries(0):
        assert claimed.get_deferred_fields() == set()
        assert claimed.raw_request == submission.raw_request
    assert Submission.objects.get(pk=submission.pk).claimed_at == claimed.claimed_at

    with django_assert_num_queries(1):  # another process's claim: not due, nothing answered
        assert lifecycle.claim(submission.pk, "claim_delivery") is None


# --- the HTTP session's environment, read once per remote system (http._Session) -----------
def test_the_session_reads_the_environment_once_per_remote_system(monkeypatch):
    """A proxy set after a remote system was first called is not read for it again: the
    session did not scan the environment a second time. A remote system called for the
    first time reads it."""
    for name in ("http_proxy", "no_proxy", "all_proxy", "ALL_PROXY", "HTTP_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    http._forget_session()
    try:
        with ScriptedServer() as direct, ScriptedServer() as proxy:
            direct.replies["/y"] = Reply()
            proxy.replies["http://remote.invalid:81/x"] = Reply()
            raise_for_status(send("GET", f"{direct.url}/y", what="direct"), "direct")
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            raise_for_status(send("GET", f"{direct.url}/y", what="direct"), "direct")
            remote = send("GET", "http://remote.invalid:81/x", what="remote")
            raise_for_status(remote, "remote")
    except RemoteError as exc:
        pytest.fail(exc.message)
    finally:
        http._forget_session()
    assert direct.paths() == ["/y", "/y"]  # both calls direct: read once, before the proxy
    assert proxy.paths() == ["http://remote.invalid:81/x"]  # a new system: read then


# --- MOSIP tokens kept in each process (mosip._tokens_here) --------------------------------
def test_one_process_authenticates_at_mosip_once_for_many_deliveries(
    configured, mosip, django_capture_on_commit_callbacks
):
    """Even with the shared cache emptied before each delivery (Redis restarted, or the
    entry evicted): the process still holds the token it was given."""
    records = [stored(f"2026B{n}") for n in range(1, 4)]
    for submission in records:
        cache.clear()
        with django_capture_on_commit_callbacks(execute=False):
            delivery.deliver(submission.pk)
        submission.refresh_from_db()
        assert submission.status == Status.AWAITING_CREDENTIAL, submission.last_error
    assert len(mosip.packets) == 3
    assert mosip.auth_calls == 1


# --- the credential callback's look-up, limited to its columns (credential._find) ----------
@pytest.fixture
def stack(transactional_db, mosip, opencrvs, settings, portal_settings):
    portal_settings.CONFIG_CACHE = True  # settings rows kept per process, as with Redis
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")
    return mosip, opencrvs


def test_the_credential_callback_reads_only_the_columns_it_uses(client, stack):
    mosip, opencrvs = stack
    seen: dict[str, list[str]] = {}

    def step(name, action):
        with CaptureQueriesContext(connection) as queries:
            result = action()
        seen[name] = [q["sql"] for q in queries.captured_queries]
        return result

    walk_one_record(client, mosip, opencrvs, "2026B00000001", step)
    table = connection.ops.quote_name(Submission._meta.db_table)
    reads = [
        sql for sql in seen["credential callback"]
        if sql.startswith("SELECT") and f"FROM {table}" in sql
    ]  # fmt: skip
    assert len(reads) == 1, reads  # the look-up, and no deferred column loaded after it
    columns = re.findall(rf'{re.escape(table)}\."(\w+)"', reads[0].split(" FROM ")[0])
    assert set(columns) == {"id", *CALLBACK_FIELDS}
