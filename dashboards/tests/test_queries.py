"""Query counts stay constant as institutions and periods grow.

Measured at 10 vs 60 institutions and 1 vs 3 periods (640 × 5 is what bench/dashboard.py runs;
it is too slow for the test suite on SQLite).
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, AssessmentStatus, Period
from conftest import client_for
from core.models import Job, JobStatus
from dashboards.tests.helpers import build_register
from demo.national import seed_national

pytestmark = pytest.mark.django_db


def _urls(period: Period, institution_id: int) -> dict[str, str]:
    return {
        "dashboard": f"/dashboard/?period={period.pk}",
        "results": f"/dashboard/results/?period={period.pk}",
        "xlsx": f"/exports/results.xlsx?period={period.pk}",
        "csv": f"/exports/results.csv?period={period.pk}",
        "public": "/results/",
        "profile": f"/institutions-profile/{institution_id}/",
    }


EXPORTS = {"xlsx", "csv"}


def _measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        cache.clear()
        if name in EXPORTS:
            # The request queues a job; the worker (eager here) builds the file after commit. Both
            # count; the job's progress writes depend on the clock, not on the data, so they don't.
            with CaptureQueriesContext(connection) as uncached, TestCase.captureOnCommitCallbacks(execute=True):
                response = client.get(url)
            assert response.status_code == 302 and response.url.startswith("/jobs/"), (name, response.status_code)
            assert Job.objects.latest("pk").status == JobStatus.READY
            counts[name] = sum(1 for q in uncached.captured_queries if not q["sql"].startswith('UPDATE "core_job"'))
            continue
        with CaptureQueriesContext(connection) as uncached:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(uncached)
        if name == "dashboard":
            with CaptureQueriesContext(connection) as warm:
                client.get(url)
            counts["dashboard_cached"] = len(warm)
    return counts


def _latest() -> Period:
    period = Period.objects.order_by("-self_assessment_opens").first()
    assert period is not None
    return period


def _busiest_institution() -> int:
    """An institution assessed in the seeded periods, for the profile history."""
    institution_id = Assessment.objects.order_by("institution__code").values_list("institution_id", flat=True).first()
    assert institution_id is not None
    return institution_id


def test_constant_from_10_to_60_institutions(admin_user):
    client = client_for(admin_user)
    small = build_register(10)
    seed_national(periods=2, institutions=small)
    institution_id = _busiest_institution()
    _measure(client, _urls(_latest(), institution_id))  # a published instrument's scale is read once per process
    first = _measure(client, _urls(_latest(), institution_id))
    more = small + build_register(50, start=10)
    seed_national(periods=2, institutions=more)
    assert Assessment.objects.filter(period=_latest()).count() > 40
    second = _measure(client, _urls(_latest(), institution_id))
    assert first == second
    assert first["dashboard_cached"] < first["dashboard"]


def test_constant_from_1_to_3_periods(admin_user):
    client = client_for(admin_user)
    institutions = build_register(20)
    seed_national(periods=1, institutions=institutions)
    # The only seeded period is the latest (verified); decide it so the public page has rows.
    Assessment.objects.update(status=AssessmentStatus.DECIDED)
    institution_id = _busiest_institution()
    _measure(client, _urls(_latest(), institution_id))  # a published instrument's scale is read once per process
    first = _measure(client, _urls(_latest(), institution_id))
    seed_national(periods=3, institutions=institutions)
    assert Period.objects.count() == 3
    second = _measure(client, _urls(_latest(), institution_id))
    assert first == second
