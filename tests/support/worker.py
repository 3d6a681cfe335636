"""The tests' in-process Celery worker, made quick to stop.

Celery's blocking event loop (the one used with kombu's folder transport) waits up to
2 s for a message on each turn and takes one more turn after being told to stop, so each
test's worker took about 4 s to stop: two thirds of the suite's time. Here the loop sees
a connection whose waits last at most 0.2 s; nothing else about the worker changes.
"""

from celery import bootsteps
from celery.worker import loops

LONGEST_WAIT_SECONDS = 0.2


class _ShortWaits:
    """The broker connection as the loop sees it, with short waits for a message."""

    def __init__(self, connection) -> None:
        self._connection = connection

    def __getattr__(self, name: str):
        return getattr(self._connection, name)

    def drain_events(self, timeout: float | None = None, **kwargs):
        wait = LONGEST_WAIT_SECONDS if timeout is None else min(timeout, LONGEST_WAIT_SECONDS)
        return self._connection.drain_events(timeout=wait, **kwargs)


def _quick_synloop(obj, connection, *args, **kwargs):
    return loops.synloop(obj, _ShortWaits(connection), *args, **kwargs)


class QuickToStop(bootsteps.StartStopStep):
    """A consumer step that swaps the blocking loop for the one above (the event loop
    used with Redis already stops quickly)."""

    def start(self, consumer) -> None:
        if consumer.loop is loops.synloop:
            consumer.loop = _quick_synloop
