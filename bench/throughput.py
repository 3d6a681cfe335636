"""Throughput and cost per record of the production-like stack, in one table.

    python bench/throughput.py                      # 30 s per point, the full table
    python bench/throughput.py --seconds 5 --quick  # a short check of the harness
    python bench/throughput.py --mosip-latency 0.2  # MOSIP answering in 200 ms per call
    python bench/throughput.py --preload 1000000    # the same with 1M older records

Starts, each in its own process: gunicorn, the Celery worker (with beat embedded, or
separate with --separate-beat), a private Redis server, the MOSIP and OpenCRVS stand-ins
(bench/faults/standins.py) with MOSIP's latency per call set by --mosip-latency, on a
database of its own on the machine's PostgreSQL (dropped and created again). Then:

- closed loop: at each --concurrency, that many clients post registrations back to back
  for --seconds; replies/s and p50/p99 of the intake reply;
- open loop: registrations arrive at --rate per second for --seconds (latency counted
  from each one's scheduled time, so a stall is not hidden);
- for every point: records confirmed per second during the load (at the OpenCRVS
  stand-in), the drain (last reply → every accepted record confirmed), CPU ms per
  confirmed record from /proc for the portal's processes, PostgreSQL (the backends of this
  database only: the server is shared) and Redis, net of their idle use measured before
  the load; lost and doubled records counted at the stand-ins;
- peak RSS of every process (VmHWM).

The table is printed and written into bench/RESULTS.md with the machine, load average
and commit (not with --quick or --no-write).

Every point is bounded in time: the open loop stops offering work at --seconds and drops
what its senders could not start within --seconds more (counted as "not sent": the portal
fell that far behind), and the drain waits --drain-timeout at most. Ctrl-C, SIGTERM or
SIGHUP stop the run and every process it started (each runs in its own process group,
stopped as a group; a child also gets SIGTERM if this process is killed outright).
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TICKS = os.sysconf("SC_CLK_TCK")
RESULTS = REPO / "bench" / "RESULTS.md"


# --- /proc --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (all its threads), or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size now: shared pages (a forked child's, gunicorn's workers')
    split between the processes that share them, so the sum is the real footprint."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, PermissionError):
        pass
    return 0.0


def process_tree() -> dict[int, list[int]]:
    """parent pid → its children's pids, from one scan of /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    return tree


def children(pid: int, tree: dict[int, list[int]] | None = None) -> list[int]:
    """Every descendant of pid (gunicorn's workers, the embedded beat's process)."""
    tree = process_tree() if tree is None else tree
    found, frontier = [], [pid]
    while frontier:
        kids = tree.get(frontier.pop(), [])
        found += kids
        frontier += kids
    return found


class CpuMeter:
    """CPU per group of processes, polled every half second so that a PostgreSQL backend
    that exits mid-window still counts with its last reading."""

    def __init__(self, groups) -> None:
        self.groups = groups  # name → callable returning the group's pids
        self.last: dict[tuple[str, int], float] = {}
        self.first: dict[tuple[str, int], float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _poll(self) -> None:
        tree = process_tree()  # one scan of /proc for every group: the machine is small
        for name, pids in self.groups.items():
            for pid in pids(tree):
                used = cpu_seconds(pid)
                if used is None:
                    continue
                with self.lock:
                    self.first.setdefault((name, pid), used)
                    self.last[(name, pid)] = used

    def start(self) -> None:
        self.first, self.last = {}, {}
        self.stop.clear()
        self._poll()
        # A process first seen after the start began within the window: count all of it.
        self.started_with = set(self.first)

        def run() -> None:
            while not self.stop.wait(0.5):
                try:
                    self._poll()
                except Exception as exc:  # noqa: BLE001 - one missed reading, not a dead meter
                    print(f"CPU meter: {exc!r}", file=sys.stderr)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> dict[str, float]:
        self.stop.set()
        if self.thread:
            self.thread.join()
        self._poll()
        used: dict[str, float] = {name: 0.0 for name in self.groups}
        for key, last in self.last.items():
            base = self.first[key] if key in self.started_with else 0.0
            used[key[0]] += last - base
        return used


# --- the stack ------------------------------------------------------------------------------


@dataclass
class Stack:
    args: argparse.Namespace
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="portal-tput-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _pg: object = None
    _dropped: bool = False

    def __post_init__(self) -> None:
        a = self.args
        self.portal = f"http://127.0.0.1:{a.portal_port}"
        self.mosip = f"http://127.0.0.1:{a.mosip_port}"
        self.opencrvs = f"http://127.0.0.1:{a.opencrvs_port}"
        self.env = {
            **os.environ,
            "PORTAL_DEMO": "true",
            "PORTAL_VAR_DIR": str(self.work / "var"),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{a.pg_port}/{a.database}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{a.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{a.redis_port}/1",
            "PORTAL_LOG_LEVEL": a.log_level,
            "PYTHONUNBUFFERED": "1",
        }
        (self.work / "logs").mkdir()

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = (self.work / "logs" / f"{name}.log").open("ab")
        # Its own session, so that stopping it stops its children (gunicorn's workers, the
        # embedded beat) with it.
        proc = subprocess.Popen(cmd, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent)  # fmt: skip
        self.processes[name] = proc
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], env=self.env, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, timeout=300)  # fmt: skip

    def pg_command(self, *cmd: str) -> None:
        pg = ["-h", "127.0.0.1", "-p", str(self.args.pg_port), "-U", "postgres"]
        subprocess.run([cmd[0], *pg, *cmd[1:]], check=True, timeout=120)

    def up(self) -> None:
        a = self.args
        self.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(a.redis_port),
                             "--save", "", "--appendonly", "no"])  # fmt: skip
        self.pg_command("dropdb", "--if-exists", "--force", a.database)
        self.pg_command("createdb", a.database)
        self.manage("migrate", "--verbosity", "0")
        if a.preload:
            preload(self, a.preload)
        standin = [PYTHON, "-m", "bench.faults.standins"]
        state = str(self.work / "state")
        self.start("mosip", [*standin, "mosip", "--port", str(a.mosip_port), "--state", state,
                             "--latency", str(a.mosip_latency),
                             "--credential-delay", str(a.credential_delay)])  # fmt: skip
        opencrvs = ["opencrvs", "--port", str(a.opencrvs_port), "--state", state]
        self.start("opencrvs", [*standin, *opencrvs, "--latency", str(a.opencrvs_latency)])
        wait_for_port(a.mosip_port)
        wait_for_port(a.opencrvs_port)
        self.manage("shell", "-c", (
            "from demo.stand_ins import configure_for_stand_ins; "
            f"configure_for_stand_ins({self.mosip!r}, {self.opencrvs!r}, {self.portal!r})"
        ))  # fmt: skip
        # As operators run it (portal/gunicorn_conf.py), sized by the flags.
        self.env.update(PORTAL_BIND=f"127.0.0.1:{a.portal_port}",
                        WEB_CONCURRENCY=str(a.web_workers),
                        PORTAL_WEB_THREADS=str(a.web_threads))  # fmt: skip
        self.start("web", [PYTHON, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py",
                           "portal.wsgi"])  # fmt: skip
        worker = [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", a.log_level,
                  "-n", "tput@%h", "-s", str(self.work / "beat-schedule")]  # fmt: skip
        if a.worker_pool:
            worker += ["--pool", a.worker_pool]
        if a.worker_concurrency:
            worker += ["-c", str(a.worker_concurrency)]
        if not a.separate_beat:
            worker.append("-B")
        self.start("worker", worker)
        if a.separate_beat:
            self.start("beat", [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel",
                                a.log_level, "-s", str(self.work / "beat-schedule")])  # fmt: skip
        wait_for_port(a.portal_port)
        deadline = time.monotonic() + 90
        while not requests.get(f"{self.mosip}/_stats", timeout=10).json()["subscribed"]:
            if time.monotonic() > deadline:
                raise SystemExit(f"the portal never subscribed; logs in {self.work / 'logs'}")
            time.sleep(0.5)

    def pids(self, name: str, tree: dict[int, list[int]] | None = None) -> list[int]:
        proc = self.processes.get(name)
        if proc is None or proc.poll() is not None:
            return []
        return [proc.pid, *children(proc.pid, tree)]

    def pg_backends(self, _tree=None) -> list[int]:
        """The PostgreSQL backends serving this benchmark's database, asked on one kept
        connection (to the `postgres` database, so it is not one of them): a psql started
        twice a second would cost the shared machine a backend each time."""
        import psycopg

        if self._pg is None or self._pg.closed:
            self._pg = psycopg.connect(host="127.0.0.1", port=self.args.pg_port, user="postgres",
                                       dbname="postgres", autocommit=True,
                                       connect_timeout=10)  # fmt: skip
        rows = self._pg.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.args.database,)
        ).fetchall()
        return [pid for (pid,) in rows]

    def down(self) -> None:
        """Stop every process started, each with its group; safe to call twice (the
        finally block and atexit)."""
        while self.processes:
            name, proc = self.processes.popitem()  # the last started first
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in 20 s: killed", file=sys.stderr)
            # Whatever is left of its group (a worker's child that outlived it).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        if self._pg is not None:
            self._pg.close()
            self._pg = None
        if not self.args.keep_database and not self._dropped:
            self._dropped = True
            try:
                self.pg_command("dropdb", "--if-exists", "--force", self.args.database)
            except (subprocess.SubprocessError, OSError) as exc:
                print(f"dropdb: {exc}", file=sys.stderr)


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the benchmark dies, even by SIGKILL (which
    no handler of ours sees)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def preload(stack: Stack, rows: int) -> None:
    """`rows` older, finished records (bench/preload.py)."""
    subprocess.run([PYTHON, "-m", "bench.preload", str(rows)], env=stack.env, cwd=REPO,
                   check=True)  # fmt: skip


# --- load ---------------------------------------------------------------------------------


class Tokens:
    """Single-record tokens minted by the OpenCRVS stand-in ahead of the load."""

    def __init__(self, opencrvs: str) -> None:
        self.url = f"{opencrvs}/_test/tokens"
        self.pool: list[str] = []
        self.lock = threading.Lock()

    def mint(self, count: int) -> None:
        while count > 0:
            batch = min(count, 2000)
            self.pool += requests.post(self.url, params={"count": batch}, timeout=300).json()[
                "tokens"
            ]
            count -= batch

    def take(self) -> str | None:
        with self.lock:
            return self.pool.pop() if self.pool else None


@dataclass
class Point:
    label: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    confirmed_during: int = 0
    drain: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    confirmed: int = 0
    lost: int = 0
    doubled: int = 0
    extra_packets: int = 0


class Load:
    def __init__(self, stack: Stack, tokens: Tokens) -> None:
        self.stack, self.tokens = stack, tokens
        self.local = threading.local()
        self.counter = 0
        self.lock = threading.Lock()
        self.prefix = datetime.now(UTC).strftime("%H%M%S")

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def post_one(self, point: Point, scheduled: float | None = None) -> None:
        if STOP.is_set():
            return
        from mocks.examples import birth_request

        token = self.tokens.take()
        if token is None:
            with self.lock:
                point.errors["no token left"] = point.errors.get("no token left", 0) + 1
            return
        with self.lock:
            self.counter += 1
            number = f"2026T{self.prefix}{self.counter:07d}"
        sent = scheduled or time.monotonic()
        try:
            reply = self.session().post(
                f"{self.stack.portal}/events/registration",
                json=birth_request(number, number[-9:]),
                headers={"Authorization": f"Bearer {token}"},
                timeout=(5, 30),
            )
            status = str(reply.status_code)
        except requests.RequestException as exc:
            status = type(exc).__name__
        elapsed = (time.monotonic() - sent) * 1000
        with self.lock:
            if status == "202":
                point.accepted += 1
                point.latencies.append(elapsed)
            else:
                point.errors[status] = point.errors.get(status, 0) + 1

    def closed(self, point: Point, concurrency: int, seconds: float) -> None:
        end = time.monotonic() + seconds

        def client() -> None:
            while time.monotonic() < end and not STOP.is_set():
                self.post_one(point)

        # Daemon threads: an interrupted run does not wait for them to finish.
        threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)

    def open(self, point: Point, rate: float, seconds: float, senders: int = 64) -> None:
        """Arrivals on schedule whatever the replies; latency from the scheduled time. The
        senders' queue is bounded in time, not in length: an arrival not sent within
        `seconds` after the load ended is dropped and counted as not sent (the portal was
        that far behind), so a portal that cannot keep up ends the point instead of
        stretching it without end."""
        count = int(rate * seconds)
        start = time.monotonic()
        give_up = start + 2 * seconds + 5

        def send(scheduled: float) -> None:
            if time.monotonic() > give_up or STOP.is_set():
                with self.lock:
                    point.errors["not sent"] = point.errors.get("not sent", 0) + 1
                return
            self.post_one(point, scheduled)

        pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="open-loop")
        try:
            for index in range(count):
                scheduled = start + index / rate
                if STOP.wait(max(0.0, scheduled - time.monotonic())):
                    break
                pool.submit(send, scheduled)
        finally:
            # Queued arrivals past the give-up time return at once; in-flight ones end by
            # their request timeout at the latest.
            pool.shutdown(wait=not STOP.is_set(), cancel_futures=STOP.is_set())


def opencrvs_summary(stack: Stack) -> dict:
    return requests.get(f"{stack.opencrvs}/_stats?summary=1", timeout=30).json()


def mosip_summary(stack: Stack) -> dict:
    return requests.get(f"{stack.mosip}/_stats?summary=1", timeout=30).json()


def profile(stack: Stack, seconds: float) -> list[subprocess.Popen]:
    """py-spy on every web and worker process for the point (--profile): one raw file of
    stacks each, in --profile's folder (bench/profile_summary.py reads them). Only threads
    holding the GIL are sampled (--gil): on a shared 2-core machine a thread waiting for a
    core looks busy, and the cost per record is what the portal's own Python runs."""
    out = Path(stack.args.profile)
    out.mkdir(parents=True, exist_ok=True)
    spies = []
    for name in ("web", "worker"):
        for pid in stack.pids(name):
            target = out / f"{name}-{pid}"
            spies += [subprocess.Popen(
                [str(BIN / "py-spy"), "record", "-p", str(pid), "-d", str(int(seconds)),
                 "-r", "50", "--nonblocking", "--gil", "-f", "raw", "-o", f"{target}.txt"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )]  # fmt: skip
    return spies


def run_point(stack: Stack, load: Load, meter: CpuMeter, point: Point, drive) -> Point:
    before = opencrvs_summary(stack)
    before_mosip = mosip_summary(stack)
    spies = profile(stack, stack.args.seconds) if stack.args.profile else []
    meter.start()
    started = time.monotonic()
    try:
        drive()
        for spy in spies:
            spy.wait(timeout=stack.args.seconds + 30)
    finally:
        for spy in spies:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
    point.seconds = time.monotonic() - started
    during = opencrvs_summary(stack)
    point.confirmed_during = during["confirmed"] - before["confirmed"]
    expected = before["confirmed"] + point.accepted
    deadline = time.monotonic() + stack.args.drain_timeout
    drained_from = time.monotonic()
    now = during
    while now["confirmed"] < expected and time.monotonic() < deadline:
        if STOP.wait(0.05):
            raise Interrupted("stopped while draining")
        now = opencrvs_summary(stack)
    if now["confirmed"] >= expected:
        point.drain = time.monotonic() - drained_from
    window = time.monotonic() - started
    used = meter.finish()
    point.cpu = {name: max(0.0, used[name] - IDLE.get(name, 0.0) * window) for name in used}
    point.confirmed = now["confirmed"] - before["confirmed"]
    point.lost = max(0, point.accepted - point.confirmed)
    point.doubled = now["doubled"] - before["doubled"]
    point.extra_packets = (
        mosip_summary(stack)["numbers_with_more_than_one_packet"]
        - before_mosip["numbers_with_more_than_one_packet"]
    )
    STOP.wait(stack.args.settle)
    return point


IDLE: dict[str, float] = {}  # CPU seconds per second of each group with no load
STOP = threading.Event()  # set by Ctrl-C, SIGTERM or SIGHUP: every loop ends


class Interrupted(Exception):
    pass


def _interrupt(signum: int, _frame) -> None:
    STOP.set()
    # Once: a second signal while the stack is being stopped must not cut that short.
    for handled in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(handled, signal.SIG_IGN)
    raise Interrupted(signal.Signals(signum).name)


def measure_idle(meter: CpuMeter, seconds: float) -> None:
    meter.start()
    time.sleep(seconds)
    used = meter.finish()
    IDLE.update({name: value / seconds for name, value in used.items()})


# --- the table ------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


PORTAL_GROUPS = ("web", "worker", "beat")
STAND_INS = ("mosip", "opencrvs")


def others(points: list[Point], name: str) -> float:
    return sum(p.cpu.get(name, 0) for p in points) * 1000 / max(1, sum(p.confirmed for p in points))


def table(points: list[Point], rss: dict[str, float], pss: float) -> str:
    lines = [
        "| load | sent/s | replies/s | p50 ms | p99 ms | errors | confirmed/s during load "
        "| drain s | CPU ms/record portal (web + workers) | PostgreSQL | Redis "
        "| portal + PG + Redis | lost | doubled |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        per = {
            k: (v * 1000 / p.confirmed if p.confirmed else float("nan")) for k, v in p.cpu.items()
        }
        portal = sum(per.get(g, 0.0) for g in PORTAL_GROUPS)
        total = portal + per["postgres"] + per["redis"]
        sent = (p.accepted + sum(p.errors.values())) / p.seconds
        web_workers = f"{portal:.1f} ({per['web']:.1f} + {per['worker'] + per.get('beat', 0):.1f})"
        lines.append(
            f"| {p.label} | {sent:.0f} | {p.accepted / p.seconds:.1f} "
            f"| {percentile(p.latencies, 0.5):.0f} | {percentile(p.latencies, 0.99):.0f} "
            f"| {json.dumps(p.errors) if p.errors else 0} | {p.confirmed_during / p.seconds:.1f} "
            f"| {f'{p.drain:.1f}' if p.drain is not None else 'not drained'} "
            f"| {web_workers} | {per['postgres']:.1f} | {per['redis']:.1f} | **{total:.1f}** "
            f"| {p.lost} | {p.doubled + p.extra_packets} |"
        )
    production = sum(v for k, v in rss.items() if k.split(" ")[0] in PORTAL_GROUPS)
    lines += [
        "",
        "Peak RSS (VmHWM) per process, MB: "
        + ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
        + f". **Portal (web, workers, beat) together: peak RSS {production:.0f} MB; "
        f"proportional (PSS, shared pages counted once) at the end {pss:.0f} MB.**",
        "",
        "CPU of the processes that are not the portal, in the same windows (the load driver "
        "runs in this benchmark's own process and is not counted): "
        + ", ".join(
            f"{name} {others(points, name):.1f} ms/record" for name in ("mosip", "opencrvs")
        )
        + ".",
        "",
        f"Portal + PostgreSQL + Redis per record, relative to the MOSIP stand-in's: "
        f"**{relative_cost(points):.2f}×**. The stand-in does the same work in every run, so "
        "this compares runs on a machine whose speed drifts (on the 2-core VM, the "
        "stand-in's own cost per record moved by a quarter between runs minutes apart).",
    ]
    return "\n".join(lines)


def relative_cost(points: list[Point]) -> float:
    groups = (*PORTAL_GROUPS, "postgres", "redis")
    ours = sum(p.cpu.get(g, 0.0) for p in points for g in groups)
    return ours / max(1e-9, sum(p.cpu.get("mosip", 0.0) for p in points))


def header(args, load_before: str) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, {os.cpu_count()} cores "
        f"({cpu}), Python {platform.python_version()}; load average before the run: "
        f"{load_before}.\n\n"
        f"Stack: gunicorn gthread {args.web_workers}×{args.web_threads}, Celery worker "
        f"(pool {args.worker_pool or 'default'}, concurrency {args.worker_concurrency or 'default'}"
        f", beat {'separate' if args.separate_beat else 'embedded (-B)'}), PostgreSQL "
        f"(database {args.database}, {args.preload:,} older records), Redis on "
        f"{args.redis_port}; MOSIP stand-in {args.mosip_latency * 1000:.0f} ms per call, "
        f"credential {args.credential_delay * 1000:.0f} ms after the workflow starts; "
        f"log level {args.log_level}; {args.seconds:.0f} s per point.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="per point")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--rate", type=float, nargs="*", default=[90.0],
                        help="open-loop arrivals per second")  # fmt: skip
    parser.add_argument("--mosip-latency", type=float, default=0.0, help="seconds per call")
    parser.add_argument("--opencrvs-latency", type=float, default=0.0)
    parser.add_argument("--credential-delay", type=float, default=0.05)
    parser.add_argument("--preload", type=int, default=0, help="older records in the table")
    parser.add_argument("--database", default=os.environ.get("TPUT_DATABASE", "portal_i11"))
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--redis-port", type=int, default=6389)
    parser.add_argument("--portal-port", type=int, default=20560)
    parser.add_argument("--mosip-port", type=int, default=20540)
    parser.add_argument("--opencrvs-port", type=int, default=20550)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--worker-pool", default="threads")
    parser.add_argument("--worker-concurrency", type=int, default=32)
    parser.add_argument("--separate-beat", action="store_true")
    parser.add_argument("--log-level", default="INFO", help="the portal's (INFO as deployed)")
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--settle", type=float, default=2.0, help="pause between points")
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    quick = "a harness check: no RESULTS.md, drain and idle windows shortened"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--label", default="", help="a heading for this run in RESULTS.md")
    parser.add_argument("--profile", default="", help="py-spy every portal process into DIR")
    args = parser.parse_args()
    if args.quick:
        args.drain_timeout = min(args.drain_timeout, 30.0)
        args.idle_seconds = min(args.idle_seconds, 2.0)
        args.settle = min(args.settle, 1.0)

    if args.profile and not (BIN / "py-spy").exists():
        raise SystemExit(f"--profile needs py-spy: {BIN / 'pip'} install py-spy")

    load_before = Path("/proc/loadavg").read_text().split(" ")[:3]
    stack = Stack(args)
    atexit.register(stack.down)  # whatever way the run ends
    for stopping in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stopping, _interrupt)
    points: list[Point] = []
    try:
        stack.up()
        meter = CpuMeter({
            name: (lambda tree, n=name: stack.pids(n, tree))
            for name in ("web", "worker", "beat", "redis", "mosip", "opencrvs")
        } | {"postgres": stack.pg_backends})  # fmt: skip
        tokens = Tokens(stack.opencrvs)
        load = Load(stack, tokens)
        # Warm up: every process reads its settings and opens its connections once.
        tokens.mint(50)
        warm = Point("warm-up")
        run_point(stack, load, meter, warm, lambda: load.closed(warm, 4, 3))
        measure_idle(meter, args.idle_seconds)
        for concurrency in args.concurrency:
            tokens.pool.clear()
            tokens.mint(int(args.seconds * 400 + 100))
            point = Point(f"closed, {concurrency} clients")
            print(f"{point.label} …", flush=True)
            drive = lambda p=point, c=concurrency: load.closed(p, c, args.seconds)  # noqa: E731
            points.append(run_point(stack, load, meter, point, drive))
        for rate in args.rate:
            tokens.pool.clear()
            tokens.mint(int(rate * args.seconds) + 10)
            point = Point(f"open, {rate:.0f}/s")
            print(f"{point.label} …", flush=True)
            drive = lambda p=point, r=rate: load.open(p, r, args.seconds)  # noqa: E731
            points.append(run_point(stack, load, meter, point, drive))
        rss = {}
        pss = sum(pss_mb(pid) for name in PORTAL_GROUPS for pid in stack.pids(name))
        for name in ("web", "worker", "beat", "postgres", "redis", "mosip", "opencrvs"):
            pids = stack.pg_backends() if name == "postgres" else stack.pids(name)
            for index, pid in enumerate(pids):
                rss[f"{name} {index}" if len(pids) > 1 else name] = peak_rss_mb(pid)
        if any(k.startswith("postgres") for k in rss):
            # Shared memory is counted in every backend's RSS: the largest one stands for all.
            biggest = max(v for k, v in rss.items() if k.startswith("postgres"))
            rss = {k: v for k, v in rss.items() if not k.startswith("postgres")}
            rss["postgres (largest backend)"] = biggest
    except Interrupted as stopped:
        print(f"\n{stopped}: stopping every process started", file=sys.stderr)
        stack.down()
        raise SystemExit(130) from None
    finally:
        stack.down()
    result = header(args, " ".join(load_before)) + "\n" + table(points, rss, pss)
    print("\n" + result)
    if not (args.quick or args.no_write):
        title = args.label or (
            f"MOSIP {args.mosip_latency * 1000:.0f} ms, {args.preload:,} older records"
        )
        with RESULTS.open("a") as out:
            out.write(f"\n## {title}\n\n{result}\n")
        print(f"\nwritten to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
