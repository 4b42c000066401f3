"""Dashboards, institution profiles, public results and exports."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.roles import is_admin, is_oversight, membership_of
from assessments.access import can_see_verified_levels, can_view_assessment_results, can_view_institution_results
from assessments.models import AssessmentStatus, Period, ScoreBasis
from certificates import selectors as certificate_selectors
from core import formatting
from core.auditing import audit_access
from core.errors import ValidationFailed
from core.jobs import job_request
from dashboards import exports, selectors, services, survey_exports
from dashboards.forms import PeriodForm, ResultFilterForm, SurveyPanelForm, TargetForm
from dashboards.inbox import inbox_items, inbox_total
from dashboards.survey import PanelFilters, filtered_rows, survey_period_choices
from dashboards.survey import survey_panel as survey_panel_figures
from institutions.models import Institution, InstitutionGroup, InstitutionKind
from institutions.selectors import institution_lineage

KIND_LABELS = dict(InstitutionKind.choices)
GROUP_LABELS = dict(InstitutionGroup.choices)
STEP_LABELS = {
    "not_started": gettext_lazy("Not started"),
    "self_assessment": gettext_lazy("In self-assessment"),
    "submitted": gettext_lazy("Submitted"),
    "in_verification": gettext_lazy("In verification"),
    "verified": gettext_lazy("Verified"),
    "decided": gettext_lazy("Decided"),
}


def _chosen_period(request: HttpRequest, periods: list[Period], *, decided: bool = False) -> Period | None:
    """The period named in ?period= (if it is one of `periods`), else the default one."""
    raw = request.GET.get("period", "")
    if raw:
        try:
            wanted = int(raw)
        except ValueError as exc:
            raise ValidationFailed(_("Choose a period from the list.")) from exc
        for period in periods:
            if period.pk == wanted:
                return period
        raise ValidationFailed(_("Choose a period from the list."))
    return selectors.period_default(periods, decided=decided)


def _f(value: Decimal | None, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


@role_required(is_oversight)
def national_dashboard(request: HttpRequest) -> HttpResponse:
    """The national dashboard for a period.

    The page body is cached per period, language and data version (see selectors.data_version),
    so a repeated view costs the session, one fingerprint query and a cache read.
    """
    can_edit_targets = is_admin(request.user)
    key = "national-page:" + ":".join(
        [request.GET.get("period", "")[:20], get_language() or "", "admin" if can_edit_targets else "oversight"]
    )
    body = selectors.cached(key, selectors.data_version(), lambda: _national_body(request, can_edit_targets))
    # The body is this view's own rendered template, kept as text in the cache.
    return render(request, "dashboards/national.html", {"body": mark_safe(body)})  # noqa: S308


def _national_body(request: HttpRequest, can_edit_targets: bool) -> str:
    periods = selectors.period_choices()
    period = _chosen_period(request, periods)
    context: dict[str, Any] = {"periods": periods, "period": period, "can_edit_targets": can_edit_targets}
    if period is None:
        return render_to_string("dashboards/_national_body.html", context, request)
    figures = selectors.national_figures(period=period)
    bands = figures["bands"]
    context["target_band_names"] = ", ".join(b.name for b in bands if b.good)
    chart_kinds = {
        "labels": [str(KIND_LABELS[row.key]) for row in figures["kinds"]],
        "datasets": [
            {
                "label": f"{b.code} {b.name}",
                "data": [
                    _f(Decimal(row.counts.get(b.code, 0) * 100) / row.assessed, 1) if row.assessed else None
                    for row in figures["kinds"]
                ],
            }
            for b in bands
        ],
    }
    # Periods with no final result yet would plot as a drop to zero, and a cycle whose verification
    # is still open as a drop to its partial share: the chart shows closed periods only, the table
    # marks the running one.
    trend = [t for t in figures["trend"] if t["assessed"]]
    closed = [t for t in trend if not t["in_progress"]]
    chart_trend = {
        "labels": [t["name"] for t in closed],
        "datasets": [
            {
                "label": str(GROUP_LABELS[g]),
                "data": [_f(t["groups"][i]["check"].share, 1) for t in closed],
                "target": [_f(t["groups"][i]["check"].target, 1) for t in closed],
                "targetLabel": _("Target %(group)s") % {"group": GROUP_LABELS[g]},
            }
            for i, g in enumerate(InstitutionGroup.values)
        ],
        "yTitle": _("Share in a target band (percent)"),
        "max": 100,
    }
    chart_kinds["yTitle"] = _("% of institutions with a verification result")
    chart_progress = {
        "labels": [str(STEP_LABELS[step]) for step, _n in figures["progress"]],
        "datasets": [{"label": _("Institutions"), "data": [n for _step, n in figures["progress"]]}],
    }
    context.update(
        {
            "figures": figures,
            "bands": bands,
            "kind_labels": KIND_LABELS,
            "group_labels": GROUP_LABELS,
            "progress": [(STEP_LABELS[step], n) for step, n in figures["progress"]],
            "trend": trend,
            "chart_kinds": chart_kinds,
            "chart_trend": chart_trend,
            "chart_progress": chart_progress,
        }
    )
    return render_to_string("dashboards/_national_body.html", context, request)


def _filters_from(request: HttpRequest, periods: list[Period], *, decided: bool) -> tuple[ResultFilterForm, Any]:
    period = _chosen_period(request, periods, decided=decided)
    data = request.GET.copy()
    if period is not None:
        data["period"] = str(period.pk)
    form = ResultFilterForm(data, periods=periods)
    if not form.is_valid():
        raise ValidationFailed(
            _("The filter was not understood."),
            errors=[
                f"{form.fields[name].label}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
            ],
        )
    if period is None:
        return form, None
    filters = selectors.ResultFilters(
        period=period,
        kind=form.cleaned_data["kind"],
        province=form.cleaned_data["province"],
        category=form.cleaned_data["category"],
        decided_only=decided,
        viewer=None if decided else request.user,
    )
    return form, filters


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@role_required(is_oversight)
def results_list(request: HttpRequest) -> HttpResponse:
    periods = selectors.period_choices()
    form, filters = _filters_from(request, periods, decided=False)
    page = Paginator(selectors.results(filters), 50).get_page(request.GET.get("page")) if filters else None
    return render(
        request,
        "dashboards/results.html",
        {"form": form, "filters": filters, "page": page, "query": _query_without_page(request)},
    )


@role_required(is_oversight)
def results_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Check the filters, then hand the file to a worker (core.jobs) and show its progress page."""
    periods = selectors.period_choices()
    _form, filters = _filters_from(request, periods, decided=False)
    if filters is None:
        raise ValidationFailed(_("There is no period to export yet."))
    audit_access(instance=filters.period, user=request.user, request=request, what="export", detail={"format": fmt})
    job = job_request(
        user=request.user,
        producer="dashboards.exports.results_job",
        params=exports.results_job_params(filters, fmt=fmt, language=get_language()),
        title=_("Results of %(period)s (.%(format)s)") % {"period": filters.period.name, "format": fmt},
    )
    return redirect("job", pk=job.pk)


def public_results(request: HttpRequest) -> HttpResponse:
    """Decided results only, for anyone."""
    periods = selectors.public_periods()
    form, filters = _filters_from(request, periods, decided=True)
    page = Paginator(selectors.results(filters), 50).get_page(request.GET.get("page")) if filters else None
    privileged = (
        certificate_selectors.privileged_assessment_ids(assessment_ids=[s.assessment_id for s in page])
        if page
        else set()
    )
    return render(
        request,
        "dashboards/public_results.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": _query_without_page(request),
            "privileged": privileged,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(is_admin)
def targets_edit(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_set(
                instrument=data["instrument"],
                year=data["year"],
                shares={g: data[g] for g in InstitutionGroup.values},
                user=request.user,
            )
        except ValidationFailed as exc:
            for error in exc.errors or [exc.message]:
                form.add_error(None, error)
        else:
            messages.success(request, _("Targets for %(year)s saved.") % {"year": data["year"]})
            return redirect("dashboards:targets")
    return render(
        request,
        "dashboards/targets.html",
        {"form": form, "table": selectors.target_table(), "group_labels": GROUP_LABELS},
    )


def my_profile(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership = membership_of(request.user)
    if membership is None:
        raise Http404
    return redirect("dashboards:profile", pk=membership.institution_id)


def institution_profile(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    institution = get_object_or_404(Institution.objects.select_related("province"), pk=pk)
    if not can_view_institution_results(request.user, institution.pk):
        raise PermissionDenied
    # Verifiers see the periods assigned to them (and decided ones), never the rest.
    history = [
        h
        for h in selectors.institution_history(institution=institution)
        if can_view_assessment_results(request.user, h["assessment"])
    ]
    periods = [h["period"] for h in reversed(history)]
    # Default: the newest period with a score; a period still in self-assessment has none.
    scored = [h["period"] for h in reversed(history) if h["self"] or h["verified"]]
    chosen = _chosen_period(request, periods) if request.GET.get("period") else (scored or periods or [None])[0]
    entry = next((h for h in history if chosen and h["period"].pk == chosen.pk), None)
    context: dict[str, Any] = {
        "institution": institution,
        "lineage": institution_lineage(institution=institution),
        "link_lineage": is_oversight(request.user),
        "history": history,
        "form": PeriodForm(initial={"period": chosen.pk if chosen else None}, periods=periods),
        "entry": entry,
        "privilege": certificate_selectors.privilege_current(institution_id=institution.pk),
    }
    # Institutions see verified levels only when the rules allow (finalised, or the period shows them).
    for h in history:
        h["show_verified"] = can_see_verified_levels(request.user, h["assessment"])
    if entry is not None:
        assessment = entry["assessment"]
        show_verified = entry["show_verified"]
        verified = entry["verified_any"] if show_verified else None
        aspects = selectors.aspect_comparison(self_score=entry["self"], verified_score=verified)
        basis = ScoreBasis.VERIFIED if verified is not None else ScoreBasis.SELF
        has_basis_score = verified is not None or entry["self"] is not None
        context.update(
            {
                "show_verified": show_verified,
                "verified": verified,
                "provisional": verified is not None and assessment.status not in selectors.RESULT_STATUSES,
                "aspects": aspects,
                "weakest": (
                    selectors.weakest_indicators(assessment=assessment, basis=basis) if has_basis_score else None
                ),
                "weakest_basis": basis,
                "chart_aspects": {
                    "labels": [f"{a['number']}. {a['name']}" for a in aspects],
                    "datasets": [
                        {"label": _("Self-assessment"), "data": [_f(a["self_pct"], 1) for a in aspects]},
                        *(
                            [{"label": _("Verified"), "data": [_f(a["verified_pct"], 1) for a in aspects]}]
                            if verified is not None
                            else []
                        ),
                    ],
                },
            }
        )
    context["chart_history"] = {
        "labels": [h["period"].name for h in history],
        "datasets": [
            {"label": _("Self-assessment"), "data": [_f(h["self"].index, 4) if h["self"] else None for h in history]},
            {
                "label": _("Verified"),
                "data": [_f(h["verified"].index, 4) if h["verified"] and h["show_verified"] else None for h in history],
            },
        ],
        # Where the instrument changed: the chart draws a marker line before that period.
        "changes": [h["period"].name for h in history if h["instrument_changed"]],
        "yTitle": _("Index (value ÷ maximum)"),
        "yMax": max([1.0, *(_f(s.index, 4) or 0 for h in history for s in (h["self"], h["verified"]) if s)]),
    }
    context["decided_status"] = AssessmentStatus.DECIDED
    return render(request, "dashboards/profile.html", context)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """What this person has to do now, with a link to each place."""
    items = inbox_items(request.user)
    return render(request, "dashboards/inbox.html", {"items": items, "total": inbox_total(items)})


@login_required
@require_GET
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The count beside "Inbox" in the navigation (loaded after the page)."""
    total = inbox_total(inbox_items(request.user))
    return render(request, "dashboards/_inbox_badge.html", {"total": total})


# ---------------------------------------------------------------------------------------------
# The staff survey's national aggregates (docs/survey.md, "National dashboard")


def _survey_filters(request: HttpRequest, periods: list[Period]) -> tuple[SurveyPanelForm, Period | None, PanelFilters]:
    """The period and the list filters from the query; anything not understood is refused (400)."""
    data = request.GET.copy()
    if not data.get("period") and periods:
        data["period"] = str(periods[0].pk)
    form = SurveyPanelForm(data, periods=periods)
    if not form.is_valid():
        raise ValidationFailed(
            _("The filter was not understood."),
            errors=[
                f"{form.fields[name].label}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
            ],
        )
    chosen = form.cleaned_data["period"]
    period = next((p for p in periods if p.pk == chosen), None)
    filters = PanelFilters(
        kind=form.cleaned_data["kind"],
        province=form.cleaned_data["province"],
        state=form.cleaned_data["state"],
        sort=form.cleaned_data["sort"] or "name",
    )
    return form, period, filters


def _survey_panel_allowed(user: Any) -> bool:
    return is_oversight(user) or membership_of(user) is not None


@role_required(_survey_panel_allowed)
@require_GET
def survey_panel(request: HttpRequest) -> HttpResponse:
    """The staff survey per period: national figures for the oversight staff; an institution's
    users see the national value and their own institution only."""
    periods = survey_period_choices()
    form, period, filters = _survey_filters(request, periods)
    context: dict[str, Any] = {"form": form, "period": period, "oversight": is_oversight(request.user)}
    if period is not None:
        panel = survey_panel_figures(period=period, user=request.user)
        rows = filtered_rows(panel.rows, filters) if context["oversight"] else panel.rows
        context.update(
            {
                "panel": panel,
                "national_dimensions": list(zip(panel.dimensions, panel.national.dimensions, strict=True)),
                "page": Paginator(rows, 50).get_page(request.GET.get("page")),
                "kind_labels": KIND_LABELS,
                "query": _query_without_page(request),
                "chart_bands": {
                    "labels": [f"{formatting.index(low)}–{formatting.index(high)}" for low, high, _n in panel.bands],
                    "datasets": [{"label": _("Institutions"), "data": [n for _l, _h, n in panel.bands]}],
                    "yTitle": _("Institutions"),
                },
            }
        )
    return render(request, "dashboards/survey.html", context)


@role_required(is_oversight)
@require_GET
def survey_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Check the filters, then hand the aggregates file to a worker (core.jobs)."""
    periods = survey_period_choices()
    _form, period, filters = _survey_filters(request, periods)
    if period is None:
        raise ValidationFailed(_("There is no period with a staff survey to export yet."))
    audit_access(instance=period, user=request.user, request=request, what="export", detail={"format": fmt})
    job = job_request(
        user=request.user,
        producer="dashboards.survey_exports.survey_job",
        params=survey_exports.survey_job_params(period=period, filters=filters, fmt=fmt, language=get_language()),
        title=_("Staff survey of %(period)s (.%(format)s)") % {"period": period.name, "format": fmt},
    )
    return redirect("job", pk=job.pk)
