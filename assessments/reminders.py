"""Deadline reminders: a daily job (Celery beat) mails each person one digest of what is due soon
or overdue, at most once a day, through the outbox.

What is chased, and whom:
- a clarification not answered yet (its due date): the institution's staff;
- an assessment returned for revision (its revision due date): the institution's staff;
- an objection not answered yet (its due date): the verifiers assigned to the assessment.
An item is in the digest from REMIND_BEFORE days before its due date through the due date, and
every day after it until it is done. `deadline_extend` moves any of these dates (admin only).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser, User
from accounts.roles import require_admin
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Clarification,
    Objection,
    ObjectionStatus,
    ReminderDigest,
)
from core import limits
from core.errors import ValidationFailed
from institutions.models import Membership

REMIND_BEFORE = 2


def _in_window(due: dt.date, today: dt.date) -> bool:
    return today >= due - dt.timedelta(days=REMIND_BEFORE)


def reminder_items(*, today: dt.date) -> dict[int, list[dict[str, Any]]]:
    """Per user id, the items to remind them of today (a fixed number of queries)."""
    horizon = today + dt.timedelta(days=REMIND_BEFORE)
    per_institution: dict[int, list[dict[str, Any]]] = defaultdict(list)
    clarifications = Clarification.objects.filter(
        resolved_at__isnull=True, reply="", due_date__lte=horizon
    ).select_related("answer__indicator", "answer__assessment__institution")
    for c in clarifications:
        assessment = c.answer.assessment
        per_institution[assessment.institution_id].append(
            {
                "kind": "clarification",
                "institution": assessment.institution.name,
                "what": c.answer.indicator.code,
                "due": c.due_date.isoformat(),
                "overdue": c.due_date < today,
            }
        )
    returned = Assessment.objects.filter(
        status=AssessmentStatus.REVISION, revision_due__isnull=False, revision_due__lte=horizon
    ).select_related("institution", "period")
    for a in returned:
        assert a.revision_due is not None
        per_institution[a.institution_id].append(
            {
                "kind": "revision",
                "institution": a.institution.name,
                "what": a.period.name,
                "due": a.revision_due.isoformat(),
                "overdue": a.revision_due < today,
            }
        )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    members = Membership.objects.filter(institution_id__in=list(per_institution), user__is_active=True).values_list(
        "institution_id", "user_id"
    )
    for institution_id, user_id in members:
        found[user_id] += per_institution[institution_id]
    objections = Objection.objects.filter(status=ObjectionStatus.OPEN, due_date__lte=horizon).select_related(
        "answer__indicator", "answer__assessment__institution"
    )
    by_assessment: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in objections:
        assessment = o.answer.assessment
        by_assessment[assessment.pk].append(
            {
                "kind": "objection",
                "institution": assessment.institution.name,
                "what": o.answer.indicator.code,
                "due": o.due_date.isoformat(),
                "overdue": o.due_date < today,
            }
        )
    verifiers = Assessment.verifiers.through.objects.filter(
        assessment_id__in=list(by_assessment), user__is_active=True
    ).values_list("assessment_id", "user_id")
    for assessment_id, user_id in verifiers:
        found[user_id] += by_assessment[assessment_id]
    return {user_id: sorted(items, key=lambda i: (i["due"], i["kind"], i["what"])) for user_id, items in found.items()}


def reminders_send(*, today: dt.date | None = None) -> int:
    """Record today's digest for each person with something due and queue its mail; returns how
    many were queued. Running twice on one day sends nothing more (one digest per person per day)."""
    from assessments import notifications

    day = today or timezone.localdate()
    queued = 0
    for user_id, items in reminder_items(today=day).items():
        try:
            with transaction.atomic():
                digest = ReminderDigest.objects.create(user_id=user_id, day=day, items=items)
                notifications.queue_reminder_digest(digest=digest)
        except IntegrityError:
            continue  # already sent today
        queued += 1
    return queued


DEADLINE_KINDS = ("revision", "clarification", "objection")


@dataclass(frozen=True)
class Deadline:
    """One date an assessment waits on, for the admin's deadlines page."""

    kind: str  # one of DEADLINE_KINDS
    pk: int  # the assessment, clarification or objection
    what: str
    due: dt.date
    overdue: bool


def assessment_deadlines(*, assessment: Assessment, today: dt.date | None = None) -> list[Deadline]:
    """What this assessment waits on, earliest first: its revision due date while returned, the
    clarifications not answered yet and the objections not answered yet (two queries)."""
    today = today or timezone.localdate()
    rows: list[Deadline] = []
    if assessment.status == AssessmentStatus.REVISION and assessment.revision_due:
        rows.append(
            Deadline("revision", assessment.pk, _("Revision"), assessment.revision_due, assessment.revision_due < today)
        )
    clarifications = Clarification.objects.filter(
        answer__assessment=assessment, resolved_at__isnull=True, reply=""
    ).select_related("answer__indicator")
    for c in clarifications:
        what = _("Clarification on indicator %(code)s") % {"code": c.answer.indicator.code}
        rows.append(Deadline("clarification", c.pk, what, c.due_date, c.due_date < today))
    objections = Objection.objects.filter(answer__assessment=assessment, status=ObjectionStatus.OPEN).select_related(
        "answer__indicator"
    )
    for o in objections:
        what = _("Objection on indicator %(code)s") % {"code": o.answer.indicator.code}
        rows.append(Deadline("objection", o.pk, what, o.due_date, o.due_date < today))
    return sorted(rows, key=lambda d: (d.due, d.kind, d.pk))


def deadline_target(*, assessment: Assessment, kind: str, pk: int) -> Clarification | Objection | Assessment | None:
    """The row a deadline of this assessment belongs to (None when it is not one of its deadlines)."""
    for deadline in assessment_deadlines(assessment=assessment):
        if deadline.kind == kind and deadline.pk == pk:
            if kind == "revision":
                return assessment
            model = Clarification if kind == "clarification" else Objection
            return model.objects.get(pk=pk)
    return None


def deadline_extend(
    *, target: Clarification | Objection | Assessment, until: dt.date, reason: str, user: AnyUser
) -> None:
    """Move a clarification's or objection's due date, or an assessment's revision due date (admin).

    The change is in the audit log (django-auditlog follows all three models) with the reason.
    """
    require_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason for the extension."))
    limits.text_check(reason, limit=limits.REASON_MAX, what=_("The reason"))
    if until < timezone.localdate():
        raise ValidationFailed(_("An extension cannot end in the past."))
    with transaction.atomic():
        if isinstance(target, Assessment):
            locked = Assessment.objects.select_for_update().get(pk=target.pk)
            if locked.status != AssessmentStatus.REVISION:
                raise ValidationFailed(_("Only an assessment returned for revision has a revision deadline."))
            locked.revision_due = until
            locked.save(update_fields=["revision_due"])
        else:
            row = type(target).objects.select_for_update().get(pk=target.pk)
            row.due_date = until
            row.save(update_fields=["due_date"])
        from core.auditing import audit_event

        audit_event(
            instance=target,
            event="deadline_extended",
            actor=user,
            detail={"until": until.isoformat(), "reason": reason},
        )


def user_of(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()
