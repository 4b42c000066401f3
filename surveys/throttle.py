"""The answer endpoint's flood limit: submissions per client address per hour, in the shared cache.

Redis in production, so every web process counts together. The address is hashed before it
becomes a key (no address in clear, even in the cache). If the cache is down the count stays at
one (core.cache.window_hit) and
submissions go on: the signed one-time form and the nonce's uniqueness still refuse replays, so
a Redis outage costs the flood limit, never the survey.
"""

import hashlib
import time

from django.conf import settings

from core.cache import window_hit

WINDOW_SECONDS = 3600


def _key(address: str) -> str:
    digest = hashlib.sha256(f"survey-flood:{address}".encode()).hexdigest()[:32]
    return f"throttle:survey:{digest}:{int(time.time() // WINDOW_SECONDS)}"


def submission_allowed(address: str) -> bool:
    """Count one submission from this address; False once it is over the hourly limit."""
    return window_hit(_key(address), WINDOW_SECONDS + 60) <= int(settings.SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR)
