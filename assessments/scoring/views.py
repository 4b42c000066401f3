"""Score pages: self and verified side by side, and the what-if simulator (saves nothing)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from assessments import access
from assessments.domain import scoring
from assessments.scoring import selectors as selectors_scores
from assessments.scoring.forms import SimulatorForm


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
