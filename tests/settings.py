"""Test settings: the real settings, with a private scratch folder and fast retries.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so the same suite
runs on the embedded defaults and on PostgreSQL and Redis (see .ci/run).
"""

import os
import tempfile

os.environ.setdefault("PORTAL_DEMO", "true")  # public demo keys are fine in tests
os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-test-"))
os.environ.setdefault("PORTAL_RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("PORTAL_RETRY_MAX_SECONDS", "1.0")
os.environ.setdefault("PORTAL_MAX_ATTEMPTS", "30")
# A cache the served portal (gunicorn, another process) shares with the tests, so
# clearing it between tests clears it for both.
os.environ.setdefault("CACHE_URL", f"filecache://{os.environ['PORTAL_VAR_DIR']}/cache")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# The end-to-end tests serve the portal with gunicorn in a process of its own, pointed
# at the test database the test process created (tests/conftest.py: served_portal).
if os.environ.get("PORTAL_SERVED_DATABASE"):
    DATABASES["default"]["NAME"] = os.environ["PORTAL_SERVED_DATABASE"]  # noqa: F405

# The in-process test workers' timer wakes every 0.1 s rather than every second: retries
# with short countdowns run on time, and a worker stops in a tenth of the time.
CELERY_WORKER_TIMER_PRECISION = 0.1
# The same for Redis: a worker's BRPOP waits 0.2 s, not 1 s, so closing it (which reads
# the pending answer) is quick.
if not CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "polling_interval": 0.2,
    }
