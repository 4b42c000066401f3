"""Background jobs (core.jobs): a whole period's export leaves the request, shows its progress and is
downloaded by the person who asked for it, and by nobody else."""

import csv
import datetime as dt
import io
import time

import pytest
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from conftest import client_for
from core import jobs
from core.models import Job, JobStatus, OutboxEntry
from core.testing import job_download
from dashboards.tests.helpers import build_register
from demo.national import seed_national

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    """The latest of two seeded periods, over 12 institutions."""
    from assessments.models import Period

    seed_national(periods=2, institutions=build_register(12))
    return Period.objects.order_by("-self_assessment_opens").first()


def _ask(client, period, fmt="csv"):
    """Ask for an export without running the job (nothing commits inside a test's transaction)."""
    response = client.get(f"/exports/results.{fmt}", {"period": period.pk})
    assert response.status_code == 302 and response.url.startswith("/jobs/")
    return Job.objects.get(pk=int(response.url.strip("/").split("/")[-1]))


def test_the_export_is_queued_and_shows_its_progress_until_it_is_ready(verifier, period):
    client = client_for(verifier)
    job = _ask(client, period)
    assert job.status == JobStatus.QUEUED and job.requested_by == verifier
    assert OutboxEntry.objects.filter(ref=f"job:{job.pk}", kind="export").exists()  # handed over after commit
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 2s"' in page
    assert "Being prepared in the background" in page and "job-download" not in page
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.READY and job.done == job.total == 12
    poll = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in poll and "hx-trigger" not in poll  # the box alone, and it stops polling
    assert 'id="job-download"' in poll and job.filename in poll
    download = client.get(f"/jobs/{job.pk}/download")
    assert download["Content-Type"].startswith("text/csv") and "private, no-store" in download["Cache-Control"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 12


def test_a_job_is_its_requesters_alone(verifier, admin_user, lead, period):
    job = _ask(client_for(verifier), period)
    jobs.job_run(job_id=job.pk)
    for other in (admin_user, lead):
        assert client_for(other).get(f"/jobs/{job.pk}/").status_code == 404
        assert client_for(other).get(f"/jobs/{job.pk}/download").status_code == 404
    anonymous = client_for(None).get(f"/jobs/{job.pk}/download")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(verifier).get("/jobs/999999/").status_code == 404


def test_a_double_click_does_not_build_the_file_twice_but_a_later_request_builds_it_afresh(admin_user, period):
    client = client_for(admin_user)
    first = _ask(client, period)
    assert _ask(client, period) == first  # still queued: the same job
    assert _ask(client, period, fmt="xlsx") != first  # another file
    jobs.job_run(job_id=first.pk)
    assert _ask(client, period) != first  # finished: the data may have changed since


def test_a_download_before_the_file_is_ready_goes_back_to_the_progress_page(admin_user, period):
    client = client_for(admin_user)
    job = _ask(client, period)
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"


def test_a_failing_job_says_so_plainly_and_keeps_no_file(admin_user, period, caplog):
    job = Job.objects.create(
        producer="core.tests.test_jobs.producer_that_fails", title="Rusak", requested_by=admin_user
    )
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file and "disk full" in job.error
    page = client_for(admin_user).get(f"/jobs/{job.pk}/").content.decode()
    assert "could not be prepared. Ask for it again" in page and "disk full" not in page
    assert f"job {job.pk} (core.tests.test_jobs.producer_that_fails) failed" in caplog.text


def producer_that_fails(job, progress):
    raise OSError("disk full")


def test_the_progress_page_in_indonesian(admin_user, period, indonesian):
    job = _ask(client_for(admin_user), period, fmt="xlsx")
    client = client_for(admin_user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Sedang disiapkan" in page and "Hasil" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        jobs.job_run(job_id=job.pk)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Unduh hasil-" in page and "disimpan selama 24 jam" in page


def test_the_export_request_refuses_bad_filters_and_stores_nothing(admin_user, period):
    response = client_for(admin_user).get("/exports/results.csv", {"period": "nope"})
    assert response.status_code == 400 and not Job.objects.exists() and not OutboxEntry.objects.exists()


def test_old_jobs_and_their_files_are_purged(admin_user, settings):
    old = Job.objects.create(producer="x", title="old", requested_by=admin_user, status=JobStatus.READY)
    old.file.save("jobs/old.csv", ContentFile(b"x"), save=True)
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=settings.JOB_KEEP_HOURS + 1))
    recent = Job.objects.create(producer="x", title="new", requested_by=admin_user, status=JobStatus.READY)
    storage, name = old.file.storage, old.file.name
    assert jobs.jobs_purge() == 1
    assert list(Job.objects.all()) == [recent] and not storage.exists(name)


def test_the_job_download_helper_runs_the_whole_way(admin_user, period):
    page, content = job_download(client_for(admin_user), "/exports/results.csv", {"period": period.pk})
    assert 'data-status="ready"' in page.content.decode() and content.startswith(b"\xef\xbb\xbf")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_export(celery_worker_process, settings, admin_user):
    from assessments.models import Period

    celery_worker_process.use_storage(settings)
    seed_national(periods=1, institutions=build_register(8))
    period = Period.objects.get()
    client = client_for(admin_user)
    response = client.get("/exports/results.xlsx", {"period": period.pk})  # commits: the job goes to Redis
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and job.status != JobStatus.READY:
        time.sleep(0.3)
        job.refresh_from_db()
    assert job.status == JobStatus.READY, job.error
    assert job.file.read().startswith(b"PK")  # an xlsx is a zip
    assert "core.outbox.deliver" in celery_worker_process.log()


def test_an_export_goes_through_the_bucket(s3_storage, admin_user, period):
    """With object storage the job's file is an object of the bucket, streamed back to the requester and
    removed with the job."""
    page, content = job_download(client_for(admin_user), "/exports/results.csv", {"period": period.pk})
    job = Job.objects.get()
    assert f"{s3_storage.prefix}{job.file.name}" in s3_storage.keys(s3_storage.prefix)
    assert content.startswith(b"\xef\xbb\xbf") and len(content) == job.size
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    assert jobs.jobs_purge() == 1 and not s3_storage.keys(s3_storage.prefix + "jobs/")
