"""Stored component values (the staff survey's result): entered, imported, refused, and scored."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from assessments.domain.workflow import transition_apply
from assessments.instrument.reference import reference_instrument_2025_ensure
from assessments.models import (
    Answer,
    AssessmentStatus,
    ComponentValue,
    Period,
    ReviewState,
    Score,
    ScoreBasis,
)
from assessments.periods.services import assessment_get_or_create
from assessments.scoring import components
from assessments.scoring.services import score_compute
from conftest import client_for, make_institution
from core.errors import AccessDenied, InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a write queues on commit (the test's transaction never commits): the scores."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def period_2025(db) -> Period:
    today = timezone.localdate()
    return Period.objects.create(
        name="Penilaian 2027 Semester I",
        instrument=reference_instrument_2025_ensure(),
        self_assessment_opens=today - dt.timedelta(days=10),
        self_assessment_closes=today + dt.timedelta(days=10),
        verification_closes=today + dt.timedelta(days=40),
    )


def verified(institution, period, level: int):
    """Every indicator at `level` (self and verified), walked to VERIFIED, scores computed."""
    assessment = assessment_get_or_create(institution=institution, period=period)
    answers = list(assessment.answers.all())
    for answer in answers:
        answer.self_level = answer.verified_level = level
        answer.review_state = ReviewState.VERIFIED
    Answer.objects.bulk_update(answers, ["self_level", "verified_level", "review_state"])
    for target in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED):
        transition_apply(assessment=assessment, to=target, user=None)
    for basis in (ScoreBasis.SELF, ScoreBasis.VERIFIED):
        score_compute(assessment_id=assessment.pk, basis=basis)
    assessment.refresh_from_db()
    return assessment


def verified_score(assessment) -> Score:
    return Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED)


def test_without_the_survey_the_value_is_pending_and_the_survey_completes_it(
    institution, period_2025, admin_user, committed
):
    assessment = verified(institution, period_2025, 4)
    pending = verified_score(assessment)
    # Maturity 0,8 × 0,75 = 0,6 (Lanjutan), the survey's quarter still to come.
    assert pending.total == D("0.6") and pending.pending_count == 1 and pending.category_name == "Lanjutan"
    with committed():
        components.component_value_set(
            assessment=assessment, component_code="survey", raw_value="0,92", note="Survei Mei", user=admin_user
        )
    done = verified_score(assessment)
    # 0,6 + 0,25 × 0,92 = 0,83: Tinggi.
    assert done.total == D("0.83") and done.pending_count == 0 and done.category_name == "Tinggi"
    assert ComponentValue.objects.get(assessment=assessment).entered_by == admin_user


def test_a_bonus_counts_up_to_its_cap_and_lifts_the_index_above_1(institution, period_2025, admin_user, committed):
    assessment = verified(institution, period_2025, 5)
    with committed():
        components.component_value_set(
            assessment=assessment, component_code="survey", raw_value="1", note="", user=admin_user
        )
    with committed():
        components.component_value_set(
            assessment=assessment, component_code="bonus", raw_value="0.3", note="", user=admin_user
        )
    score = verified_score(assessment)
    # 0,75 + 0,25 + min(0,3; 0,05) = 1,05: Maju, index above 1.
    assert score.total == D("1.05") and score.index == D("1.05") and score.category_name == "Maju"


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "is not a number"), ("1,5", "runs from 0 to 1"), ("-0.1", "runs from 0 to 1"), ("", "is not a number")],
)
def test_bad_values_are_refused_and_change_nothing(institution, period_2025, admin_user, raw, message):
    assessment = verified(institution, period_2025, 4)
    with pytest.raises(ValidationFailed, match=message):
        components.component_value_set(
            assessment=assessment, component_code="survey", raw_value=raw, note="", user=admin_user
        )
    assert not ComponentValue.objects.exists()
    assert verified_score(assessment).pending_count == 1


def test_only_admins_enter_values_and_maturity_is_not_enterable(institution, period_2025, admin_user, verifier):
    assessment = verified(institution, period_2025, 4)
    with pytest.raises(AccessDenied):
        components.component_value_set(
            assessment=assessment, component_code="survey", raw_value="0.5", note="", user=verifier
        )
    with pytest.raises(ValidationFailed, match="no such component"):
        components.component_value_set(
            assessment=assessment, component_code="maturity", raw_value="0.5", note="", user=admin_user
        )
    assert not ComponentValue.objects.exists()


def test_a_decided_assessment_keeps_its_values(institution, period_2025, admin_user):
    assessment = verified(institution, period_2025, 4)
    transition_apply(assessment=assessment, to=AssessmentStatus.DECIDED, user=None)
    with pytest.raises(InvalidTransition, match="decided"):
        components.component_value_set(
            assessment=assessment, component_code="survey", raw_value="0.5", note="", user=admin_user
        )


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in [["institution_code", "component", "value"], *rows]).encode()


def test_import_is_all_or_nothing_with_rows_and_columns_named(institution, other_institution, period_2025, admin_user):
    first = verified(institution, period_2025, 4)
    verified(other_institution, period_2025, 3)
    data = csv_bytes(
        [[institution.code, "survey", "0.9"], ["ZZZ", "survey", "0.5"], [other_institution.code, "survei", "2"]]
    )
    with pytest.raises(ValidationFailed) as refused:
        components.component_values_import(period=period_2025, data=data, filename="survei.csv", user=admin_user)
    errors = refused.value.errors
    assert "Row 3, column institution_code: no assessment of ZZZ in this period" in errors
    assert any(e.startswith("Row 4, column component: survei is not one of: survey, bonus") for e in errors)
    assert any(e.startswith("Row 4, column value: A value runs from 0 to 1") for e in errors)
    assert not ComponentValue.objects.exists()
    assert verified_score(first).pending_count == 1


def test_import_from_xlsx_saves_every_row_and_rescores(
    institution, other_institution, period_2025, admin_user, committed
):
    first = verified(institution, period_2025, 4)
    second = verified(other_institution, period_2025, 3)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["institution_code", "component", "value"])
    sheet.append([institution.code, "survey", 0.8])
    sheet.append([other_institution.code, "survey", "0,6"])
    out = io.BytesIO()
    workbook.save(out)
    with committed():
        result = components.component_values_import(
            period=period_2025, data=out.getvalue(), filename="s.xlsx", user=admin_user
        )
    assert result.saved == 2
    assert verified_score(first).total == D("0.8")  # 0,6 + 0,25 × 0,8
    assert verified_score(second).total == D("0.6")  # 0,75 × 0,6 + 0,25 × 0,6


def test_the_page_enters_a_value_and_refuses_a_bad_one(institution, period_2025, admin_user, committed):
    assessment = verified(institution, period_2025, 4)
    client = client_for(admin_user)
    url = f"/scores/period/{period_2025.pk}/components/"
    page = client.get(url).content.decode()
    assert f'data-institution="{institution.code}"' in page and "pending" in page
    bad = client.post(url, {"assessment": assessment.pk, "component": "survey", "value": "sembilan"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()
    assert not ComponentValue.objects.exists()
    with committed():
        good = client.post(url, {"assessment": assessment.pk, "component": "survey", "value": "0,9"})
    assert good.status_code == 302
    assert verified_score(assessment).total == D("0.825")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make = [make_institution(f"X{n}", f"Instansi {n}") for n in range(5)]
    for other in make:
        verified(other, period_2025, 2)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_40_2018_period_has_nothing_to_enter(period, admin_user):
    page = client_for(admin_user).get(f"/scores/period/{period.pk}/components/").content.decode()
    assert 'id="no-components"' in page
