"""Rendering tasks. CELERY_TASK_ROUTES sends `certificates.tasks.*` to the `pdf` queue.

Tasks take ids, re-read the database through the service, and are idempotent (a ready document
is not rendered again unless `force`). Only transient database errors are retried; a rendering
error is recorded by the service, and a time limit or exhausted retries are recorded here, so
the decision page always ends in ready or failed.
"""

import datetime as dt
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from certificates import services

RETRY_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": services.TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 5,
}


class RenderTask(Task):
    """Records a failure on the document when the task gives up for good."""

    kind = ""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if args:
            services.render_mark_failed(kind=self.kind, pk=int(args[0]), error=f"{type(exc).__name__}: {exc}")


class LetterTask(RenderTask):
    kind = "letter"


class CharterTask(RenderTask):
    kind = "charter"


@shared_task(base=LetterTask, soft_time_limit=120, time_limit=150, **RETRY_OPTIONS)
def letter_render_task(decision_id: int, force: bool = False) -> str:
    try:
        return services.letter_render(decision_id=decision_id, force=force)
    except SoftTimeLimitExceeded:
        services.render_mark_failed(kind="letter", pk=decision_id, error="The rendering took too long.")
        return "failed"


@shared_task(base=CharterTask, soft_time_limit=30, time_limit=45, **RETRY_OPTIONS)
def charter_render_task(certificate_id: int, force: bool = False) -> str:
    try:
        return services.charter_render(certificate_id=certificate_id, force=force)
    except SoftTimeLimitExceeded:
        services.render_mark_failed(kind="charter", pk=certificate_id, error="The rendering took too long.")
        return "failed"


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def documents_requeue_stuck_task() -> int:
    """Beat: queue again documents left "queued" or "rendering" past DOCUMENT_STUCK_SECONDS."""
    return services.documents_requeue_stuck(older_than=dt.timedelta(seconds=settings.DOCUMENT_STUCK_SECONDS))
