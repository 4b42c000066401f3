from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.roles import is_admin
from core.errors import InvalidTransition, ValidationFailed
from institutions import register_file, selectors, services
from institutions.forms import AccountCreateForm, InstitutionFilterForm, RegisterApplyForm, RegisterUploadForm
from institutions.models import Institution, InstitutionKind, RegisterUpload


@role_required(is_admin)
def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.institution_search(**{k: v for k, v in filters.items() if v})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "institutions/list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "query": query.urlencode(),
            "counts": selectors.institution_counts(),
        },
    )


@role_required(is_admin)
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.select_related("province"), pk=pk)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.institution_account_create(
                institution=institution, user=request.user, request=request, **form.cleaned_data
            )
        except ValidationFailed as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("Account created for %(email)s; a link to set the password was e-mailed.") % {"email": user.email},
            )
            return redirect("institutions:detail", pk=institution.pk)
    return render(
        request,
        "institutions/detail.html",
        {"institution": institution, "members": selectors.institution_members(institution=institution), "form": form},
    )


# ---------------------------------------------------------------------------------------------
# The register: export, upload, preview, apply


@role_required(is_admin)
@require_http_methods(["GET", "POST"])
def register_home(request: HttpRequest) -> HttpResponse:
    """Export the register, upload a changed one, and see the latest changes."""
    form = RegisterUploadForm(
        request.POST or None, request.FILES or None, initial={"effective_on": timezone.localdate()}
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = register_file.read_upload(upload, filename=upload.name or "", size=upload.size)
            services.register_plan(rows=rows)  # refuse a file that cannot apply before storing it
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
            errors = exc.errors
        else:
            stored = services.register_upload_create(
                rows=rows, filename=upload.name or "", effective_on=form.cleaned_data["effective_on"], user=request.user
            )
            return redirect("institutions:register_preview", pk=stored.pk)
    return render(
        request,
        "institutions/register.html",
        {
            "form": form,
            "errors": errors,
            "changes": selectors.register_change_list(limit=100),
            "counts": [
                (kind.label, n) for kind in InstitutionKind if (n := selectors.institution_counts().get(kind.value, 0))
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(is_admin)
@require_GET
def register_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    records = selectors.register_export_records()
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            register_file.write_xlsx(records),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(register_file.write_csv(records), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-{stamp}.{fmt}"'
    return response


@role_required(is_admin)
@require_http_methods(["GET", "POST"])
def register_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the uploaded register would change; applying it is one transaction."""
    upload = get_object_or_404(RegisterUpload, pk=pk)
    if request.method == "POST":
        form = RegisterApplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The preview is out of date. Upload the file again to preview."))
            return redirect("institutions:register_preview", pk=upload.pk)
        try:
            result = services.register_upload_apply(
                upload=upload, user=request.user, fingerprint=form.cleaned_data["fingerprint"]
            )
        except (InvalidTransition, ValidationFailed) as exc:
            messages.error(request, exc.message)
            return redirect("institutions:register_preview", pk=upload.pk)
        messages.success(
            request,
            _(
                "Register changed: %(created)d new, %(updated)d changed, %(dissolved)d dissolved, "
                "%(unchanged)d unchanged."
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "dissolved": result.dissolved,
                "unchanged": result.unchanged,
            },
        )
        if result.deactivated_users:
            messages.warning(
                request,
                _("Accounts of dissolved institutions were deactivated and the admins e-mailed: %(accounts)s")
                % {"accounts": ", ".join(result.deactivated_users)},
            )
        return redirect("institutions:register")
    plan = None
    error: ValidationFailed | None = None
    if upload.applied_at is None:
        try:
            plan = services.register_plan(rows=[register_file.RegisterRow.from_dict(r) for r in upload.rows])
        except ValidationFailed as exc:
            error = exc
    return render(
        request,
        "institutions/register_preview.html",
        {
            "upload": upload,
            "plan": plan,
            "error": error,
            "form": RegisterApplyForm(initial={"fingerprint": plan.fingerprint}) if plan else None,
        },
    )
