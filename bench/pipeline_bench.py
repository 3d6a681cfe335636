"""How the portal answers OpenCRVS, and how fast records flow, as MOSIP slows down.

    python bench/pipeline_bench.py [--records 100] [--mosip-latency 0 0.5]

Starts the portal (a real WSGI server), one Celery worker and the stand-ins on
127.0.0.1, on the embedded defaults or on DATABASE_URL / CELERY_BROKER_URL when set.
For each MOSIP latency it sends --records birth registrations, one at a time, and prints:
the intake reply time (what a registrar waits for), and the time until every record is
confirmed. The reference middleware called MOSIP inside the request, so its reply time
grows with MOSIP's latency times three calls; the ratio column shows the portal's does not.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_DEMO", "true")  # benchmarks use the public demo keys
os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-bench-"))
os.environ.setdefault("PORTAL_LOG_LEVEL", "ERROR")
logging_quiet = ("werkzeug", "celery", "kombu")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--mosip-latency", type=float, nargs="+", default=[0.0, 0.5])
    args = parser.parse_args()

    _create_postgres_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    import logging

    import requests
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from werkzeug.serving import make_server

    from demo.stand_ins import configure_for_stand_ins
    from integration.models import Status, Submission
    from integration.services.websub import subscribe
    from mocks.examples import birth_request
    from mocks.mosip import MosipStandIn
    from mocks.opencrvs import OpenCrvsStandIn
    from portal.celery import app as celery_app

    for name in logging_quiet:
        logging.getLogger(name).setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    server = make_server("127.0.0.1", 0, get_wsgi_application(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    portal_url = f"http://127.0.0.1:{server.server_port}"
    mosip, opencrvs = MosipStandIn(credential_delay_seconds=0.05), OpenCrvsStandIn()
    mosip.start()
    opencrvs.start()
    configure_for_stand_ins(mosip.url, opencrvs.url, portal_url)
    subscribe()
    mosip.wait_for_subscription(timeout=10)
    session = requests.Session()

    rows = []
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        for latency in args.mosip_latency:
            mosip.controls.latency_seconds = latency
            Submission.objects.all().delete()
            replies, started = [], time.monotonic()
            for n in range(args.records):
                number = f"2026B{latency:.1f}{n:06d}"
                body = birth_request(number, number[-9:])
                token = opencrvs.mint_token()
                sent = time.monotonic()
                reply = session.post(
                    f"{portal_url}/events/registration",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                replies.append((time.monotonic() - sent) * 1000)
                assert reply.status_code == 202, reply.text
            deadline = time.monotonic() + 600
            while Submission.objects.exclude(status=Status.CONFIRMED).exists():
                if time.monotonic() > deadline:
                    raise SystemExit("records did not all reach confirmed in 10 minutes")
                time.sleep(0.1)
            total = time.monotonic() - started
            rows.append(
                (
                    latency,
                    statistics.median(replies),
                    percentile(replies, 0.95),
                    total,
                    args.records / total,
                )
            )
    server.shutdown()
    mosip.stop()
    opencrvs.stop()
    _print(rows, args.records)


def _create_postgres_database(url: str) -> None:
    """The benchmark's own database, created on first use."""
    if not url.startswith("postgres"):
        return
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _print(rows, records: int) -> None:
    base = rows[0][1]
    database = os.environ.get("DATABASE_URL", "sqlite (embedded)").split("@")[-1]
    broker = os.environ.get("CELERY_BROKER_URL", "filesystem (embedded)").split("@")[-1]
    print(f"\n{records} birth registrations, one worker; database {database}; broker {broker}\n")
    print(
        "| MOSIP latency per call | intake median | intake p95 | ratio to first row "
        "| all confirmed after | records/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for latency, median, p95, total, rate in rows:
        print(
            f"| {latency * 1000:.0f} ms | {median:.1f} ms | {p95:.1f} ms | "
            f"{median / base:.2f} | {total:.1f} s | {rate:.1f} |"
        )


if __name__ == "__main__":
    main()
