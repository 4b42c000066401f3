"""Score tasks: a thin interface over the scoring services.

Every task takes ids, re-reads the database and is idempotent, so running one twice, late or
after a worker died (acks_late + reject_on_worker_lost redelivers it) stores the same rows.
Only transient database errors are retried; anything else is a bug and fails loudly.
"""

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from assessments.models import Assessment, Period
from assessments.scoring import services as scoring_services

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Redelivered if a worker dies mid-task; only transient database errors are retried.
RETRY_TRANSIENT: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY_TRANSIENT, soft_time_limit=60, time_limit=90)
def score_compute_task(assessment_id: int, basis: str, final: bool = False) -> str | None:
    """Compute one score (self or verified) of one assessment."""
    try:
        score = scoring_services.score_compute(assessment_id=assessment_id, basis=basis, final=final)
    except Assessment.DoesNotExist:
        # Deleted since the message was queued: nothing left to score.
        logger.info("score of assessment %s skipped: it no longer exists", assessment_id)
        return None
    return str(score.total)


@shared_task(**RETRY_TRANSIENT, soft_time_limit=240, time_limit=300)
def scores_sweep_stale(limit: int = 5000) -> int:
    """Beat task: recompute every score older than its assessment's last answer change."""
    return scoring_services.scores_sweep_stale(limit=limit)


@shared_task(**RETRY_TRANSIENT, soft_time_limit=240, time_limit=300)
def scores_recompute_period_task(period_id: int) -> int:
    """Recompute every score of one period (the background twin of `recompute_scores`)."""
    try:
        period = Period.objects.get(pk=period_id)
    except Period.DoesNotExist:
        logger.info("recompute of period %s skipped: it no longer exists", period_id)
        return 0
    return scoring_services.scores_recompute_period(period=period).computed
