"""Errors reach Sentry (any Sentry-compatible server) when SENTRY_DSN is set, from the web
and from Celery, with no personal data, tokens or secrets."""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parents[2]


class Collector:
    """A stand-in for Sentry's ingestion endpoint, over real HTTP."""

    def __init__(self) -> None:
        self.envelopes: list[str] = []
        self.server = make_server("127.0.0.1", 0, self)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        encoding = request.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.envelopes.append(body.decode("utf-8", "replace"))
        return Response("{}", content_type="application/json")(environ, start_response)

    def events(self) -> list[dict]:
        found = []
        for envelope in self.envelopes:
            for line in envelope.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and "exception" in item:
                    found.append(item)
        return found


def test_errors_are_reported_without_personal_data_or_secrets(tmp_path):
    collector = Collector()
    collector.thread.start()
    dsn = f"http://public-key@127.0.0.1:{collector.server.server_port}/1"
    try:
        probe = subprocess.run(  # noqa: S603 - our own script
            [sys.executable, "-m", "tests.support.sentry_probe", dsn],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PORTAL_VAR_DIR": str(tmp_path)},
        )
    finally:
        collector.server.shutdown()
    assert probe.returncode == 0, probe.stderr[-2000:]

    events = collector.events()
    kinds = {event["exception"]["values"][-1]["type"] for event in events}
    assert {"ValueError", "RuntimeError"} <= kinds  # the web request and the Celery task
    web = next(e for e in events if e["exception"]["values"][-1]["type"] == "ValueError")
    assert web["transaction"] == "/boom"
    task = next(e for e in events if e["exception"]["values"][-1]["type"] == "RuntimeError")
    assert task["transaction"] == "probe.fail"
    assert "[token]" in web["exception"]["values"][-1]["value"]
    everything = "\n".join(collector.envelopes)
    for secret in (
        "Jane Doe",
        "1234567891",
        "secret-token-123",
        "sessionid",
        "s3cret",
        "eyJhbGciOi",
    ):
        assert secret not in everything, secret
