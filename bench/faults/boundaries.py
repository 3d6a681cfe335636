"""The fault suite at the portal's boundaries (issue 22): what the portal cannot see from
its own database, counted at the stand-ins.

    python -m bench.faults.boundaries                        # 1,000 registrations
    python -m bench.faults.boundaries --records 100 --quick  # a short smoke run
    python -m bench.faults.boundaries --scenario failover    # the PostgreSQL failover alone

As `python -m bench.faults` (same processes and report; the driver posts OpenCRVS v2
EventDocuments, the format the reconciliation compares), with:

- two worker hosts: two Celery workers, each reaching PostgreSQL and Redis through its own
  proxies; host A's proxies go silent (bytes held, sockets open) for 60 s and come back
  (a zombie whose lease ran out), then host B's go silent for 60 s and host B is killed
  (restarted by its supervisor); MOSIP answers slowly (--slow-latency s a call) meanwhile;
- the database turned read-only for 30 s (ALTER DATABASE ... default_transaction_read_only
  and its backends terminated, as a failover to a replica does), then writable again:
  intake answers of 500 in that window, and how long until intake answers 202 again;
- MOSIP's hub dropping 5 % of credentials and rejecting 2 % of packets (the MOSIP
  stand-in's rate controls), and 5 % of the country config's calls never sent (the OpenCRVS
  stand-in holds those events waiting for external validation; only the portal's
  reconciliation can find them).

Then, in the same run and report (rows "failover: ..."), a PostgreSQL failover (class
Failover): the portal on a private primary and its synchronous streaming standby through
one multi-host DATABASE_URL (target_session_attrs=read-write), the primary killed while
registrations flow and the standby promoted; every record must end confirmed, with no
answer of 500.

The recovery waits (MOSIP status look-up, credential re-request, reconciliation interval
and grace) are shortened by their settings so that all of it happens within the run.
Reports createPacket calls and workflow starts per registration id, as MOSIP counted them.
It holds about 90 PostgreSQL connections at its peak (gunicorn, beat and two hosts): on a
server shared with other runs, mind max_connections.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from bench.faults.__main__ import (
    BIN,
    PYTHON,
    Driver,
    Process,
    Suite,
    free_port,
    print_table,
    server_errors,
)
from bench.faults.pgcluster import StandbyPair
from mocks import examples

# Every twentieth event's call from the country config is lost (5 %).
LOST_EVERY = 20
# The recovery waits, shortened for the run (their defaults are minutes to hours).
RECOVERY_SETTINGS = {
    "PORTAL_MOSIP_STATUS_AFTER_SECONDS": "45",
    "PORTAL_MOSIP_STATUS_INTERVAL_SECONDS": "30",
    "PORTAL_MOSIP_STATUS_CHECK_SECONDS": "10",
    "PORTAL_MOSIP_UNKNOWN_GRACE_SECONDS": "120",
    "PORTAL_CREDENTIAL_WAIT_SECONDS": "45",
    "PORTAL_CREDENTIAL_REQUESTS_MAX": "4",
    "PORTAL_RECONCILIATION_INTERVAL_SECONDS": "30",
    "PORTAL_RECONCILIATION_WINDOW_HOURS": "2",
    "PORTAL_RECONCILIATION_GRACE_SECONDS": "20",
    "PORTAL_RECONCILIATION_MISSING": "take_in",
}
# A birth declaration as OpenCRVS v2 holds it (the raw EventDocument's DECLARE action).
DECLARATION = {
    "child.name": {"firstname": "Amani", "middlename": "", "surname": "Juma"},
    "child.dob": "2024-01-31",
    "child.gender": "female",
    "mother.name": {"firstname": "Neema", "surname": "Juma"},
    "mother.nid": "1234567891",
    "informant.email": "neema@example.com",
    "informant.phoneNo": "0911111111",
}


def waiting_event() -> dict:
    """An event declared and sent for external validation (REGISTER requested)."""
    return examples.waiting_event(DECLARATION)


class TimedAnswers(Counter):
    """The driver's answer counts, noting when each answer came (for the read-only window)."""

    started = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.times: list[tuple[float, str]] = []

    def __setitem__(self, key: str, value: int) -> None:
        if value > self.get(key, 0):
            self.times.append((time.monotonic() - self.started, key))
        super().__setitem__(key, value)


@dataclass
class TimedDriver(Driver):
    """The driver, with its answers timed, losing every LOST_EVERY-th event's call: the
    OpenCRVS stand-in holds that event waiting for external validation, nothing is sent."""

    opencrvs: str = ""
    statuses: TimedAnswers = field(default_factory=TimedAnswers)
    lost: list[str] = field(default_factory=list)
    lose_every: int = LOST_EVERY  # 0: every call is sent

    def register(self, index: int) -> None:
        """As the country config on OpenCRVS v2: the EventDocument, posted with the token
        OpenCRVS gave for its REGISTER action; sent again (the same event) until 202."""
        document = waiting_event()
        if self.lose_every and index % self.lose_every == self.lose_every // 2:
            held = requests.post(f"{self.opencrvs}/_test/event?lost=1", json=document, timeout=30)
            held.raise_for_status()
            with self.lock:
                self.lost.append(document["id"])
            return
        held = requests.post(f"{self.opencrvs}/_test/event", json=document, timeout=30).json()
        token = requests.post(
            f"{self.opencrvs}/_test/token",
            json={"event_id": held["eventId"], "action_id": held["actionId"]},
            timeout=30,
        ).json()["token"]
        for _attempt in range(1000):
            try:
                reply = requests.post(
                    f"{self.portal}/trigger/events/{document['type']}/actions/REGISTER",
                    json=document,
                    headers={"Authorization": f"Bearer {token}"},
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
                    self.accepted[document["id"]] = document["trackingId"]
                return
            if status == "409":
                with self.lock:
                    self.conflicts += 1
                return
            time.sleep(2)


class Boundaries(Suite):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.env.update(RECOVERY_SETTINGS)
        self.read_only: tuple[float, float] | None = None
        # host → (PostgreSQL proxy port, Redis proxy port)
        self.hosts = {host: (free_port(), free_port()) for host in ("a", "b")}

    # -- set-up ------------------------------------------------------------------------------

    def set_up(self) -> None:
        super().set_up()
        # The one worker of the base suite gives way to two hosts behind their own proxies.
        single = self.processes.pop("worker")
        single.restart = False
        single.kill()
        p, a = self.ports, self.args
        for host, (pg_port, redis_port) in self.hosts.items():
            proxy = [PYTHON, "-m", "bench.faults.tcpproxy"]
            self.process(f"pg-proxy-{host}", [*proxy, str(pg_port), "127.0.0.1", str(a.pg_port)])
            self.process(f"redis-proxy-{host}", [*proxy, str(redis_port), "127.0.0.1",
                                                 str(p.redis)])  # fmt: skip
        time.sleep(1)
        for host, (pg_port, redis_port) in self.hosts.items():
            env = {
                **self.env,
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/{self.db}",
                "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
                "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
            }
            cmd = [str(BIN / "celery"), "-A", "portal", "worker", "--pool", "threads", "-c",
                   str(a.concurrency // 2), "--loglevel", "WARNING",
                   "-n", f"host-{host}@%h"]  # fmt: skip
            proc = Process(f"worker-{host}", cmd, env, self.logs)
            proc.start()
            self.processes[f"worker-{host}"] = proc
        self.configure_stand_ins()
        self.mosip_control(packet_reject_rate=a.reject_rate, credential_drop_rate=a.drop_rate)
        self.note(
            f"MOSIP rejects {a.reject_rate:.0%} of packets, its hub drops {a.drop_rate:.0%} "
            f"of credentials; 1 in {LOST_EVERY} country-config calls is lost"
        )

    def configure_stand_ins(self) -> None:
        p = self.ports
        # The shipped profiles, v2 events active (the reconciliation compares only the event
        # types the portal takes as EventDocuments), with the default an admin sets for
        # addressLine1; the reconciliation's system client (allowed record.search).
        self.manage("shell", "-c", (
            "from integration.models import OpenCrvsSettings, FieldMapping; "
            "from integration.mapping.exchange import load_defaults; "
            "from mocks.opencrvs import SYSTEM_CLIENT; "
            "load_defaults(); "
            "FieldMapping.objects.filter(target='addressLine1')"
            ".update(default='Address not recorded'); "
            "c = OpenCrvsSettings.load(); "
            f"c.auth_url = 'http://127.0.0.1:{p.opencrvs}'; "
            "c.client_id, c.client_secret = SYSTEM_CLIENT; c.save()"
        ))  # fmt: skip

    def mosip_control(self, **controls: float) -> None:
        url = f"http://127.0.0.1:{self.ports.mosip}/_control"
        requests.post(url, json=controls, timeout=10).raise_for_status()

    # -- faults ------------------------------------------------------------------------------

    def silence(self, host: str, seconds: float, kill_after: bool) -> None:
        proxies = [self.processes[f"{kind}-proxy-{host}"] for kind in ("pg", "redis")]
        for proxy in proxies:
            os.kill(proxy.proc.pid, signal.SIGUSR1)
        self.note(f"host {host}: PostgreSQL and Redis silent (bytes held, sockets open)")
        time.sleep(seconds)
        if kill_after:
            self.processes[f"worker-{host}"].kill()
            self.note(f"host {host} SIGKILLed at the end of its silence (restarted)")
        for proxy in proxies:
            os.kill(proxy.proc.pid, signal.SIGUSR2)
        self.note(f"host {host}: network back")

    def slow_mosip(self, seconds: float) -> None:
        self.mosip_control(latency_seconds=self.args.slow_latency)
        self.note(f"MOSIP slowed to {self.args.slow_latency:.0f}s a call")
        time.sleep(seconds)
        self.mosip_control(latency_seconds=self.args.mosip_latency)
        self.note("MOSIP back to its usual pace")

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.args.pg_port), "-U",
                        "postgres", "-d", "postgres", "-qAt", "-v", "ON_ERROR_STOP=1",
                        "-c", sql], check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    def read_only_for(self, seconds: float) -> None:
        # As a failover to a replica or a disk-full guard: every new transaction is
        # read-only, and the connections open before it are cut.
        self.psql(f"ALTER DATABASE {self.db} SET default_transaction_read_only = on")
        self.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.db}' AND pid <> pg_backend_pid()"
        )
        start = self.at()
        self.note("database read-only")
        time.sleep(seconds)
        # Writable again; connections opened meanwhile stay read-only until the portal
        # drops them (what the issue saw: up to an hour).
        self.psql(f"ALTER DATABASE {self.db} SET default_transaction_read_only = off")
        self.read_only = (start, self.at())
        self.note("database writable again")

    def schedule(self) -> list[tuple[float, str, object]]:
        q = self.args.quick
        silent = 30 if q else 60
        a_at, b_at = (5, 40) if q else (20, 90)
        ro_at, ro_for = (75, 15) if q else (150, 30)
        return [
            (a_at, "MOSIP slow", lambda: self.slow_mosip(b_at + silent - a_at)),
            (a_at, "host A silent", lambda: self.silence("a", silent, kill_after=False)),
            (b_at, "host B silent, killed", lambda: self.silence("b", silent, kill_after=True)),
            (ro_at, "database read-only", lambda: self.read_only_for(ro_for)),
        ]

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> dict:
        driver, sent_at = self.send_and_drain(lose_every=LOST_EVERY)
        return self.boundaries_report(driver, sent_at)

    def send_and_drain(self, lose_every: int) -> tuple[TimedDriver, float]:
        self.set_up()
        driver = TimedDriver(f"http://127.0.0.1:{self.ports.portal}", [],
                             opencrvs=f"http://127.0.0.1:{self.ports.opencrvs}",
                             lose_every=lose_every)  # fmt: skip
        self.started = time.monotonic()
        driver.statuses.started = self.started
        self.note(f"sending {self.args.records} registrations")
        faults = threading.Thread(target=self.run_faults, daemon=True)
        faults.start()
        interval = self.args.send_seconds / self.args.records
        with ThreadPoolExecutor(max_workers=16) as pool:
            for index in range(self.args.records):
                pool.submit(driver.register, index)
                time.sleep(interval)
        sent_at = self.at()
        self.note(f"all registrations answered ({len(driver.accepted)} accepted, "
                  f"{len(driver.lost)} lost on the way)")  # fmt: skip
        faults.join(timeout=600)  # the read-only window must be over before the drain
        self.drain_outcomes(set(driver.accepted) | set(driver.lost), sent_at)
        return driver, sent_at

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.args.pg_port, user="postgres",
                               dbname=self.db, connect_timeout=10)  # fmt: skip

    def submissions(self) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(
                "SELECT s.event_id, s.status, s.failure_kind, s.last_error, s.credential_requests,"
                " array_remove(array_agg(t.value), NULL), s.reason_params::text"
                " FROM integration_submission s"
                " LEFT JOIN integration_transactionid t ON t.submission_id = s.id"
                " GROUP BY s.id"
            ).fetchall()

    def ended(self, expected: set[str]) -> tuple[set[str], set[str]]:
        """Events confirmed in OpenCRVS, and events the portal failed as MOSIP rejected."""
        confirmed = expected & set(self.opencrvs_stats()["confirmations"])
        rejected = {row[0] for row in self.submissions()
                    if row[1] == "failed" and row[2] == "mosip_rejected"}  # fmt: skip
        return confirmed, rejected & expected

    def drain_outcomes(self, expected: set[str], sent_at: float) -> None:
        deadline = time.monotonic() + self.args.drain_timeout
        last = None
        while time.monotonic() < deadline:
            try:
                confirmed, rejected = self.ended(expected)
            except (requests.RequestException, ValueError, psycopg.Error):
                time.sleep(5)
                continue
            if (len(confirmed), len(rejected)) != last:
                last = (len(confirmed), len(rejected))
                self.note(f"confirmed {len(confirmed)}, failed as MOSIP rejected "
                          f"{len(rejected)}, of {len(expected)}")  # fmt: skip
            if len(confirmed | rejected) == len(expected):
                self.drained_at = self.at()
                time.sleep(30)  # late duplicates (second copies, zombies) arrive too
                return
            time.sleep(5)

    def boundaries_report(self, driver: TimedDriver, sent_at: float) -> dict:
        mosip = self.mosip_stats()
        opencrvs = self.opencrvs_stats()
        rows = self.submissions()
        lost = set(driver.lost)
        expected = set(driver.accepted) | lost
        confirmations = opencrvs["confirmations"]
        by_event = {row[0]: row for row in rows if row[0]}
        rejected_at_mosip = set(mosip["rejected"])
        confirmed = expected & set(confirmations)
        failed_rejected = {e for e in expected - confirmed
                           if e in by_event and by_event[e][2] == "mosip_rejected"}  # fmt: skip
        # Every transaction id the portal holds for an expected event, and what MOSIP saw.
        rids = {rid for e in expected if e in by_event for rid in by_event[e][5]}
        dropped = set(mosip["hub_gave_up"])
        dropped_events = {e for e in expected if e in by_event and set(by_event[e][5]) & dropped}
        ro_answers: Counter = Counter()
        back_after: float | str = "no 202 after the window"
        if self.read_only:
            start, end = self.read_only
            ro_answers = Counter(s for t, s in driver.statuses.times if start <= t <= end)
            after = [t for t, s in driver.statuses.times if t > end and s == "202"]
            if after:
                back_after = round(min(after) - end, 1)
        # MOSIP's reason: the rejection's code, kept in the record's reason or its error.
        codes = {rid: errors[0][0] for rid, errors in mosip["rejected"].items() if errors}
        # Either path fails a rejected record with MOSIP's reason: the workflow manager's
        # event, or the status look-up. One MOSIP was never asked the status of was
        # failed by the event.
        searched = set(mosip.get("status_searched", []))
        by_workflow_event = {e for e in failed_rejected if not set(by_event[e][5]) & searched}
        workflow = mosip.get("workflow_events", {})
        reason_ok = sum(
            1 for e in failed_rejected
            if any(codes.get(rid, "\0") in (by_event[e][3] or "") + (by_event[e][6] or "")
                   for rid in by_event[e][5])
        )  # fmt: skip
        result = {
            "records (events)": self.args.records,
            "accepted (202)": len(driver.accepted),
            "country-config calls lost": len(lost),
            "confirmed": len(confirmed),
            "failed as MOSIP rejected": len(failed_rejected),
            "  of them with MOSIP's reason": reason_ok,
            "  of them failed by MOSIP's workflow event": len(by_workflow_event),
            "  of them failed by the status look-up": len(failed_rejected - by_workflow_event),
            "packets MOSIP rejected (ids)": len(rejected_at_mosip),
            "workflow events published (by result)": dict(
                Counter(r for results in workflow.get("published", {}).values() for r in results)
            ),
            "workflow events delivered / hub gave up": (
                f"{sum(workflow.get('delivered', {}).values())}"
                f" / {len(workflow.get('hub_gave_up', []))}"
            ),
            "/websub/callback/workflow answers": workflow.get("answers", {}),
            "lost calls found and confirmed": len(lost & confirmed),
            "lost calls found, failed as MOSIP rejected": len(lost & failed_rejected),
            "lost calls taken in (portal has them)": len(lost & set(by_event)),
            "neither confirmed nor failed as rejected": len(expected - confirmed - failed_rejected),
            "createPacket calls per registration id": dict(
                Counter(mosip["create_packet_calls"].get(rid, 0) for rid in rids)
            ),
            "workflow starts per registration id": dict(
                Counter(mosip["workflow_starts"].get(rid, 0) for rid in rids)
            ),
            "packets per event (certificate numbers)": dict(
                Counter(len(by_event[e][5]) for e in expected if e in by_event)
            ),
            "confirmations per record (accept calls)": dict(
                Counter(confirmations[e] for e in confirmed)
            ),
            "credentials the hub dropped": len(dropped),
            "  records concerned, confirmed": f"{len(dropped_events & confirmed)}"
            f"/{len(dropped_events)}",
            "  records concerned, failed (needing a person)": sum(
                1 for e in dropped_events if by_event[e][1] == "failed"
            ),
            "intake answers": dict(driver.statuses),
            "intake answers while read-only": dict(ro_answers),
            "intake 500s while read-only": sum(n for s, n in ro_answers.items() if s == "500"),
            "intake 202 again after writable (s)": back_after,
            "/websub/callback answers": mosip["callback_statuses"],
            "MOSIP stand-in errors": mosip.get("errors", []),
            "portal records by status": dict(Counter(row[1] for row in rows)),
            "drain time (s, last registration answered → all ended)": (
                round(self.drained_at - sent_at, 1) if self.drained_at else "not drained"
            ),
            "total time (s)": round(self.at(), 1),
            "restarts": {n: p.restarts for n, p in self.processes.items() if p.restarts},
            "faults": self.events_log,
            "settings": {k: v for k, v in self.env.items() if k.startswith("PORTAL_")},
        }
        return result


class Failover(Boundaries):
    """A PostgreSQL failover: every process of the portal on a private primary and its
    streaming standby (bench/faults/pgcluster.py), through one libpq multi-host
    DATABASE_URL with target_session_attrs=read-write; while registrations flow, the
    primary's server dies with every backend (SIGKILL) and the standby is promoted
    --promote-after seconds later. Nothing else fails: every record must end confirmed."""

    def __init__(self, args: argparse.Namespace) -> None:
        args = argparse.Namespace(**{**vars(args), "database": "portal_failover"})
        super().__init__(args)
        self.cluster = StandbyPair(synchronous=not args.async_standby)
        # The base suite's own database steps (createdb, dropdb) go to the writable server.
        self.args.pg_port = self.cluster.primary_port
        self.env["DATABASE_URL"] = self.cluster.url(self.db)
        self.switch: tuple[float, float] | None = None  # primary killed, standby promoted
        self.health: list[tuple[float, int | str, str]] = []  # /healthz: when, status, database

    def set_up(self) -> None:
        self.cluster.start()
        self.note(
            f"primary :{self.cluster.primary_port}, standby :{self.cluster.standby_port} "
            f"({'a' if self.args.async_standby else ''}synchronous replication)"
        )
        Suite.set_up(self)
        unused = self.processes.pop("pg-proxy")  # the portal reaches the servers directly
        unused.restart = False
        unused.kill()
        self.configure_stand_ins()
        self.mosip_control(packet_reject_rate=0, credential_drop_rate=0)
        threading.Thread(target=self.watch_health, daemon=True).start()

    def connect(self) -> psycopg.Connection:
        return self.cluster.connect(self.db)

    def watch_health(self) -> None:
        """What an operator's probe sees, every second."""
        url = f"http://127.0.0.1:{self.ports.portal}/healthz"
        while not self.stop.wait(1):
            try:
                reply = requests.get(url, timeout=10)
                answer = (reply.status_code, reply.json()["checks"]["database"])
            except (requests.RequestException, ValueError, KeyError) as exc:
                answer = (type(exc).__name__, "")
            self.health.append((self.at(), *answer))  # when the answer came

    def fail_over(self) -> None:
        self.cluster.kill_primary()
        killed = self.at()
        self.note("primary SIGKILLed (server and every backend)")
        time.sleep(self.args.promote_after)
        self.cluster.promote()
        self.args.pg_port = self.cluster.standby_port
        self.switch = (killed, self.at())
        self.note("standby promoted")

    def schedule(self) -> list[tuple[float, str, object]]:
        return [(max(10.0, 0.4 * self.args.send_seconds), "failover", self.fail_over)]

    def run(self) -> dict:
        driver, sent_at = self.send_and_drain(lose_every=0)
        return self.failover_report(driver, sent_at)

    def failover_report(self, driver: TimedDriver, sent_at: float) -> dict:
        mosip = self.mosip_stats()
        confirmations = self.opencrvs_stats()["confirmations"]
        rows = self.submissions()
        by_event = {row[0]: row for row in rows if row[0]}
        expected = set(driver.accepted)
        confirmed = expected & set(confirmations)
        rids = {rid for e in expected if e in by_event for rid in by_event[e][5]}
        answers = dict(driver.statuses)
        switch: dict = {}
        if self.switch:
            killed, promoted = self.switch
            back = min((t for t, s in driver.statuses.times if t > promoted and s == "202"),
                       default=None)  # fmt: skip
            healthy = min((t for t, _, db in self.health if t > promoted and db == "ok"),
                          default=None)  # fmt: skip
            until = back if back is not None else float("inf")
            switch = {
                "primary killed → standby promoted (s)": round(promoted - killed, 1),
                "intake answers from the kill to the first 202 after": dict(
                    Counter(s for t, s in driver.statuses.times if killed <= t <= until)
                ),
                "intake 202 again after promotion (s)": (
                    round(back - promoted, 1) if back is not None else "never"
                ),
                "/healthz from the kill until its database is ok": dict(
                    Counter(
                        f"{status} database {db or '-'}"
                        for t, status, db in self.health
                        if killed <= t <= (healthy or float("inf"))
                    )
                ),  # fmt: skip
                "/healthz database ok again after promotion (s)": (
                    round(healthy - promoted, 1) if healthy is not None else "never"
                ),
            }
        result = {
            "records (events)": self.args.records,
            "replication": "asynchronous" if self.args.async_standby else "synchronous",
            "accepted (202)": len(expected),
            "confirmed": len(confirmed),
            "accepted, not confirmed (lost)": len(expected - confirmed),
            "intake answers": answers,
            "intake answers of 500": sum(n for s, n in answers.items() if s.startswith("500")),
            "server errors (5xx other than 503)": (
                f"intake {server_errors(answers)}, "
                f"/websub/callback {server_errors(mosip['callback_statuses'])}"
            ),
            **switch,
            "createPacket calls per registration id": dict(
                Counter(mosip["create_packet_calls"].get(rid, 0) for rid in rids)
            ),
            "workflow starts per registration id": dict(
                Counter(mosip["workflow_starts"].get(rid, 0) for rid in rids)
            ),
            "confirmations per record (accept calls)": dict(
                Counter(confirmations[e] for e in confirmed)
            ),
            "/websub/callback answers": mosip["callback_statuses"],
            "portal records by status": dict(Counter(row[1] for row in rows)),
            "drain time (s, last registration answered → all ended)": (
                round(self.drained_at - sent_at, 1) if self.drained_at else "not drained"
            ),
            "total time (s)": round(self.at(), 1),
            "restarts": {n: p.restarts for n, p in self.processes.items() if p.restarts},
        }
        return {
            **{f"failover: {key}": value for key, value in result.items()},
            "faults": self.events_log,
            "settings": {k: v for k, v in self.env.items() if k.startswith("PORTAL_")},
        }

    def tear_down(self) -> None:
        super().tear_down()
        self.cluster.stop()


SCENARIOS = {"boundaries": Boundaries, "failover": Failover}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults.boundaries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--send-seconds", type=float, help="240 (--quick: 100)")
    parser.add_argument("--mosip-latency", type=float, default=1.0)
    parser.add_argument(
        "--slow-latency", type=float, default=5.0, help="MOSIP while hosts are silent"
    )
    parser.add_argument("--mosip-error-rate", type=float, default=0.1)
    parser.add_argument("--reject-rate", type=float, default=0.02)
    parser.add_argument("--drop-rate", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=24, help="worker threads, both hosts")
    parser.add_argument("--drain-timeout", type=float, default=1500.0)
    parser.add_argument("--database", default=os.environ.get("FAULTS_DATABASE", "portal_faults"))
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--quick", action="store_true", help="a short schedule for a smoke run")
    parser.add_argument("--output", type=Path, help="also write the results here as JSON")
    parser.add_argument(
        "--scenario", choices=["all", *SCENARIOS], default="all",
        help="all (default): the boundaries, then the PostgreSQL failover; or one alone",
    )  # fmt: skip
    parser.add_argument(
        "--promote-after", type=float, default=5.0,
        help="failover: seconds from the primary's death to the standby's promotion",
    )  # fmt: skip
    parser.add_argument(
        "--async-standby", action="store_true",
        help="failover: asynchronous replication (the last commits may be lost with the primary)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.send_seconds is None:
        args.send_seconds = 100.0 if args.quick else 240.0
    results, logs = {}, []
    for name, scenario in SCENARIOS.items():
        if args.scenario not in ("all", name):
            continue
        suite = scenario(args)
        try:
            results[name] = suite.run()
        finally:
            suite.tear_down()
        logs.append(suite.logs)
    rows: dict = {}
    if result := results.get("boundaries"):
        rows = {k: v for k, v in result.items() if k != "intake answers"}
        rows["intake answers"] = result["intake answers"]
        rows["/websub/callback answers"] = result["/websub/callback answers"]
    if result := results.get("failover"):
        rows.update({k: v for k, v in result.items() if k.startswith("failover: ")})
    print_table(rows)
    for result in results.values():
        print("\n".join(result["faults"]))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2))
    print("logs: " + ", ".join(map(str, logs)))


if __name__ == "__main__":
    main()
