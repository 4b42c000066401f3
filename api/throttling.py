"""Per-key rate limit: a fixed one-minute window counted in the shared cache (Redis).

The cache is the project's tolerant one: while Redis is away the counter reads as a fresh window,
so the API keeps answering rather than refusing everyone. Calls without a key (open data) are
counted per client address.
"""

import time
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from api.permissions import key_of
from core.cache import window_hit
from core.network import client_address

WINDOW = 60


def _hit(key: str) -> int:
    return window_hit(key, WINDOW + 5)


class KeyRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = key_of(request)
        who = f"key:{key.pk}" if key is not None else f"addr:{client_address(request)}"
        now = time.time()
        window = int(now // WINDOW)
        count = _hit(f"api-rate:{who}:{window}")
        if count > settings.API_CALLS_PER_MINUTE:
            self._wait = (window + 1) * WINDOW - now
            return False
        return True

    def wait(self) -> float | None:
        return self._wait
