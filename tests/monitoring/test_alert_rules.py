"""The example alert rules (deploy/prometheus/) are valid, fire when they should, and only
use metrics the portal serves."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.metrics import METRICS_TOKEN, scrape

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")


def _promtool(*args: str) -> None:
    if PROMTOOL is None:
        pytest.fail("promtool is missing: `make test` installs it (Debian's prometheus).")
    done = subprocess.run(  # noqa: S603 - a fixed command on our own files
        [PROMTOOL, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_accepts_the_rules_and_the_scrape_config():
    _promtool("check", "rules", "alerts.yml")
    _promtool("check", "config", "--syntax-only", "prometheus.yml")


def test_the_alerts_fire_on_the_series_they_watch():
    _promtool("test", "rules", "alerts.test.yml")


@pytest.mark.django_db
def test_every_metric_the_rules_use_is_served(client, portal_settings):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    served = {name for name, _labels in scrape(client.get)}
    rules = yaml.safe_load((RULES_DIR / "alerts.yml").read_text())["groups"][0]["rules"]
    used = {name for rule in rules for name in re.findall(r"\b(portal_[a-z_]+)", rule["expr"])}
    assert {
        "portal_remote_failing_seconds",
        "portal_oldest_waiting_seconds",
        "portal_tokens_expiring",
        "portal_credential_callbacks",
    } <= used
    assert used <= served, used - served
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
