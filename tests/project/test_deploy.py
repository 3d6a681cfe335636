"""What an operator relies on when deploying: `check --deploy` clean with production
settings, start-up warnings about unsafe integration settings, throttled password
sign-in, and an API schema that lists every endpoint with its authentication."""

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import run_checks

from integration.models import EsignetSettings, EventType, MosipSettings, Submission
from tests.support.environment import deployed_environment

PRODUCTION_ENV = {
    "PORTAL_DEMO": "false",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
    "PORTAL_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "PORTAL_BEHIND_TLS_PROXY": "true",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A fixed command of this repository, no shell.
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**deployed_environment(), **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_https_protections_are_turned_off():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        PORTAL_SSL_REDIRECT="false", PORTAL_HSTS_SECONDS="0", PORTAL_SECURE_COOKIES="false",
    )  # fmt: skip
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def integration_warnings() -> set[str]:
    return {
        message.id
        for message in run_checks(databases=["default"])
        if message.id.startswith("integration.")
    }


@pytest.mark.django_db
def test_start_up_warns_about_unsafe_integration_settings(settings):
    assert integration_warnings() == {"integration.W001"}  # a fresh install: no secret

    mosip = MosipSettings.load()
    mosip.websub_secret = "a-websub-secret"
    mosip.verify_credential_proof = False
    mosip.save()
    esignet = EsignetSettings.load()
    esignet.token_url = "https://esignet.example.org/v1/esignet/oauth/v2/token"
    esignet.save()
    assert integration_warnings() == {"integration.W002", "integration.W004"}

    settings.DEBUG = True
    assert "integration.W003" not in integration_warnings()  # no real data yet
    Submission.objects.create(
        event_type=EventType.BIRTH, tracking_id="B1", certificate_number="2026B1", raw_request={}
    )
    assert "integration.W003" in integration_warnings()

    settings.DEBUG = False
    mosip.verify_credential_proof = True
    mosip.save()
    esignet.jwks_url = "https://esignet.example.org/v1/esignet/oauth/.well-known/jwks.json"
    esignet.save()
    assert integration_warnings() == set()


@pytest.mark.django_db
def test_password_sign_in_is_locked_after_five_wrong_passwords(client):
    get_user_model().objects.create_superuser("root", password="the-right-password-1")
    for _ in range(5):
        reply = client.post("/console/login/", {"username": "root", "password": "wrong"})
        assert reply.status_code in (200, 429)
        assert "_auth_user_id" not in client.session

    reply = client.post("/console/login/", {"username": "root", "password": "the-right-password-1"})
    assert reply.status_code == 429
    assert "_auth_user_id" not in client.session

    # Someone else, from another address, is not locked out by it.
    reply = client.post(
        "/console/login/",
        {"username": "root", "password": "the-right-password-1"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert reply.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_behind_the_proxy_the_lock_follows_the_address_the_proxy_saw(client, portal_settings):
    portal_settings.BEHIND_TLS_PROXY = True
    get_user_model().objects.create_superuser("root", password="the-right-password-1")
    attacker = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}  # forged left part
    for n in range(5):
        forged = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{n}, 203.0.113.9"}
        client.post("/console/login/", {"username": "root", "password": "wrong"}, **forged)
    reply = client.post(
        "/console/login/", {"username": "root", "password": "the-right-password-1"}, **attacker
    )
    assert reply.status_code == 429


def test_the_schema_lists_every_endpoint_with_its_authentication(client, db):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    schemes = schema["components"]["securitySchemes"]

    assert schemes["opencrvsRecordToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["opencrvsRecordToken"]["description"],
    }
    for path in (
        "/events/registration",
        "/trigger/events/{event_type}/actions/REGISTER",
        "/verify",
        "/esignet/get-oidp-user-info",
    ):
        [operation] = paths[path].values()
        assert operation["security"] == [{"opencrvsRecordToken": []}], path

    assert paths["/websub/callback"]["post"]["security"] == [{"mosipWebSubSignature": []}]
    assert paths["/webhooks/opencrvs"]["post"]["security"] == [{"opencrvsWebhookSignature": []}]
    assert schemes["mosipWebSubSignature"]["name"] == "X-Hub-Signature"
    assert set(paths["/websub/callback"]) == {"get", "post"}
    assert set(paths["/webhooks/opencrvs"]) == {"get", "post"}
    assert paths["/healthz"]["get"]["security"] == [{}]
    assert paths["/metrics"]["get"]["security"] == [{"metricsToken": []}]
