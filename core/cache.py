"""Cache backends of our own."""

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


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
