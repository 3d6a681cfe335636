"""`bin/portal worker -B` (README "Sizing and processes"): beat runs inside the worker as
a thread, so the worker is one process, not a second copy of the portal in memory."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings as django_settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_worker_with_beat_is_one_process_that_schedules(transactional_db, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PORTAL_SERVED_DATABASE": str(connection.settings_dict["NAME"]),  # the test database
        "PORTAL_VAR_DIR": str(django_settings.VAR_DIR),
        "PORTAL_SWEEP_INTERVAL_SECONDS": "1",
        "PORTAL_TASK_LOG_LEVEL": "INFO",  # Celery's line per task, which shows the sweep ran
    }
    log = tmp_path / "worker.log"
    with log.open("w+b") as out:
        worker = subprocess.Popen(  # noqa: S603 - this repository's worker
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "--pool=threads",
             "--concurrency=2", "--loglevel=INFO", "--without-mingle", "--without-gossip",
             "-s", str(tmp_path / "beat-schedule")],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        # The sweep, scheduled every second, queued by beat and run by the worker.
        while "integration.sweep" not in log.read_text() or "succeeded" not in log.read_text():
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        assert _children(worker.pid) == []  # beat is not a process of its own
        # The worker logs as the web processes do: one JSON object per line.
        succeeded = next(line for line in log.read_text().splitlines() if "succeeded" in line)
        assert json.loads(succeeded)["logger"] == "celery.app.trace"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
