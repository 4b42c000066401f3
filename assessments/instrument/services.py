"""Writes of instruments: publish after checking the whole instrument (a published one is immutable)."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import require_admin
from assessments.instrument.io import instrument_problems
from assessments.models import Instrument, InstrumentStatus
from core.errors import InvalidTransition, ValidationFailed

logger = logging.getLogger(__name__)


def instrument_publish(*, instrument: Instrument, user: AnyUser | None) -> Instrument:
    """Publish a draft after the same whole-instrument validation an import runs (weights add up
    per component, levels complete, band flags coherent). Published instruments are immutable."""
    require_admin(user)
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if instrument.is_published:
            raise InvalidTransition(_("This instrument is already published."))
        errors = instrument_problems(instrument)
        if errors:
            raise ValidationFailed(_("The instrument cannot be published."), errors=errors)
        instrument.status = InstrumentStatus.PUBLISHED
        instrument.published_at = timezone.now()
        instrument.save(update_fields=["status", "published_at"])
    return instrument
