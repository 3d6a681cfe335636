"""Monitoring at scale: with 1,000,000 submissions in PostgreSQL (seeded as the console
benchmark does), time a Prometheus scrape of /metrics and a /healthz check, and measure
how fast the retention policy erases ended records.

    python bench/monitoring_bench.py [--rows 1000000] [--reseed] [--runs 20] [--erase 2000]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_monitoring_bench): the erasure changes rows.
Each request goes through the whole Django stack with the test client. Targets: a
scrape or health check well inside Prometheus' default 10 s scrape timeout and a load
balancer's few-second check: median under 500 ms, p95 under 1 s.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import console_bench  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_monitoring_bench"
TARGET_MEDIAN_MS, TARGET_P95_MS = 500.0, 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--erase", type=int, default=2000, help="records to erase, timed")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    os.environ["PORTAL_METRICS_ALLOWED_NETWORKS"] = "127.0.0.0/8"  # the test client's
    console_bench.prepare_environment(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from integration.models import Submission
    from integration.models.submission import FINAL_STATUSES
    from integration.services.retention import erase

    call_command("migrate", verbosity=0)
    if args.reseed or console_bench.seeded_rows() != args.rows:
        console_bench.seed(args.rows)
    client = Client()

    print(f"\n{args.rows:,} submissions, {args.runs} runs each, server time (ms)\n")
    header = f"{'request':<28} {'median':>8} {'p95':>8} {'median/500':>11} {'p95/1000':>9}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for label, path in (("GET /metrics", "/metrics"), ("GET /healthz", "/healthz")):
        timings = console_bench.time_page(client, path, args.runs, clear_cache=False)
        median, high = statistics.median(timings), console_bench.p95(timings)
        worst = max(worst, median / TARGET_MEDIAN_MS, high / TARGET_P95_MS)
        print(
            f"{label:<28} {median:8.1f} {high:8.1f} "
            f"{median / TARGET_MEDIAN_MS:11.2f} {high / TARGET_P95_MS:9.2f}"
        )
    size = len(client.get("/metrics").content)
    print(f"\n/metrics answer: {size:,} bytes")

    batch = list(
        Submission.objects.filter(status__in=FINAL_STATUSES, personal_data_erased_at=None).order_by(
            "updated_at", "id"
        )[: args.erase]
    )
    started = time.perf_counter()
    for submission in batch:
        erase(submission, 90, timezone.now())
    elapsed = time.perf_counter() - started
    rate = len(batch) / elapsed if elapsed else 0.0
    print(
        f"retention: {len(batch):,} records erased in {elapsed:.1f} s "
        f"({rate:,.0f} records/s, {1000 * elapsed / max(len(batch), 1):.1f} ms each)"
    )
    verdict = "within" if worst <= 1 else "OVER"
    print(f"worst ratio to target: {worst:.2f} ({verdict} target)")


if __name__ == "__main__":
    main()
