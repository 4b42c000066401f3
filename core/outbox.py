"""The transactional outbox: every side effect (e-mail, document render, score computation).

A service records the effect with `outbox_add` inside its own transaction, so the effect exists
exactly when the action was committed. After commit the entry is handed to Celery as
`core.outbox.deliver`; if the broker cannot be reached the request still succeeds and the entry
waits. `outbox_resend` (beat, every OUTBOX_SWEEP_SECONDS) hands over again whatever was never
sent, was sent long ago and never started, or was started by a worker that died.

Exactly once: a worker runs an entry only after claiming it with one conditional UPDATE (not done,
not claimed by a live worker), so a message delivered twice (broker redelivery, a resend, a
duplicate) runs once. The claim is a lease of the task's time limit plus a margin: Celery kills a
task at its hard time limit, so a claim older than that belongs to a dead worker. An e-mail can be
sent twice only if its worker dies between sending and recording it (seconds).
"""

import datetime as dt
import logging
from typing import Any

from celery import current_app, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.models import OutboxEntry, SideEffectKind

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError, OSError)
CLAIM_MARGIN_SECONDS = 30
DEFAULT_LEASE_SECONDS = 300
# After this many runs that raised, an entry is given up and shown as failed on the admin page.
MAX_RUNS = 6
# Done entries are kept this long (to look into a complaint), then deleted by the resend job.
KEEP_DONE_DAYS = 14


def outbox_add(
    *,
    kind: SideEffectKind | str,
    task: str,
    args: list[Any] | tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    queue: str = "default",
    ref: str = "",
) -> OutboxEntry:
    """Record a side effect in the current transaction and hand it to Celery after commit."""
    entry = OutboxEntry.objects.create(
        kind=kind, task=task, args=list(args), kwargs=kwargs or {}, queue=queue, ref=ref[:60]
    )
    entry_id = entry.pk
    transaction.on_commit(lambda: outbox_publish(entry_id=entry_id, queue=queue, task=task))
    return entry


def _limits(task_name: str) -> tuple[int, int]:
    """The wrapped task's own (soft, hard) time limits: `deliver` runs under them, and the claim's
    lease is the hard one plus a margin, so a slow task is never taken for a dead one."""
    task = current_app.tasks.get(task_name)
    hard = getattr(task, "time_limit", None) or current_app.conf.task_time_limit or DEFAULT_LEASE_SECONDS
    soft = getattr(task, "soft_time_limit", None) or current_app.conf.task_soft_time_limit or hard
    return int(min(soft, hard)), int(hard)


def outbox_publish(*, entry_id: int, queue: str, task: str) -> bool:
    """Hand one entry to the broker. Never raises: an unreachable broker leaves it to the resend."""
    soft, hard = _limits(task)
    try:
        deliver.apply_async((entry_id,), queue=queue, retry=False, soft_time_limit=soft, time_limit=hard)
    except Exception:  # the broker's errors are many (kombu, redis, socket); each one only delays the effect
        _broker_state(down=True, entry_id=entry_id)
        return False
    _broker_state(down=False, entry_id=entry_id)
    try:
        OutboxEntry.objects.filter(pk=entry_id).update(sent_at=timezone.now(), send_count=F("send_count") + 1)
    except TRANSIENT:
        logger.warning("could not record that side effect %s was sent", entry_id, exc_info=True)
    return True


_broker_down = False


def _broker_state(*, down: bool, entry_id: int) -> None:
    """Log the broker going away once (with the error) and coming back once, not every message."""
    global _broker_down
    if down and not _broker_down:
        logger.warning(
            "side effect %s not handed over (broker unreachable); the resend job will", entry_id, exc_info=True
        )
    elif not down and _broker_down:
        logger.warning("broker reachable again; side effects are handed over")
    _broker_down = down


def _lease_seconds(task_name: str) -> int:
    return _limits(task_name)[1] + CLAIM_MARGIN_SECONDS


def outbox_claim(*, entry_id: int) -> OutboxEntry | None:
    """Claim an entry for this worker; None when it is done, failed or held by a live worker."""
    now = timezone.now()
    entry = OutboxEntry.objects.filter(pk=entry_id).only("task").first()
    if entry is None:
        return None
    until = now + dt.timedelta(seconds=_lease_seconds(entry.task))
    claimed = (
        OutboxEntry.objects.filter(pk=entry_id, done_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_at=now, claimed_until=until, run_count=F("run_count") + 1)
    )
    if not claimed:
        return None
    return OutboxEntry.objects.get(pk=entry_id)


@shared_task(
    name="core.outbox.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def deliver(entry_id: int) -> str:
    """Run one outbox entry's task once (see the module docstring)."""
    entry = outbox_claim(entry_id=entry_id)
    if entry is None:
        return "skipped"
    target = current_app.tasks[entry.task]
    if entry.run_count > MAX_RUNS:
        # Started this often and never finished (a worker killed each time, a hard time limit hit):
        # stop, and show it to the admin instead of looping.
        OutboxEntry.objects.filter(pk=entry_id).update(
            claimed_until=None,
            failed_at=timezone.now(),
            last_error=f"Gave up after {MAX_RUNS} runs that never finished.",
        )
        return "failed"
    try:
        result = target(*entry.args, **entry.kwargs)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        gave_up = entry.run_count >= MAX_RUNS or not isinstance(exc, TRANSIENT)
        OutboxEntry.objects.filter(pk=entry_id).update(
            claimed_until=None, last_error=error, failed_at=timezone.now() if gave_up else None
        )
        if gave_up:
            logger.exception("side effect %s (%s) failed for good", entry_id, entry.task)
            on_failure = getattr(target, "on_failure", None)
            if on_failure is not None:
                on_failure(exc, f"outbox-{entry_id}", tuple(entry.args), entry.kwargs, None)
            return "failed"
        raise
    OutboxEntry.objects.filter(pk=entry_id).update(done_at=timezone.now(), claimed_until=None, last_error="")
    return str(result)[:100]


def outbox_due(*, now: dt.datetime | None = None) -> list[OutboxEntry]:
    """Entries to hand over again: never sent, sent long ago and never started, or held by a dead worker."""
    now = now or timezone.now()
    resend_before = now - dt.timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    return list(
        OutboxEntry.objects.filter(done_at__isnull=True, failed_at__isnull=True)
        .filter(
            Q(sent_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=5))
            | Q(claimed_until__isnull=True, sent_at__lt=resend_before)
            | Q(claimed_until__lt=now)
        )
        .order_by("created_at")
        .only("pk", "queue", "task")[:5000]
    )


@shared_task(name="core.outbox.resend", acks_late=True, time_limit=120, soft_time_limit=100)
def outbox_resend() -> int:
    """Beat job: hand over again every due entry (see `outbox_due`). Returns how many were sent."""
    OutboxEntry.objects.filter(done_at__lt=timezone.now() - dt.timedelta(days=KEEP_DONE_DAYS)).delete()
    sent = 0
    for entry in outbox_due():
        if outbox_publish(entry_id=entry.pk, queue=entry.queue, task=entry.task):
            sent += 1
        else:
            break  # the broker is still away; the next run tries again
    if sent:
        logger.info("outbox: %d side effect(s) handed over again", sent)
    return sent


def outbox_pending() -> Any:
    """Entries not done yet (pending or failed), oldest first, for the admin page."""
    return OutboxEntry.objects.filter(done_at__isnull=True).order_by("created_at", "pk")


SIDE_EFFECT_FIELDS = (
    "kind",
    "ref",
    "created_at",
    "sent_at",
    "send_count",
    "claimed_until",
    "run_count",
    "failed_at",
    "last_error",
)


def side_effect_state(entry: OutboxEntry, *, now: dt.datetime) -> str:
    """What an entry is waiting for: "failed", "running", "sent" (queued at the broker) or "waiting"."""
    if entry.failed_at is not None:
        return "failed"
    if entry.claimed_until is not None and entry.claimed_until >= now:
        return "running"
    if entry.sent_at is not None:
        return "sent"
    return "waiting"


def outbox_summary() -> list[dict[str, Any]]:
    """Per kind: how many are pending and failed, and when the oldest pending one was recorded."""
    from django.db.models import Count, Min

    rows = (
        OutboxEntry.objects.filter(done_at__isnull=True)
        .values("kind")
        .annotate(
            pending=Count("pk", filter=Q(failed_at__isnull=True)),
            failed=Count("pk", filter=Q(failed_at__isnull=False)),
            oldest=Min("created_at", filter=Q(failed_at__isnull=True)),
        )
        .order_by("kind")
    )
    labels = dict(SideEffectKind.choices)
    return [{**row, "label": labels.get(row["kind"], row["kind"])} for row in rows]
