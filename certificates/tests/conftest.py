"""Fixtures for decisions: verified assessments built through the workflow, issued decisions."""

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from assessments.domain.workflow import transition_apply
from assessments.models import Answer, Assessment, AssessmentStatus, ReviewState, ScoreBasis
from assessments.periods.services import assessment_get_or_create
from assessments.scoring.services import score_compute
from certificates import services
from certificates.models import Decision
from conftest import make_institution, make_member
from institutions.models import InstitutionKind, MembershipRole

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_verified(
    institution, period, level: int | Callable[[int], int], *, verifier=None, compute: bool = True
) -> Assessment:
    """An assessment walked DRAFT → SUBMITTED → IN_VERIFICATION → VERIFIED with the given levels."""
    assessment = assessment_get_or_create(institution=institution, period=period)
    answers = list(assessment.answers.order_by("indicator__aspect__number", "indicator__position", "pk"))
    for i, answer in enumerate(answers):
        value = level(i) if callable(level) else level
        answer.self_level = max(value, 1)
        answer.verified_level = value
        answer.review_state = ReviewState.VERIFIED
    Answer.objects.bulk_update(answers, ["self_level", "verified_level", "review_state"])
    for target in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED):
        transition_apply(assessment=assessment, to=target, user=verifier)
    if compute:
        score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def province(db):
    return make_institution("91", "Provinsi Uji Coba", InstitutionKind.PROVINSI)


@pytest.fixture
def verified_set(institution, other_institution, province, period, verifier):
    """Three verified assessments: Sangat Baik (400), Baik (300), Kurang (200)."""
    return {
        "sangat_baik": make_verified(institution, period, 4, verifier=verifier),
        "baik": make_verified(other_institution, period, 3, verifier=verifier),
        "kurang": make_verified(province, period, 2, verifier=verifier),
    }


def draft_decision(admin_user, period, number: str = "1/KEP.KASN/XI/2026") -> Decision:
    return services.decision_create(
        user=admin_user,
        number=number,
        date=dt.date(2026, 11, 22),
        place="Jakarta",
        period=period,
        signatory_name="Prof. Dr. Uji Penandatangan",
        signatory_title="Ketua Komisi Aparatur Sipil Negara",
    )


@pytest.fixture
def issued_decision(admin_user, period, verified_set, django_capture_on_commit_callbacks) -> Decision:
    """An issued decision whose documents were rendered (eagerly, on commit)."""
    decision = draft_decision(admin_user, period)
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    decision.refresh_from_db()
    return decision


@pytest.fixture
def other_member(other_institution):
    return make_member(other_institution, MembershipRole.EDITOR, "editor@other.local")


def pdf_text(path: str | os.PathLike) -> str:
    command = ["pdftotext", "-layout", str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def qr_urls(path: str | os.PathLike, tmp_path: Path) -> list[str]:
    """Render the first page at 150 dpi and decode every QR code on it."""
    from PIL import Image
    from pyzbar.pyzbar import decode

    prefix = tmp_path / "page"
    command = ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(prefix)]
    subprocess.run(command, check=True)  # noqa: S603
    image = next(tmp_path.glob("page*.png"))
    return [symbol.data.decode() for symbol in decode(Image.open(image))]
