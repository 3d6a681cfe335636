"""`bin/portal web` takes gunicorn's settings from the `.env` file as Django takes its own
(the environment wins over the file), and outside a container it listens on loopback
unless told otherwise.

Each test runs the real entrypoint from a copy of the code with its own `.env`, so no
`.env` is ever written into the working tree."""

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.support.environment import deployed_environment
from tests.support.gunicorn import free_port

CODE = ("bin", "portal", "integration", "templates", "static", "locale", "manage.py")
GUNICORN_VARIABLES = (
    "PORTAL_BIND",
    "WEB_CONCURRENCY",
    "PORTAL_WEB_THREADS",
    "PORTAL_FORWARDED_ALLOW_IPS",
    "PORTAL_ACCESS_LOG",
)


@pytest.fixture
def copy(tmp_path) -> Path:
    """The code as installed, in a folder of its own (beside it: nothing else)."""
    root = tmp_path / "portal"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in CODE:
        source = Path(settings.BASE_DIR) / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    return root


def clean_environment(root: Path) -> dict[str, str]:
    """The test process's environment without anything the .env file is meant to set."""
    drop = {*GUNICORN_VARIABLES, "DJANGO_SETTINGS_MODULE", "PORTAL_VAR_DIR", "DATABASE_URL"}
    drop |= {"CELERY_BROKER_URL", "CACHE_URL", "PORTAL_SSL_REDIRECT", "PORTAL_LOG_LEVEL"}
    env = {k: v for k, v in deployed_environment().items() if k not in drop}
    env["PYTHON"] = sys.executable
    return env


@pytest.fixture
def web(copy, tmp_path) -> Iterator[dict]:
    port = free_port()
    access_log = tmp_path / "access.log"
    (copy / ".env").write_text(
        "\n".join(
            [
                "PORTAL_DEMO=true",
                f"PORTAL_VAR_DIR={tmp_path / 'var'}",
                "PORTAL_SSL_REDIRECT=true",
                f"PORTAL_BIND=127.0.0.1:{port}",
                "WEB_CONCURRENCY=3",
                "PORTAL_WEB_THREADS=2",
                # Not loopback: X-Forwarded-Proto from this test is then not believed.
                "PORTAL_FORWARDED_ALLOW_IPS=192.0.2.10",
                f"PORTAL_ACCESS_LOG={access_log}",
                "",
            ]
        )
    )
    output = tmp_path / "web.out"
    with output.open("wb") as out:
        # Our own entrypoint with fixed arguments, no shell.
        process = subprocess.Popen(  # noqa: S603
            [str(copy / "bin" / "portal"), "web"],
            cwd=copy,
            env=clean_environment(copy),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, output.read_text()[-3000:]
            try:
                requests.get(f"{url}/websub/callback?hub.challenge=up", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, output.read_text()[-3000:]
                time.sleep(0.3)
        yield {"url": url, "pid": process.pid, "access_log": access_log, "output": output}
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_bin_portal_web_takes_gunicorns_settings_from_dotenv(web):
    url = web["url"]
    # PORTAL_BIND: it answers on the port the file names.
    reply = requests.get(f"{url}/websub/callback?hub.challenge=from-the-env-file", timeout=10)
    assert reply.text == "from-the-env-file"

    # WEB_CONCURRENCY: three worker processes under the arbiter (they may still be booting).
    deadline = time.monotonic() + 30
    while len(children(web["pid"])) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(children(web["pid"])) == 3

    # PORTAL_FORWARDED_ALLOW_IPS: a proxy header from an address not listed is not believed,
    # so the console is still plain HTTP and redirected to HTTPS.
    reply = requests.get(
        f"{url}/console/login/",
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 301 and reply.headers["Location"].startswith("https://")

    # PORTAL_ACCESS_LOG: the requests are in the file the .env names, not on the terminal.
    time.sleep(0.3)
    assert "GET /websub/callback" in web["access_log"].read_text()
    assert "GET /websub/callback" not in web["output"].read_text()


def test_the_environment_wins_over_dotenv_and_loopback_is_the_default(copy):
    (copy / ".env").write_text("PORTAL_WEB_THREADS=7\nWEB_CONCURRENCY=5\n")
    env = {**clean_environment(copy), "WEB_CONCURRENCY": "1"}
    probe = (
        "import runpy; c = runpy.run_path('portal/gunicorn_conf.py'); "
        "print(c['bind'], c['workers'], c['threads'])"
    )
    # A fixed command of this repository, no shell.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=copy, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["127.0.0.1:8000", "1", "7"]
