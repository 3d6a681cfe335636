"""A throwaway PostgreSQL primary and its streaming standby on loopback, for the fault
suite's failover scenario: initdb, pg_basebackup -R, then the primary's host "dies" (its
server and every backend SIGKILLed at once) and the standby is promoted.

Uses the machine's PostgreSQL binaries (/usr/lib/postgresql/<newest>/bin, or PG_BIN).
Run as root, the servers run as the `postgres` user (PostgreSQL refuses root); otherwise
as the current user. Everything lives in one temporary folder, removed by stop().
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from bench.faults.__main__ import free_port


def pg_bin() -> Path:
    if configured := os.environ.get("PG_BIN"):
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (set PG_BIN)")
    return Path(found[-1])


class StandbyPair:
    """A primary on one free port, its standby on another, both on 127.0.0.1.

    `synchronous` (the default) makes every commit wait until the standby has the WAL on
    disk, so a commit the portal was told about survives the primary's death; with
    asynchronous replication the last commits before the crash can be lost."""

    def __init__(self, synchronous: bool = True) -> None:
        self.bin = pg_bin()
        self.synchronous = synchronous
        self.base = Path(tempfile.mkdtemp(prefix="portal-failover-pg-"))
        self.primary_dir, self.standby_dir = self.base / "primary", self.base / "standby"
        self.primary_port, self.standby_port = free_port(), free_port()
        self.servers: dict[str, subprocess.Popen] = {}
        # PostgreSQL will not run as root: hand the folder to `postgres`.
        self.as_user: dict = {}
        if os.geteuid() == 0:
            self.as_user = {"user": "postgres", "group": "postgres", "extra_groups": []}
            shutil.chown(self.base, "postgres", "postgres")

    def url(self, database: str) -> str:
        """The portal's DATABASE_URL: libpq tries each host in turn and keeps the one that
        accepts writes; a refused or dead host costs at most connect_timeout."""
        return (
            f"postgres://postgres@127.0.0.1:{self.primary_port},127.0.0.1:{self.standby_port}"
            f"/{database}?target_session_attrs=read-write&connect_timeout=3"
        )

    def connect(self, database: str) -> psycopg.Connection:
        """The writable server, whichever it is now (as the portal reaches it)."""
        return psycopg.connect(
            host="127.0.0.1,127.0.0.1",
            port=f"{self.primary_port},{self.standby_port}",
            user="postgres",
            dbname=database,
            target_session_attrs="read-write",
            connect_timeout=5,
        )

    # -- life cycle --------------------------------------------------------------------------

    def run(self, *cmd: str) -> None:
        subprocess.run([str(self.bin / cmd[0]), *cmd[1:]], check=True, cwd=self.base,
                       stdout=subprocess.DEVNULL, **self.as_user)  # fmt: skip

    def configure(self, data: Path, port: int, synchronous_standby_names: str) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{self.base}'",
            # Gunicorn, a worker and beat, each with its pool (DATABASE_POOL_MAX_SIZE).
            "max_connections": "300",
            "synchronous_standby_names": synchronous_standby_names,
            "log_min_messages": "warning",
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start_server(self, name: str, data: Path, port: int) -> None:
        log = (self.base / f"{name}.log").open("ab")
        # Its own process group: the primary's whole server can be killed at once.
        self.servers[name] = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(data)], stdout=log, stderr=subprocess.STDOUT,
            cwd=self.base, start_new_session=True, **self.as_user,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                              str(port)]).returncode != 0:  # fmt: skip
            if time.monotonic() > deadline or self.servers[name].poll() is not None:
                raise SystemExit(f"PostgreSQL {name} did not start: see {self.base}/{name}.log")
            time.sleep(0.2)

    def start(self) -> None:
        self.run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C")  # fmt: skip
        self.configure(self.primary_dir, self.primary_port, "'*'" if self.synchronous else "''")
        self.start_server("primary", self.primary_dir, self.primary_port)
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U",
                 "postgres", "-D", str(self.standby_dir), "-R", "-X", "stream",
                 "--checkpoint=fast")  # fmt: skip
        # Once promoted it has no standby of its own: it must not wait for one.
        self.configure(self.standby_dir, self.standby_port, "''")
        self.start_server("standby", self.standby_dir, self.standby_port)
        self.wait_for_streaming()

    def wait_for_streaming(self) -> None:
        deadline = time.monotonic() + 60
        wanted = "sync" if self.synchronous else "async"
        while time.monotonic() < deadline:
            with psycopg.connect(host="127.0.0.1", port=self.primary_port, user="postgres",
                                 dbname="postgres") as conn:  # fmt: skip
                rows = conn.execute("SELECT state, sync_state FROM pg_stat_replication").fetchall()
            if ("streaming", wanted) in rows:
                return
            time.sleep(0.5)
        raise SystemExit(f"the standby is not streaming: see {self.base}/standby.log")

    def kill_primary(self) -> None:
        """As its host dying: the postmaster and every backend SIGKILLed together."""
        os.killpg(self.servers["primary"].pid, signal.SIGKILL)
        self.servers["primary"].wait(timeout=30)

    def promote(self) -> None:
        self.run("pg_ctl", "promote", "-w", "-D", str(self.standby_dir))

    def stop(self) -> None:
        for server in self.servers.values():
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGQUIT)  # immediate shutdown: thrown away
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)
