"""Our own PostgreSQL refusing work (read-only after a failover or by
`default_transaction_read_only`, in recovery, disk full, out of connections, shutting
down): callers get 503 with Retry-After, never 500; the worker retries without using an
attempt; /healthz names the database; and once the database is writable again the
portal takes records again within seconds, not after its pooled sessions expire."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, OperationalError
from django.test import Client

from demo.stand_ins import configure_for_stand_ins
from integration.models import Submission
from integration.models.submission import FailureKind
from integration.outages import outage_of
from integration.services.failures import classify
from tests.fixtures import birth_request

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real PostgreSQL turned read-only"
)


def django_error(django_class: type[Exception], psycopg_class: type[Exception]) -> Exception:
    """As Django raises it: its own class, psycopg's error as the cause."""
    try:
        try:
            raise psycopg_class("refused")
        except psycopg_class as cause:
            raise django_class("refused") from cause
    except django_class as exc:
        return exc


@pytest.mark.parametrize(
    ("django_class", "psycopg_class"),
    [
        (InternalError, psycopg.errors.ReadOnlySqlTransaction),  # 25006
        (OperationalError, psycopg.errors.CannotConnectNow),  # 57P03, in recovery
        (OperationalError, psycopg.errors.DiskFull),  # 53100
        (OperationalError, psycopg.errors.TooManyConnections),  # 53300
        (OperationalError, psycopg.errors.AdminShutdown),  # 57P01
    ],
)
def test_each_refusal_is_our_database_out_and_costs_no_attempt(django_class, psycopg_class):
    exc = django_error(django_class, psycopg_class)
    assert outage_of(exc) == "database"
    failure = classify(exc)
    assert failure.kind is FailureKind.INFRASTRUCTURE and not failure.counts_as_attempt


def test_a_real_bug_in_sql_is_not_an_outage():
    assert outage_of(django_error(InternalError, psycopg.errors.InFailedSqlTransaction)) is None


# --- A real PostgreSQL -----------------------------------------------------------------


def admin_sql(statement: str, params: tuple = (), dbname: str = "postgres", user: str = "") -> None:
    """As the operator would, from another session."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=user or db["USER"], dbname=dbname, autocommit=True
    ) as admin:
        admin.execute(statement, params)


def set_read_only(on: bool, *, spare_pid: int) -> None:
    name = connection.settings_dict["NAME"]
    value = "on" if on else "off"
    admin_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}')
    if on:
        # As a failover or a restart does: every open session ends (but the test's own).
        admin_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            (name, spare_pid),
        )


@on_postgresql
def test_a_session_that_ran_out_of_a_resource_is_not_pooled_again(transactional_db):
    """Class 53 (disk full, out of memory, a resource limit): here a real one, the
    session's temporary files over their limit (53400)."""
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64kB'")
        cursor.execute("SET temp_file_limit = 0")
        with pytest.raises(OperationalError) as raised:
            cursor.execute(
                "SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g "
                "ORDER BY random()) s"
            )
    assert outage_of(raised.value) == "database"
    assert connection.close_at == 0.0  # closed at the end of the task, not pooled again
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    assert Submission.objects.count() == 0  # a fresh session works


@on_postgresql
def test_a_task_writing_to_a_read_only_database_retires_its_connection(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")  # this session only
    with pytest.raises(InternalError) as raised, transaction.atomic():
        Submission.objects.create(certificate_number="RO1", event_type="birth", raw_request={})
    assert classify(raised.value).kind is FailureKind.INFRASTRUCTURE
    # Closed at the end of the task or request, not pooled again.
    assert connection.close_at == 0.0
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None
    # A fresh session, writable.
    Submission.objects.create(certificate_number="RO2", event_type="birth", raw_request={})


@on_postgresql
def test_intake_answers_503_while_read_only_and_202_within_seconds_after(
    transactional_db, mosip, opencrvs, served_portal
):
    import requests

    configure_for_stand_ins(mosip.url, opencrvs.url, served_portal)

    def register(number: str) -> requests.Response:
        return requests.post(
            f"{served_portal}/events/registration",
            json=birth_request(number, tracking_id=number),
            headers={"Authorization": f"Bearer {opencrvs.mint_token(event_id=number)}"},
            timeout=15,
        )

    assert register("2026RO0").status_code == 202
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    answers = []
    try:
        set_read_only(True, spare_pid=own_pid)
        # Several at once, so that gunicorn's threads each pool a read-only session.
        with ThreadPoolExecutor(6) as pool:
            refused = list(pool.map(register, [f"2026RO{n}" for n in range(1, 13)]))
        answers += [r.status_code for r in refused]
        assert {r.status_code for r in refused} == {503}, [r.text for r in refused]
        assert all(int(r.headers["Retry-After"]) > 0 for r in refused)
        assert "database" in refused[0].json()["detail"]

        health = requests.get(f"{served_portal}/healthz", timeout=15)
        assert health.status_code == 503
        body = health.json()
        assert body["checks"]["database"] == "error: read-only"
        assert any("database" in reason for reason in body["reasons"])
        assert not any("worker" in reason for reason in body["reasons"])
    finally:
        # Writable again, as after a failover completes; nothing restarts the portal.
        set_read_only(False, spare_pid=own_pid)
    writable_at = time.monotonic()
    while True:
        answer = register("2026RO1")
        answers.append(answer.status_code)
        if answer.status_code == 202:
            break
        assert time.monotonic() - writable_at < 10, f"still {answer.status_code} after 10 s"
        time.sleep(0.2)
    with ThreadPoolExecutor(6) as pool:
        again = [r.status_code for r in pool.map(register, [f"2026RW{n}" for n in range(12)])]
    answers += again
    assert set(again) == {202}
    assert 500 not in answers
    assert requests.get(f"{served_portal}/healthz", timeout=15).json()["checks"]["database"] == "ok"
    assert Submission.objects.filter(certificate_number__startswith="2026R").count() == 14
    # The test's own process lost its pooled sessions to the termination too: start the
    # next test on a fresh pool.
    connection.close()
    connection.close_pool()


@on_postgresql
def test_a_task_that_cannot_claim_on_a_read_only_database_logs_one_warning(
    transactional_db, caplog
):
    from integration import tasks

    record = Submission.objects.create(certificate_number="RO3", event_type="birth", raw_request={})
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")  # this session only
    with caplog.at_level("WARNING"):
        assert tasks.deliver.run(record.pk) is None  # no exception reaches Celery
    warnings = [r for r in caplog.records if r.name == "integration.tasks"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "database" in warnings[0].getMessage() and warnings[0].exc_info is None
    connection.close_if_unusable_or_obsolete()
    record.refresh_from_db()
    assert record.status == "received"  # still due: the sweep queues it again


# --- Out of connections ----------------------------------------------------------------


def post_registration(number: str, opencrvs) -> tuple[int, dict, dict, float]:
    """Intake as OpenCRVS sees it (no exception re-raised into the test): status, headers,
    body, seconds taken."""
    started = time.monotonic()
    response = Client(raise_request_exception=False).post(
        "/events/registration",
        birth_request(number, tracking_id=number),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {opencrvs.mint_token(event_id=number)}",
    )
    return response.status_code, response.headers, response.json(), time.monotonic() - started


def fresh_connections() -> None:
    """The next query opens a new connection (and, with psycopg's pool, a new pool) from
    the settings as they are now."""
    connection.close()
    if "pool" in connection.settings_dict.get("OPTIONS", {}):
        connection.close_pool()


@on_postgresql
def test_a_role_at_its_connection_limit_is_503_then_202_once_lifted(
    transactional_db, configured, opencrvs
):
    # PostgreSQL refuses a connection past the role's CONNECTION LIMIT with 53300
    # (too_many_connections), as it does past max_connections.
    db = connection.settings_dict
    role = f"{db['NAME']}_limited"
    admin_sql(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    admin_sql(
        f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"; '
        f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        dbname=db["NAME"],
    )
    owner = db["USER"]
    try:
        db["USER"] = role
        fresh_connections()
        status, headers, body, took = post_registration("2026TM1", opencrvs)
        assert status == 503, body
        assert int(headers["Retry-After"]) > 0 and "database" in body["detail"]
        assert took < 10  # the pool's timeout, not a hang
        health = Client(raise_request_exception=False).get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["database"].startswith("error")
        assert any("database" in reason for reason in health.json()["reasons"])

        admin_sql(f'ALTER ROLE "{role}" CONNECTION LIMIT -1', user=owner)
        lifted_at = time.monotonic()
        while (status := post_registration("2026TM1", opencrvs)[0]) != 202:
            assert status == 503 and time.monotonic() - lifted_at < 10, status
            time.sleep(0.2)
    finally:
        db["USER"] = owner
        fresh_connections()
        admin_sql(f'DROP OWNED BY "{role}"', dbname=db["NAME"])
        admin_sql(f'DROP ROLE "{role}"')
    assert Submission.objects.filter(certificate_number="2026TM1").count() == 1


@on_postgresql
@pytest.mark.skipif(
    "pool" not in connection.settings_dict.get("OPTIONS", {}), reason="psycopg's pool is off"
)
def test_a_request_that_cannot_get_a_pooled_connection_is_503_within_the_pool_timeout(
    transactional_db, configured, opencrvs
):
    # Every connection this process may open is taken (DATABASE_POOL_MAX_SIZE, 40 by
    # default: here 2): the next request waits DATABASE_POOL_TIMEOUT (3 s by default),
    # then hears 503, as OpenCRVS and MOSIP's hub must, well inside their own timeouts.
    pool = connection.settings_dict["OPTIONS"]["pool"]
    assert pool["timeout"] <= 5
    shipped = dict(pool)
    borrowed, give_back = threading.Barrier(3), threading.Event()

    def hold_a_connection() -> None:
        connection.ensure_connection()  # this thread's own, from the shared pool
        borrowed.wait()
        give_back.wait(30)
        connection.close()  # back to the pool

    holders = [threading.Thread(target=hold_a_connection) for _ in range(2)]
    try:
        pool.update(min_size=1, max_size=2, timeout=0.5)
        fresh_connections()
        for holder in holders:
            holder.start()
        borrowed.wait(10)
        status, headers, body, took = post_registration("2026PX1", opencrvs)
        assert status == 503, body
        assert int(headers["Retry-After"]) > 0 and "database" in body["detail"]
        assert took < 3
        give_back.set()
        for holder in holders:
            holder.join(10)
        assert post_registration("2026PX1", opencrvs)[0] == 202
    finally:
        give_back.set()
        pool.clear()
        pool.update(shipped)
        fresh_connections()
    assert Submission.objects.filter(certificate_number="2026PX1").count() == 1
