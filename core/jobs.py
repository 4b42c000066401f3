"""Background jobs: files that take too long to build inside a request.

A view checks the request (bad input is refused before anything is stored), then calls
`job_request` with the dotted path of a *producer* and JSON parameters. The job is a row written in
the request's transaction and a side effect in the outbox (core.outbox), so a worker builds it after
commit, and the resend job picks it up again if the broker was away. The person is sent to the job's
page, which shows the progress and, once ready, the download link. Only the person who asked sees
the job and its file; the file is in the private storage and is deleted with the job after
`JOB_KEEP_HOURS`.

A producer is `producer(job: Job, progress: Progress) -> Built`: it reads `job.params` (and
`job.requested_by` when the rows depend on who asks), calls `progress(done, total)` now and then, and
returns a `Built`: the file's name, content type and bytes (or an open file).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string

from core import storage
from core.models import Job, JobStatus, SideEffectKind
from core.outbox import outbox_add

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# The same person asking for the same file again while it is still being built gets the job they
# already have: a double click does not build two exports. A finished one is built afresh (the data
# may have changed since).
REUSE_SECONDS = 120


@dataclass(frozen=True)
class Built:
    """What a producer made: bytes, or an open binary file (a spooled ZIP) that is closed after saving."""

    filename: str
    content_type: str
    data: bytes | IO[bytes]


def job_request(*, user: Any, producer: str, params: dict[str, Any], title: str) -> Job:
    """Record a job and queue it (after commit). Returns the twin still being built, if there is one."""
    since = timezone.now() - dt.timedelta(seconds=REUSE_SECONDS)
    twin = Job.objects.filter(
        requested_by=user,
        producer=producer,
        params=params,
        created_at__gte=since,
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
    ).first()
    if twin is not None:
        return twin
    with transaction.atomic():
        job = Job.objects.create(requested_by=user, producer=producer, params=params, title=title[:300])
        from core.tasks import job_run_task

        outbox_add(kind=SideEffectKind.EXPORT, task=job_run_task.name, args=[job.pk], ref=f"job:{job.pk}")
    return job


def job_run(*, job_id: int) -> Job:
    """Build one job's file (the worker's side). A job already finished is left as it is."""
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    if job.finished:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=0)
    last_write = [0.0]

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        # At most a write a second: progress is for a person watching, not a ledger.
        now = timezone.now().timestamp()
        if now - last_write[0] >= 1.0:
            last_write[0] = now
            Job.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        built: Built = import_string(job.producer)(job, progress)
    except Exception as exc:  # the person sees a plain message; the cause goes to the log
        log.exception("job %s (%s) failed", job.pk, job.producer)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now())
        job.refresh_from_db()
        return job
    name = f"jobs/{job.pk}/{built.filename}"
    try:
        if isinstance(built.data, bytes):
            storage.replace(name, built.data)
            size = len(built.data)
        else:
            with built.data:
                size = built.data.seek(0, 2)
                storage.store_new(name, File(built.data))
    except storage.StorageUnavailable as exc:
        log.warning("job %s: the file store is unreachable", job.pk)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now())
        job.refresh_from_db()
        return job
    job.file.name = name
    job.filename = built.filename
    job.content_type = built.content_type
    job.size = size
    job.status = JobStatus.READY
    job.finished_at = timezone.now()
    job.done = job.total
    job.save(update_fields=["file", "filename", "content_type", "size", "status", "finished_at", "done", "total"])
    return job


def job_of(user: Any, pk: Any) -> Job:
    """The job if this person asked for it; 404 for anyone else (no hint that it exists)."""
    try:
        return Job.objects.get(pk=int(pk), requested_by_id=user.pk)
    except (Job.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def jobs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete jobs older than JOB_KEEP_HOURS with their files. Returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.JOB_KEEP_HOURS)
    old = list(Job.objects.filter(created_at__lt=cutoff))
    for job in old:
        if job.file:
            storage.delete_quietly(job.file.name)
    Job.objects.filter(pk__in=[j.pk for j in old]).delete()
    return len(old)
