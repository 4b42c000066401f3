"""E-mail notifications of the verification workflow, sent by Celery tasks.

Services call the `queue_*` helpers inside their transaction; the helpers record the mail in the
outbox (core.outbox) in that transaction, so a rolled-back action never sends mail and a committed
one always does, once, even if the broker was away. Tasks take ids, re-read the
database and render the text in Indonesian (the institutions' and verifiers' working language),
whatever language the person who triggered them was using. In the embedded mode the console
backend prints the mail; with REDIS_URL a worker sends it.

The self-assessment side calls `queue_submitted` (submit and resubmit) and
`queue_clarification_answered` (reply) from its services.
"""

import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import OperationalError
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import Role, User
from assessments.models import Assessment, Clarification, Objection, ReminderDigest
from core.models import SideEffectKind
from core.outbox import outbox_add
from institutions.models import Membership

logger = logging.getLogger(__name__)

EMAIL_LANGUAGE = "id"
TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError)

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "max_retries": 5,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def _link(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _send(*, template: str, recipients: Iterable[str], context: dict[str, Any]) -> int:
    """Render one Indonesian message and send it to each recipient separately (no shared To list)."""
    addresses = sorted({a for a in recipients if a})
    if not addresses:
        return 0
    with translation.override(EMAIL_LANGUAGE):
        context = {**context, "OVERSIGHT_BODY_NAME": settings.OVERSIGHT_BODY_NAME}
        subject = " ".join(render_to_string(f"assessments/email/{template}_subject.txt", context).split())
        body = render_to_string(f"assessments/email/{template}.txt", context)
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    connection = get_connection()
    return connection.send_messages(messages) or 0


def _institution_emails(assessment: Assessment) -> list[str]:
    return list(
        Membership.objects.filter(institution_id=assessment.institution_id, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )


def _verifier_emails(assessment: Assessment) -> list[str]:
    return list(assessment.verifiers.filter(is_active=True).values_list("email", flat=True))


def _admin_emails() -> list[str]:
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True))


def _assessment(assessment_id: int) -> Assessment | None:
    assessment = Assessment.objects.select_related("institution", "period").filter(pk=assessment_id).first()
    if assessment is None:
        logger.warning("notification for missing assessment %s", assessment_id)
    return assessment


def _verification_link(assessment: Assessment) -> str:
    from django.urls import reverse

    return _link(reverse("assessments_verification:assessment", args=[assessment.pk]))


def _objections_link(assessment: Assessment) -> str:
    from django.urls import reverse

    return _link(reverse("assessments_objections:assessment", args=[assessment.pk]))


def _home_link() -> str:
    from django.urls import reverse

    return _link(reverse("home"))


# --- tasks ---


@shared_task(**TASK_OPTIONS)
def notify_submitted(assessment_id: int, resubmitted: bool = False) -> int:
    """Submitted or resubmitted: to the assigned verifiers (to the admins while none is assigned)."""
    assessment = _assessment(assessment_id)
    if assessment is None:
        return 0
    recipients = _verifier_emails(assessment) or _admin_emails()
    return _send(
        template="resubmitted" if resubmitted else "submitted",
        recipients=recipients,
        context={"assessment": assessment, "link": _verification_link(assessment)},
    )


@shared_task(**TASK_OPTIONS)
def notify_assigned(assessment_id: int, verifier_ids: list[int]) -> int:
    assessment = _assessment(assessment_id)
    if assessment is None:
        return 0
    emails = User.objects.filter(pk__in=verifier_ids, is_active=True).values_list("email", flat=True)
    return _send(
        template="assigned",
        recipients=emails,
        context={"assessment": assessment, "link": _verification_link(assessment)},
    )


def _clarification(clarification_id: int) -> Clarification | None:
    return (
        Clarification.objects.select_related(
            "answer__indicator", "answer__assessment__institution", "answer__assessment__period", "asked_by"
        )
        .filter(pk=clarification_id)
        .first()
    )


@shared_task(**TASK_OPTIONS)
def notify_clarification_asked(clarification_id: int) -> int:
    clarification = _clarification(clarification_id)
    if clarification is None:
        return 0
    assessment = clarification.answer.assessment
    return _send(
        template="clarification_asked",
        recipients=_institution_emails(assessment),
        context={"clarification": clarification, "assessment": assessment, "link": _home_link()},
    )


@shared_task(**TASK_OPTIONS)
def notify_clarification_answered(clarification_id: int) -> int:
    clarification = _clarification(clarification_id)
    if clarification is None:
        return 0
    assessment = clarification.answer.assessment
    return _send(
        template="clarification_answered",
        recipients=[clarification.asked_by.email, *_verifier_emails(assessment)],
        context={"clarification": clarification, "assessment": assessment, "link": _verification_link(assessment)},
    )


@shared_task(**TASK_OPTIONS)
def notify_returned(assessment_id: int) -> int:
    assessment = _assessment(assessment_id)
    if assessment is None:
        return 0
    flagged = list(
        assessment.answers.filter(review_state="flagged")
        .select_related("indicator")
        .order_by("indicator__aspect__number", "indicator__position", "indicator__code")
    )
    return _send(
        template="returned",
        recipients=_institution_emails(assessment),
        context={"assessment": assessment, "flagged": flagged, "link": _home_link()},
    )


def _objection(objection_id: int) -> Objection | None:
    return (
        Objection.objects.select_related(
            "answer__indicator", "answer__assessment__institution", "answer__assessment__period"
        )
        .filter(pk=objection_id)
        .first()
    )


@shared_task(**TASK_OPTIONS)
def notify_objection_filed(objection_id: int) -> int:
    """An objection to a verified level: to the assigned verifiers (the admins while none is)."""
    objection = _objection(objection_id)
    if objection is None:
        return 0
    assessment = objection.answer.assessment
    return _send(
        template="objection_filed",
        recipients=_verifier_emails(assessment) or _admin_emails(),
        context={"objection": objection, "assessment": assessment, "link": _objections_link(assessment)},
    )


@shared_task(**TASK_OPTIONS)
def notify_objection_answered(objection_id: int) -> int:
    objection = _objection(objection_id)
    if objection is None:
        return 0
    assessment = objection.answer.assessment
    return _send(
        template="objection_answered",
        recipients=_institution_emails(assessment),
        context={"objection": objection, "assessment": assessment, "link": _objections_link(assessment)},
    )


@shared_task(**TASK_OPTIONS)
def notify_reminder_digest(digest_id: int) -> int:
    """One person's daily digest of what is due soon or overdue (assessments.reminders)."""
    import datetime as dt

    digest = ReminderDigest.objects.select_related("user").filter(pk=digest_id).first()
    if digest is None or not digest.user.is_active:
        return 0
    items = [{**item, "due": dt.date.fromisoformat(item["due"])} for item in digest.items]
    return _send(
        template="reminder_digest",
        recipients=[digest.user.email],
        context={"items": items, "overdue": sum(1 for i in items if i["overdue"]), "link": _link("/inbox/")},
    )


@shared_task(**TASK_OPTIONS)
def notify_finalised(assessment_id: int) -> int:
    assessment = _assessment(assessment_id)
    if assessment is None:
        return 0
    return _send(
        template="finalised",
        recipients=_institution_emails(assessment),
        context={"assessment": assessment, "link": _home_link()},
    )


@shared_task(**TASK_OPTIONS)
def notify_reopened(assessment_id: int, reason: str) -> int:
    assessment = _assessment(assessment_id)
    if assessment is None:
        return 0
    return _send(
        template="reopened",
        recipients=[*_verifier_emails(assessment), *_institution_emails(assessment)],
        context={"assessment": assessment, "reason": reason, "link": _home_link()},
    )


# --- helpers for services: queue after commit ---


def _on_commit(task: Any, *args: Any, ref: str = "") -> None:
    # Recorded in the caller's transaction (core.outbox): a broker outage delays the mail, never loses it.
    outbox_add(kind=SideEffectKind.EMAIL, task=task.name, args=list(args), ref=ref)


def queue_submitted(*, assessment: Assessment, resubmitted: bool = False) -> None:
    """Call from the submit / resubmit services, inside their transaction."""
    _on_commit(notify_submitted, assessment.pk, resubmitted, ref=f"assessment:{assessment.pk}")


def queue_assigned(*, assessment: Assessment, verifier_ids: list[int]) -> None:
    if verifier_ids:
        _on_commit(notify_assigned, assessment.pk, list(verifier_ids), ref=f"assessment:{assessment.pk}")


def queue_clarification_asked(*, clarification: Clarification) -> None:
    _on_commit(notify_clarification_asked, clarification.pk, ref=f"clarification:{clarification.pk}")


def queue_clarification_answered(*, clarification: Clarification) -> None:
    """Call from the institution's reply service, inside its transaction."""
    _on_commit(notify_clarification_answered, clarification.pk, ref=f"clarification:{clarification.pk}")


def queue_returned(*, assessment: Assessment) -> None:
    _on_commit(notify_returned, assessment.pk, ref=f"assessment:{assessment.pk}")


def queue_objection_filed(*, objection: Objection) -> None:
    _on_commit(notify_objection_filed, objection.pk, ref=f"objection:{objection.pk}")


def queue_objection_answered(*, objection: Objection) -> None:
    _on_commit(notify_objection_answered, objection.pk, ref=f"objection:{objection.pk}")


def queue_reminder_digest(*, digest: ReminderDigest) -> None:
    _on_commit(notify_reminder_digest, digest.pk, ref=f"reminder:{digest.pk}")


def queue_finalised(*, assessment: Assessment) -> None:
    _on_commit(notify_finalised, assessment.pk, ref=f"assessment:{assessment.pk}")


def queue_reopened(*, assessment: Assessment, reason: str) -> None:
    _on_commit(notify_reopened, assessment.pk, reason, ref=f"assessment:{assessment.pk}")
