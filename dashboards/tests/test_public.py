import pytest

from assessments.models import Assessment, AssessmentStatus, Period, Score, ScoreBasis
from conftest import client_for
from dashboards.tests.helpers import seeded

pytestmark = pytest.mark.django_db


def _page_text(url: str) -> str:
    response = client_for(None).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _table(text: str) -> str:
    """The results table only (the province filter lists province names too)."""
    return text[text.index('id="public-results"') :]


def test_public_page_shows_only_decided_results(db):
    seeded(30, periods=2)
    latest = Period.objects.order_by("-self_assessment_opens").first()
    earlier = Period.objects.order_by("self_assessment_opens").first()
    # Undo one decision in the earlier period: it must disappear from the public page.
    undecided = Assessment.objects.filter(period=earlier, status=AssessmentStatus.DECIDED).first()
    Assessment.objects.filter(pk=undecided.pk).update(status=AssessmentStatus.VERIFIED)
    text = _page_text(f"/results/?period={earlier.pk}")
    decided = Assessment.objects.filter(period=earlier, status=AssessmentStatus.DECIDED).select_related("institution")
    assert decided.exists()
    for a in decided:
        assert f"<tr><td>{a.institution.name}</td>" in _table(text)
    assert f"<tr><td>{undecided.institution.name}</td>" not in _table(text)
    # The latest period is verified, not decided: it is not offered and cannot be asked for.
    assert latest.name not in text
    response = client_for(None).get(f"/results/?period={latest.pk}")
    assert response.status_code == 400
    for a in Assessment.objects.filter(period=latest).select_related("institution"):
        assert a.institution.name not in response.content.decode()


def test_public_default_period_is_the_newest_decided_one(db):
    seeded(20, periods=3)
    text = _page_text("/results/")
    newest_decided = (
        Period.objects.filter(assessments__status=AssessmentStatus.DECIDED).order_by("-self_assessment_opens").first()
    )
    count = Score.objects.filter(
        basis=ScoreBasis.VERIFIED, assessment__period=newest_decided, assessment__status=AssessmentStatus.DECIDED
    ).count()
    assert f'value="{newest_decided.pk}" selected' in text
    assert f"{count} " in text


def test_public_page_with_nothing_decided(db, assessment):
    text = _page_text("/results/")
    assert 'id="no-results"' in text


def test_public_filters(db):
    seeded(30, periods=2)
    earlier = Period.objects.order_by("self_assessment_opens").first()
    text = _page_text(f"/results/?period={earlier.pk}&category=IV")
    in_band = Score.objects.filter(
        basis=ScoreBasis.VERIFIED, assessment__period=earlier, assessment__status=AssessmentStatus.DECIDED
    ).select_related("assessment__institution")
    for s in in_band:
        assert (f"<tr><td>{s.assessment.institution.name}</td>" in _table(text)) == (s.category_code == "IV")
