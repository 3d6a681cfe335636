"""Migration 0011 at scale on PostgreSQL: how long it takes, and whether the portal's
reads and writes of the submissions table wait while it runs.

    python bench/migration_bench.py [--rows 100000] [--pairs 1000] [--to 0011_lifecycle]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_h6_bench), recreated each run: migrated to
0010 (the schema 0011 starts from), seeded with one INSERT ... SELECT per table in the
first release's states (and --pairs events stored twice under two certificate numbers,
as the first release did), then migrated to --to while another connection runs a
`SELECT` of one record every 50 ms (and, with --writes, an UPDATE of another), each with
`lock_timeout` 1 s. It prints what `upgrade_check` expects, the migration's time and the
longest wait of each probe.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_h6_bench"

# Statuses of the first release (0001-0010), in a realistic mix: mostly confirmed.
SEED = """
INSERT INTO integration_submission (
    id, event_type, event_type_id, source_format, confirm_in_opencrvs, tracking_id,
    certificate_number, event_id, action_id, token, token_expires_at, raw_request,
    fields_sent, status, transaction_id, vid, created_at, updated_at, packet_created_at,
    workflow_started_at, credential_received_at, confirmed_at, failed_step, last_error,
    retry_count, next_attempt_at, claimed_at)
SELECT i, 'birth', 'birth', 'interop', true, 'B' || lpad(i::text, 8, '0'),
    '2026B' || lpad(i::text, 8, '0'),
    md5('event' || CASE WHEN i > %(rows)s THEN i - %(rows)s ELSE i END), md5('action' || i),
    '', created + interval '7 days',
    jsonb_build_object('trackingId', 'B' || lpad(i::text, 8, '0'),
        'requestFields', jsonb_build_object(
            'birthCertificateNumber', '2026B' || lpad(i::text, 8, '0'),
            'fullName', jsonb_build_array(jsonb_build_object('language', 'eng',
                'value', 'Child ' || i)),
            'addressLine1', jsonb_build_array(jsonb_build_object('language', 'eng',
                'value', i || ' Example Street'))),
        'metaInfo', '{}'::jsonb, 'audit', '{}'::jsonb),
    '{}'::jsonb, status,
    CASE WHEN status = 'received' THEN '' ELSE '10001' || lpad(i::text, 10, '0') END,
    CASE WHEN status IN ('confirmed', 'credential_received', 'confirming') THEN 'V' || i
         ELSE '' END,
    created, created + interval '3 minutes',
    CASE WHEN status <> 'received' THEN created + interval '5 seconds' END,
    CASE WHEN status NOT IN ('received', 'sending') THEN created + interval '6 seconds' END,
    CASE WHEN status IN ('confirmed', 'credential_received', 'confirming')
         THEN created + interval '2 minutes' END,
    CASE WHEN status = 'confirmed' THEN created + interval '3 minutes' END,
    CASE WHEN status IN ('failed', 'retry_scheduled') THEN 'create_packet' ELSE '' END,
    CASE WHEN status IN ('failed', 'retry_scheduled') THEN 'MOSIP answered 503' ELSE '' END,
    0, CASE WHEN status = 'retry_scheduled' THEN now() END,
    CASE WHEN status IN ('sending', 'confirming') THEN now() END
FROM (
    SELECT i, now() - (%(total)s - i) * interval '1 minute' AS created,
        CASE WHEN i > %(rows)s THEN 'received' ELSE (ARRAY[
            'received', 'sending', 'packet_created', 'awaiting_credential',
            'credential_received', 'confirming', 'retry_scheduled', 'failed',
            'token_expired', 'rejected', 'resolved'])[1 + (i %% 11)] END AS status0
    FROM generate_series(1, %(total)s) AS i
) numbered, LATERAL (SELECT CASE WHEN i %% 100 < 80 AND i <= %(rows)s THEN 'confirmed'
                                 ELSE status0 END AS status) s
"""
SEED_TRANSACTIONS = """
INSERT INTO integration_transactionid (submission_id, value, created_at)
SELECT id, transaction_id, created_at FROM integration_submission WHERE transaction_id <> ''
"""
SEED_ATTEMPTS = """
INSERT INTO integration_attempt (submission_id, step, url, started_at, duration_ms, error,
                                 response_excerpt)
SELECT id, step, 'http://mosip.example/' || step, created_at, 40, '', ''
FROM integration_submission, unnest(ARRAY['create_packet', 'start_workflow']) AS step
WHERE transaction_id <> ''
"""


def prepare(url: str) -> None:
    import psycopg

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PORTAL_DEMO", "true")  # a scratch database: demo keys will do
    os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Probe(threading.Thread):
    """One statement every 50 ms from its own connection, as a web process would."""

    def __init__(self, url: str, sql: str):
        super().__init__(daemon=True)
        self.url, self.sql = url, sql
        self.stop, self.longest, self.timeouts, self.runs = threading.Event(), 0.0, 0, 0
        self.slow: list[tuple[float, float]] = []  # (seconds after start, wait) over 200 ms

    def run(self) -> None:
        import psycopg

        self.began = time.monotonic()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '1s'")
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    conn.execute(self.sql)
                except psycopg.errors.LockNotAvailable:
                    self.timeouts += 1
                self.runs += 1
                took = time.monotonic() - started
                self.longest = max(self.longest, took)
                if took > 0.2:
                    self.slow.append((started - self.began, took))
                time.sleep(0.05)


def long_reader(url: str, seconds: float) -> None:
    """A report or an export: a read of submissions in a transaction left open."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("SELECT count(*) FROM integration_submission")
        time.sleep(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=0, help="events stored twice")
    parser.add_argument("--to", default="0011_lifecycle", help="a migration, or 'latest'")
    parser.add_argument("--writes", action="store_true", help="also probe an UPDATE")
    parser.add_argument(
        "--long-reader", type=float, default=0, metavar="SECONDS",
        help="a transaction that has read submissions stays open this long as migrate starts",
    )  # fmt: skip
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    prepare(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "auth", verbosity=0, skip_checks=True)
    call_command("migrate", "integration", "0010", verbosity=0, skip_checks=True)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(SEED, {"rows": args.rows, "total": args.rows + args.pairs})
        cursor.execute(SEED_TRANSACTIONS)
        cursor.execute(SEED_ATTEMPTS)
        cursor.execute("ANALYZE")
    print(f"seeded {args.rows:,} records and {args.pairs:,} repeats in "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    connection.close()

    from integration.services import upgrade_plan

    expected = [m for m in upgrade_plan.plan().migrations if m.label.startswith("integration.")]
    if args.to != "latest":
        expected = [m for m in expected if m.label.split(".")[1] <= args.to]
    print(f"upgrade_check expects {sum(m.seconds for m in expected):.1f} s: " + ", ".join(
        f"{m.label.split('.')[1][:4]} {m.seconds:.1f} s" for m in expected if m.seconds >= 0.1
    ))  # fmt: skip
    connection.close()

    plain = url.replace("postgres://", "postgresql://")
    probes = {"SELECT": Probe(plain, "SELECT status FROM integration_submission WHERE id = 7")}
    if args.writes:
        probes["UPDATE"] = Probe(
            plain, "UPDATE integration_submission SET retry_count = retry_count WHERE id = 9"
        )
    for probe in probes.values():
        probe.start()
    if args.long_reader:
        threading.Thread(target=long_reader, args=(plain, args.long_reader), daemon=True).start()
    time.sleep(0.3)
    started = time.monotonic()
    target = [] if args.to == "latest" else [args.to]
    call_command("migrate", "integration", *target, verbosity=2, skip_checks=True)
    took = time.monotonic() - started
    time.sleep(0.3)
    for probe in probes.values():
        probe.stop.set()
        probe.join()
    print(f"migrate to {args.to}: {took:.1f} s")
    for name, probe in probes.items():
        print(f"  concurrent {name}: {probe.runs} runs, longest {probe.longest * 1000:.0f} ms, "
              f"{probe.timeouts} lock timeouts (lock_timeout 1 s)")  # fmt: skip
        for at, wait in probe.slow:
            print(f"    waited {wait:.2f} s at {at:.1f} s")


if __name__ == "__main__":
    main()
