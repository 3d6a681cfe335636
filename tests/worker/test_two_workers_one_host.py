"""Two workers started on one host the way the README starts them (`bin/portal worker`,
no `-n`) share Celery's default node name, celery@<host>; /healthz must still count two
workers, not one."""

import os
import signal
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from integration.models import WorkerHeartbeat


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_two_workers_on_one_host_without_names_are_two_workers(client, transactional_db, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "PORTAL_WORKER_HEARTBEAT_SECONDS": "0.5",
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    entrypoint = str(Path(settings.BASE_DIR) / "bin" / "portal")
    logs, workers = [], []
    try:
        for n in range(2):
            log = (tmp_path / f"worker{n}.log").open("w+b")
            logs.append(log)
            # This repository's entrypoint, fixed arguments, no shell.
            workers.append(
                subprocess.Popen(  # noqa: S603
                    [entrypoint, "worker", "--pool=solo", "--without-mingle", "--without-gossip"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 90
        while WorkerHeartbeat.objects.count() < 2:
            for worker, log in zip(workers, logs, strict=True):
                log.seek(0)
                assert worker.poll() is None, log.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the two workers did not both report"
            time.sleep(0.3)

        beats = list(WorkerHeartbeat.objects.values_list("hostname", "pid"))
        assert len({name for name, _pid in beats}) == 1  # the same default name...
        assert {pid for _name, pid in beats} == {w.pid for w in workers}  # ...two processes
        assert client.get("/healthz").json()["workers"]["alive"] == 2
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for log in logs:
            log.close()
