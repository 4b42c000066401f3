"""What the speed-ups of the perf branch must not break: sessions, the cached navigation, caps."""

import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from conftest import client_for

pytestmark = pytest.mark.django_db


def test_sessions_are_read_from_the_cache_and_a_logout_ends_them(admin_user):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    client = client_for(admin_user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:logout"))
    # The old cookie no longer opens a page, although the session had been cached.
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = session_key
    response = stale.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_session_cache_without_redis_keeps_nothing_longer_than_its_cap():
    """The embedded mode's session cache (built here directly, so it is checked in CI too)."""
    from core.cache import CappedLocMemCache

    cap = settings.SESSION_CACHE_SECONDS
    cache = CappedLocMemCache("sessions-test", {"TIMEOUT": cap})
    assert cache.get_backend_timeout(14 * 24 * 3600) <= time.time() + cap + 1
    assert cache.get_backend_timeout(None) <= time.time() + cap + 1
    assert cache.get_backend_timeout(5) <= time.time() + 6


def test_cached_navigation_follows_role_and_language(admin_user, verifier):
    caches["fragments"].clear()
    admin, verifying = client_for(admin_user), client_for(verifier)
    setup = reverse("institutions:list")
    assert f'href="{setup}"' in admin.get(reverse("accounts:profile")).content.decode().split("</nav>")[0]
    # The verifier is served after the admin's navigation was cached: no admin link for them.
    assert f'href="{setup}"' not in verifying.get(reverse("accounts:profile")).content.decode().split("</nav>")[0]
    english = admin.get(reverse("accounts:profile")).content.decode().split("</nav>")[0]
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    indonesian = admin.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    indonesian = indonesian.split("</nav>")[0]
    assert ">Setup<" in english and ">Pengaturan<" in indonesian
    assert "selected>English" in english and "selected>Bahasa Indonesia" in indonesian
