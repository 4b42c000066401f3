"""Dashboard figures against independent counts straight from the rows."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.domain.workflow import transition_apply
from assessments.instrument.reference import reference_instrument_ensure
from assessments.models import Answer, Assessment, AssessmentStatus, Period, Score, ScoreBasis
from assessments.periods.services import assessment_get_or_create
from assessments.scoring.services import score_compute
from dashboards import selectors
from dashboards.tests.helpers import build_register, seeded
from institutions.models import KIND_GROUP, Institution, InstitutionKind

pytestmark = pytest.mark.django_db

GOOD = {"III", "IV"}
FINAL = {AssessmentStatus.VERIFIED, AssessmentStatus.DECIDED}


@pytest.fixture
def world(admin_user):
    """40 seeded institutions over 3 periods, plus a running period with every workflow state."""
    institutions = seeded(40, periods=3)
    instrument = reference_instrument_ensure()
    today = timezone.localdate()
    running = Period.objects.create(
        name="Penilaian Berjalan",
        instrument=instrument,
        self_assessment_opens=today - dt.timedelta(days=5),
        self_assessment_closes=today + dt.timedelta(days=20),
        verification_closes=today + dt.timedelta(days=60),
    )
    states = [
        AssessmentStatus.DRAFT,  # no answers: not started
        AssessmentStatus.DRAFT,  # with answers: in self-assessment
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.IN_VERIFICATION,
        AssessmentStatus.REVISION,
        AssessmentStatus.VERIFIED,
        AssessmentStatus.DECIDED,
    ]
    for n, (institution, state) in enumerate(zip(institutions, states, strict=False)):
        assessment = assessment_get_or_create(institution=institution, period=running)
        if n >= 1:
            Answer.objects.filter(assessment=assessment).update(self_level=3)
        if state != AssessmentStatus.DRAFT:
            Answer.objects.filter(assessment=assessment).update(verified_level=2 + n % 3)
            Assessment.objects.filter(pk=assessment.pk).update(status=state)
            score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF, final=True)
            score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED, final=state in FINAL)
    # An inactive institution never counts.
    Institution.objects.filter(pk=institutions[-1].pk).update(active=False)
    return {"institutions": institutions, "running": running}


def independent(period: Period) -> dict:
    """Counts by walking every score row in Python: no aggregation in the database."""
    kinds: Counter = Counter()
    kind_cat: Counter = Counter()
    good_by_group: Counter = Counter()
    decided = 0
    for s in Score.objects.select_related("assessment__institution"):
        a = s.assessment
        if a.period_id != period.pk or s.basis != ScoreBasis.VERIFIED or a.status not in FINAL:
            continue
        if not a.institution.active:
            continue
        kinds[a.institution.kind] += 1
        kind_cat[(a.institution.kind, s.category_code)] += 1
        if s.category_code in GOOD:
            good_by_group[KIND_GROUP[InstitutionKind(a.institution.kind)]] += 1
        decided += a.status == AssessmentStatus.DECIDED
    group_sizes: Counter = Counter()
    for inst in Institution.objects.filter(active=True):
        group_sizes[KIND_GROUP[InstitutionKind(inst.kind)]] += 1
    return {"kinds": kinds, "kind_cat": kind_cat, "good": good_by_group, "decided": decided, "sizes": group_sizes}


def test_category_counts_equal_an_independent_count(world):
    for period in Period.objects.all():
        figures = selectors.national_figures(period=period)
        expected = independent(period)
        for row in figures["kinds"]:
            assert row.assessed == expected["kinds"][row.key], (period.name, row.key)
            for band in figures["bands"]:
                assert row.counts.get(band.code, 0) == expected["kind_cat"][(row.key, band.code)]
        assert figures["national"].decided == expected["decided"]
        for check in figures["checks"]:
            assert check.good == expected["good"][check.group]
            assert check.institutions == expected["sizes"][check.group]


def test_seeded_periods_have_results(world):
    for period in Period.objects.exclude(pk=world["running"].pk):
        assert selectors.national_figures(period=period)["national"].assessed > 0


def test_progress_counts_every_active_institution_once(world):
    running = world["running"]
    figures = selectors.national_figures(period=running)
    progress = dict(figures["progress"])
    active = Institution.objects.filter(active=True).count()
    assert sum(progress.values()) == active == figures["progress_total"]
    expected = Counter()
    for a in Assessment.objects.filter(period=running, institution__active=True).prefetch_related("answers"):
        if a.status == AssessmentStatus.DRAFT:
            started = any(ans.self_level is not None for ans in a.answers.all())
            expected["self_assessment" if started else "not_started"] += 1
        elif a.status in (AssessmentStatus.IN_VERIFICATION, AssessmentStatus.REVISION):
            expected["in_verification"] += 1
        else:
            expected[a.status] += 1
    expected["not_started"] += active - Assessment.objects.filter(period=running, institution__active=True).count()
    assert progress == {step: expected[step] for step in selectors.PROGRESS_STEPS}
    assert progress["in_verification"] == 2  # in verification and returned for revision
    assert progress["self_assessment"] == 1


def test_aspect_heat_equals_the_answers(world):
    """The heat table (from Score.aspect_totals) equals a recomputation from answer levels."""
    period = Period.objects.exclude(pk=world["running"].pk).order_by("-self_assessment_opens").first()
    figures = selectors.national_figures(period=period)
    sums: dict = {}
    counts: Counter = Counter()
    for a in Assessment.objects.filter(period=period, status__in=FINAL, institution__active=True).prefetch_related(
        "answers__indicator__aspect"
    ):
        counts[a.institution.kind] += 1
        per_aspect: dict = {}
        for ans in a.answers.all():
            aspect = ans.indicator.aspect
            value = ans.indicator.max_score * (ans.verified_level or 0) / 4
            per_aspect[aspect.number] = per_aspect.get(aspect.number, (Decimal(0), aspect.max_score))
            per_aspect[aspect.number] = (per_aspect[aspect.number][0] + value, aspect.max_score)
        for number, (total, maximum) in per_aspect.items():
            sums[(a.institution.kind, number)] = (
                sums.get((a.institution.kind, number), Decimal(0)) + total * 100 / maximum
            )
    numbers = [a["number"] for a in figures["aspects"]]
    for row in figures["heat"]:
        assert row["n"] == counts[row["kind"]]
        for number, cell in zip(numbers, row["cells"], strict=True):
            if row["n"] == 0:
                assert cell is None
            else:
                # Stored aspect totals keep the exact eighths; allow only for printing precision.
                assert abs(cell - sums[(row["kind"], number)] / row["n"]) < Decimal("0.01")


def test_province_table_counts_regional_governments(world):
    period = Period.objects.exclude(pk=world["running"].pk).first()
    figures = selectors.national_figures(period=period)
    for p in figures["provinces"]:
        province = Institution.objects.get(pk=p["pk"])
        members = [province] + list(Institution.objects.filter(province=province, active=True))
        assert p["row"].institutions == len([m for m in members if m.active])
        finals = Score.objects.filter(
            basis=ScoreBasis.VERIFIED,
            assessment__period=period,
            assessment__status__in=FINAL,
            assessment__institution__in=[m for m in members if m.active],
        )
        assert p["row"].assessed == finals.count()
        assert p["row"].good == finals.filter(category_code__in=GOOD).count()


def test_trend_has_every_period_and_counts_good(world):
    figures = selectors.national_figures(period=world["running"])
    assert [t["name"] for t in figures["trend"]] == list(
        Period.objects.order_by("self_assessment_opens").values_list("name", flat=True)
    )
    for t in figures["trend"]:
        period = Period.objects.get(pk=t["period_id"])
        assert t["good"] == sum(independent(period)["good"].values())


def test_cached_figures_follow_a_status_change(world, admin_user):
    running = world["running"]
    before = selectors.national_figures_cached(period=running)
    verified = Assessment.objects.get(period=running, status=AssessmentStatus.VERIFIED)
    transition_apply(assessment=verified, to=AssessmentStatus.DECIDED, user=admin_user)
    after = selectors.national_figures_cached(period=running)
    assert after["national"].decided == before["national"].decided + 1
    assert dict(after["progress"])["decided"] == dict(before["progress"])["decided"] + 1


def test_cached_figures_follow_a_new_score(world):
    running = world["running"]
    before = selectors.national_figures_cached(period=running)
    submitted = Assessment.objects.get(period=running, status=AssessmentStatus.SUBMITTED)
    Assessment.objects.filter(pk=submitted.pk).update(status=AssessmentStatus.VERIFIED)
    score_compute(assessment_id=submitted.pk, basis=ScoreBasis.VERIFIED, final=True)
    after = selectors.national_figures_cached(period=running)
    assert after["national"].assessed == before["national"].assessed + 1


def test_no_institution_no_period_is_not_an_error(db):
    build_register(3)
    assert selectors.period_choices() == []
    assert selectors.period_default([]) is None
