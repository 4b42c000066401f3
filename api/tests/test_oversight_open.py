"""Oversight endpoints (register, periods, assessments with filters and a cursor, decisions,
certificates) and the open data; query counts stay constant as the data grows."""

import csv
import html
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.models import KeyScope
from api.tests.conftest import Api, key_for
from assessments.models import Assessment, AssessmentStatus, Period
from certificates.models import Certificate
from certificates.services import certificate_revoke
from dashboards.tests.helpers import build_register
from demo.national import seed_national

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_CALLS_PER_MINUTE = 1_000_000


def _decided_period() -> Period:
    period = (
        Period.objects.filter(assessments__status=AssessmentStatus.DECIDED)
        .order_by("-self_assessment_opens")
        .distinct()
        .first()
    )
    assert period is not None
    return period


def _count(api: Api, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


def _urls(period: Period, assessment_id: int) -> dict[str, str]:
    return {
        "assessments": "/api/v1/assessments/?page_size=100",
        "assessments_filtered": f"/api/v1/assessments/?period={period.pk}&status=decided",
        "institutions": "/api/v1/institutions/?page_size=100",
        "periods": "/api/v1/periods/",
        "decisions": "/api/v1/decisions/",
        "certificates": "/api/v1/certificates/",
        "open": f"/api/v1/open/results/{period.pk}/",
        "open_csv": f"/api/v1/open/results/{period.pk}/csv/",
        "answers": f"/api/v1/assessments/{assessment_id}/answers/",
        "scores": f"/api/v1/assessments/{assessment_id}/scores/",
    }


def test_query_counts_are_constant_from_10_to_60_institutions(admin_user):
    api = Api(key_for(admin_user, KeyScope.READ))
    small = build_register(10)
    seed_national(periods=2, institutions=small)
    assessment_id = Assessment.objects.order_by("pk").values_list("pk", flat=True).first()
    urls = _urls(_decided_period(), assessment_id)
    {name: _count(api, url) for name, url in urls.items()}  # warm the per-process scale cache
    first = {name: _count(api, url) for name, url in urls.items()}
    seed_national(periods=2, institutions=small + build_register(50, start=10))
    assert Assessment.objects.count() > 100
    second = {name: _count(api, url) for name, url in _urls(_decided_period(), assessment_id).items()}
    assert first == second


def test_a_cursor_walk_reads_every_assessment_once_and_filters_apply(admin_user):
    seed_national(periods=2, institutions=build_register(12))
    api = Api(key_for(admin_user, KeyScope.READ))
    seen: list[int] = []
    url: str | None = "/api/v1/assessments/?page_size=5"
    pages = 0
    while url:
        body = api.get(url).json()
        seen += [a["id"] for a in body["results"]]
        url = body["next"]
        pages += 1
    assert sorted(seen) == list(Assessment.objects.order_by("pk").values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) and pages == -(-len(seen) // 5)
    period = _decided_period()
    decided = api.get(f"/api/v1/assessments/?period={period.pk}&status=decided&page_size=500").json()["results"]
    assert {a["id"] for a in decided} == set(
        Assessment.objects.filter(period=period, status=AssessmentStatus.DECIDED).values_list("pk", flat=True)
    )
    assert all(s["basis"] in ("self", "verified") for a in decided for s in a["scores"])
    bad = api.get("/api/v1/assessments/?status=nonsense")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    assert api.get("/api/v1/assessments/?cursor=garbage").status_code == 404


def test_oversight_endpoints_refuse_institution_keys(lead):
    api = Api(key_for(lead, KeyScope.SUBMIT))
    for url in ("/api/v1/institutions/", "/api/v1/periods/", "/api/v1/decisions/", "/api/v1/certificates/"):
        response = api.get(url)
        assert response.status_code == 403 and response.json()["code"] == "oversight_key_required"


def test_certificates_carry_their_verification_status(admin_user):
    seed_national(periods=2, institutions=build_register(15))
    certificate = Certificate.objects.order_by("pk").first()
    assert certificate is not None
    certificate_revoke(certificate=certificate, user=admin_user, reason="Data found to be false.")
    api = Api(key_for(admin_user, KeyScope.READ))
    rows = {c["serial"]: c for c in api.get("/api/v1/certificates/?page_size=500").json()["results"]}
    assert len(rows) == Certificate.objects.count()
    assert rows[certificate.serial]["valid"] is False and rows[certificate.serial]["status"] == "revoked"
    assert rows[certificate.serial]["verification_url"].endswith(f"/v/{certificate.serial}/")
    assert sum(r["valid"] for r in rows.values()) == len(rows) - 1


def _page_rows(period: Period) -> list[tuple[str, str, str, str]]:
    page = Client().get(f"/results/?period={period.pk}").content.decode()
    table = page[page.index('id="public-results"') :]
    table = table[: table.index("</table>")]
    found = []
    for row in re.findall(r"<tr><td>(.*?)</tr>", table, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row, re.S)
        ]
        found.append((cells[0], cells[3], cells[4], cells[5]))
    return found


def test_open_data_gives_the_public_pages_figures_as_json_and_csv():
    seed_national(periods=2, institutions=build_register(12))
    period = _decided_period()
    client = Client()
    body = client.get(f"/api/v1/open/results/{period.pk}/").json()
    assert body["licence"] == "CC BY 4.0" and body["licence_url"].startswith("https://creativecommons.org/")
    assert body["count"] == len(body["results"]) > 0
    page = _page_rows(period)
    as_page = [
        (r["institution"], r["total"].replace(".", ","), r["index"].replace(".", ","), r["category"])
        for r in body["results"]
    ]
    assert as_page == page
    response = client.get(f"/api/v1/open/results/{period.pk}/csv/")
    assert response["Content-Type"].startswith("text/csv") and "license" in response["Link"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["institution"], r["total"], r["category"]) for r in rows] == [
        (r["institution"], r["total"], r["category"]) for r in body["results"]
    ]
    listed = client.get("/api/v1/open/results/").json()
    assert period.pk in [p["id"] for p in listed]
    undecided = Period.objects.exclude(assessments__status=AssessmentStatus.DECIDED).first()
    if undecided is not None:
        assert client.get(f"/api/v1/open/results/{undecided.pk}/").status_code == 404
