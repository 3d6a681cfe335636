"""gunicorn settings for every way the portal is served: the image, the CI smoke run and
the demo (``gunicorn -c portal/gunicorn_conf.py portal.wsgi``). Given as a file, not as
``python:portal.gunicorn_conf``: importing the package would load Django and Celery into
gunicorn's arbiter, which never serves a request (44 MB instead of 23).

Threaded workers keep connections alive between requests, as OpenCRVS's Node client
expects (Django's development server reset them). Everything can be changed from the
environment or the ``.env`` file beside the code, read as Django reads it (values already
in the environment win): ``PORTAL_BIND``, ``WEB_CONCURRENCY`` (processes),
``PORTAL_WEB_THREADS``, ``PORTAL_FORWARDED_ALLOW_IPS``, ``PORTAL_ACCESS_LOG``,
``PORTAL_REQUEST_READ_TIMEOUT`` (seconds a request may take to arrive, default 20).

Loopback unless ``PORTAL_BIND`` says otherwise: outside a container the portal is plain
HTTP behind a TLS proxy on the same host. The image sets ``PORTAL_BIND=0.0.0.0:8000``.
"""

import importlib.util
import os
from pathlib import Path

import environ  # django-environ alone: Django itself is not loaded here

environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))


def _worker_class() -> type:
    """gthread, safe from slowly sent requests (portal/gunicorn_worker.py), loaded from its
    file so that the arbiter does not import the `portal` package."""
    spec = importlib.util.spec_from_file_location(
        "portal_gunicorn_worker", Path(__file__).with_name("gunicorn_worker.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Worker


worker_class = _worker_class()
threads = int(os.environ.get("PORTAL_WEB_THREADS", "4"))
keepalive = 15  # seconds; longer than Node's default 5 s keep-alive so the client closes first
timeout = 60
graceful_timeout = 30
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-") or None  # "" turns it off
# Trust X-Forwarded-* only from the TLS proxy (a comma-separated list of its addresses).
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True  # one per host at a fixed path otherwise; nothing here uses it
