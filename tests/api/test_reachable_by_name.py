"""The names OpenCRVS's deployment uses reach the portal with the documented settings:
the country config keeps mosip-api's service name (`http://mosip-api:2024`), the shipped
Prometheus example scrapes `portal:8000`. A host outside the settings is refused with one
warning line that says which setting admits it, never an error with a traceback.

Served by gunicorn with production settings, over real HTTP."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from tests.support.gunicorn import free_port


def documented_settings() -> dict[str, str]:
    """The host settings as .env.example gives them (uncommented lines only)."""
    values = {}
    for line in (Path(settings.BASE_DIR) / ".env.example").read_text().splitlines():
        key, _, value = line.partition("=")
        if key in {"DJANGO_ALLOWED_HOSTS", "PORTAL_INTERNAL_HOSTS"}:
            values[key] = value
    assert "DJANGO_ALLOWED_HOSTS" in values
    return values


@pytest.fixture
def production_portal(transactional_db, tmp_path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "web.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"PORTAL_INTERNAL_HOSTS"}},
        **documented_settings(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PORTAL_SERVED_DATABASE": str(connection.settings_dict["NAME"]),
        "PORTAL_DEMO": "false",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
        "PORTAL_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PORTAL_BEHIND_TLS_PROXY": "true",
        "PORTAL_LOG_FORMAT": "json",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "PORTAL_ACCESS_LOG": "",
    }
    with log.open("wb") as out:
        # A fixed argument list of our own program, no shell.
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                requests.get(f"{url}/healthz", headers={"Host": "localhost"}, timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield url, log
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    "host",
    [
        "mosip-api:2024",  # the country config, after swapping mosip-api's image for the portal
        "portal:8000",  # deploy/prometheus/prometheus.yml's target
        "mosip-api.opencrvs.svc.cluster.local:2024",  # OpenCRVS's Kubernetes chart
        "mosip-api.opencrvs.svc:2024",  # the same service, from another namespace, short
        "portal.example.org",  # the public name, as the TLS proxy passes it
    ],
)
def test_the_names_of_opencrvss_deployment_are_served(production_portal, host):
    url, _log = production_portal
    reply = requests.get(f"{url}/healthz", headers={"Host": host}, timeout=10)
    assert reply.status_code == 200, reply.text[:200]
    assert reply.json()["status"] in {"ok", "degraded"}


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("mosip.attacker.example", "add 'mosip.attacker.example' to DJANGO_ALLOWED_HOSTS"),
        # Swarm's full service name: no setting can admit an underscore.
        ("opencrvs_mosip-api:2024", "not a valid host name"),
    ],
)
def test_a_refused_host_is_one_warning_line_naming_the_setting(production_portal, host, says):
    url, log = production_portal
    reply = requests.get(f"{url}/healthz", headers={"Host": host}, timeout=10)
    assert reply.status_code == 400

    time.sleep(0.5)  # the line is written after the answer
    text = log.read_text()
    lines = [line for line in text.splitlines() if host in line]
    assert len(lines) == 1, text[-3000:]
    entry = json.loads(lines[0])
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "django.security.DisallowedHost"
    assert says in entry["message"]
    assert "DJANGO_ALLOWED_HOSTS" in entry["message"]
    assert "PORTAL_INTERNAL_HOSTS" in entry["message"]
    assert "exc_info" not in entry
    assert "Traceback" not in text and '"level": "ERROR"' not in text
