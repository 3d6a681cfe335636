"""/healthz knows whether a worker is really taking work, from the heartbeat each worker
writes; and a real worker survives its Redis broker restarting under it."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from demo.stand_ins import configure_for_stand_ins
from integration.models import Status, Submission, WorkerHeartbeat
from tests.fixtures import birth_request


def reasons(client) -> list[str]:
    return client.get("/healthz").json()["reasons"]


def test_no_worker_ever_is_reported(client, db):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["workers"]["alive"] == 0
    assert any("no worker has ever reported" in reason for reason in body["reasons"])


def test_a_silent_worker_is_reported_and_a_live_one_is_not(client, db, portal_settings):
    portal_settings.WORKER_SILENT_SECONDS = 60
    WorkerHeartbeat.objects.create(hostname="w1", seen_at=timezone.now() - timedelta(minutes=5))
    assert any("no worker has reported for 5 min" in r for r in reasons(client))

    WorkerHeartbeat.objects.create(hostname="w2", seen_at=timezone.now())
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["workers"]["alive"] == 1


def _database_url() -> str:
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def worker_log(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


def _last_beat():
    return WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()


@pytest.mark.e2e
def test_a_real_worker_survives_redis_restarts_and_goes_silent_when_killed(
    client,
    transactional_db,
    own_redis,
    mosip,
    opencrvs,
    settings,
    portal_settings,
    tmp_path,
):
    """The reported failure: kombu `AttributeError ... 'hostname'` after a Redis restart
    with unacknowledged messages, and the worker stopped. Here three restarts, each
    with a delivery in flight, and the worker must still take new work afterwards."""
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")
    mosip.controls.latency_seconds = 1.5  # each delivery is in flight for a while
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": own_redis.url(0),
        "CACHE_URL": "locmemcache://",
        "PORTAL_WORKER_HEARTBEAT_SECONDS": "0.5",
        "PORTAL_VAR_DIR": str(django_settings.VAR_DIR),
    }
    log = (tmp_path / "worker.log").open("w+b")  # a file: a full pipe would stall it
    worker = subprocess.Popen(  # noqa: S603 - this repository's worker
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork",
         "--concurrency=1", "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    sender = Celery(set_as_current=False)  # the portal's app stays the current one
    try:
        _wait(lambda: _last_beat() is not None, 60, "the worker's first heartbeat")

        def deliver(number: str) -> Submission:
            submission = Submission.objects.create(
                event_type="birth", tracking_id=number, certificate_number=number,
                raw_request=birth_request(number, number), token=opencrvs.mint_token(),
            )  # fmt: skip
            # Explicitly to our Redis: CELERY_BROKER_URL in the environment would win.
            with sender.connection_for_write(own_redis.url(0)) as broker:
                sender.send_task("integration.deliver", args=[submission.pk], connection=broker)
            return submission

        for n in range(3):
            in_flight = deliver(f"2026R{n}")
            _wait(lambda s=in_flight: Submission.objects.get(pk=s.pk).status != Status.RECEIVED,
                  30, "the delivery to start")  # fmt: skip
            own_redis.stop()  # mid-delivery: its message is unacknowledged
            time.sleep(1.0)
            own_redis.start()
            restarted = timezone.now()
            _wait(lambda t=restarted: _last_beat() > t, 60, "a heartbeat after the restart")
            assert worker.poll() is None, worker_log(log)

        after = deliver("2026R-after")
        _wait(lambda: Submission.objects.get(pk=after.pk).status != Status.RECEIVED, 60,
              "the worker to take new work after three restarts")  # fmt: skip
        assert client.get("/healthz").json()["workers"]["alive"] >= 1
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- the worker's log ---\n{worker_log(log)}") from None
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert "AttributeError" not in worker_log(log), worker_log(log)

    portal_settings.WORKER_SILENT_SECONDS = 1
    time.sleep(1.5)
    assert any("no worker has reported for" in r for r in reasons(client))
