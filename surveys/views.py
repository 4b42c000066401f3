"""Survey pages: the institution's survey (open, share, progress), quality review, the period's
window, and the public, anonymous answering page."""

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.access import role_required
from accounts.roles import is_admin, is_oversight
from assessments.models import Period
from core.errors import DomainError
from core.network import client_address
from surveys import access, services
from surveys.domain import SLOVIN_MARGIN
from surveys.forms import ExcludeForm, OpenForm, ShortfallForm, WindowForm
from surveys.io import questionnaire_export_json
from surveys.models import Questionnaire, Survey, SurveyStatus
from surveys.selectors import (
    flag_counts,
    labels,
    public_url,
    questionnaire_data,
    questionnaire_for,
    survey_accepting,
    survey_by_public_id,
    survey_list_for_user,
    survey_periods,
    survey_progress,
    window_of,
)
from surveys.throttle import submission_allowed


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    page = survey_list_for_user(user=request.user, page=request.GET.get("page"))
    return render(
        request,
        "surveys/list.html",
        {"page": page, "periods": survey_periods() if is_admin(request.user) else []},
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = access.access_survey_assessment(request.user, assessment_id)
    survey = Survey.objects.filter(assessment=assessment).first()
    form = OpenForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "open":
                if not access.can_open_survey(request.user, assessment):
                    raise Http404
                form = OpenForm(request.POST)
                if form.is_valid():
                    services.survey_open(
                        assessment=assessment,
                        user=request.user,
                        population=form.cleaned_data["population"],
                        units=form.cleaned_data["units"],
                    )
                    messages.success(request, _("The survey is open. Share its link or QR code."))
                    return redirect("surveys:manage", assessment_id=assessment.pk)
            elif action == "close" and survey is not None:
                services.survey_close(survey=survey, user=request.user)
                messages.success(request, _("The survey is closed."))
                return redirect("surveys:manage", assessment_id=assessment.pk)
            elif action == "refresh" and survey is not None:
                services.survey_result_queue_now(survey=survey)
                messages.success(request, _("The result is being updated."))
                return redirect("surveys:manage", assessment_id=assessment.pk)
            elif action not in ("open", "close", "refresh"):
                messages.error(request, _("Unknown action."))
        except DomainError as exc:
            messages.error(request, exc.message)
    questionnaire = questionnaire_for(assessment)
    window = window_of(assessment.period)
    context: dict[str, Any] = {
        "assessment": assessment,
        "survey": survey,
        "questionnaire": questionnaire,
        "window": window,
        "form": form,
        "margin_percent": SLOVIN_MARGIN * 100,
        "can_open": access.can_open_survey(request.user, assessment),
        "can_review": access.can_review_quality(request.user, assessment),
    }
    if survey is not None:
        context.update(
            progress=survey_progress(survey),
            link=public_url(survey),
            accepting=survey_accepting(survey, window),
            can_close=survey.status == SurveyStatus.OPEN
            and (access.can_open_survey(request.user, assessment) or is_admin(request.user)),
        )
    return render(request, "surveys/manage.html", context)


@login_required
def qr(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = access.access_survey_assessment(request.user, assessment_id)
    survey = get_object_or_404(Survey, assessment=assessment)
    svg = segno.make(public_url(survey), error="m").svg_inline(scale=6, title=_("Survey link"))
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
def poster(request: HttpRequest, assessment_id: int) -> HttpResponseBase:
    assessment = access.access_survey_assessment(request.user, assessment_id)
    survey = get_object_or_404(Survey, assessment=assessment)
    if not survey.poster:
        raise Http404
    response = FileResponse(
        survey.poster.open("rb"), as_attachment=True, filename="poster-survei.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def quality(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = access.access_survey_assessment(request.user, assessment_id)
    if not access.can_review_quality(request.user, assessment):
        raise Http404
    survey = get_object_or_404(Survey.objects.select_related("assessment"), assessment=assessment)
    exclude_form, shortfall_form = ExcludeForm(), ShortfallForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "shortfall":
                shortfall_form = ShortfallForm(request.POST)
                if shortfall_form.is_valid():
                    services.shortfall_accept(
                        survey=survey, user=request.user, reason=shortfall_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The shortfall is accepted; the reason is in the history."))
                    return redirect("surveys:quality", assessment_id=assessment.pk)
            else:
                exclude_form = ExcludeForm(request.POST)
                if exclude_form.is_valid():
                    count = services.responses_exclude(
                        survey=survey,
                        user=request.user,
                        flags=exclude_form.cleaned_data["flags"],
                        reason=exclude_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("%(count)s response(s) excluded.") % {"count": count})
                    return redirect("surveys:quality", assessment_id=assessment.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "surveys/quality.html",
        {
            "assessment": assessment,
            "survey": survey,
            "counts": flag_counts(survey),
            "progress": survey_progress(survey),
            "events": survey.events.select_related("actor"),
            "exclude_form": exclude_form,
            "shortfall_form": shortfall_form,
            "can_accept_shortfall": access.can_accept_shortfall(request.user),
        },
    )


@role_required(is_admin)
@require_http_methods(["GET", "POST"])
def window(request: HttpRequest, period_id: int) -> HttpResponse:
    period = get_object_or_404(Period, pk=period_id)
    current = window_of(period)
    initial = {"opens_on": current.opens_on, "closes_on": current.closes_on} if current else {}
    form = WindowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_window_set(period=period, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The survey dates are saved."))
            return redirect("surveys:window", period_id=period.pk)
    return render(request, "surveys/window.html", {"period": period, "form": form})


@role_required(is_oversight)
def questionnaire_export(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("component__instrument"), pk=pk)
    response = HttpResponse(questionnaire_export_json(questionnaire), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{questionnaire.code}.json"'
    return response


def _answer_context(survey: Survey) -> dict[str, object]:
    data = questionnaire_data(survey.questionnaire_id)
    sections = []
    for dimension in data.dimensions:
        sections.append((dimension, [i for i in data.items if i.dimension_id == dimension.pk]))
    return {
        "survey": survey,
        "questionnaire": data.questionnaire,
        "sections": sections,
        "labels": list(enumerate(labels(data.questionnaire), start=1)),
        "total": len(data.items),
        "units": list(survey.units.all()),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, public_id: str) -> HttpResponse:
    """The anonymous answering page: no login; nothing about the respondent is stored."""
    survey = survey_by_public_id(public_id)
    if survey is None:
        return render(request, "surveys/answer_message.html", {"unknown": True}, status=404)
    if not survey_accepting(survey, window_of(survey.assessment.period)):
        return render(request, "surveys/answer_message.html", {"survey": survey, "closed": True}, status=410)
    status = 200
    chosen: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        chosen = {k: v for k, v in request.POST.items() if isinstance(v, str)}
        if not submission_allowed(client_address(request)):
            error = _("Too many answers came from your network in the last hour. Please try again later.")
            status = 429
        else:
            try:
                services.response_submit(
                    public_id=survey.public_id,
                    survey=survey,
                    token=request.POST.get("form_token", ""),
                    raw_answers=request.POST,
                    unit=request.POST.get("unit", ""),
                    address=client_address(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.Replayed:
                return redirect("surveys:thanks", public_id=survey.public_id)
            except services.BadForm as exc:
                error, status = exc.message, exc.status_code
                chosen.pop("form_token", None)
            except DomainError as exc:
                error, status = exc.message, exc.status_code
            else:
                return redirect("surveys:thanks", public_id=survey.public_id)
    context = _answer_context(survey)
    context.update(error=error, form_token=chosen.get("form_token", "") or services.form_token(survey), chosen=chosen)
    return render(request, "surveys/answer.html", context, status=status)


@never_cache
def thanks(request: HttpRequest, public_id: str) -> HttpResponse:
    survey = Survey.objects.select_related("assessment__institution").filter(public_id=public_id[:32]).first()
    if survey is None:
        return render(request, "surveys/answer_message.html", {"unknown": True}, status=404)
    return render(request, "surveys/answer_message.html", {"survey": survey, "thanks": True})
