"""Survey tasks: thin interfaces over the services (ids in, re-read, idempotent)."""

from celery import shared_task

from assessments.scoring.tasks import RETRY_TRANSIENT
from surveys import services
from surveys.models import Survey


@shared_task(**RETRY_TRANSIENT, soft_time_limit=240, time_limit=300)
def survey_result_task(survey_id: int) -> str | None:
    """Aggregate one survey and write its component value."""
    if not Survey.objects.filter(pk=survey_id).exists():
        return None
    value = services.survey_result_compute(survey_id=survey_id)
    return None if value is None else str(value)


@shared_task(**RETRY_TRANSIENT, soft_time_limit=240, time_limit=300)
def surveys_close_due_task() -> int:
    """Beat task: close the surveys whose window has ended (drops their de-duplication hashes)."""
    return services.surveys_close_due()


@shared_task(**RETRY_TRANSIENT, soft_time_limit=60, time_limit=90)
def survey_poster_task(survey_id: int) -> None:
    """Render the survey's A4 poster."""
    if Survey.objects.filter(pk=survey_id).exists():
        services.survey_poster_render(survey_id=survey_id)
