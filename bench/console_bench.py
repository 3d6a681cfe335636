"""Staff console at scale: seed 1,000,000 submissions in PostgreSQL, then time the pages.

    python bench/console_bench.py [--rows 1000000] [--reseed] [--runs 40]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench), creates and migrates it, and seeds it
with one INSERT ... SELECT FROM generate_series per table (a minute or two on 2 cores).
A seeded database is reused while it has the wanted number of rows.

Each page is requested over HTTP from gunicorn as operators run it (started here, with
Redis as the cache: a private redis-server on --redis-port unless CACHE_URL is set),
signed in as support (who sees personal data) and, for two pages, as an auditor (who sees
it masked); the time printed is what the browser waits for the whole reply.
`--in-process` times Django's test client instead (no server, no socket: it flatters
the numbers). The dashboard is timed with its cache cleared before every request (the
worst case) and warm. Target: median under 150 ms and p95 under 300 ms for each page.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
TARGET_MEDIAN_MS, TARGET_P95_MS = 150.0, 300.0
SEED_DAYS = 540  # a mid-size country registers about a million events in 18 months


def prepare_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PORTAL_DEMO", "true")  # benchmarks use the public demo keys
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
    os.environ.setdefault("PORTAL_DEMO", "true")  # a scratch database: demo keys will do
    create_database(url)


def create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# One row per generated number i. Statuses follow a realistic mix (mostly confirmed, a
# few percent waiting or needing a person), spread over SEED_DAYS, newest last.
SEED_SUBMISSIONS = """
INSERT INTO integration_submission (
    id, event_type, source_format, tracking_id, certificate_number, event_id, action_id,
    token, token_expires_at, raw_request, fields_sent, status, transaction_id, vid,
    created_at, updated_at, packet_created_at, workflow_started_at, credential_received_at,
    confirmed_at, failed_step, last_error, retry_count, next_attempt_at, claimed_at
    {extra_columns})
SELECT
    i, kind, 'interop', prefix || lpad(i::text, 8, '0'), '2026' || prefix || lpad(i::text, 8, '0'),
    md5('event' || i), md5('action' || i),
    CASE WHEN status IN ('confirmed', 'rejected', 'resolved') THEN '' ELSE %(token)s END,
    created + interval '7 days',
    jsonb_build_object(
        'trackingId', prefix || lpad(i::text, 8, '0'),
        'notification', jsonb_build_object('recipientFullName', 'Parent ' || i,
            'recipientPhone', '+26091' || lpad(i::text, 7, '0')),
        'requestFields', fields, 'metaInfo', '{{}}'::jsonb, 'audit', '{{}}'::jsonb),
    CASE WHEN status IN ('received', 'failed') AND step IN ('auth', 'create_packet')
         THEN '{{}}'::jsonb ELSE fields END,
    status, '10001' || lpad(i::text, 10, '0'),
    CASE WHEN kind = 'birth' AND status = 'confirmed' THEN lpad((i * 7919)::text, 10, '7')
         ELSE '' END,
    created, created + interval '3 minutes',
    created + interval '5 seconds', created + interval '6 seconds',
    CASE WHEN status IN ('confirmed', 'credential_received') THEN created + interval '2 minutes'
    END,
    CASE WHEN status = 'confirmed' THEN created + interval '3 minutes' END,
    step,
    CASE WHEN status IN ('failed', 'token_expired', 'delivery_retry') THEN
        (ARRAY[
            'MOSIP createPacket refused the request: PKT-DUPLICATE: Packet 10001'
                || lpad(i::text, 10, '0') || ' already exists with other content',
            'MOSIP auth answered HTTP 401: Client ID and secret key combination is invalid',
            'Gave up after 12 attempts: could not connect to http://mosip.example/createPacket',
            'The record''s OpenCRVS token expired before confirmation.',
            'OpenCRVS refused: Event ' || md5('event' || i) || ' has been rejected (BAD_REQUEST)',
            'MOSIP workflow refused the request: RPR-WFM-404: No packet was created'
        ])[1 + (i %% 6)]
    ELSE '' END,
    CASE WHEN status = 'delivery_retry' THEN 3 ELSE 0 END,
    CASE WHEN status = 'delivery_retry' THEN now() + interval '10 minutes' END,
    NULL
    {extra_values}
FROM (
    SELECT i, kind, prefix, created, status,
        CASE WHEN status IN ('failed', 'delivery_retry')
             THEN (ARRAY['create_packet', 'auth', 'create_packet', 'confirm', 'confirm',
                         'start_workflow'])[1 + (i %% 6)]
             WHEN status = 'token_expired' THEN 'confirm'
             ELSE '' END AS step,
        CASE WHEN kind = 'birth' THEN jsonb_build_object(
            'birthCertificateNumber', '2026B' || lpad(i::text, 8, '0'),
            'fullName', jsonb_build_array(jsonb_build_object('language', 'eng',
                'value', 'Child ' || i)),
            'dateOfBirth', to_char(created - interval '20 days', 'YYYY/MM/DD'),
            'gender', jsonb_build_array(jsonb_build_object('language', 'eng', 'value', 'Female')),
            'addressLine1', jsonb_build_array(jsonb_build_object('language', 'eng',
                'value', i || ' Example Street')))
        ELSE jsonb_build_object(
            'deathCertificateNumber', '2026D' || lpad(i::text, 8, '0'),
            'nationalIdNumber', lpad((i * 104729 %% 9999999999)::text, 10, '3'),
            'fullName', jsonb_build_array(jsonb_build_object('language', 'eng',
                'value', 'Deceased ' || i)),
            'dateOfBirth', '1950/02/20') END AS fields
    FROM (
        SELECT i,
            CASE WHEN i %% 7 = 0 THEN 'death' ELSE 'birth' END AS kind,
            CASE WHEN i %% 7 = 0 THEN 'D' ELSE 'B' END AS prefix,
            now() - (%(rows)s - i) * (interval '1 day' * %(days)s / %(rows)s) AS created,
            CASE
                WHEN %(rows)s - i < 300 THEN (ARRAY['received', 'awaiting_credential',
                    'awaiting_credential', 'confirmed', 'credential_received'])[1 + (i %% 5)]
                WHEN (i * 7919) %% 1000 < 10 THEN 'failed'
                WHEN (i * 7919) %% 1000 < 14 THEN 'token_expired'
                WHEN (i * 7919) %% 1000 < 18 THEN 'rejected'
                WHEN (i * 7919) %% 1000 < 22 THEN 'resolved'
                WHEN (i * 7919) %% 1000 < 24 THEN 'delivery_retry'
                WHEN (i * 7919) %% 1000 < 26 AND %(rows)s - i < 20000 THEN 'awaiting_credential'
                ELSE 'confirmed' END AS status
        FROM generate_series(1::bigint, %(rows)s) AS i
    ) numbered
) shaped
"""

SEED_TRANSACTION_IDS = """
INSERT INTO integration_transactionid (submission_id, value, created_at {extra_columns})
SELECT id, transaction_id, created_at + interval '5 seconds' {extra_values}
FROM integration_submission
"""

# The calls behind each record: packet, workflow and (once confirmed) the confirmation.
SEED_ATTEMPTS = """
INSERT INTO integration_attempt (
    submission_id, step, url, started_at, duration_ms, http_status, error, response_excerpt
    {extra_columns})
SELECT s.id, a.step, a.url, s.created_at + a.offset_, 80 + (s.id %% 400), a.http_status,
    CASE WHEN a.step = s.failed_step AND s.status IN ('failed', 'token_expired')
         THEN s.last_error ELSE '' END, ''
    {extra_values}
FROM integration_submission s
CROSS JOIN (VALUES
    ('create_packet', 'http://mosip.example/commons/v1/packetmanager/createPacket',
     interval '5 seconds', 200),
    ('start_workflow', 'http://mosip.example/registrationprocessor/v1/workflowinstance',
     interval '6 seconds', 200),
    ('confirm', 'http://opencrvs.example/events/event.actions.register.accept?batch=1',
     interval '3 minutes', 200)
) AS a(step, url, offset_, http_status)
WHERE a.step <> 'confirm' OR s.status IN ('confirmed', 'token_expired')
    OR s.failed_step = 'confirm'
"""


def with_defaults(sql: str, model, params: dict) -> str:
    """Fill the columns the seed does not name (added by later migrations) with their
    model defaults, so the bench keeps working as the models grow."""
    from django.db import connection

    named = set(re.findall(r"\w+", sql.split("SELECT", 1)[0]))
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in named or field.primary_key:
            continue
        key = f"default_{field.column}"
        params[key] = field.get_db_prep_save(field.get_default(), connection)
        columns.append(f", {field.column}")
        values.append(f", %({key})s")
    return sql.format(extra_columns="".join(columns), extra_values="".join(values))


def seeded_rows() -> int:
    from integration.models import Submission

    return Submission.objects.count()


def seed(rows: int) -> None:
    from django.db import connection

    from integration.fields import encrypt
    from integration.models import Attempt, Submission, TransactionId
    from integration.reason_groups import store_reason_keys

    token = encrypt(b"eyJhbGciOiJSUzI1NiJ9.bench.token")  # one ciphertext, decryptable
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE integration_staffaction, integration_bulkjob, integration_attempt, "
            "integration_transactionid, integration_submission RESTART IDENTITY CASCADE"
        )
        print(f"seeding {rows:,} submissions ...", flush=True)
        params = {"rows": rows, "days": SEED_DAYS, "token": token}
        cursor.execute(with_defaults(SEED_SUBMISSIONS, Submission, params), params)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('integration_submission', 'id'), %s)", [rows]
        )
        print("seeding transaction ids and attempts ...", flush=True)
        params = {}
        cursor.execute(with_defaults(SEED_TRANSACTION_IDS, TransactionId, params), params)
        params = {}
        cursor.execute(with_defaults(SEED_ATTEMPTS, Attempt, params), params)
    print("grouping failure reasons ...", flush=True)
    store_reason_keys(Submission)  # as the model writes them with each error
    with connection.cursor() as cursor:  # outside a transaction: VACUUM needs that
        cursor.execute("VACUUM ANALYZE integration_submission")
        cursor.execute("VACUUM ANALYZE integration_transactionid")
        cursor.execute("VACUUM ANALYZE integration_attempt")
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)


def pick_examples() -> dict[str, str]:
    from integration.models import Status, Submission, TransactionId

    failed = Submission.objects.filter(status=Status.FAILED).order_by("-created_at").first()
    death = (
        Submission.objects.filter(event_type="death", created_at__lt=failed.created_at)
        .order_by("-created_at")
        .first()
    )
    middle = Submission.objects.order_by("id")[Submission.objects.count() // 2]
    return {
        "tracking_id": failed.tracking_id,
        "transaction_id": TransactionId.objects.filter(submission=middle).first().value,
        "nid": death.raw_request["requestFields"]["nationalIdNumber"],
        "vid": Submission.objects.exclude(vid="").order_by("id").first().vid,
    }


def pages(examples: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(label, path, clear the cache first); an auditor's label starts with "auditor"."""
    return [
        ("dashboard (cold: cache cleared)", "/console/", True),
        ("dashboard (warm)", "/console/", False),
        ("auditor: dashboard, masked (cold)", "/console/", True),
        ("auditor: list: failed, masked", "/console/submissions/?status=failed", False),
        ("list: newest first", "/console/submissions/", False),
        ("list: failed", "/console/submissions/?status=failed", False),
        (
            "list: deaths, stuck longest",
            "/console/submissions/?event_type=death&sort=waiting",
            False,
        ),
        ("list: failed at create_packet", "/console/submissions/?failed_step=create_packet", False),
        ("list: reason prefix", "/console/submissions/?reason=MOSIP+createPacket+refused", False),
        (
            "list: confirmed in a date range",
            "/console/submissions/?status=confirmed&created_from=2026-01-01&created_to=2026-02-01",
            False,
        ),
        ("search: tracking id", f"/console/submissions/?q={examples['tracking_id']}", False),
        ("search: transaction id", f"/console/submissions/?q={examples['transaction_id']}", False),
        ("search: NID (deceased)", f"/console/submissions/?q={examples['nid']}", False),
        ("search: VID issued", f"/console/submissions/?q={examples['vid']}", False),
    ]


def deep_page(client, path: str, hops: int) -> str:
    """Follow "next" links `hops` times; returns the deep page's path."""
    import re

    for _ in range(hops):
        html = client.get(path).content.decode()
        match = re.search(r'href="(\?[^"]*after=[^"]*)"', html)
        if not match:
            break
        path = "/console/submissions/" + match.group(1).replace("&amp;", "&")
    return path


def time_page(client, path: str, runs: int, clear_cache: bool) -> list[float]:
    from django.core.cache import cache

    timings = []
    for run in range(runs + 3):
        if clear_cache:
            cache.clear()
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if run >= 3:  # the first ones warm caches and connections
            timings.append(elapsed)
    return timings


class PortalServer:
    """gunicorn serving the portal on 127.0.0.1."""

    def __init__(self, port: int, workers: int, threads: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [str(gunicorn), "portal.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread",
             "-w", str(workers), "--threads", str(threads), "--timeout", "120"],
            cwd=ROOT, env=os.environ.copy(), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(port)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


class HttpClient:
    """A visitor of the server, reached with a signed-in session cookie."""

    def __init__(self, server: PortalServer) -> None:
        import requests

        self.base = server.base
        self.session = requests.Session()

    def force_login(self, user) -> None:
        from django.test import Client

        client = Client()
        client.force_login(user)  # a session row both processes see
        self.session.cookies.set("sessionid", client.cookies["sessionid"].value)

    def get(self, path: str):
        return self.session.get(self.base + path, timeout=120, allow_redirects=False)


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def private_redis(port: int) -> subprocess.Popen | None:
    """The cache gunicorn and this process share (to clear the dashboard's)."""
    if os.environ.get("CACHE_URL"):
        return None
    redis = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    wait_for_port(port)
    os.environ["CACHE_URL"] = f"redis://127.0.0.1:{port}/3"
    return redis


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="Django's test client")
    parser.add_argument("--port", type=int, default=20580)
    parser.add_argument("--redis-port", type=int, default=6389)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    args = parser.parse_args()

    prepare_environment(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    redis = None if args.in_process else private_redis(args.redis_port)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from integration.roles import Role, assign_roles

    call_command("migrate", verbosity=0)
    if args.reseed or seeded_rows() != args.rows:
        seed(args.rows)
    user, _ = get_user_model().objects.get_or_create(username="bench-support")
    assign_roles(user, {Role.SUPPORT})
    auditor, _ = get_user_model().objects.get_or_create(username="bench-auditor")
    assign_roles(auditor, {Role.AUDITOR})
    server = None
    if args.in_process:
        client, auditor_client = Client(), Client()
    else:
        server = PortalServer(args.port, args.web_workers, args.web_threads)
        client, auditor_client = HttpClient(server), HttpClient(server)
    client.force_login(user)
    auditor_client.force_login(auditor)
    try:
        run(args, client, auditor_client)
    finally:
        if server is not None:
            server.stop()
        if redis is not None:
            redis.terminate()


def run(args, client, auditor_client) -> None:

    examples = pick_examples()
    rows = [(label, path, clear) for label, path, clear in pages(examples)]
    rows.append(("list: 20 pages deep", deep_page(client, "/console/submissions/", 20), False))

    how = (
        "Django test client, in process"
        if args.in_process
        else (f"HTTP through gunicorn gthread {args.web_workers}×{args.web_threads}")
    )
    print(f"\n{args.rows:,} submissions, {args.runs} runs each, {how}, time per page (ms)\n")
    header = f"{'page':<36} {'median':>8} {'p95':>8} {'median/150':>11} {'p95/300':>8}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, path, clear in rows:
        visitor = auditor_client if label.startswith("auditor") else client
        timings = time_page(visitor, path, args.runs, clear)
        median, high = statistics.median(timings), p95(timings)
        worst = max(worst, median / TARGET_MEDIAN_MS, high / TARGET_P95_MS)
        print(
            f"{label:<36} {median:8.1f} {high:8.1f} "
            f"{median / TARGET_MEDIAN_MS:11.2f} {high / TARGET_P95_MS:8.2f}"
        )
    verdict = "within" if worst <= 1 else "OVER"
    print(f"\nworst ratio to target: {worst:.2f} ({verdict} target)")


if __name__ == "__main__":
    main()
