"""What each role has to do now: the inbox page and the count beside "Inbox" in the navigation.

Each item is a count with a link to the page where the work is done. Counts are a handful of
COUNT queries whatever the data (one for an institution with only drafts); the navigation loads
the total after the page (htmx), so no page pays for it.

- institution: answers returned for revision, clarifications asked and not answered (those past
  their due date apart), the objection window while it is open;
- verifier: assessments waiting to start or in verification, clarifications answered and not
  resolved, objections to answer, and what is overdue (objections past their due date,
  verifications past the period's close);
- admin: submissions without a verifier, verifications past the period's close, open
  objections, assessments a decision may include and no decision holds yet, failed documents,
  side effects still pending in the outbox.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier, membership_of, person
from assessments.domain.objections import window_open
from assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Clarification,
    Objection,
    ObjectionStatus,
    ReviewState,
)
from assessments.objections.selectors import decidable
from certificates.models import Certificate, Decision, RenderStatus
from core.models import OutboxEntry

S = AssessmentStatus


@dataclass(frozen=True)
class InboxItem:
    key: str
    label: str | Promise
    count: int
    url: str
    overdue: bool = False


def _institution(user: AnyUser, today: dt.date) -> list[InboxItem]:
    membership = membership_of(user)
    if membership is None:
        return []
    mine = Assessment.objects.filter(institution_id=membership.institution_id)
    home = reverse("home")
    returned = asked_due = asked_overdue = 0
    open_window = None
    # No move leads back to draft, so an institution whose assessments are all drafts has never been
    # verified: no returned answer, clarification or objection window. Every page asks for this count,
    # and during the deadline rush nearly every institution is there: one query then.
    if mine.exclude(status=S.DRAFT).exists():
        returned = Answer.objects.filter(
            assessment__in=mine.filter(status=S.REVISION), review_state=ReviewState.FLAGGED
        ).count()
        asked = Clarification.objects.filter(answer__assessment__in=mine, resolved_at__isnull=True, reply="")
        counts = asked.aggregate(
            due=Count("id", filter=Q(due_date__gte=today)), overdue=Count("id", filter=Q(due_date__lt=today))
        )
        asked_due, asked_overdue = counts["due"], counts["overdue"]
        open_window = mine.filter(status__in=(S.VERIFIED, S.OBJECTION), objection_until__gte=today).first()
    items = [
        InboxItem("returned", _("Answers returned for revision"), returned, home),
        InboxItem("asked", _("Clarifications to answer"), asked_due, home),
        InboxItem("asked_overdue", _("Clarifications past their due date"), asked_overdue, home, overdue=True),
    ]
    if open_window is not None and window_open(last_day=open_window.objection_until, today=today):
        items.append(
            InboxItem(
                "objection_window",
                _("Objection window open"),
                1,
                reverse("assessments_objections:assessment", args=[open_window.pk]),
            )
        )
    return items


def _verifier(user: AnyUser, today: dt.date) -> list[InboxItem]:
    mine = Assessment.objects.filter(verifiers=person(user))
    objections = Objection.objects.filter(answer__assessment__in=mine, status=ObjectionStatus.OPEN)
    queue = reverse("assessments_verification:queue")
    return [
        InboxItem(
            "queue", _("Assessments to verify"), mine.filter(status__in=(S.SUBMITTED, S.IN_VERIFICATION)).count(), queue
        ),
        InboxItem(
            "answered",
            _("Clarifications answered"),
            Clarification.objects.filter(answer__assessment__in=mine, resolved_at__isnull=True)
            .exclude(reply="")
            .count(),
            reverse("assessments_verification:clarifications"),
        ),
        InboxItem("objections", _("Objections to answer"), objections.count(), reverse("assessments_objections:open")),
        InboxItem(
            "overdue",
            _("Overdue"),
            objections.filter(due_date__lt=today).count()
            + mine.filter(status__in=(S.SUBMITTED, S.IN_VERIFICATION), period__verification_closes__lt=today).count(),
            queue,
            overdue=True,
        ),
    ]


def _admin(today: dt.date) -> list[InboxItem]:
    open_statuses = (S.SUBMITTED, S.IN_VERIFICATION)
    in_a_decision = Decision.objects.filter(assessments=OuterRef("pk"))
    ready = decidable(Assessment.objects.all(), today).filter(~Exists(in_a_decision)).count()
    failed = (
        Certificate.objects.filter(render_status=RenderStatus.FAILED).count()
        + Decision.objects.filter(letter_status=RenderStatus.FAILED).count()
    )
    return [
        InboxItem(
            "unassigned",
            _("Submissions without a verifier"),
            Assessment.objects.filter(status=S.SUBMITTED, verifiers__isnull=True).count(),
            reverse("assessments_verification:assignment_proposal"),
        ),
        InboxItem(
            "overdue",
            _("Verifications past the period's close"),
            Assessment.objects.filter(status__in=open_statuses, period__verification_closes__lt=today).count(),
            reverse("assessments_verification:queue"),
            overdue=True,
        ),
        InboxItem(
            "objections",
            _("Open objections"),
            Objection.objects.filter(status=ObjectionStatus.OPEN).count(),
            reverse("assessments_objections:open"),
        ),
        InboxItem("ready", _("Assessments ready for a decision"), ready, reverse("certificates:decision_list")),
        InboxItem(
            "failed", _("Documents that failed to render"), failed, reverse("certificates:decision_list"), overdue=True
        ),
        InboxItem(
            "outbox",
            _("Side effects still pending"),
            OutboxEntry.objects.filter(done_at__isnull=True).count(),
            reverse("audit:side_effects"),
        ),
    ]


def inbox_items(user: AnyUser, today: dt.date | None = None) -> list[InboxItem]:
    day = today or timezone.localdate()
    if is_admin(user):
        return _admin(day)
    if is_verifier(user):
        return _verifier(user, day)
    return _institution(user, day)


def inbox_total(items: list[InboxItem]) -> int:
    return sum(item.count for item in items)
