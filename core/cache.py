"""Cache backends of our own."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What an unreachable or failing Redis raises (refused, reset, timed out, read-only replica...).
REDIS_ERRORS = (RedisError, OSError)


class CappedLocMemCache(LocMemCache):
    """Per-process memory cache that keeps no entry longer than its TIMEOUT, whatever the caller asks.

    For sessions without Redis: `cached_db` stores a session for its whole age, and another process
    would not hear of a logout; with this cap it reads the database again after TIMEOUT seconds.
    """

    def get_backend_timeout(self, timeout: Any = DEFAULT_TIMEOUT) -> float | None:
        cap = self.default_timeout
        if timeout is DEFAULT_TIMEOUT or timeout is None or (cap is not None and timeout > cap):
            timeout = cap
        return super().get_backend_timeout(timeout)


class TolerantRedisCache(RedisCache):
    """Redis cache whose outage is a miss: reads return the default, writes are dropped.

    Every page and save must keep working on the database alone while Redis is away (issue 14).
    The outage is logged once when it starts and once when Redis answers again. Counters used by
    the login throttles (`incr`) answer as if the count started now, so while Redis is away the
    throttles fall back to django-axes' per account + address lock, which lives in the database.
    """

    def _guard(self, default: Any, call: Callable[[], Any]) -> Any:
        try:
            value = call()
        except REDIS_ERRORS:
            _outage(self, down=True)
            return default
        _outage(self, down=False)
        return value

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(default, lambda: super(TolerantRedisCache, self).get(key, default, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard({}, lambda: super(TolerantRedisCache, self).get_many(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(False, lambda: super(TolerantRedisCache, self).has_key(key, version))

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guard(None, lambda: super(TolerantRedisCache, self).set(key, value, timeout, version))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(False, lambda: super(TolerantRedisCache, self).add(key, value, timeout, version))

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guard(list(data), lambda: super(TolerantRedisCache, self).set_many(data, timeout, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(False, lambda: super(TolerantRedisCache, self).touch(key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(False, lambda: super(TolerantRedisCache, self).delete(key, version))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(None, lambda: super(TolerantRedisCache, self).delete_many(keys, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._guard(delta, lambda: super(TolerantRedisCache, self).incr(key, delta, version))

    def clear(self) -> None:
        self._guard(None, lambda: super(TolerantRedisCache, self).clear())

    def ping(self) -> None:
        """Raise if Redis does not answer (the health check; everything else tolerates it)."""
        self._cache.get_client(write=True).ping()  # type: ignore[attr-defined]  # django-stubs omit RedisCache._cache


class CappedTolerantRedisCache(TolerantRedisCache):
    """The session cache with Redis: tolerant, and no entry kept longer than its TIMEOUT (see settings)."""

    def get_backend_timeout(self, timeout: Any = DEFAULT_TIMEOUT) -> float | None:
        cap = self.default_timeout
        if timeout is DEFAULT_TIMEOUT or timeout is None or (cap is not None and timeout > cap):
            timeout = cap
        return super().get_backend_timeout(timeout)


_down: set[str] = set()


def _outage(cache: BaseCache, *, down: bool) -> None:
    name = cache.key_prefix or "default"
    if down and name not in _down:
        _down.add(name)
        logger.warning("cache unreachable: reads are misses and writes are dropped until it answers", exc_info=True)
    elif not down and name in _down:
        _down.discard(name)
        logger.warning("cache reachable again")


def window_hit(key: str, timeout: int, *, cache: BaseCache | None = None) -> int:
    """Count one hit on a fixed-window counter and return the count so far (the throttles' one
    primitive). On Redis one round trip (INCR, then EXPIRE only on a key without one); elsewhere
    add-or-increment. When the cache is down the answer is 1: a throttle degrades to no limit,
    never to an error (each caller's docstring says what still protects it)."""
    if cache is None:
        from django.core.cache import cache as default_cache

        cache = default_cache
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        try:
            client = cache._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]  # django-stubs omit RedisCache._cache
            pipe = client.pipeline(transaction=False)
            pipe.incr(full_key)
            pipe.expire(full_key, timeout, nx=True)
            count, _set = pipe.execute()
        except REDIS_ERRORS:
            _outage(cache, down=True)
            return 1
        _outage(cache, down=False)
        return int(count)
    try:
        if cache.add(key, 1, timeout=timeout):
            return 1
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
