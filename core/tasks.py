"""Generic tasks run through the outbox (core.outbox)."""

from celery import shared_task
from django.core.mail import send_mail


@shared_task(name="core.tasks.email_send", soft_time_limit=60, time_limit=90)
def email_send(subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text e-mail (already rendered in the language of its readers)."""
    return send_mail(subject, body, None, recipients)


@shared_task(name="core.tasks.job_run", soft_time_limit=600, time_limit=660)
def job_run_task(job_id: int) -> str:
    """Build a background job's file (core.jobs)."""
    from core.jobs import job_run

    return str(job_run(job_id=job_id).status)


@shared_task(name="core.tasks.jobs_purge")
def jobs_purge_task() -> int:
    """Delete jobs (and their files) older than JOB_KEEP_HOURS."""
    from core.jobs import jobs_purge

    return jobs_purge()
