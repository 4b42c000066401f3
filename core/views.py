import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import dbdrop, health, jobs, storage
from core.models import JobStatus


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: this process answers. Touches no database, cache or broker."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@login_required
def healthz_session(request: HttpRequest) -> HttpResponse:
    """The floor for signed-in pages: what every such request pays (session, user, middleware) and nothing
    else. bench/rush.py compares the hot pages with it."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A background job's progress (htmx polls the box) and, once ready, its download link."""
    job = jobs.job_of(request.user, pk)
    template = "core/_job_status.html" if request.htmx else "core/job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job, "keep_hours": settings.JOB_KEEP_HOURS})


@require_GET
@never_cache
@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The job's file, streamed from the private storage, for the person who asked for it."""
    job = jobs.job_of(request.user, pk)
    if job.status != JobStatus.READY or not job.file:
        return redirect("job", pk=job.pk)
    return storage.download_response(job.file.name, filename=job.filename, content_type=job.content_type)


@never_cache
def healthz_ready(request: HttpRequest) -> HttpResponse:
    """Readiness: each dependency separately; 503 when the app cannot serve (database, storage)."""
    checks = health.readiness()
    failing_critical = any(not c.ok and c.critical for c in checks)
    status = "down" if failing_critical else ("degraded" if any(not c.ok for c in checks) else "ok")
    body = {
        "status": status,
        "checks": {c.name: {"ok": c.ok, "critical": c.critical, "detail": c.detail} for c in checks},
    }
    return JsonResponse(body, status=503 if failing_critical else 200)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired form, said plainly in the app's layout (nothing was saved)."""
    return render(request, "csrf_failure.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A dropped database connection gets a page that says whether the action was saved.

    Rendered without the app's layout on purpose: the layout reads the user and the navigation,
    which needs the database this page is about.
    """
    state = dbdrop.note_dropped(sys.exc_info()[1])
    if state is None:
        return HttpResponse(render_to_string("500.html"), status=500)
    return _dropped_response(request, state)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400. Django answers 400 when saving the session fails (SessionInterrupted); when that
    was a dropped connection, the person is told whether their action was saved, as for a 500."""
    cause: BaseException | None = exception
    while cause is not None and not isinstance(cause, dbdrop.DROPPED):
        cause = cause.__context__
    state = dbdrop.note_dropped(cause) if cause is not None else None
    if state is None:
        return defaults.bad_request(request, exception)
    return _dropped_response(request, state)


def _dropped_response(request: HttpRequest, state: dbdrop.RequestWrites) -> HttpResponse:
    if request.method in dbdrop.SAFE_METHODS:
        outcome, status = "unavailable", 503
    elif state.committed:
        outcome, status = "saved", 200
    elif state.commit_failed:
        outcome, status = "unknown", 503
    else:
        outcome, status = "not_saved", 503
    response = HttpResponse(
        # No request context: its processors read the user, which needs the database.
        render_to_string("db_unavailable.html", {"outcome": outcome, "path": request.get_full_path()}),
        status=status,
    )
    response.headers["X-Saved"] = {"saved": "yes", "not_saved": "no", "unknown": "unknown"}.get(outcome, "")
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
