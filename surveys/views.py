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
from core import formatting
from core.errors import DomainError, ValidationFailed
from core.network import client_address
from surveys import access, codes, services
from surveys.domain import SLOVIN_MARGIN
from surveys.forms import ExcludeForm, IssueForm, OpenForm, QuestionnaireUploadForm, ShortfallForm, WindowForm
from surveys.io import (
    FILE_MAX_BYTES,
    questionnaire_export_json,
    questionnaire_export_xlsx,
    questionnaire_import_file,
)
from surveys.models import CodeBatch, Questionnaire, Survey, SurveyStatus
from surveys.selectors import (
    code_rows,
    flag_counts,
    labels,
    public_url,
    questionnaire_data,
    questionnaire_for,
    survey_accepting,
    survey_by_public_id,
    survey_components,
    survey_list_for_user,
    survey_periods,
    survey_progress,
    window_of,
)
from surveys.throttle import code_guess_failed, code_guesses_left, submission_allowed


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
    unit_choices = [(u.pk, u.name) for u in survey.units.all()] if survey is not None and survey.strict else []
    issue_form = IssueForm(units=unit_choices)
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
                        strict=form.cleaned_data["strict"],
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
            elif action == "issue" and survey is not None:
                if not access.can_open_survey(request.user, assessment):
                    raise Http404
                issue_form = IssueForm(request.POST, units=unit_choices)
                if issue_form.is_valid():
                    issued = services.codes_issue(
                        survey=survey,
                        user=request.user,
                        count=issue_form.cleaned_data["count"],
                        unit_id=issue_form.cleaned_data.get("unit"),
                    )
                    messages.success(
                        request,
                        _("%(count)s more codes are issued; their slips are being prepared.")
                        % {"count": formatting.count(issued)},
                    )
                    return redirect("surveys:manage", assessment_id=assessment.pk)
            elif action not in ("open", "close", "refresh", "issue"):
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
        "issue_form": issue_form,
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
            can_issue=survey.strict
            and survey.status == SurveyStatus.OPEN
            and access.can_open_survey(request.user, assessment),
            batches=list(survey.code_batches.select_related("unit")) if survey.strict else [],
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


def _codes_survey(request: HttpRequest, assessment_id: int) -> Survey:
    """The strict survey whose codes the user may download: the institution's lead only (the
    codes let anyone answer); 404 for everyone else and when there are no codes to show."""
    assessment = access.access_survey_assessment(request.user, assessment_id)
    if not access.can_open_survey(request.user, assessment):
        raise Http404
    survey = get_object_or_404(Survey, assessment=assessment, strict=True)
    if not survey.code_key:
        raise Http404
    return survey


CODE_COLUMNS = ("batch", "unit", "code", "link")


@login_required
def codes_export(request: HttpRequest, assessment_id: int, fmt: str) -> HttpResponse:
    """The list of the survey's single-use codes, CSV or .xlsx (the lead)."""
    import csv
    import io

    from core import spreadsheets

    survey = _codes_survey(request, assessment_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = code_rows(survey)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CODE_COLUMNS)
        writer.writerows(spreadsheets.row_safe(list(r)) for r in rows)
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("kode")
        sheet.append(list(CODE_COLUMNS))
        for row in rows:
            sheet.append(spreadsheets.row_safe(list(row)))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="kode-survei.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def slips(request: HttpRequest, assessment_id: int, pk: int) -> HttpResponseBase:
    """A batch's printable A4 slips (the lead)."""
    survey = _codes_survey(request, assessment_id)
    batch = get_object_or_404(CodeBatch, survey=survey, pk=pk)
    if not batch.slips:
        raise Http404
    response = FileResponse(
        batch.slips.open("rb"),
        as_attachment=True,
        filename=f"kode-survei-{batch.pk}.pdf",
        content_type="application/pdf",
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


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@role_required(is_oversight)
def questionnaire_export(request: HttpRequest, pk: int, fmt: str = "json") -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("component__instrument"), pk=pk)
    if fmt == "xlsx":
        response = HttpResponse(questionnaire_export_xlsx(questionnaire), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(questionnaire_export_json(questionnaire), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{questionnaire.code}.{fmt}"'
    return response


@role_required(is_admin)
def questionnaires(request: HttpRequest) -> HttpResponse:
    """Every survey component with its questionnaire: download, upload (admin)."""
    return render(request, "surveys/questionnaires.html", {"rows": survey_components()})


@role_required(is_admin)
@require_http_methods(["GET", "POST"])
def questionnaire_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a survey component's questionnaire, .json or .xlsx, all or nothing (admin)."""
    row = next((r for r in survey_components() if r.component.pk == pk), None)
    if row is None:
        raise Http404
    form = (
        QuestionnaireUploadForm(request.POST, request.FILES) if request.method == "POST" else QuestionnaireUploadForm()
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > FILE_MAX_BYTES:
                raise ValidationFailed(
                    _("The file is larger than %(max)s MB.")
                    % {"max": formatting.count(FILE_MAX_BYTES // (1024 * 1024))}
                )
            questionnaire = questionnaire_import_file(
                data=upload.read(FILE_MAX_BYTES + 1),
                filename=upload.name or "",
                user=request.user,
                component=row.component,
            )
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        else:
            messages.success(request, _("Questionnaire %(code)s imported.") % {"code": questionnaire.code})
            return redirect("surveys:questionnaire_upload", pk=pk)
    return render(request, "surveys/questionnaire_upload.html", {"row": row, "form": form, "errors": errors})


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
        # Strict mode: the code carries the unit.
        "units": [] if survey.strict else list(survey.units.all()),
    }


def _code_refused(exc: services.CodeRefused, address: str) -> None:
    if exc.guess:
        code_guess_failed(address)


def _too_many_guesses() -> str:
    return _("Too many wrong codes came from your network in the last hour. Please try again later.")


def _code_step(request: HttpRequest, survey: Survey) -> HttpResponse | str:
    """Strict mode, GET: the code entry page, or the checked code (from the form or the slip's
    QR link) for the questionnaire."""
    raw = request.GET.get("kode", "")
    error, status = "", 200
    if raw:
        address = client_address(request)
        if not code_guesses_left(address):
            error, status = _too_many_guesses(), 429
        else:
            try:
                return services.code_check(survey, raw)
            except services.CodeRefused as exc:
                _code_refused(exc, address)
                error, status = exc.message, exc.status_code
    return render(
        request,
        "surveys/answer_code.html",
        {
            "survey": survey,
            "error": error,
            "code": raw[:20],
            "minimum": questionnaire_data(survey.questionnaire_id).questionnaire.min_respondents,
        },
        status=status,
    )


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
    code = ""
    if request.method == "GET" and survey.strict:
        step = _code_step(request, survey)
        if isinstance(step, HttpResponse):
            return step
        code = codes.grouped(step)
    if request.method == "POST":
        chosen = {k: v for k, v in request.POST.items() if isinstance(v, str)}
        code = chosen.get("kode", "")[:20]
        if survey.strict and not code_guesses_left(client_address(request)):
            error, status = _too_many_guesses(), 429
        elif not submission_allowed(client_address(request)):
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
                    code=code,
                )
            except services.Replayed:
                return redirect("surveys:thanks", public_id=survey.public_id)
            except services.CodeRefused as exc:
                _code_refused(exc, client_address(request))
                error, status = exc.message, exc.status_code
            except services.BadForm as exc:
                error, status = exc.message, exc.status_code
                chosen.pop("form_token", None)
            except DomainError as exc:
                error, status = exc.message, exc.status_code
            else:
                return redirect("surveys:thanks", public_id=survey.public_id)
    context = _answer_context(survey)
    context.update(
        code=code, error=error, form_token=chosen.get("form_token", "") or services.form_token(survey), chosen=chosen
    )
    return render(request, "surveys/answer.html", context, status=status)


@never_cache
def thanks(request: HttpRequest, public_id: str) -> HttpResponse:
    survey = Survey.objects.select_related("assessment__institution").filter(public_id=public_id[:32]).first()
    if survey is None:
        return render(request, "surveys/answer_message.html", {"unknown": True}, status=404)
    return render(request, "surveys/answer_message.html", {"survey": survey, "thanks": True})
