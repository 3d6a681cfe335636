"""A worker's broker channel can be closed after Celery's clean-up detached it from
Redis (the state a Redis restart mid-delivery leaves behind) without the worker dying."""

import pytest
from kombu import Connection, Queue
from kombu.transport import redis as kombu_redis

from portal import redis_broker


def _detached_channel_holding_a_message(url: str, transport=None):
    """One message taken and not acknowledged, then the channel's pools dropped and its
    transport detached, as the worker's clean-up leaves them when closing the channel
    failed with Redis down (the state in the worker's crash traceback)."""
    connection = Connection(url, transport=transport)
    queue = Queue("work", routing_key="work")
    with connection.Producer() as producer:
        producer.publish({"n": 1}, routing_key="work", declare=[queue])
    taken = []
    consumer = connection.Consumer(queue, callbacks=[lambda body, message: taken.append(message)])
    consumer.consume()
    connection.drain_events(timeout=5)
    assert len(taken) == 1 and not taken[0].acknowledged
    channel = connection.default_channel
    channel._disconnect_pools()
    channel.connection.client = None  # what collect() does to the transport
    return channel


def test_closing_a_detached_channel_does_not_raise(own_redis):
    redis_broker.install()
    channel = _detached_channel_holding_a_message(own_redis.url(0))
    assert isinstance(channel, redis_broker.Channel)

    channel.close()

    assert channel.closed


def test_kombus_own_channel_raises_there(own_redis):
    # The crash the module exists for (the worker's "Unrecoverable error"); if a kombu
    # release fixes it, this test says so and redis_broker can go.
    channel = _detached_channel_holding_a_message(own_redis.url(0), kombu_redis.Transport)

    with pytest.raises(AttributeError, match="hostname"):
        channel.close()
