"""Decision pages (admin), document downloads (permission-checked) and public verification."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import is_admin
from certificates import documents, reports, selectors, services, signing
from certificates.access import access_charter, access_letter
from certificates.forms import DecisionForm, ReinstateForm, RevokeForm, VerifyFileForm, VerifyForm
from certificates.models import Certificate, Decision
from core import formatting, storage
from core.auditing import audit_access
from core.cache import window_hit
from core.errors import DomainError
from core.jobs import job_request

# Public lookups per client address per minute before the verification page answers 429.
VERIFY_RATE_PER_MINUTE = getattr(settings, "CERTIFICATE_VERIFY_RATE_PER_MINUTE", 20)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
VERIFY_TRUSTED_PROXIES = getattr(settings, "CERTIFICATE_VERIFY_TRUSTED_PROXIES", 0)


def _private_pdf(file: Any, filename: str) -> FileResponse:
    # Streamed from the file store after the permission check (core/storage.py).
    return storage.download_response(file.name, filename=filename, content_type="application/pdf")


# --- everyone signed in: the list and the downloads ---------------------------------------


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    decisions = selectors.decision_list_for_user(user=request.user)
    return render(request, "certificates/decision_list.html", {"decisions": decisions})


@require_GET
@login_required
def letter_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    decision = access_letter(request.user, pk)
    audit_access(instance=decision, user=request.user, request=request, detail={"period": decision.period_id})
    return _private_pdf(decision.letter, f"Keputusan-{services.safe_file_name(decision.number)}.pdf")


@require_GET
@login_required
def charter_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    certificate = access_charter(request.user, pk)
    audit_access(
        instance=certificate,
        user=request.user,
        request=request,
        detail={"institution": certificate.institution_id, "assessment": certificate.assessment_id},
    )
    return _private_pdf(
        certificate.pdf, f"Piagam-{services.safe_file_name(certificate.institution.code)}-{certificate.serial}.pdf"
    )


@require_GET
@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The result report of one assessment, rendered on demand (certificates/reports.py)."""
    assessment = reports.access_report(request.user, pk)
    pdf = documents.report_pdf(reports.report_data(assessment=assessment))
    audit_access(
        instance=assessment,
        user=request.user,
        request=request,
        detail={
            "institution": assessment.institution_id,
            "period": assessment.period_id,
            "assessment": assessment.pk,
            "document": "report",
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{reports.report_file_name(assessment)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- admin --------------------------------------------------------------------------------


@role_required(is_admin)
def decision_create(request: HttpRequest) -> HttpResponse:
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            for error in exc.errors or [exc.message]:
                form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved. Check the annex before issuing."))
            return redirect("certificates:decision_detail", pk=decision.pk)
    return render(request, "certificates/decision_form.html", {"form": form, "decision": None})


@role_required(is_admin)
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    fields = ("number", "date", "place", "signatory_name", "signatory_title", "signatory_nip", "copies_to", "version")
    initial = {f: getattr(decision, f) for f in fields}
    form = DecisionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update(decision=decision, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            for error in exc.errors or [exc.message]:
                form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("certificates:decision_detail", pk=decision.pk)
    return render(request, "certificates/decision_form.html", {"form": form, "decision": decision})


@role_required(is_admin)
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft: the annex preview and the issue button. Issued: progress, downloads, charters."""
    decision = get_object_or_404(Decision.objects.select_related("period__instrument", "issued_by"), pk=pk)
    context: dict[str, Any] = {"decision": decision}
    if decision.is_issued:
        context["progress"] = selectors.decision_progress(decision=decision)
        context["certificates"] = selectors.certificates_of(decision=decision)
        context["included_count"] = decision.assessments.count()
        category, query = request.GET.get("category", "")[:60], request.GET.get("q", "")[:100]
        members, categories = selectors.decision_members(decision=decision, category=category, query=query)
        context.update({"members": members, "categories": categories, "category": category, "query": query})
    else:
        entries = selectors.decision_annex(decision=decision)
        context["entries"] = entries
        context["charter_count"] = sum(1 for e in entries if e.charter)
        context["verified_count"] = selectors.verified_assessments(period_id=decision.period_id).count()
    return render(request, "certificates/decision_detail.html", context)


@role_required(is_admin)
def decision_select(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.select_related("period__instrument"), pk=pk)
    if request.method == "POST":
        try:
            ids = [int(v) for v in request.POST.getlist("assessment")]
        except ValueError:
            ids = [-1]
        try:
            services.decision_select(decision=decision, user=request.user, assessment_ids=ids)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Selection saved."))
            return redirect("certificates:decision_detail", pk=decision.pk)
    candidates = list(selectors.verified_assessments(period_id=decision.period_id))
    charter = selectors.charter_codes(instrument=decision.period.instrument)
    entries = selectors.annex_entries(assessments=candidates, charter=charter)
    selected = set(decision.assessments.values_list("pk", flat=True))
    return render(
        request,
        "certificates/decision_select.html",
        {"decision": decision, "entries": entries, "selected": selected},
    )


@require_POST
@role_required(is_admin)
def decision_issue(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    try:
        services.decision_issue(decision=decision, user=request.user)
    except DomainError as exc:
        messages.error(request, " ".join([exc.message, *exc.errors]))
    else:
        messages.success(request, _("Decision issued. The documents are being rendered."))
    return redirect("certificates:decision_detail", pk=pk)


@require_POST
@role_required(is_admin)
def decision_delete(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    services.decision_delete(decision=decision, user=request.user)
    messages.success(request, _("Draft deleted."))
    return redirect("certificates:decision_list")


@never_cache
@role_required(is_admin)
def decision_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the decision page polls; reloads the page once everything is done."""
    decision = get_object_or_404(Decision, pk=pk)
    progress = selectors.decision_progress(decision=decision)
    response = render(request, "certificates/partials/progress.html", {"decision": decision, "progress": progress})
    if progress.done and request.GET.get("poll") == "1" and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@role_required(is_admin)
def documents_retry(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    regenerate = request.POST.get("regenerate") == "1"
    count = services.documents_retry(decision=decision, user=request.user, regenerate=regenerate)
    messages.success(request, _("%(count)s documents queued for rendering.") % {"count": formatting.count(count)})
    return redirect("certificates:decision_detail", pk=pk)


@require_GET
@role_required(is_admin)
def charters_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """Every ready charter of a decision in one ZIP, built by a worker (core.jobs)."""
    decision = get_object_or_404(Decision, pk=pk)
    services.charters_zip_check(decision=decision)
    audit_access(instance=decision, user=request.user, request=request, detail={"period": decision.period_id})
    job = job_request(
        user=request.user,
        producer="certificates.services.charters_zip_job",
        params={"decision": decision.pk},
        title=_("Charters of decision %(number)s (ZIP)") % {"number": decision.number},
    )
    return redirect("job", pk=job.pk)


@role_required(is_admin)
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("institution", "decision"), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(certificate=certificate, user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Charter %(serial)s revoked.") % {"serial": certificate.serial})
            return redirect("certificates:decision_detail", pk=certificate.decision_id)
    return render(request, "certificates/certificate_revoke.html", {"form": form, "certificate": certificate})


@role_required(is_admin)
def certificate_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("institution", "decision"), pk=pk)
    form = ReinstateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_reinstate(
                certificate=certificate, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Charter %(serial)s reinstated.") % {"serial": certificate.serial})
            return redirect("certificates:decision_detail", pk=certificate.decision_id)
    return render(request, "certificates/certificate_reinstate.html", {"form": form, "certificate": certificate})


# --- public verification -----------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    if VERIFY_TRUSTED_PROXIES:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= VERIFY_TRUSTED_PROXIES:
            return hops[-VERIFY_TRUSTED_PROXIES]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def verify_rate_exceeded(request: HttpRequest) -> bool:
    """Count one lookup for this client in the current minute; True once over the limit."""
    key = f"certificates:verify:{client_address(request)}:{int(timezone.now().timestamp() // 60)}"
    return window_hit(key, 90) > VERIFY_RATE_PER_MINUTE


@require_GET
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """The form where anyone types a serial (it leads to the serial's page) or uploads a PDF."""
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        serial = selectors.serial_normalise(form.cleaned_data["serial"])
        if serial:
            return redirect(reverse("certificates:verify", args=[serial]))
        form.add_error("serial", _("Type the serial printed on the charter."))
    return render(request, "certificates/verify_lookup.html", {"form": form, "file_form": VerifyFileForm()})


@never_cache
@require_POST
def verify_file(request: HttpRequest) -> HttpResponse:
    """Public: is this uploaded PDF the file we issued, and is its electronic signature valid?"""
    if verify_rate_exceeded(request):
        response = render(request, "certificates/verify_limited.html", {"limit": VERIFY_RATE_PER_MINUTE}, status=429)
        response["Retry-After"] = "60"
        return response
    file_form = VerifyFileForm(request.POST, request.FILES)
    if not file_form.is_valid():
        return render(
            request, "certificates/verify_lookup.html", {"form": VerifyForm(), "file_form": file_form}, status=400
        )
    data = file_form.cleaned_data["file"].read()
    context = {
        "issued": selectors.issued_file_by_sha256(digest=signing.sha256(data)),
        "check": signing.signature_check(data),
        "file_name": file_form.cleaned_data["file"].name,
        "file_form": VerifyFileForm(),
    }
    return render(request, "certificates/verify_file.html", context)


@never_cache
@require_GET
def verify(request: HttpRequest, serial: str) -> HttpResponse:
    """Public: is this charter genuine? Unknown serials say so; guessing is rate-limited."""
    if verify_rate_exceeded(request):
        response = render(request, "certificates/verify_limited.html", {"limit": VERIFY_RATE_PER_MINUTE}, status=429)
        response["Retry-After"] = "60"
        return response
    certificate = selectors.certificate_by_serial(serial=serial)
    if certificate is None:
        return render(
            request,
            "certificates/verify_unknown.html",
            {"serial": selectors.serial_normalise(serial)[:20], "form": VerifyForm()},
            status=404,
        )
    return render(request, "certificates/verify.html", {"certificate": certificate})
