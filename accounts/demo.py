"""Demo accounts and data for `make run` (seed_demo). Idempotent."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Period
from assessments.reference import reference_instrument_ensure
from assessments.services import assessment_get_or_create
from certificates.demo import demo_verified_assessments_ensure
from institutions.models import Institution, Membership, MembershipRole
from institutions.services import register_import

DEMO_PASSWORD = "merit-demo-2026"
# Three institutions of different kinds: a ministry, a province and a regency.
DEMO_INSTITUTIONS = [("K028", "kemenpanrb"), ("32", "jabar"), ("32.07", "ciamis")]


@dataclass
class DemoAccount:
    email: str
    role: str
    institution: str = ""


def _user(email: str, full_name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, role=role)
    return user


def demo_period_ensure(today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    half = "I" if today.month <= 6 else "II"
    name = f"Penilaian {today.year} Semester {half}"
    period = Period.objects.filter(name=name).first()
    if period is None:
        period = Period.objects.create(
            name=name,
            instrument=reference_instrument_ensure(),
            self_assessment_opens=today - dt.timedelta(days=30),
            self_assessment_closes=today + dt.timedelta(days=30),
            verification_closes=today + dt.timedelta(days=90),
        )
    return period


@transaction.atomic
def seed_demo() -> list[DemoAccount]:
    if not Institution.objects.exists():
        register_import()
    period = demo_period_ensure()
    accounts = [DemoAccount("admin@meritsys.local", "admin")]
    _user("admin@meritsys.local", "Admin Sekretariat", Role.ADMIN)
    for n in (1, 2):
        _user(f"verifier{n}@meritsys.local", f"Verifikator {n}", Role.VERIFIER)
        accounts.append(DemoAccount(f"verifier{n}@meritsys.local", "verifier"))
    for code, slug in DEMO_INSTITUTIONS:
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            continue
        for role in (MembershipRole.EDITOR, MembershipRole.LEAD):
            email = f"{role}.{slug}@meritsys.local"
            user = _user(email, f"{role.label} {institution.short_name or institution.name}", Role.INSTITUTION)
            Membership.objects.get_or_create(user=user, defaults={"institution": institution, "role": role})
            accounts.append(DemoAccount(email, str(role), institution.name))
        assessment_get_or_create(institution=institution, period=period)
    demo_verified_assessments_ensure(period=period)
    return accounts
