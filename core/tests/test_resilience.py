"""Redis down, the database dropping, an expired form: what a user and an operator see (issue 14)."""

import json
import logging
import socket

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from accounts.models import User
from conftest import PASSWORD, client_for
from core import health
from core.cache import REDIS_ERRORS, CappedTolerantRedisCache, TolerantRedisCache, window_hit
from core.models import OutboxEntry

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


def _dead_redis(cls=TolerantRedisCache, **params):
    return cls(f"redis://127.0.0.1:{_closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.2}, **params})


# --- cache -----------------------------------------------------------------------------------------


def test_a_cache_outage_is_a_miss_logged_once(caplog):
    cache = _dead_redis()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        cache.set("k", 1)
        assert cache.get("k", "miss") == "miss"
        assert cache.add("k", 1) is False
        assert cache.incr("k") == 1  # throttles count from now; axes' database lock still holds
        assert cache.get_many(["a", "b"]) == {}
        cache.delete("k")
    assert caplog.text.count("cache unreachable") == 1
    with pytest.raises(REDIS_ERRORS):
        cache.ping()  # the readiness check sees the outage the pages do not


@pytest.mark.parametrize("backend", ["redis", "memory"])
def test_a_throttle_counter_counts_within_its_window_and_expires(backend):
    from django.core.cache.backends.locmem import LocMemCache

    if backend == "redis":
        from core.testing import require_redis

        require_redis()
        cache = TolerantRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-window"})
    else:
        cache = LocMemCache("test-window", {})
    cache.delete("hits")
    assert [window_hit("hits", 2, cache=cache) for _ in range(3)] == [1, 2, 3]
    assert cache.get("hits") == 3  # the same number the cache API reads
    if backend == "redis":
        ttl = cache._cache.get_client(write=False).ttl(cache.make_key("hits"))
        assert 0 < ttl <= 2  # set once by the first hit, not pushed back by the later ones
    import time

    time.sleep(2.1)
    assert window_hit("hits", 2, cache=cache) == 1  # a new window


def test_a_throttle_counter_lets_everything_through_when_redis_is_down():
    cache = _dead_redis()
    assert [window_hit("hits", 60, cache=cache) for _ in range(3)] == [1, 1, 1]


def test_the_session_cache_keeps_no_entry_longer_than_its_cap():
    cache = _dead_redis(CappedTolerantRedisCache, TIMEOUT=60)
    assert cache.get_backend_timeout(14 * 24 * 3600) == 60  # what cached_db asks: the session's age
    assert cache.get_backend_timeout(None) == 60
    assert cache.get_backend_timeout(5) == 5


def test_sign_in_and_pages_work_with_the_cache_down(settings, editor):
    """Both caches (sessions and the shared one) point at a Redis that is not there."""
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    options = {"socket_connect_timeout": 0.2}
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "core.cache.TolerantRedisCache", "LOCATION": dead, "OPTIONS": options},
        "sessions": {
            "BACKEND": "core.cache.CappedTolerantRedisCache",
            "LOCATION": dead,
            "OPTIONS": options,
            "TIMEOUT": 60,
        },
    }
    # (Changing CACHES makes Django drop its cache handlers: both aliases are now the dead ones.)
    assert caches["sessions"].get("anything", "miss") == "miss"
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": editor.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200


# --- health ----------------------------------------------------------------------------------------


def test_liveness_touches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.get("/healthz").status_code == 200


def test_readiness_reports_each_dependency(client):
    response = client.get("/healthz/ready")
    body = json.loads(response.content)
    assert set(body["checks"]) == {"database", "storage", "cache", "broker", "workers", "outbox"}
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert response.status_code == 200


def test_readiness_is_red_when_the_database_is_down(client, monkeypatch):
    def down() -> str:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setitem(health.CHECKS, "database", (down, True))
    response = client.get("/healthz/ready")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["status"] == "down"
    assert body["checks"]["database"] == {"ok": False, "critical": True, "detail": "unreachable (OperationalError)"}
    assert "Connection refused" not in response.content.decode()  # details stay in the log


def test_readiness_is_degraded_not_red_when_redis_is_down(client, monkeypatch):
    def down() -> str:
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setitem(health.CHECKS, "cache", (down, False))
    monkeypatch.setitem(health.CHECKS, "broker", (down, False))
    response = client.get("/healthz/ready")
    body = json.loads(response.content)
    assert response.status_code == 200 and body["status"] == "degraded"
    assert not body["checks"]["cache"]["ok"] and not body["checks"]["broker"]["ok"]


def test_readiness_reports_old_side_effects(client, settings):
    from django.utils import timezone

    entry = OutboxEntry.objects.create(kind="email", task="core.tasks.email_send")
    OutboxEntry.objects.filter(pk=entry.pk).update(
        created_at=timezone.now() - timezone.timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS * 3)
    )
    body = json.loads(client.get("/healthz/ready").content)
    assert not body["checks"]["outbox"]["ok"] and "1 pending" in body["checks"]["outbox"]["detail"]


def test_worker_heartbeat_is_reported(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    body = json.loads(client.get("/healthz/ready").content)
    assert not body["checks"]["workers"]["ok"]
    health.heartbeat_write("celery@test")
    body = json.loads(client.get("/healthz/ready").content)
    assert body["checks"]["workers"] == {"ok": True, "critical": False, "detail": "ok (1 alive)"}


# --- the database connection drops -----------------------------------------------------------------

CALLS: dict[str, int] = {}


def _flaky_read(request):
    CALLS["read"] = CALLS.get("read", 0) + 1
    if CALLS["read"] == 1:
        raise OperationalError("terminating connection due to administrator command")
    return HttpResponse("the page")


def _write_then_drop(request):
    User.objects.filter(pk=request.user.pk).update(full_name="Saved Name")  # a committed write
    raise OperationalError("server closed the connection unexpectedly")


def _drop_before_write(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("t/read", _flaky_read),
    path("t/write-then-drop", _write_then_drop),
    path("t/drop-before-write", _drop_before_write),
]
handler500 = "core.views.server_error"


@pytest.mark.django_db(transaction=True)  # the handler closes the broken connection
@override_settings(ROOT_URLCONF=__name__)
def test_a_read_whose_connection_dropped_is_run_once_more(editor):
    CALLS.clear()
    client = client_for(editor)
    client.raise_request_exception = False
    response = client.get("/t/read")
    assert response.status_code == 200 and response.content == b"the page"
    assert CALLS["read"] == 2


@pytest.mark.django_db(transaction=True)  # the handler closes the broken connection
@override_settings(ROOT_URLCONF=__name__)
def test_a_committed_write_is_answered_saved_never_server_error(editor):
    client = client_for(editor)
    client.raise_request_exception = False
    response = client.post("/t/write-then-drop")
    assert response.status_code == 200
    assert "Your change was saved" in response.content.decode() and response["X-Saved"] == "yes"
    editor.refresh_from_db()
    assert editor.full_name == "Saved Name"


@pytest.mark.django_db(transaction=True)  # the handler closes the broken connection
@override_settings(ROOT_URLCONF=__name__)
def test_a_write_that_never_committed_says_not_saved(editor):
    client = client_for(editor)
    client.raise_request_exception = False
    response = client.post("/t/drop-before-write")
    assert response.status_code == 503
    assert "Your change was not saved" in response.content.decode() and response["X-Saved"] == "no"


# --- CSRF ------------------------------------------------------------------------------------------


def test_an_expired_form_gets_a_friendly_page_in_the_app_layout(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(reverse("accounts:logout_everywhere"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "The form has expired" in body and "Nothing was saved" in body
    assert "<nav" in body  # the app's layout, not Django's bare page
    assert settings.CSRF_FAILURE_VIEW == "core.views.csrf_failure"


def test_the_csrf_page_is_translated(editor, indonesian):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 403
    assert "Formulir sudah kedaluwarsa" in response.content.decode()
