"""Survey tasks: thin interfaces over the services (ids in, re-read, idempotent)."""

from celery import shared_task

from assessments.notifications import TASK_OPTIONS as EMAIL_TASK_OPTIONS
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


@shared_task(**RETRY_TRANSIENT, soft_time_limit=240, time_limit=300)
def surveys_remind_task() -> int:
    """Beat task: queue the reminders of surveys closing soon below their sample target."""
    return services.survey_reminders_queue()


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_survey_reminder(survey_id: int) -> int:
    """E-mail the institution's lead(s): the survey closes soon and the sample is not met."""
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from institutions.models import Membership, MembershipRole
    from surveys.selectors import survey_progress, window_of

    survey = Survey.objects.select_related("assessment__institution", "assessment__period").filter(pk=survey_id).first()
    if survey is None:
        return 0
    leads = sorted(
        set(
            Membership.objects.filter(
                institution_id=survey.assessment.institution_id, role=MembershipRole.LEAD, user__is_active=True
            ).values_list("user__email", flat=True)
        )
    )
    if not leads:
        return 0
    context = {
        "survey": survey,
        "progress": survey_progress(survey),
        "window": window_of(survey.assessment.period),
        "link": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("surveys:manage", args=[survey.assessment_id]),
        "OVERSIGHT_BODY_NAME": settings.OVERSIGHT_BODY_NAME,
    }
    with translation.override("id"):
        subject = " ".join(render_to_string("surveys/email/reminder_subject.txt", context).split())
        body = render_to_string("surveys/email/reminder.txt", context)
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in leads]
    return get_connection().send_messages(messages) or 0


@shared_task(**RETRY_TRANSIENT, soft_time_limit=540, time_limit=600)
def survey_slips_task(batch_id: int) -> None:
    """Render a batch's A4 sheets of single-use code slips."""
    from surveys.models import CodeBatch

    if CodeBatch.objects.filter(pk=batch_id).exists():
        services.survey_slips_render(batch_id=batch_id)
