from celery import shared_task
from django.db import OperationalError

from assessments import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def score_compute_task(assessment_id: int, basis: str, final: bool = False) -> str:
    score = services.score_compute(assessment_id=assessment_id, basis=basis, final=final)
    return str(score.total)
