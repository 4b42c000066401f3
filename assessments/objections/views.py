"""Objection pages: one assessment's objections (file, answer), and the open objections list.

Thin views: access check (assessments.access), bind a form, call one service, redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import is_oversight
from assessments.access import (
    access_assessment,
    assessments_visible_to,
    can_answer_objections,
    can_object,
    can_view_objections,
    is_assigned_verifier,
    is_lead_of,
)
from assessments.instrument.selectors import level_scale
from assessments.models import Assessment, Objection
from assessments.objections import selectors as sel
from assessments.objections import services as svc
from assessments.objections.forms import ObjectionAnswerForm, ObjectionFileForm
from core.errors import AccessDenied, DomainError

T = "assessments/objections/"


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    assessment = access_assessment(request.user, pk)
    if not can_view_objections(request.user, assessment):
        raise Http404
    return assessment


def _file_form(assessment: Assessment, data=None, files=None) -> ObjectionFileForm:
    taken = set(
        Objection.objects.filter(
            answer__assessment=assessment, filed_at__gte=assessment.verified_at or assessment.created_at
        ).values_list("answer_id", flat=True)
    )
    answers = [
        (a.pk, f"{a.indicator.code} {a.indicator.statement[:80]} · {_('verified level')} {a.verified_level}")
        for a in assessment.answers.select_related("indicator").order_by(
            "indicator__aspect__number", "indicator__position", "indicator__code"
        )
        if a.pk not in taken
    ]
    scale = level_scale(instrument_id=assessment.period.instrument_id)
    return ObjectionFileForm(data, files, answers=answers, scale=scale)


def _page(request: HttpRequest, assessment: Assessment, *, file_form=None, answer_forms=None) -> HttpResponse:
    scale = level_scale(instrument_id=assessment.period.instrument_id)
    may_answer = can_answer_objections(request.user, assessment)
    rows = list(sel.objections_of(assessment=assessment))
    forms = answer_forms or {}
    for row in rows:
        # A per-object attribute the template reads beside the row.
        row.form = forms.get(row.pk) or (  # type: ignore[attr-defined]
            ObjectionAnswerForm(scale=scale, prefix=f"o{row.pk}") if may_answer else None
        )
    may_object = can_object(request.user, assessment)
    return render(
        request,
        T + "assessment.html",
        {
            "assessment": assessment,
            "objections": rows,
            "may_object": may_object,
            "may_answer": may_answer,
            "file_form": file_form or (_file_form(assessment) if may_object else None),
        },
    )


@require_GET
@login_required
def assessment_objections(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _assessment(request, pk))


@require_POST
@login_required
def objection_file(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if not is_lead_of(request.user, assessment):
        raise AccessDenied(_("Only the institution's lead can file an objection."))
    form = _file_form(assessment, request.POST, request.FILES)
    if form.is_valid():
        answer = assessment.answers.select_related("assessment__period", "indicator").get(
            pk=form.cleaned_data["answer"]
        )
        try:
            svc.objection_file(
                answer=answer,
                user=request.user,
                reason=form.cleaned_data["reason"],
                level_requested=form.cleaned_data["level_requested"],
                upload=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Objection filed. The verifier will answer it."))
            return redirect("assessments_objections:assessment", pk=assessment.pk)
    return _page(request, assessment, file_form=form)


@require_POST
@role_required(is_oversight)
def objection_answer(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if not is_assigned_verifier(request.user, assessment):
        raise AccessDenied(_("Only a verifier assigned to this assessment may answer its objections."))
    try:
        objection = Objection.objects.select_related("answer__assessment__period").get(
            pk=objection_pk, answer__assessment=assessment
        )
    except Objection.DoesNotExist as exc:
        raise Http404 from exc
    scale = level_scale(instrument_id=assessment.period.instrument_id)
    form = ObjectionAnswerForm(request.POST, scale=scale, prefix=f"o{objection.pk}")
    if form.is_valid():
        try:
            svc.objection_answer(
                objection=objection,
                user=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                response=form.cleaned_data["response"],
                level=form.cleaned_data["level"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Objection answered."))
            return redirect("assessments_objections:assessment", pk=assessment.pk)
    return _page(request, assessment, answer_forms={objection.pk: form})


@require_GET
@role_required(is_oversight)
def objections_open(request: HttpRequest) -> HttpResponse:
    """Open objections: every one for the admins, their assessments' for a verifier."""
    rows = list(sel.objections_open(assessments=assessments_visible_to(request.user)))
    return render(request, T + "open.html", {"objections": rows})
