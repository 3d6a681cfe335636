"""Django's Redis cache backend, with one Redis client per connection pool.

Django's backend builds a new `redis.Redis` for every cache operation. That client is a
heavy object (it sets up a table of some two hundred reply callbacks): building it cost as
much CPU as the round trip it was built for, and the portal reads the cache several times
per record (settings versions, MOSIP's token, key documents). A `redis.Redis` is safe to
share between threads (each command takes a connection from the pool), so one per pool
is kept; the pools, and what they connect to, are Django's as before.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write: bool = False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # A race builds two and keeps one: harmless.
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
