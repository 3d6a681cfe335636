"""The portal served by gunicorn with its production settings file (portal/gunicorn_conf.py)
in a process of its own, on the test database: what OpenCRVS and MOSIP talk to."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_portal(up_path: str, **environment: str) -> Iterator[str]:
    """gunicorn on a free loopback port, with `environment` on top of the tests' own;
    yields its URL once `up_path` answers, and stops it quickly (SIGQUIT) afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PORTAL_SERVED_DATABASE": str(connection.settings_dict["NAME"]),
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "PORTAL_ACCESS_LOG": "",
        **environment,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"]
    # A fixed argument list of our own program, no shell.
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            assert process.poll() is None, "gunicorn exited at start"
            try:
                requests.get(f"{url}{up_path}", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGQUIT)  # quick shutdown: the tests are over
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
