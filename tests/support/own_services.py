"""Real infrastructure a test can take down: its own redis-server on a free port, and
the database connection pointed at a place where no database answers."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test alone, that can be stopped and started again on the
    same port (a restart, as an operator or a crash would do it)."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the system's redis-server
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


def _close_pool() -> None:
    if hasattr(connection, "close_pool"):  # PostgreSQL's backend, with or without a pool
        connection.close_pool()


@contextmanager
def database_down() -> Iterator[None]:
    """Point the default connection where nothing answers: a closed port for
    PostgreSQL, a folder that does not exist for SQLite. The driver's real failure."""
    saved = dict(connection.settings_dict)
    connection.close()
    _close_pool()  # a pool opened on the real server would keep answering
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-portal-folder/db.sqlite3"
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        _close_pool()  # and one opened on the closed port must not be reused
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
