"""Demo accounts and data for `make run` (seed_demo). Idempotent."""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments.instrument.reference import reference_instrument_2025_ensure, reference_instrument_ensure
from assessments.models import Assessment, AssessmentStatus, Evidence, Instrument, Period
from assessments.periods.services import assessment_get_or_create
from demo.survey import demo_survey_ensure
from demo.verified import demo_cycle_states_ensure, demo_verified_assessments_ensure
from institutions.models import Institution, Membership, MembershipRole
from institutions.services import register_import

DEMO_PASSWORD = "merit-demo-2026"
# The demo admin and verifiers must pass two-step sign-in like real ones: the seed enrols this
# known authenticator secret for them (printed by seed_demo and in the README) so any
# authenticator app, or `python manage.py demo_totp`, gives the code. Demo data only.
DEMO_TOTP_KEY = b"meritsys-demo-totp!!".hex()
# Three institutions of different kinds: a ministry, a province and a regency.
DEMO_INSTITUTIONS = [("K028", "kemenpanrb"), ("32", "jabar"), ("32.07", "ciamis")]
# The province whose assessment the demo seeds as submitted, assigned to the first verifier.
DEMO_SUBMITTED_CODE = "32"
DEMO_VERIFIER = "verifier1@meritsys.local"
# Self levels cycled over the indicators: a realistic mix in the upper middle of either scale.
DEMO_SELF_LEVELS = (3, 4, 2, 3, 4, 3, 1, 3, 4, 2, 3)


@dataclass
class DemoAccount:
    email: str
    role: str
    institution: str = ""


def _user(email: str, full_name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, role=role)
    if role in (Role.ADMIN, Role.VERIFIER):
        demo_totp_ensure(user=user)
    return user


def demo_totp_secret() -> str:
    """The demo authenticator secret in base32, as an app asks for it."""
    import base64

    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")


def demo_totp_ensure(*, user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="authenticator", key=DEMO_TOTP_KEY, confirmed=True)


def demo_totp_code() -> str:
    """The current code for the demo secret (what an authenticator app shows now)."""
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token():06d}"


def _period_ensure(*, today: dt.date, instrument_of: Callable[[], Instrument]) -> Period:
    half = "I" if today.month <= 6 else "II"
    name = f"Penilaian {today.year} Semester {half}"
    period = Period.objects.filter(name=name).first()
    if period is None:
        period = Period.objects.create(
            name=name,
            instrument=instrument_of(),
            self_assessment_opens=today - dt.timedelta(days=30),
            self_assessment_closes=today + dt.timedelta(days=30),
            verification_closes=today + dt.timedelta(days=90),
        )
    return period


def demo_period_ensure(today: dt.date | None = None) -> Period:
    """The running demo period, on the PermenPANRB 19/2025 reference instrument (two components,
    five levels, an index from 0 to 1)."""
    return _period_ensure(today=today or timezone.localdate(), instrument_of=reference_instrument_2025_ensure)


def demo_previous_period_ensure(today: dt.date | None = None) -> Period:
    """The same semester a year earlier, on the PermenPANRB 40/2018 reference instrument (four
    levels, a value out of 400): the two regimes side by side in one database."""
    today = today or timezone.localdate()
    return _period_ensure(
        today=today.replace(year=today.year - 1, day=min(today.day, 28)), instrument_of=reference_instrument_ensure
    )


@transaction.atomic
def seed_demo() -> list[DemoAccount]:
    if not Institution.objects.exists():
        register_import()
    previous = demo_previous_period_ensure()
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
        assessment = assessment_get_or_create(institution=institution, period=period)
        if code == DEMO_SUBMITTED_CODE:
            demo_submitted_ensure(assessment=assessment)
    demo_verified_assessments_ensure(period=previous)
    demo_decided_ensure(period=previous)
    demo_verified_assessments_ensure(period=period)
    demo_survey_ensure(period=period)
    demo_cycle_states_ensure(period=period)
    return accounts


DEMO_SIGNATORY = ("Dr. Rini Kusumawati, M.Si.", "Ketua Komisi Aparatur Sipil Negara", "197001011995032001")


def demo_decided_ensure(*, period: Period) -> None:
    """Issue (once) a decision in the earlier period for the first of its verified assessments, so
    the demo holds a decided assessment with its charter, its privilege and a final result; the
    other verified ones stay ready for a decision. Its documents render after the seed commits."""
    from certificates import services as certificate_services
    from certificates.models import Decision

    admin = User.objects.filter(email="admin@meritsys.local").first()
    first = (
        Assessment.objects.filter(period=period, status=AssessmentStatus.VERIFIED).order_by("institution__code").first()
    )
    if admin is None or first is None or Decision.objects.filter(period=period).exists():
        return
    name, office, nip = DEMO_SIGNATORY
    decision = certificate_services.decision_create(
        user=admin,
        number=f"1/KEP.KASN/{period.verification_closes.year}",
        date=period.verification_closes,
        place="Jakarta",
        period=period,
        signatory_name=name,
        signatory_title=office,
        signatory_nip=nip,
    )
    certificate_services.decision_select(decision=decision, user=admin, assessment_ids=[first.pk])
    certificate_services.decision_issue(decision=decision, user=admin)


def demo_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing `text` (ASCII), built by hand: no renderer needed."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "").replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 760 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def demo_answers_fill(*, assessment: Assessment, user: User, levels: tuple[int, ...] = DEMO_SELF_LEVELS) -> None:
    """Answer every indicator (cycling `levels`) with a note, and one evidence PDF above level 1.

    Stands in for the institution's self-assessment (demo data and tests), writing rows directly.
    """
    answers = list(
        assessment.answers.select_related("indicator").order_by(
            "indicator__aspect__number", "indicator__position", "indicator__code"
        )
    )
    for index, answer in enumerate(answers):
        answer.self_level = levels[index % len(levels)]
        answer.self_note = f"Dokumen pendukung indikator {answer.indicator.code} terlampir."
        answer.updated_by = user
        answer.save(update_fields=["self_level", "self_note", "updated_by", "updated_at"])
        if answer.self_level > 1 and not answer.evidence.exists():
            data = demo_pdf(f"Bukti dukung indikator {answer.indicator.code} - {assessment.institution.name}")
            digest = hashlib.sha256(data).hexdigest()
            evidence = Evidence(
                answer=answer,
                original_name=f"bukti-{answer.indicator.code}.pdf",
                size=len(data),
                sha256=digest,
                content_type="application/pdf",
                uploaded_by=user,
            )
            evidence.file.save(f"bukti-{answer.indicator.code}.pdf", ContentFile(data), save=False)
            evidence.save()
    assessment.answers_changed_at = timezone.now()
    assessment.save(update_fields=["answers_changed_at"])


def demo_submitted_ensure(*, assessment: Assessment) -> None:
    """Make the demo province's untouched draft a submitted assessment assigned to verifier 1.

    Idempotent: an assessment someone already worked on (any answer, any other status) is left
    as it is, apart from making sure verifier 1 is assigned.
    """
    from assessments.domain.workflow import transition_apply
    from assessments.models import ScoreBasis
    from assessments.scoring.services import score_queue
    from institutions.models import MembershipRole

    verifier = User.objects.filter(email=DEMO_VERIFIER).first()
    untouched = (
        assessment.status == AssessmentStatus.DRAFT and not assessment.answers.filter(self_level__isnull=False).exists()
    )
    if untouched:
        lead = User.objects.filter(
            membership__institution_id=assessment.institution_id, membership__role=MembershipRole.LEAD
        ).first()
        if lead is None:
            return
        locked = Assessment.objects.select_for_update().select_related("institution").get(pk=assessment.pk)
        demo_answers_fill(assessment=locked, user=lead)
        transition_apply(assessment=locked, to=AssessmentStatus.SUBMITTED, user=lead)
        score_queue(assessment=locked, basis=ScoreBasis.SELF)
    if verifier is not None and assessment.status != AssessmentStatus.DECIDED:
        assessment.verifiers.add(verifier)
