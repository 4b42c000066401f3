"""Every view × role, allowed and refused."""

import pytest

from assessments.models import AssessmentStatus, ScoreBasis
from assessments.scoring.services import score_compute
from conftest import client_for
from institutions.models import Institution

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "verifier", "editor", "lead", "other_lead"]
OVERSIGHT = {"admin": 200, "verifier": 200, "editor": 403, "lead": 403, "other_lead": 403}
# An export is a background job: the oversight staff are sent to its page (core.jobs).
OVERSIGHT_JOB = {"admin": 302, "verifier": 302, "editor": 403, "lead": 403, "other_lead": 403}
ADMIN_ONLY = {"admin": 200, "verifier": 403, "editor": 403, "lead": 403, "other_lead": 403}


@pytest.fixture
def scored(assessment, verifier):
    """The fixture institution's assessment, verified and scored, with `verifier` assigned."""
    assessment.answers.update(self_level=3, verified_level=2)
    assessment.status = AssessmentStatus.VERIFIED
    assessment.save()
    assessment.verifiers.add(verifier)
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF, final=True)
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED, final=True)
    return assessment


def _expect(response, code):
    if code == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("url", "matrix"),
    [
        ("/dashboard/", OVERSIGHT),
        ("/dashboard/results/", OVERSIGHT),
        ("/exports/results.xlsx", OVERSIGHT_JOB),
        ("/exports/results.csv", OVERSIGHT_JOB),
        ("/dashboard/targets/", ADMIN_ONLY),
    ],
)
def test_oversight_pages(users, scored, role, url, matrix):
    response = client_for(users[role]).get(url)
    _expect(response, "login" if role == "anonymous" else matrix[role])


@pytest.mark.parametrize("role", ROLES)
def test_targets_post_is_admin_only(users, instrument, role):
    response = client_for(users[role]).post(
        "/dashboard/targets/", {"instrument": instrument.pk, "year": "2030", "KL": "1", "PROVINSI": "1", "KABKOTA": "1"}
    )
    _expect(response, "login" if role == "anonymous" else (302 if role == "admin" else 403))
    from assessments.models import Target

    assert Target.objects.filter(year=2030).exists() is (role == "admin")


PROFILE = {"admin": 200, "verifier": 200, "editor": 200, "lead": 200, "other_lead": 403}


@pytest.mark.parametrize("role", ROLES)
def test_profile(users, scored, role):
    response = client_for(users[role]).get(f"/institutions-profile/{scored.institution_id}/")
    _expect(response, "login" if role == "anonymous" else PROFILE[role])
    if response.status_code == 200:
        assert scored.institution.name in response.content.decode()


def test_profile_refuses_an_unassigned_verifier(scored, other_verifier):
    response = client_for(other_verifier).get(f"/institutions-profile/{scored.institution_id}/")
    assert response.status_code == 403


def test_profile_of_unknown_institution_is_404(admin_user):
    assert client_for(admin_user).get("/institutions-profile/999999/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_my_profile(users, scored, role):
    response = client_for(users[role]).get("/institutions-profile/mine/")
    if role == "anonymous":
        _expect(response, "login")
    elif role in {"editor", "lead"}:
        assert response.status_code == 302
        assert response["Location"] == f"/institutions-profile/{scored.institution_id}/"
    elif role == "other_lead":
        other = Institution.objects.get(code="K902")
        assert response["Location"] == f"/institutions-profile/{other.pk}/"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_public_results_open_to_everyone(users, scored, role):
    assert client_for(users[role]).get("/results/").status_code == 200


def test_institution_sees_verified_only_when_final(lead, assessment):
    assessment.answers.update(self_level=3, verified_level=1)
    assessment.status = AssessmentStatus.IN_VERIFICATION
    assessment.save()
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF, final=True)
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    page = client_for(lead).get(f"/institutions-profile/{assessment.institution_id}/").content.decode()
    assert "300" in page  # the self total (33 × level 3 = 300)
    aspect_table = page.split('id="aspect-table"')[1].split("</table>")[0]
    assert "(75%)" in aspect_table  # self: level 3 of 4
    assert "(25%)" not in aspect_table  # verified level 1 not shown before finalisation
    assessment.status = AssessmentStatus.VERIFIED
    assessment.save()
    page = client_for(lead).get(f"/institutions-profile/{assessment.institution_id}/").content.decode()
    assert 'id="weakest-list"' in page
    assert "(25%)" in page.split('id="aspect-table"')[1].split("</table>")[0]
    assert "Buruk" in page  # verified 100 is Buruk


def test_dashboard_with_no_period(admin_user):
    response = client_for(admin_user).get("/dashboard/")
    assert response.status_code == 200


def test_dashboard_shows_charts_with_table_alternatives(admin_user, scored):
    page = client_for(admin_user).get("/dashboard/").content.decode()
    for source in ("chart-trend", "chart-kinds", "chart-progress"):
        assert f'data-source="{source}"' in page
        assert f'id="{source}" type="application/json"' in page
    assert page.count('role="img"') == 3 and page.count("aria-label=") >= 3
    for table in ("targets-table", "trend-table", "kinds-table", "progress-table", "heat-table", "province-table"):
        assert f'id="{table}"' in page
    assert "<script>" not in page  # CSP: no inline scripts


def test_heat_table_has_a_legend_in_words_and_numbers(admin_user, scored):
    """Issue 20: the colours carry no meaning alone; the key names each colour's range."""
    page = client_for(admin_user).get("/dashboard/").content.decode()
    heat = page.split('id="heat-table"')[1].split("</table>")[0]
    assert 'class="num heat-' in heat
    legend = page.split('id="heat-legend"')[1].split("</ul>")[0]
    for text in ("below 20%", "20–39%", "40–59%", "60–79%", "80% and above", "no verification result"):
        assert text in " ".join(legend.replace("</span>", " ").split()), text
    assert legend.count('class="swatch heat-') == 6


def test_bad_period_is_refused_with_a_message(admin_user, scored):
    response = client_for(admin_user).get("/dashboard/?period=x")
    assert response.status_code == 400
    response = client_for(admin_user).get("/dashboard/?period=424242")
    assert response.status_code == 400


def test_cached_dashboard_page_follows_a_decision(admin_user, scored):
    from assessments.domain.workflow import transition_apply

    client = client_for(admin_user)

    def main() -> str:
        return client.get("/dashboard/").content.decode().split("<main")[1].split("</main>")[0]

    first = main()
    assert main() == first  # served from the cache
    transition_apply(assessment=scored, to=AssessmentStatus.DECIDED, user=admin_user)
    page = main()
    kinds = page.split('id="kinds-table"')[1].split("</table>")[0]
    assert '<td class="num">1</td></tr>' in kinds  # the decided column of the ministry row
    assert page != first


def test_trend_chart_leaves_out_a_period_still_in_verification(admin_user, scored, instrument):
    """A running cycle's partial share would plot as a collapse; the table marks it instead."""
    import datetime as dt
    import json
    import re

    from assessments.models import Period
    from assessments.periods.services import assessment_get_or_create

    closed = Period.objects.create(
        name="Penilaian 2024 Semester I",
        instrument=instrument,
        self_assessment_opens=dt.date(2024, 1, 8),
        self_assessment_closes=dt.date(2024, 2, 29),
        verification_closes=dt.date(2024, 4, 30),
    )
    past = assessment_get_or_create(institution=scored.institution, period=closed)
    past.answers.update(self_level=4, verified_level=4)
    past.status = AssessmentStatus.DECIDED
    past.save()
    score_compute(assessment_id=past.pk, basis=ScoreBasis.VERIFIED, final=True)

    page = client_for(admin_user).get("/dashboard/").content.decode()
    chart = json.loads(re.search(r'id="chart-trend" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert chart["labels"] == ["Penilaian 2024 Semester I"]  # the running fixture period is not plotted
    trend_table = re.search(r'<table[^>]*id="trend-table".*?</table>', page, re.S).group(0)
    assert scored.period.name in trend_table and "in progress, provisional" in trend_table
