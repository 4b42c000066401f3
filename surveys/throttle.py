"""The answer endpoint's flood limit: submissions per client address per hour, in the shared cache.

Redis in production, so every web process counts together. The address is hashed before it
becomes a key (no address in clear, even in the cache). If the cache is down the count stays at
one (core.cache.window_hit) and submissions go on: the signed one-time form and the nonce's uniqueness still refuse replays, so
a Redis outage costs the flood limit, never the survey.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from core.cache import window_hit

WINDOW_SECONDS = 3600


def _key(address: str) -> str:
    digest = hashlib.sha256(f"survey-flood:{address}".encode()).hexdigest()[:32]
    return f"throttle:survey:{digest}:{int(time.time() // WINDOW_SECONDS)}"


def submission_allowed(address: str) -> bool:
    """Count one submission from this address; False once it is over the hourly limit."""
    return window_hit(_key(address), WINDOW_SECONDS + 60) <= int(settings.SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR)


def _guess_key(address: str) -> str:
    digest = hashlib.sha256(f"survey-code:{address}".encode()).hexdigest()[:32]
    return f"throttle:survey-code:{digest}:{int(time.time() // WINDOW_SECONDS)}"


def code_guess_limit() -> int:
    return int(settings.SURVEY_CODE_GUESSES_PER_ADDRESS_HOUR)


def code_guesses_left(address: str) -> bool:
    """False once this address sent more wrong codes this hour than the limit (one cache read;
    True when the cache is down, as for the flood limit above)."""
    try:
        return int(cache.get(_guess_key(address)) or 0) < code_guess_limit()
    except Exception:  # noqa: BLE001 - the cache is down: no limit
        return True


def code_guess_failed(address: str) -> None:
    """Count one wrong (malformed, unknown or used) code from this address."""
    window_hit(_guess_key(address), WINDOW_SECONDS + 60)
