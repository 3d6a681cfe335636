"""Fenced remote calls with real processes and a silent network.

Two worker "hosts" are separate processes, each reaching PostgreSQL and Redis through
its own proxy that can go silent (bytes held, sockets open: a partition, not a reset).
MOSIP's stand-in takes 2 s a call. Counted at the stand-in, per registration id: a host
that hung past its lease makes no remote call when it comes back, and a host whose
renewals hang stops before its next call even if nobody took the record meanwhile.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from demo.stand_ins import configure_for_stand_ins
from integration.models import Status, Submission
from integration.models.submission import Step
from mocks.base import Controls, read_json
from mocks.mosip import MosipStandIn
from tests.fixtures import birth_request
from tests.support.silent_proxy import SilentProxy

REDIS_PORT = 6379
LEASE = 6.0
on_postgresql_and_redis = pytest.mark.skipif(
    connection.vendor != "postgresql"
    or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
    reason="a real PostgreSQL and Redis behind a silent network",
)
pytestmark = on_postgresql_and_redis


class CountingMosip(MosipStandIn):
    """MOSIP's stand-in counting createPacket calls per registration id, and calling
    `on_first_auth` once, when the first auth call arrives (before it is answered)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.packet_calls: Counter[str] = Counter()
        self.on_first_auth = None

    def on_create_packet(self, request):  # noqa: ANN001, ANN201
        body = read_json(request)
        self.packet_calls[str(body["request"]["id"])] += 1
        return super().on_create_packet(request)

    def on_auth(self, request):  # noqa: ANN001, ANN201
        hook, self.on_first_auth = self.on_first_auth, None
        if hook is not None:
            hook()
        return super().on_auth(request)


@pytest.fixture
def slow_mosip():
    server = CountingMosip(controls=Controls(latency_seconds=2.0), credential_delay_seconds=0.1)
    server.start()
    yield server
    server.stop()


class Host:
    """One worker host: its own process for each job, its own proxies to the database
    and Redis."""

    def __init__(self, name: str, tmp_path: Path) -> None:
        db = connection.settings_dict
        self.name = name
        self.db = SilentProxy(int(db["PORT"] or 5432), db["HOST"] or "127.0.0.1")
        self.redis = SilentProxy(REDIS_PORT)
        self.log_path = tmp_path / f"{name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{self.db.port}/{db['NAME']}",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis.port}/15",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis.port}/14",
            "PORTAL_VAR_DIR": str(settings.VAR_DIR),
            "PORTAL_LEASE_SECONDS": str(LEASE),
            "PORTAL_LEASE_MARGIN_SECONDS": "1.5",
            "PORTAL_LOG_LEVEL": "INFO",
        }

    def __enter__(self) -> "Host":
        self.db.__enter__()
        self.redis.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.__exit__()
        self.redis.__exit__()

    def hold(self) -> None:
        self.db.hold()
        self.redis.hold()

    def release(self) -> None:
        self.db.release()
        self.redis.release()

    def run(self, code: str) -> subprocess.Popen:
        log = self.log_path.open("ab")
        script = f"import django; django.setup()\n{code}"
        # This repository's own code in a fresh interpreter, no shell.
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def deliver(pk: int) -> str:
    return f"from integration.services.delivery import deliver; deliver({pk})"


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def received_record(client, opencrvs, number: str) -> Submission:
    token = opencrvs.mint_token(event_id=number)
    reply = client.post(
        "/events/registration",
        data=birth_request(number, tracking_id=number),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert reply.status_code == 202, reply.content
    return Submission.objects.get(certificate_number=number)


def finish(process: subprocess.Popen, host: Host, timeout: float = 60) -> None:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"{host.name} did not finish:\n{host.log()[-3000:]}") from None


def test_a_host_back_after_its_lease_ran_out_makes_no_remote_call(
    transactional_db, client, slow_mosip, opencrvs, served_portal, tmp_path
):
    from integration.services.websub import subscribe

    configure_for_stand_ins(slow_mosip.url, opencrvs.url, served_portal)
    subscribe()
    assert slow_mosip.wait_for_subscription(timeout=20)
    submission = received_record(client, opencrvs, "2026FENCE1")

    with Host("host1", tmp_path) as host1, Host("host2", tmp_path) as host2:
        # Host 1's database and Redis go silent while MOSIP answers its first call.
        slow_mosip.on_first_auth = host1.hold
        zombie = host1.run(deliver(submission.pk))
        wait_until(lambda: slow_mosip.on_first_auth is None, 30, "host 1 to call MOSIP")
        wait_until(
            lambda: Submission.objects.get(pk=submission.pk).lease_expires_at < timezone.now(),
            30,
            "host 1's lease to run out",
        )
        assert zombie.poll() is None, "host 1 should hang on its silent database"

        # Host 2 frees the record, delivers it, and confirms it once the credential came.
        finish(host2.run(f"from integration.services.sweep import sweep; sweep()\n"
                         f"{deliver(submission.pk)}"), host2)  # fmt: skip
        wait_until(
            lambda: Submission.objects.get(pk=submission.pk).status == Status.CREDENTIAL_RECEIVED,
            30,
            "the credential",
        )
        finish(host2.run(
            f"from integration.services.confirmation import confirm; confirm({submission.pk})"
        ), host2)  # fmt: skip
        submission.refresh_from_db()
        assert submission.status == Status.CONFIRMED, (submission.last_error, host2.log()[-3000:])

        # Host 1 comes back: it finds the record taken and sends nothing.
        host1.release()
        finish(zombie, host1)

    rid = submission.transaction_id
    assert slow_mosip.packet_calls[rid] == 1, host1.log()[-3000:]
    assert len(slow_mosip.workflows[rid]) == 1, host1.log()[-3000:]
    assert len(opencrvs.accepted) == 1
    # It stopped for the lease, whichever it met first on its way back: the record taken
    # by host 2, or its own broken session failing the renewal.
    stopped = host1.log()
    assert "another worker holds" in stopped or "could not be renewed" in stopped, stopped
    submission.refresh_from_db()
    assert submission.status == Status.CONFIRMED


def test_a_renewal_that_hangs_stops_the_work_even_if_nobody_took_the_record(
    transactional_db, client, slow_mosip, opencrvs, tmp_path
):
    configure_for_stand_ins(slow_mosip.url, opencrvs.url, "http://127.0.0.1:1")
    submission = received_record(client, opencrvs, "2026FENCE2")

    with Host("host1", tmp_path) as host1:
        slow_mosip.on_first_auth = host1.db.hold  # only the database goes silent
        worker = host1.run(deliver(submission.pk))
        wait_until(lambda: slow_mosip.on_first_auth is None, 30, "host 1 to call MOSIP")
        time.sleep(LEASE + 1)  # every renewal hangs meanwhile; no one takes the record
        host1.db.release()
        finish(worker, host1)

    assert slow_mosip.packet_calls == Counter(), host1.log()[-3000:]
    assert slow_mosip.workflows == {}
    assert "could not be renewed" in host1.log()
    submission.refresh_from_db()
    # Still held by the stopped worker until its lease runs out; then the sweep frees it.
    assert submission.status == Status.SENDING, (submission.last_error, host1.log()[-3000:])
    assert not submission.attempts.filter(step=Step.CREATE_PACKET).exists()


def test_database_and_redis_sockets_give_up_on_a_silent_network(db):
    from django.core.cache import cache

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1min"
    parameters = connection.connection.info.get_parameters()
    assert parameters["keepalives"] == "1" and parameters["keepalives_idle"] == "10"
    assert parameters["tcp_user_timeout"] == "15000"
    redis_socket = cache._cache.get_client().connection_pool.connection_kwargs
    assert redis_socket["socket_timeout"] == 5.0 and redis_socket["socket_keepalive"] is True
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] == 5.0
