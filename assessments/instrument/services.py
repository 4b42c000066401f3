"""Writes of instruments: publish after checking the whole instrument (a published one is immutable)."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import require_admin
from assessments.domain.levels import SELF_LEVELS
from assessments.models import (
    Instrument,
    InstrumentStatus,
)
from core import formatting
from core.errors import InvalidTransition, ValidationFailed

logger = logging.getLogger(__name__)


def instrument_publish(*, instrument: Instrument, user: AnyUser | None) -> Instrument:
    """Publish a draft after checking the maxima add up. Published instruments are immutable."""
    require_admin(user)
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if instrument.is_published:
            raise InvalidTransition(_("This instrument is already published."))
        errors = []
        aspects = list(instrument.aspects.prefetch_related("indicators__levels"))
        if not aspects:
            errors.append(_("The instrument has no aspects."))
        for aspect in aspects:
            indicators = list(aspect.indicators.all())
            total = sum((i.max_score for i in indicators), Decimal(0))
            if total != aspect.max_score:
                errors.append(
                    _("Aspect %(number)s: maximum %(max)s but its indicators add up to %(sum)s.")
                    % {
                        "number": aspect.number,
                        "max": formatting.number(aspect.max_score),
                        "sum": formatting.number(total),
                    }
                )
            for indicator in indicators:
                if tuple(sorted(lv.level for lv in indicator.levels.all())) != SELF_LEVELS:
                    errors.append(_("Indicator %(code)s needs the four levels 1..4.") % {"code": indicator.code})
        aspect_total = sum((a.max_score for a in aspects), Decimal(0))
        if aspect_total != instrument.max_score:
            errors.append(
                _("The instrument maximum is %(max)s but the aspects add up to %(sum)s.")
                % {"max": formatting.number(instrument.max_score), "sum": formatting.number(aspect_total)}
            )
        if not instrument.bands.exists():
            errors.append(_("The instrument has no category bands."))
        if errors:
            raise ValidationFailed(_("The instrument cannot be published."), errors=errors)
        instrument.status = InstrumentStatus.PUBLISHED
        instrument.published_at = timezone.now()
        instrument.save(update_fields=["status", "published_at"])
    return instrument
