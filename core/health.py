"""Liveness and readiness (issue 14), and the workers' heartbeat.

Liveness (`/healthz`, `/healthz/live`) says the web process answers; it touches nothing else, so a
load balancer never restarts web processes because PostgreSQL or Redis blinked.
Readiness (`/healthz/ready`) checks each dependency separately and answers 503 when the app cannot
serve (the database or the private storage is unreachable). Redis (cache and broker) and the
workers only degrade the app: pages and saves keep working and side effects wait in the outbox,
so those are reported ("degraded") with 200.

A small module instead of django-health-check: its maintained releases (4.9 and later) need
Python 3.14, and three of the five checks (worker heartbeat in the database, outbox age, the
tolerant cache's ping) are ours anyway.
"""

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import current_app
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from core import storage
from core.models import OutboxEntry, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = settings.WORKER_HEARTBEAT_SECONDS
# A worker not heard from for three beats is taken for dead.
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_SECONDS


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    critical: bool


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    cache = caches["default"]
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "ok (process memory)"
    ping()
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in the web process)"
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _workers() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in the web process)"
    since = timezone.now() - dt.timedelta(seconds=HEARTBEAT_STALE_SECONDS)
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=since).count()
    if not alive:
        raise RuntimeError(f"no worker heard from in the last {HEARTBEAT_STALE_SECONDS} s")
    return f"ok ({alive} alive)"


def _storage() -> str:
    # The same store evidence and documents use: the local disk or the bucket (STORAGE_URL).
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return "ok (bucket)" if storage.is_remote() else "ok"


def _outbox() -> str:
    oldest = (
        OutboxEntry.objects.filter(done_at__isnull=True, failed_at__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    failed = OutboxEntry.objects.filter(done_at__isnull=True, failed_at__isnull=False).count()
    pending = OutboxEntry.objects.filter(done_at__isnull=True, failed_at__isnull=True).count()
    age = int((timezone.now() - oldest).total_seconds()) if oldest else 0
    if failed or age > settings.OUTBOX_RESEND_AFTER_SECONDS * 2:
        raise RuntimeError(f"{pending} pending, oldest {age} s; {failed} failed")
    return f"ok ({pending} pending, oldest {age} s)"


# name -> (check, critical: readiness fails when it fails)
CHECKS: dict[str, tuple[Callable[[], str], bool]] = {
    "database": (_database, True),
    "storage": (_storage, True),
    "cache": (_cache, False),
    "broker": (_broker, False),
    "workers": (_workers, False),
    "outbox": (_outbox, False),
}


def readiness() -> list[Check]:
    results = []
    database_ok = True
    for name, (check, critical) in CHECKS.items():
        if name in {"workers", "outbox"} and not database_ok:
            results.append(Check(name, False, "unknown: the database is unreachable", critical))
            continue
        try:
            detail = check()
            ok = True
        except Exception as exc:  # every failure is a finding to report, never an error of this page
            # The page is public (load balancers call it): our own findings are shown, a library's
            # message (host names, addresses) only in the log.
            detail = str(exc) if isinstance(exc, RuntimeError) else f"unreachable ({type(exc).__name__})"
            ok = False
            logger.warning("readiness: %s failed", name, exc_info=True)
            if name == "database":
                database_ok = False
                connection.close_if_unusable_or_obsolete()
        results.append(Check(name, ok, detail, critical))
    return results


# --- the workers' heartbeat ------------------------------------------------------------------


def heartbeat_write(hostname: str) -> None:
    WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen_at": timezone.now()})


def _beat_forever(hostname: str, stop: threading.Event) -> None:
    from django.db import close_old_connections

    while not stop.is_set():
        try:
            heartbeat_write(hostname)
        except Exception:  # the database blinked: the next beat tries again
            logger.warning("worker heartbeat not written", exc_info=True)
            close_old_connections()
        stop.wait(HEARTBEAT_SECONDS)


_stop = threading.Event()


@worker_ready.connect
def _start_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    hostname = getattr(sender, "hostname", None) or "worker"
    threading.Thread(target=_beat_forever, args=(hostname, _stop), daemon=True, name="heartbeat").start()


@worker_shutdown.connect
def _stop_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    _stop.set()
    hostname = getattr(sender, "hostname", None)
    if hostname:
        try:
            WorkerHeartbeat.objects.filter(hostname=hostname).delete()
        except Exception:  # shutting down anyway
            logger.info("heartbeat row of %s left behind", hostname)
