"""Login and password-reset throttles that django-axes does not cover, in the shared cache.

Axes locks one account from one address after AXES_FAILURE_LIMIT failures. These counters add
the two spreads axes misses: one address guessing many accounts, and many addresses guessing
one account. Fixed windows in the default cache (Redis in production, so every web process
counts together); if the cache is down the counters read zero and only axes protects.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.cache import window_hit
from core.network import client_address


def _key(kind: str, value: str, window_seconds: int) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"throttle:{kind}:{digest}:{int(time.time() // window_seconds)}"


def _count(key: str, window_seconds: int) -> int:
    try:
        return int(cache.get(key) or 0)
    except Exception:  # noqa: BLE001 - the cache is an optimisation; axes still locks
        return 0


def _hit(key: str, window_seconds: int) -> int:
    try:
        return window_hit(key, window_seconds + 60)
    except Exception:  # noqa: BLE001 - the cache is an optimisation; axes still locks
        return 0


def _login_window() -> int:
    return int(settings.LOGIN_THROTTLE_WINDOW_MINUTES) * 60


def login_blocked(request: HttpRequest, email: str) -> bool:
    """True once this address or this account has failed too often in the current window."""
    window = _login_window()
    by_address = _count(_key("login-ip", client_address(request), window), window)
    by_account = _count(_key("login-user", email, window), window) if email else 0
    return by_address >= settings.LOGIN_FAILURES_PER_ADDRESS or by_account >= settings.LOGIN_FAILURES_PER_ACCOUNT


def login_failed(request: HttpRequest, email: str) -> None:
    window = _login_window()
    _hit(_key("login-ip", client_address(request), window), window)
    if email:
        _hit(_key("login-user", email, window), window)


def password_reset_allowed(request: HttpRequest, email: str) -> bool:
    """Count one reset request; False once this address or this e-mail asked too often this hour."""
    by_address = _hit(_key("reset-ip", client_address(request), 3600), 3600)
    by_email = _hit(_key("reset-email", email, 3600), 3600) if email else 0
    return by_address <= settings.PASSWORD_RESET_PER_ADDRESS and by_email <= settings.PASSWORD_RESET_PER_EMAIL


def otp_blocked(request: HttpRequest, user_pk: int) -> bool:
    """Second-factor codes: at most LOGIN_FAILURES_PER_ACCOUNT wrong codes per account per window
    (django-otp's own per-device delay comes on top)."""
    window = _login_window()
    return _count(_key("otp-user", str(user_pk), window), window) >= settings.LOGIN_FAILURES_PER_ACCOUNT


def otp_failed(request: HttpRequest, user_pk: int) -> None:
    window = _login_window()
    _hit(_key("otp-user", str(user_pk), window), window)
