"""Periodic jobs of the assessments app found by Celery's autodiscovery (`<app>.tasks`)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def reminders_send_task() -> int:
    """The daily reminder digests (assessments.reminders); idempotent within a day."""
    from assessments.reminders import reminders_send

    return reminders_send()
