"""CPU of each step of a record, in one process, without the noise of the whole stack.

    .venv/bin/python -m pytest bench/step_cpu.py -s             # on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_steps \\
        CACHE_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m pytest bench/step_cpu.py -s
    STEPS_RECORDS=200 STEPS_PROFILE=/tmp/steps.prof ...          # more records; a cProfile

Takes STEPS_RECORDS (100) birth registrations through intake (the Django test client), delivery,
MOSIP's workflow event, the credential callback and confirmation (called as the worker calls
them), against the MOSIP and OpenCRVS stand-ins, and prints the median and p90 CPU of each
step, measured with `time.thread_time()` of the thread running it: the stand-ins (other threads) and
PostgreSQL (another process) are not counted. The whole-stack figures come from
bench/throughput.py; this one is for comparing a change before and after, because a 2-core
VM's speed drifts between runs of the whole stack. The first five records are left out
(settings and tokens read once per process). With STEPS_PROFILE, a cProfile of the steps
(thread CPU, not wall time) is written there for `python -m pstats`.

It also prints the floor the framework sets, with no record work in it: a registration
refused at authentication (Django's middleware, DRF, the error reply) and a delivery task
that finds nothing to claim (Celery's task run and one UPDATE). A record takes two
requests and two tasks, so twice each is what any record costs before its own work.
"""

import cProfile
import os
import statistics
import time

import pytest
from django.db import connection

from demo.stand_ins import configure_for_stand_ins
from integration import tasks
from tests.support.record_walk import walk_one_record

STEPS = ("intake", "delivery", "workflow event", "credential callback", "confirmation")
FLOORS = ("floor: a request refused at authentication", "floor: a task with nothing to claim")
WARM_UP = 5


@pytest.fixture
def stand_ins(transactional_db, mosip, opencrvs, portal_settings):
    portal_settings.CONFIG_CACHE = True  # as with Redis: settings rows kept per process
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")
    return mosip, opencrvs


class Steps:
    def __init__(self, profile_to: str) -> None:
        self.cpu_ms: dict[str, list[float]] = {step: [] for step in STEPS + FLOORS}
        self.profile_to = profile_to
        self.profiler = cProfile.Profile(time.thread_time)

    def run(self, step: str, action):
        profiled = bool(self.profile_to) and len(self.cpu_ms[step]) >= WARM_UP
        if profiled:
            self.profiler.enable()
        started = time.thread_time()
        result = action()
        self.cpu_ms[step].append((time.thread_time() - started) * 1000)
        if profiled:
            self.profiler.disable()
        return result

    def report(self) -> str:
        rows = ["| step | CPU ms, median | p90 |", "|---|---:|---:|"]
        medians = {}
        for step, values in self.cpu_ms.items():
            kept = sorted(values[WARM_UP:])
            medians[step] = statistics.median(kept)
            p90 = kept[int(0.9 * (len(kept) - 1))]
            rows.append(f"| {step} | {medians[step]:.2f} | {p90:.2f} |")
        rows.insert(2 + len(STEPS), f"| all steps | {sum(medians[s] for s in STEPS):.2f} | |")
        floor = 2 * sum(medians[f] for f in FLOORS)
        rows.append(f"| floor of a record (two requests, two tasks) | {floor:.2f} | |")
        if self.profile_to:
            self.profiler.dump_stats(self.profile_to)
            rows.append(f"\ncProfile of the steps written to {self.profile_to}")
        return "\n".join(rows)


def test_cpu_of_each_step(client, stand_ins):
    mosip, opencrvs = stand_ins
    records = int(os.environ.get("STEPS_RECORDS", "100"))
    steps = Steps(os.environ.get("STEPS_PROFILE", ""))
    for index in range(records + WARM_UP):
        walk_one_record(client, mosip, opencrvs, f"2026S{index:08d}", steps.run)
    for _ in range(records + WARM_UP):
        refused = steps.run(FLOORS[0], lambda: client.post("/events/registration", {}))
        assert refused.status_code == 401
        steps.run(FLOORS[1], lambda: tasks.deliver.apply((0,), throw=True))
    print(f"\n{records} records on {connection.vendor}\n")
    print(steps.report())
