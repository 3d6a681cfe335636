"""The Redis broker (kombu's redis transport) with a channel that survives being closed
after its connection was collected.

When Redis goes away under a worker, Celery 5.7 first calls `Connection.collect()` and
then `Connection.close()`. If Redis is still down during `collect()`, closing the
default channel fails before the channel is marked closed, `collect()` swallows that
and detaches the transport (`transport.client = None`); the second close then tries to
requeue the unacknowledged messages through the detached transport and raises
`AttributeError: 'NoneType' object has no attribute 'hostname'`, which Celery treats as
unrecoverable: the worker exits (seen about one Redis restart in three).

Here that second close gives up the requeue instead: the messages stay in Redis's
unacknowledged set, from which kombu requeues them after the visibility timeout, and
their records come back sooner anyway, when their lease runs out and the sweep hands
them out again. The worker then reconnects as it does after any broker loss.

The channel also keeps its Redis client instead of building one per command.
"""

from contextlib import contextmanager

from kombu.transport import TRANSPORT_ALIASES, redis


class Channel(redis.Channel):
    _kept_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        """kombu builds a new `redis.Redis` for every publish and acknowledgement, which
        costs as much CPU as the round trip (it sets up some two hundred reply callbacks):
        one is kept per connection pool instead (a new pool after a reconnect gets its own)."""
        if client:
            yield client
            return
        kept = self._kept_client
        if kept is None or kept.connection_pool is not self.pool:
            kept = self._kept_client = self._create_client()
        yield kept

    def close(self) -> None:
        if not self.closed and getattr(self.connection, "client", None) is None:
            self.closed = True  # detached by collect(): nothing left to requeue through
            if self._qos is not None:
                self._qos._on_collect.cancel()  # nor at exit, for the same reason
            return
        super().close()


class Transport(redis.Transport):
    Channel = Channel


def install() -> None:
    """`redis://` URLs use this transport from now on, in this process."""
    TRANSPORT_ALIASES["redis"] = f"{__name__}:Transport"
