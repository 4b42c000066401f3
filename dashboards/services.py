"""Writes for dashboards: the national targets."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin
from core.errors import AccessDenied, ValidationFailed
from dashboards.models import Target
from institutions.models import InstitutionGroup


def target_set(*, year: int, shares: dict[str, Decimal], user: AnyUser) -> list[Target]:
    """Set the target share (%) at Baik or better for each group in one year (admins only).

    All or nothing: any invalid value refuses the whole change.
    """
    if not is_admin(user):
        raise AccessDenied(_("Only the oversight admin can change the national targets."))
    errors = []
    if not 2000 <= year <= 2100:
        errors.append(_("The year must be between 2000 and 2100."))
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
                group=group.value, year=year, defaults={"share": shares[group.value], "updated_by": user}
            )
            saved.append(target)
    return saved
