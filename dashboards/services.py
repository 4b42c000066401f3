"""Writes for dashboards: the national targets."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin
from assessments.models import Instrument, Target
from assessments.models.target import YEAR_MAX, YEAR_MIN
from core.errors import AccessDenied, ValidationFailed
from institutions.models import InstitutionGroup


def target_set(*, instrument: Instrument, year: int, shares: dict[str, Decimal], user: AnyUser) -> list[Target]:
    """Set, for one instrument and year, the share (%) of each group's institutions that should
    be in a band counting toward the target (admins only).

    All or nothing: any invalid value refuses the whole change.
    """
    if not is_admin(user):
        raise AccessDenied(_("Only the oversight admin can change the national targets."))
    errors = []
    if not YEAR_MIN <= year <= YEAR_MAX:
        errors.append(_("The year must be between %(min)s and %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX})
    if not instrument.bands.filter(counts_for_target=True).exists():
        errors.append(_("No band of this instrument counts toward the national target."))
    for group in InstitutionGroup:
        value = shares.get(group.value)
        if value is None:
            errors.append(_("Give a target for %(group)s.") % {"group": group.label})
        elif not Decimal(0) <= value <= Decimal(100):
            errors.append(_("The target for %(group)s must be between 0 and 100%%.") % {"group": group.label})
    if errors:
        raise ValidationFailed(_("The targets were not saved."), errors=errors)
    saved = []
    with transaction.atomic():
        for group in InstitutionGroup:
            target, _created = Target.objects.update_or_create(
                instrument=instrument,
                group=group.value,
                year=year,
                defaults={"share": shares[group.value], "updated_by": user},
            )
            saved.append(target)
    return saved
