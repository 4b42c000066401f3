"""Writes of periods: create and edit a period, grant an extension, open an institution's assessment."""

import datetime as dt
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import require_admin
from assessments.models import (
    Answer,
    Assessment,
    Extension,
    Indicator,
    Instrument,
    ObjectionAnswerer,
    Period,
)
from core import limits
from core.errors import ValidationFailed
from institutions.models import Institution
from institutions.services import period_coverage_snapshot

logger = logging.getLogger(__name__)


# An objection window longer than six weeks of working days would hold decisions back too long.
OBJECTION_DAYS_MAX = 30


def period_save(
    *,
    period: Period | None = None,
    name: str,
    instrument: Instrument,
    self_assessment_opens: dt.date,
    self_assessment_closes: dt.date,
    verification_closes: dt.date,
    show_verified_to_institutions: bool = False,
    objection_days: int = 0,
    objection_answerer: str = ObjectionAnswerer.VERIFIER,
    objection_answer_days: int = 5,
    revision_days: int = 10,
    user: AnyUser | None,
) -> Period:
    """Create or update an assessment period (siklus)."""
    require_admin(user)
    errors = []
    if not instrument.is_published:
        errors.append(_("Choose a published instrument."))
    if not self_assessment_opens <= self_assessment_closes <= verification_closes:
        errors.append(_("The dates must follow each other: opens ≤ self-assessment closes ≤ verification closes."))
    # Compare with the stored instrument: a ModelForm has already set the new one on `period`.
    stored_instrument_id = (
        Period.objects.filter(pk=period.pk).values_list("instrument_id", flat=True).first() if period else None
    )
    if period is not None and stored_instrument_id != instrument.pk and period.assessments.exists():
        errors.append(_("The instrument cannot change once assessments have started."))
    duplicate = Period.objects.filter(name=name)
    if period is not None:
        duplicate = duplicate.exclude(pk=period.pk)
    if duplicate.exists():
        errors.append(_("A period with this name already exists."))
    if not (0 <= objection_days <= OBJECTION_DAYS_MAX and 1 <= objection_answer_days <= OBJECTION_DAYS_MAX):
        errors.append(
            _("The objection window and the days to answer run from 0 (or 1) to %(max)s working days.")
            % {"max": OBJECTION_DAYS_MAX}
        )
    if not 1 <= revision_days <= OBJECTION_DAYS_MAX:
        errors.append(
            _("The days to resubmit after a return run from 1 to %(max)s working days.") % {"max": OBJECTION_DAYS_MAX}
        )
    if objection_answerer not in ObjectionAnswerer.values:
        errors.append(_("Choose who answers objections."))
    if errors:
        raise ValidationFailed(_("The period was not saved."), errors=errors)
    period = period or Period()
    period.objection_days = objection_days
    period.objection_answerer = objection_answerer
    period.objection_answer_days = objection_answer_days
    period.revision_days = revision_days
    period.name = name
    period.instrument = instrument
    period.self_assessment_opens = self_assessment_opens
    period.self_assessment_closes = self_assessment_closes
    period.verification_closes = verification_closes
    period.show_verified_to_institutions = show_verified_to_institutions
    created = period.pk is None
    period.save()
    if created:
        # The institutions a period covers are fixed from the register when it is created.
        period_coverage_snapshot(period=period)
    return period


def extension_grant(
    *, period: Period, institution: Institution, until: dt.date, reason: str, user: AnyUser | None
) -> Extension:
    """Let one institution submit after the period's self-assessment close, until `until`."""
    require_admin(user)
    if until <= period.self_assessment_closes:
        raise ValidationFailed(_("An extension must end after the period's self-assessment close."))
    if not reason.strip():
        raise ValidationFailed(_("Give a reason for the extension."))
    limits.text_check(reason.strip(), limit=limits.REASON_MAX, what=_("The reason"))
    extension, _created = Extension.objects.update_or_create(
        period=period, institution=institution, defaults={"until": until, "reason": reason.strip(), "granted_by": user}
    )
    return extension


def assessment_get_or_create(*, institution: Institution, period: Period) -> Assessment:
    """The institution's assessment for a period, with one (empty) answer per indicator."""
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(institution=institution, period=period)
        if created:
            indicators = Indicator.objects.filter(aspect__instrument_id=period.instrument_id)
            Answer.objects.bulk_create(Answer(assessment=assessment, indicator=i) for i in indicators)
    return assessment
