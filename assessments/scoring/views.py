"""Score pages: self and verified side by side, and the what-if simulator (saves nothing)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import role_required
from accounts.roles import is_admin
from assessments import access
from assessments.domain import scoring
from assessments.models import Assessment, Period
from assessments.scoring import components as components_svc
from assessments.scoring import selectors as selectors_scores
from assessments.scoring.forms import ComponentImportForm, ComponentValueForm, SimulatorForm
from core.errors import DomainError


@login_required
def score_list(request: HttpRequest) -> HttpResponse:
    page, rows = selectors_scores.score_list_for_user(user=request.user, page=request.GET.get("page"))
    return render(request, "assessments/scores/list.html", {"page": page, "rows": rows})


@login_required
def comparison(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = access.access_assessment(request.user, assessment_id)
    data = selectors_scores.score_comparison(
        assessment=assessment, show_verified=access.can_see_verified_levels(request.user, assessment)
    )
    return render(
        request,
        "assessments/scores/comparison_page.html",
        {
            "assessment": assessment,
            "data": data,
            "can_simulate": access.is_member_of(request.user, assessment),
        },
    )


@login_required
def simulator(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Try levels and see the total and category. GET shows the current self levels; POST (a
    normal form post, or htmx on every change) scores the chosen levels without saving them."""
    assessment = access.access_assessment(request.user, assessment_id)
    access.require(
        access.is_member_of(request.user, assessment),
        _("Only the institution's own users can use the what-if simulator."),
    )
    data = selectors_scores.simulator_data(assessment=assessment)
    baseline = scoring.score(data.spec, data.current_levels, data.stored)
    if request.method == "POST":
        form = SimulatorForm(request.POST, aspects=data.aspects, scale=data.scale)
        result = scoring.score(data.spec, form.levels(), data.stored) if form.is_valid() else None
    else:
        form = SimulatorForm(
            aspects=data.aspects,
            scale=data.scale,
            initial=SimulatorForm.initial_for(data.aspects, data.current_levels),
        )
        result = baseline
    context = {
        "assessment": assessment,
        "form": form,
        "result": result,
        "baseline": baseline,
        "difference": scoring.difference(result, baseline) if result else None,
    }
    if getattr(request, "htmx", False):
        return render(request, "assessments/scores/partials/simulation.html", context)
    return render(request, "assessments/scores/simulator.html", context)


@require_http_methods(["GET", "POST"])
@role_required(is_admin)
def component_values(request: HttpRequest, period_id: int) -> HttpResponse:
    """The values of the period's entered components (a staff survey's result, bonus points):
    one at a time, or a whole file at once. Until a value is entered the component is pending."""
    period = get_object_or_404(Period.objects.select_related("instrument"), pk=period_id)
    components = components_svc.stored_components(period=period)
    import_form = ComponentImportForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST" and components:
        try:
            if "file" in request.FILES or request.POST.get("action") == "import":
                import_form = ComponentImportForm(request.POST, request.FILES)
                if not import_form.is_valid():
                    raise DomainError(_("The file was not imported."))
                upload = import_form.cleaned_data["file"]
                result = components_svc.component_values_import(
                    period=period, data=upload.read(), filename=upload.name, user=request.user
                )
                messages.success(
                    request, _("%(n)s values saved; the scores are being recomputed.") % {"n": result.saved}
                )
            else:
                form = ComponentValueForm(request.POST)
                if not form.is_valid():
                    raise DomainError(_("Give a value."))
                assessment = get_object_or_404(Assessment, pk=form.cleaned_data["assessment"], period=period)
                components_svc.component_value_set(
                    assessment=assessment,
                    component_code=form.cleaned_data["component"],
                    raw_value=form.cleaned_data["value"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
                messages.success(request, _("Value saved; the scores are being recomputed."))
            return redirect("assessments_scores:component_values", period_id=period.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            errors = list(getattr(exc, "errors", None) or [])
            status = 400
    return render(
        request,
        "assessments/scores/component_values.html",
        {
            "period": period,
            "components": components,
            "rows": components_svc.component_rows(period=period, components=components) if components else [],
            "codes": ", ".join(c.code for c in components),
            "import_form": import_form,
            "errors": errors,
        },
        status=status,
    )
