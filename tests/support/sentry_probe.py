"""Run by tests/monitoring/test_error_reporting.py in its own process (Sentry's SDK is set up once
per process, from settings): a web request and a Celery task that both fail."""

import base64
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["SENTRY_DSN"] = sys.argv[1]

import django  # noqa: E402

django.setup()

import sentry_sdk  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402

from portal import urls  # noqa: E402
from portal.celery import app  # noqa: E402

# A JWT-shaped token made at run time: Sentry sends the source lines around an error.
HEADER = base64.urlsafe_b64encode(b'{"alg":"RS256"}').decode().rstrip("=")
TOKEN = f"{HEADER}.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def boom(request):
    raise ValueError(f"the mapping broke on record 42 (token {TOKEN})")


urls.urlpatterns.append(path("boom", boom))
setup_test_environment()
settings.ALLOWED_HOSTS = ["*"]
Client(raise_request_exception=False).post(
    "/boom?client_secret=s3cret",
    data={"name": " ".join(["Jane", "Doe"]), "nid": "12345" + "67891"},
    content_type="application/json",
    headers={"Authorization": "Bearer secret-token-123", "Cookie": "sessionid=abc"},
)


@app.task(name="probe.fail")
def fail(record_id: int) -> None:
    # A local variable that must not be sent (built so the source line does not hold it:
    # Sentry sends source lines around the error, which never hold data in real code).
    person = {"name": " ".join(["Jane", "Doe"])}  # noqa: F841
    raise RuntimeError(f"delivery of record {record_id} failed")


fail.apply(args=(7,))
sentry_sdk.flush(10)
