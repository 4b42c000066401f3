"""Score pages: who sees what, Indonesian figures, the simulator saves nothing."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Answer, Indicator, Score, ScoreBasis
from assessments.models import AssessmentStatus as S
from assessments.scoring import services as scoring_services
from assessments.scoring.tests.helpers import make_assessment, move_to, set_levels
from conftest import client_for, make_institution

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("indonesian")]


@pytest.fixture
def scored(institution, period, verifier):
    """Self 303,75 (all level 3, 1.2 at 4); verified 290 (all 3, 3.2 at 1); in verification."""
    assessment = make_assessment(institution, period, status=S.IN_VERIFICATION)
    set_levels(assessment, "self_level", 3)
    set_levels(assessment, "self_level", {"1.2": 4})
    set_levels(assessment, "verified_level", 3)
    set_levels(assessment, "verified_level", {"3.2": 1})
    assessment.verifiers.add(verifier)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    return assessment


def comparison_url(assessment):
    return reverse("assessments_scores:comparison", args=[assessment.pk])


def simulator_url(assessment):
    return reverse("assessments_scores:simulator", args=[assessment.pk])


# --- comparison page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "sees_verified"),
    [
        ("admin", 200, True),
        ("verifier", 200, True),
        ("editor", 200, False),
        ("lead", 200, False),
        ("other_lead", 404, False),
        ("unassigned_verifier", 404, False),
    ],
)
def test_comparison_permissions(scored, users, other_verifier, who, status, sees_verified):
    user = other_verifier if who == "unassigned_verifier" else users[who]
    response = client_for(user).get(comparison_url(scored))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert 'data-testid="self-total">303,75<' in body
        assert ('data-testid="verified-total">290,00<' in body) is sees_verified
        assert ("−13,75" in body) is sees_verified


def test_comparison_anonymous_goes_to_login(scored):
    response = client_for(None).get(comparison_url(scored))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_comparison_unknown_assessment_is_404(admin_user):
    assert client_for(admin_user).get("/scores/999999/").status_code == 404


def test_institution_sees_verified_once_finalised(scored, lead):
    move_to(scored, S.VERIFIED)
    scoring_services.score_compute(assessment_id=scored.pk, basis=ScoreBasis.VERIFIED)
    body = client_for(lead).get(comparison_url(scored)).content.decode()
    assert 'data-testid="verified-total">290,00<' in body
    assert 'data-testid="gap">−13,75<' in body


def test_institution_sees_verified_early_when_the_period_allows(scored, lead):
    scored.period.show_verified_to_institutions = True
    scored.period.save()
    body = client_for(lead).get(comparison_url(scored)).content.decode()
    assert 'data-testid="verified-total">290,00<' in body


def test_comparison_shows_indonesian_figures_gaps_and_next_category(scored, admin_user):
    body = client_for(admin_user).get(comparison_url(scored)).content.decode()
    # Self: 303,75 → index 0,75 (0,759375 cut), Baik, 21,25 more to Sangat Baik.
    assert ">303,75<" in body and ">0,75<" in body
    assert "21,25 poin lagi menuju kategori Sangat Baik" in body
    # Verified: 290 → 0,72 (0,725 cut), Baik, 35 more.
    assert ">0,72<" in body
    assert "35,00 poin lagi menuju kategori Sangat Baik" in body
    # Per aspect: aspect 1 self 33,75 vs verified 30 → −3,75; aspect 3 (3.2 at 1) 97,5 vs 87,5 → −10.
    assert "−3,75" in body and "−10" in body
    assert "Perencanaan Kebutuhan" in body


def test_comparison_says_when_scores_are_missing_or_stale(institution, period, lead):
    assessment = make_assessment(institution, period, status=S.SUBMITTED, self_level=2)
    body = client_for(lead).get(comparison_url(assessment)).content.decode()
    assert "Belum dihitung" in body
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    set_levels(assessment, "self_level", {"1.1": 4})
    body = client_for(lead).get(comparison_url(assessment)).content.decode()
    assert 'data-testid="self-total">200,00<' in body
    assert "sedang dihitung ulang" in body


def test_comparison_query_count_is_constant(scored, admin_user):
    client = client_for(admin_user)
    client.get(comparison_url(scored))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(comparison_url(scored)).status_code == 200
    assert len(queries) <= 8


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_only_visible_assessments(scored, period, lead, other_lead, verifier, admin_user):
    other = make_assessment(make_institution("K777", "Badan Lain Sekali"), period, status=S.SUBMITTED, self_level=1)
    scoring_services.score_compute(assessment_id=other.pk, basis=ScoreBasis.SELF)
    url = reverse("assessments_scores:list")
    admin_body = client_for(admin_user).get(url).content.decode()
    assert "Kementerian Uji Coba" in admin_body and "Badan Lain Sekali" in admin_body and ">290<" not in admin_body
    lead_body = client_for(lead).get(url).content.decode()
    assert "Kementerian Uji Coba" in lead_body and "Badan Lain Sekali" not in lead_body
    assert "303,75" in lead_body and "290" not in lead_body
    verifier_body = client_for(verifier).get(url).content.decode()
    assert "Kementerian Uji Coba" in verifier_body and "Badan Lain Sekali" not in verifier_body
    assert "290" in verifier_body
    assert "Kementerian Uji Coba" not in client_for(other_lead).get(url).content.decode()
    assert client_for(None).get(url).status_code == 302


def test_list_query_count_does_not_grow(period, admin_user):
    client = client_for(admin_user)
    url = reverse("assessments_scores:list")

    def add(n, offset):
        for k in range(offset, offset + n):
            a = make_assessment(make_institution(f"Q{k}", f"Lembaga {k}"), period, status=S.SUBMITTED, self_level=2)
            scoring_services.score_compute(assessment_id=a.pk, basis=ScoreBasis.SELF)

    add(2, 0)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    add(6, 2)
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content.decode()
    assert body.count("Lembaga ") == 8
    assert len(large) == len(small)


# --- simulator -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 403), ("verifier", 403), ("editor", 200), ("lead", 200), ("other_lead", 404)],
)
def test_simulator_permissions(scored, users, who, status):
    assert client_for(users[who]).get(simulator_url(scored)).status_code == status
    assert client_for(users[who]).post(simulator_url(scored), {}).status_code == status


def test_simulator_anonymous_goes_to_login(scored):
    response = client_for(None).get(simulator_url(scored))
    assert response.status_code == 302


def level_data(instrument, level, **overrides):
    data = {}
    for indicator in Indicator.objects.filter(aspect__instrument=instrument):
        data[f"level_{indicator.pk}"] = str(overrides.get(indicator.code, level))
    return data


def snapshot(assessment):
    return (
        list(Answer.objects.filter(assessment=assessment).values_list("pk", "self_level", "verified_level", "version")),
        list(Score.objects.filter(assessment=assessment).values_list("basis", "total", "computed_at")),
    )


def test_simulator_starts_from_the_current_answers(scored, editor):
    body = client_for(editor).get(simulator_url(scored)).content.decode()
    assert 'data-testid="total">303,75<' in body
    assert "21,25 poin lagi menuju kategori Sangat Baik" in body
    indicator = Indicator.objects.get(aspect__instrument=scored.period.instrument, code="1.2")
    assert (
        '<option value="4" selected>4 · Sepenuhnya memadai</option>'
        in body.split(f'name="level_{indicator.pk}"')[1].split("</select>")[0]
    )


def test_simulator_without_javascript_scores_and_saves_nothing(scored, lead):
    before = snapshot(scored)
    data = level_data(scored.period.instrument, 4, **{"1.1": 1})
    response = client_for(lead).post(simulator_url(scored), data)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    # 400 − 12,5 × 3/4 = 390,625 → shown 390,62 (cut, never rounded up); Sangat Baik, the top.
    assert 'data-testid="total">390,62<' in body
    assert "Sangat Baik" in body
    assert "+86,88" in body  # against the current 303,75
    assert snapshot(scored) == before


def test_simulator_htmx_returns_only_the_result(scored, lead):
    before = snapshot(scored)
    data = level_data(scored.period.instrument, 2, **{"3.2": ""})
    response = client_for(lead).post(simulator_url(scored), data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    # Level 2 everywhere is 200; 3.2 (max 20) unanswered removes 10 → 190, Kurang, 60 to Baik.
    assert 'data-testid="total">190,00<' in body
    assert "60,00 poin lagi menuju kategori Baik" in body
    assert "1 indikator belum dijawab" in body
    assert snapshot(scored) == before


@pytest.mark.parametrize("bad", ["9", "0", "x", "-1"])
def test_simulator_refuses_bad_levels_clearly(scored, lead, bad):
    before = snapshot(scored)
    data = level_data(scored.period.instrument, 3, **{"2.2": bad})
    response = client_for(lead).post(simulator_url(scored), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pilih level 1 sampai 4" in body
    assert 'data-testid="total"' not in body
    assert snapshot(scored) == before


def test_simulator_query_count_is_constant(scored, lead):
    client = client_for(lead)
    client.get(simulator_url(scored))
    with CaptureQueriesContext(connection) as queries:
        client.post(simulator_url(scored), level_data(scored.period.instrument, 2))
    # Constant: the instrument's tree, scale and components, the answers and stored values.
    assert len(queries) <= 15
    assert Score.objects.get(assessment=scored, basis=ScoreBasis.SELF).total == D("303.75")
