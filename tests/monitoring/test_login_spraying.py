"""Password spraying: one account tried from many addresses, each staying under the
per-address lockout, locks nothing; /metrics shows it for the account tried most, without
naming any account, so that an alert (PortalLoginSpraying) can fire."""

import pytest
from django.contrib.auth import get_user_model

from tests.support.metrics import METRICS_TOKEN, scrape, value

pytestmark = pytest.mark.django_db


def sign_in(client, username: str, password: str, address: str):
    return client.post(
        "/console/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_one_account_tried_from_twenty_addresses_shows_in_metrics(client, portal_settings):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    get_user_model().objects.create_superuser("root", password="the-right-password-1")
    before = scrape(client.get)
    assert value(before, "portal_login_failures_top_account") == 0

    for n in range(20):
        for _ in range(3):  # under the lockout of 5 per address
            reply = sign_in(client, "root", "wrong", f"198.51.100.{n + 1}")
            assert reply.status_code == 200  # no lockout: the form again
    sign_in(client, "ina", "typo", "203.0.113.7")  # someone else mistyping, once

    samples = scrape(client.get)
    assert value(samples, "portal_login_failures_top_account") == 60
    assert value(samples, "portal_login_failure_addresses_top_account") == 20
    text = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert b"root" not in text.content  # no account is named


def test_failures_outside_the_window_do_not_count(client, portal_settings):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    for n in range(4):
        sign_in(client, "root", "wrong", f"198.51.100.{n + 1}")
    assert value(scrape(client.get), "portal_login_failure_addresses_top_account") == 4
    portal_settings.METRICS_WINDOW_SECONDS = 0.0
    assert value(scrape(client.get), "portal_login_failures_top_account") == 0
