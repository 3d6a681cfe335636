"""The fault suite: the portal as operators run it, every part in its own process, under
the outages the issue lists; what arrived where is counted at the stand-ins.

    python -m bench.faults                       # 1,000 registrations, the full schedule
    python -m bench.faults --records 100 --quick # a short smoke run

Processes: gunicorn, a Celery worker and beat, PostgreSQL (the machine's server, reached
through a TCP proxy that is cut to make it unreachable), a private Redis server, and the
MOSIP and OpenCRVS stand-ins (bench/faults/standins.py, state kept across restarts). A
driver plays the country config: it posts each registration with its own single-record
token and, when the portal does not answer 202, tries again later with a new certificate
number for the same event, as the reference country config makes one each time it
handles the register action.

Prints: confirmed count, packets per certificate number (and per event), confirmations
per record, records lost, server errors per endpoint, drain time. Not part of `make
test` (it takes about 8 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    """A port nothing listens on now: two runs on one machine (or a run beside the tests)
    must not meet each other's stand-ins."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Ports:
    redis: int = field(default_factory=free_port)
    pg_proxy: int = field(default_factory=free_port)
    mosip: int = field(default_factory=free_port)
    opencrvs: int = field(default_factory=free_port)
    portal: int = field(default_factory=free_port)


class Process:
    """One supervised process: restarted when it exits unless held down (as a compose
    `restart: always` policy does), killed on demand."""

    def __init__(self, name: str, cmd: list[str], env: dict, logs: Path, restart: bool = True):
        self.name, self.cmd, self.env, self.restart = name, cmd, env, restart
        self.log = (logs / f"{name}.log").open("ab")
        self.proc: subprocess.Popen | None = None
        self.held = False
        self.restarts = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)

    def supervise(self) -> None:
        if self.restart and not self.held and self.proc and self.proc.poll() is not None:
            self.restarts += 1
            self.start()


@dataclass
class Driver:
    """The country config: one registration per OpenCRVS event."""

    portal: str
    events: list[dict]
    statuses: Counter = field(default_factory=Counter)
    accepted: dict[str, str] = field(default_factory=dict)  # event id → number accepted
    numbers: dict[str, str] = field(default_factory=dict)  # certificate number → event id
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, index: int) -> None:
        from mocks.examples import birth_request

        event = self.events[index]
        for attempt in range(1000):
            number = f"2026F{index:06d}" + (f"R{attempt}" if attempt else "")
            with self.lock:
                self.numbers[number] = event["eventId"]
            try:
                reply = requests.post(
                    f"{self.portal}/events/registration",
                    json=birth_request(number, f"F{index:06d}"),
                    headers={"Authorization": f"Bearer {event['token']}"},
                    timeout=30,
                )
                status = str(reply.status_code)
                if reply.status_code >= 500 and "json" not in reply.headers.get("Content-Type", ""):
                    status += " html"
            except requests.RequestException as exc:
                status = type(exc).__name__
            with self.lock:
                self.statuses[status] += 1
            if status == "202":
                with self.lock:
                    self.accepted[event["eventId"]] = number
                return
            if status == "409":
                with self.lock:
                    self.conflicts += 1
                return
            time.sleep(2)


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ports = Ports()
        self.work = Path(tempfile.mkdtemp(prefix="portal-faults-"))
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.state = self.work / "state"
        self.db = args.database
        self.started = time.monotonic()
        self.events_log: list[str] = []
        self.drained_at: float | None = None
        self.processes: dict[str, Process] = {}
        self.stop = threading.Event()
        p = self.ports
        self.env = {
            **os.environ,
            "PORTAL_DEMO": "true",
            "PORTAL_VAR_DIR": str(self.work / "var"),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p.pg_proxy}/{self.db}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{p.redis}/0",
            "CACHE_URL": f"redis://127.0.0.1:{p.redis}/1",
            "PORTAL_RETRY_BASE_SECONDS": "2",
            "PORTAL_RETRY_MAX_SECONDS": "30",
            "PORTAL_MAX_ATTEMPTS": "100",
            "PORTAL_SWEEP_INTERVAL_SECONDS": "10",
            "PORTAL_SWEEP_GRACE_SECONDS": "30",
            "PORTAL_HTTP_READ_TIMEOUT": "15",
            "PYTHONUNBUFFERED": "1",
        }

    # -- set-up ------------------------------------------------------------------------------

    def at(self) -> float:
        return time.monotonic() - self.started

    def note(self, what: str) -> None:
        line = f"[{self.at():7.1f}s] {what}"
        self.events_log.append(line)
        print(line, flush=True)

    def process(self, name: str, cmd: list[str], restart: bool = True) -> Process:
        proc = Process(name, cmd, self.env, self.logs, restart)
        proc.start()
        self.processes[name] = proc
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], env=self.env, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    def set_up(self) -> None:
        p, a = self.ports, self.args
        self.process("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(p.redis),
                               "--save", "", "--appendonly", "no"])  # fmt: skip
        self.process("pg-proxy", [PYTHON, "-m", "bench.faults.tcpproxy", str(p.pg_proxy),
                                  "127.0.0.1", str(a.pg_port)])  # fmt: skip
        pg = ["-h", "127.0.0.1", "-p", str(a.pg_port), "-U", "postgres"]
        subprocess.run(["dropdb", *pg, "--if-exists", "--force", self.db], check=True)
        subprocess.run(["createdb", *pg, self.db], check=True)
        time.sleep(1)
        self.manage("migrate", "--verbosity", "0")
        standin = [PYTHON, "-m", "bench.faults.standins"]
        self.process("mosip", [*standin, "mosip", "--port", str(p.mosip), "--state",
                               str(self.state), "--latency", str(a.mosip_latency),
                               "--error-rate", str(a.mosip_error_rate),
                               "--duplicate-callbacks"])  # fmt: skip
        self.process("opencrvs", [*standin, "opencrvs", "--port", str(p.opencrvs),
                                  "--state", str(self.state)])  # fmt: skip
        time.sleep(2)
        portal = f"http://127.0.0.1:{p.portal}"
        self.manage("shell", "-c", (
            "from demo.stand_ins import configure_for_stand_ins; "
            f"configure_for_stand_ins('http://127.0.0.1:{p.mosip}', "
            f"'http://127.0.0.1:{p.opencrvs}', '{portal}')"
        ))  # fmt: skip
        self.process("gunicorn", [str(BIN / "gunicorn"), "portal.wsgi", "-b",
                                  f"127.0.0.1:{p.portal}", "-k", "gthread", "-w", "2",
                                  "--threads", "8", "--timeout", "60"])  # fmt: skip
        self.process("worker", [str(BIN / "celery"), "-A", "portal", "worker", "--pool",
                                "threads", "-c", str(a.concurrency), "--loglevel", "WARNING",
                                "-n", "faults@%h"])  # fmt: skip
        self.process("beat", [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel",
                              "WARNING", "-s", str(self.work / "beat-schedule")])  # fmt: skip
        self.wait_for_subscription()
        threading.Thread(target=self.supervise, daemon=True).start()

    def wait_for_subscription(self) -> None:
        # The first subscription may meet the injected MOSIP errors too; the portal tries
        # again after 5 s, 10 s, 20 s, 40 s, then every minute.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if self.mosip_stats()["subscribed"]:
                    self.note("the portal is subscribed to the MOSIP hub")
                    return
            except (requests.RequestException, KeyError, ValueError):
                pass
            time.sleep(1)
        raise SystemExit("the portal never subscribed to the MOSIP stand-in's hub")

    def supervise(self) -> None:
        while not self.stop.wait(1):
            for proc in list(self.processes.values()):
                proc.supervise()

    def mosip_stats(self) -> dict:
        return requests.get(f"http://127.0.0.1:{self.ports.mosip}/_stats", timeout=10).json()

    def opencrvs_stats(self) -> dict:
        return requests.get(f"http://127.0.0.1:{self.ports.opencrvs}/_stats", timeout=10).json()

    # -- faults ------------------------------------------------------------------------------

    def hold_down(self, name: str, seconds: float) -> None:
        proc = self.processes[name]
        proc.held = True
        proc.kill()
        self.note(f"{name} stopped for {seconds:.0f}s")
        time.sleep(seconds)
        proc.held = False
        proc.start()
        self.note(f"{name} back")

    def sigkill(self, name: str) -> None:
        self.processes[name].kill()
        self.note(f"{name} SIGKILLed (restarted by its supervisor)")

    def schedule(self) -> list[tuple[float, str, object]]:
        if self.args.quick:
            return [
                (8, "worker SIGKILL", lambda: self.sigkill("worker")),
                (15, "Redis restart", lambda: self.hold_down("redis", 2)),
                (25, "PostgreSQL unreachable", lambda: self.hold_down("pg-proxy", 10)),
            ]
        return [
            (20, "worker SIGKILL 1", lambda: self.sigkill("worker")),
            (35, "Redis restart 1 (mid-delivery)", lambda: self.hold_down("redis", 3)),
            (60, "MOSIP down", lambda: self.hold_down("mosip", 60)),
            (100, "worker SIGKILL 2", lambda: self.sigkill("worker")),
            (140, "PostgreSQL unreachable", lambda: self.hold_down("pg-proxy", 20)),
            (180, "OpenCRVS down", lambda: self.hold_down("opencrvs", 60)),
            (200, "worker SIGKILL 3", lambda: self.sigkill("worker")),
            (260, "Redis restart 2", lambda: self.hold_down("redis", 3)),
        ]

    def run_faults(self) -> None:
        for at, _name, action in self.schedule():
            delay = at - self.at()
            if delay > 0 and self.stop.wait(delay):
                return
            threading.Thread(target=action, daemon=True).start()

    # -- the run -----------------------------------------------------------------------------

    def mint_tokens(self, count: int) -> list[dict]:
        url = f"http://127.0.0.1:{self.ports.opencrvs}/_test/token"
        return [requests.post(url, json={}, timeout=10).json() for _ in range(count)]

    def run(self) -> dict:
        self.set_up()
        events = self.mint_tokens(self.args.records)
        driver = Driver(f"http://127.0.0.1:{self.ports.portal}", events)
        self.started = time.monotonic()
        self.note(f"sending {self.args.records} registrations")
        faults = threading.Thread(target=self.run_faults, daemon=True)
        faults.start()
        interval = self.args.send_seconds / self.args.records
        with ThreadPoolExecutor(max_workers=16) as pool:
            for index in range(self.args.records):
                pool.submit(driver.register, index)
                time.sleep(interval)
        sent_at = self.at()
        self.note(f"all registrations answered ({len(driver.accepted)} accepted)")
        confirmed = self.drain(set(driver.accepted), sent_at)
        faults.join(timeout=1)
        return self.report(driver, confirmed, sent_at)

    def drain(self, expected: set[str], sent_at: float) -> dict:
        deadline = time.monotonic() + self.args.drain_timeout
        confirmations: dict = {}
        last = -1
        while time.monotonic() < deadline:
            try:
                confirmations = self.opencrvs_stats()["confirmations"]
            except (requests.RequestException, ValueError):
                time.sleep(5)
                continue
            done = len(expected & set(confirmations))
            if done != last:
                self.note(f"confirmed {done}/{len(expected)}")
                last = done
            if done == len(expected):
                self.drained_at = self.at()
                # Let late duplicates (second credential copies, retries) arrive too.
                time.sleep(30)
                return self.opencrvs_stats()["confirmations"]
            time.sleep(5)
        return confirmations

    def portal_statuses(self) -> dict:
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c",
             "import json; from django.db.models import Count; "
             "from integration.models import Submission; print(json.dumps(dict("
             "Submission.objects.values_list('status').annotate(n=Count('id')))))"],
            env=self.env, cwd=REPO, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    def report(self, driver: Driver, confirmations: dict, sent_at: float) -> dict:
        mosip = self.mosip_stats()
        packets = mosip["packets"]
        per_event: Counter = Counter()
        for number, ids in packets.items():
            per_event[driver.numbers.get(number, "?")] += len(ids)
        accepted = set(driver.accepted)
        confirmed = accepted & set(confirmations)
        return {
            "records": self.args.records,
            "accepted (202)": len(accepted),
            "refused (409)": driver.conflicts,
            "confirmed": len(confirmed),
            "lost": len(accepted - confirmed),
            "packets per certificate number": dict(Counter(len(ids) for ids in packets.values())),
            "packets per event": dict(Counter(per_event.values())),
            "confirmations per record (accept calls)": dict(Counter(confirmations.values())),
            "registrations per record (pending → accepted in OpenCRVS)": dict(
                Counter(self.opencrvs_stats()["registered"].values())
            ),
            "intake answers": dict(driver.statuses),
            "/websub/callback answers": mosip["callback_statuses"],
            "credentials the hub gave up on": len(mosip["hub_gave_up"]),
            "MOSIP stand-in errors": mosip.get("errors", []),
            "portal records by status": self.portal_statuses(),
            "drain time (s, last registration answered → all confirmed)": (
                round(self.drained_at - sent_at, 1) if self.drained_at else "not drained"
            ),
            "total time (s)": round(self.at(), 1),
            "restarts": {n: p.restarts for n, p in self.processes.items() if p.restarts},
            "faults": self.events_log,
            "settings": {k: v for k, v in self.env.items() if k.startswith("PORTAL_")},
        }

    def tear_down(self) -> None:
        self.stop.set()
        for proc in self.processes.values():
            proc.restart = False
        for proc in reversed(list(self.processes.values())):
            proc.kill(signal.SIGKILL)  # throwaway processes: no graceful wait
        pg = ["-h", "127.0.0.1", "-p", str(self.args.pg_port), "-U", "postgres"]
        subprocess.run(["dropdb", *pg, "--if-exists", "--force", self.db], check=False)


def server_errors(answers: dict) -> int:
    return sum(n for status, n in answers.items() if status.startswith("5") and status != "503")


def print_table(result: dict) -> None:
    rows = [(k, v) for k, v in result.items() if k not in ("faults", "settings")]
    width = max(len(k) for k, _ in rows)
    print("\n" + "=" * 78)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if "intake answers" in result:
        print(
            f"{'server errors (5xx other than 503)':<{width}}  intake "
            f"{server_errors(result['intake answers'])}, /websub/callback "
            f"{server_errors(result['/websub/callback answers'])}"
        )
    print("=" * 78)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument(
        "--send-seconds", type=float, default=150.0, help="spread the registrations over this long"
    )
    parser.add_argument("--mosip-latency", type=float, default=2.0)
    parser.add_argument("--mosip-error-rate", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=24, help="worker threads")
    parser.add_argument("--drain-timeout", type=float, default=1500.0)
    parser.add_argument("--database", default=os.environ.get("FAULTS_DATABASE", "portal_faults"))
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--quick", action="store_true", help="a short schedule for a smoke run")
    parser.add_argument("--output", type=Path, help="also write the result here as JSON")
    args = parser.parse_args()
    suite = Suite(args)
    try:
        result = suite.run()
    finally:
        suite.tear_down()
    print_table(result)
    print("\n".join(result["faults"]))
    if args.output:
        args.output.write_text(json.dumps(result, indent=2))
    print(f"logs: {suite.logs}")


if __name__ == "__main__":
    main()
