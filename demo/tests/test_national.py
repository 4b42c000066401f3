import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assessments.domain.scoring import score
from assessments.instrument.reference import reference_instrument_ensure
from assessments.instrument.selectors import instrument_spec
from assessments.models import Answer, Assessment, AssessmentStatus, Period, Score, ScoreBasis
from dashboards.tests.helpers import build_register, seeded
from demo.national import LAST_PERIOD, milestone_at, period_name, seed_national, semester_index
from institutions.models import KIND_GROUP, Institution, InstitutionKind
from institutions.services import CENTRAL_CSV

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "periods": list(Period.objects.order_by("pk").values_list("pk", "name", "self_assessment_opens")),
        "assessments": list(
            Assessment.objects.order_by("pk").values_list("pk", "institution_id", "period_id", "status")
        ),
        "answers": Answer.objects.count(),
        "scores": list(
            Score.objects.order_by("pk").values_list("pk", "basis", "total", "category_code", "computed_at")
        ),
    }


def test_periods_are_past_semesters_ending_2024_i():
    seeded(20, periods=3)
    names = list(Period.objects.order_by("self_assessment_opens").values_list("name", flat=True))
    assert names == ["Penilaian 2023 Semester I", "Penilaian 2023 Semester II", "Penilaian 2024 Semester I"]
    for period in Period.objects.all():
        assert period.self_assessment_opens < period.self_assessment_closes < period.verification_closes
        assert period.verification_closes.year <= LAST_PERIOD[0]


def test_rerun_changes_nothing():
    institutions = seeded(30, periods=3)
    before = _snapshot()
    result = seed_national(periods=3, institutions=institutions)
    assert (result.periods_created, result.assessments_created, result.scores_created) == (0, 0, 0)
    assert _snapshot() == before


def test_every_answer_has_both_levels_and_scores_match_the_scoring_function():
    seeded(30, periods=2)
    instrument = reference_instrument_ensure()
    spec = instrument_spec(instrument=instrument)
    assessments = list(Assessment.objects.prefetch_related("answers__indicator", "scores"))
    assert assessments
    for assessment in assessments:
        answers = list(assessment.answers.all())
        assert len(answers) == 33
        assert all(a.self_level in {1, 2, 3, 4} for a in answers)
        assert all(a.verified_level in {0, 1, 2, 3, 4} for a in answers)
        scores = {s.basis: s for s in assessment.scores.all()}
        for basis, field in ((ScoreBasis.SELF, "self_level"), (ScoreBasis.VERIFIED, "verified_level")):
            expected = score(spec, {a.indicator.code: getattr(a, field) for a in answers})
            stored = scores[basis]
            # Score.total keeps two decimals; the reference weights (12.5, 7.5) give eighths.
            assert abs(stored.total - expected.total) <= Decimal("0.005")
            assert stored.category_code == expected.category.code
            assert stored.is_final is (basis == ScoreBasis.VERIFIED and assessment.status == AssessmentStatus.DECIDED)
            assert stored.missing_count == 0
            assert sum(Decimal(e["total"]) for e in stored.aspect_totals) == expected.total
            # The score sweep must not see these as stale.
            assert stored.computed_at >= assessment.answers_changed_at


def test_latest_period_verified_earlier_ones_decided():
    seeded(30, periods=3)
    latest = Period.objects.get(name=period_name(semester_index(*LAST_PERIOD)))
    assert set(Assessment.objects.filter(period=latest).values_list("status", flat=True)) == {AssessmentStatus.VERIFIED}
    earlier = Assessment.objects.exclude(period=latest)
    assert set(earlier.values_list("status", flat=True)) == {AssessmentStatus.DECIDED}
    assert not earlier.filter(decided_at__isnull=True).exists()


def test_every_institution_is_assessed_and_the_good_share_rises_across_periods():
    seeded(120, periods=5)
    rows = []
    for period in Period.objects.order_by("self_assessment_opens"):
        verified = Score.objects.filter(assessment__period=period, basis=ScoreBasis.VERIFIED)
        good = verified.filter(category_code__in=["III", "IV"]).count()
        rows.append((verified.count(), good))
    assessed = [r[0] for r in rows]
    goods = [r[1] for r in rows]
    # Every institution of the register has a result in every seeded period.
    assert assessed == [120] * 5
    assert goods == sorted(goods) and goods[0] < goods[-1]

    early = milestone_at(semester_index(2020, 1))
    assert early.baik_plus["KABKOTA"] < 0.01


def test_command_imports_the_whole_register_when_empty(settings):
    assert not Institution.objects.exists()
    call_command("seed_national", "--periods", "1", "--limit", "12", stdout=io.StringIO())
    area = Path(str(settings.IDN_AREA_DATA_DIR))
    with open(area / "provinces.csv", encoding="utf-8-sig") as fh:
        provinces = sum(1 for _ in csv.DictReader(fh))
    with open(area / "regencies.csv", encoding="utf-8-sig") as fh:
        regencies = sum(1 for _ in csv.DictReader(fh))
    with open(CENTRAL_CSV, encoding="utf-8-sig") as fh:
        central = sum(1 for _ in csv.DictReader(fh))
    assert Institution.objects.count() == provinces + regencies + central
    assert 0 < Assessment.objects.count() <= 12
    kinds = set(Assessment.objects.values_list("institution__kind", flat=True))
    assert len({KIND_GROUP[InstitutionKind(k)] for k in kinds}) >= 2  # the sample mixes kinds


@pytest.mark.parametrize("args", [["--periods", "0"], ["--periods", "21"], ["--limit", "0"]])
def test_command_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("seed_national", *args)
    assert not Period.objects.exists()


def test_existing_institutions_keep_their_register():
    build_register(5)
    seed_national(periods=1)
    assert Institution.objects.count() == 5
    assert settings.IDN_AREA_DATA_DIR  # the register import was not needed
