"""Generic tasks run through the outbox (core.outbox)."""

from celery import shared_task
from django.core.mail import send_mail


@shared_task(name="core.tasks.email_send", soft_time_limit=60, time_limit=90)
def email_send(subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text e-mail (already rendered in the language of its readers)."""
    return send_mail(subject, body, None, recipients)
