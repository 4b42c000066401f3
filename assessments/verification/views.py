"""Verification pages: queue, assessment overview, per-aspect verification, clarifications,
return, finalise, reopen, history; admin assignment and workload.

Thin views: access check (assessments.access), bind a form, call one service, render or
redirect. Domain errors a view does not show in place become a clear message through
DomainErrorMiddleware.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import User
from accounts.roles import is_admin, is_oversight
from assessments import reminders
from assessments.access import (
    access_assessment_for_verification,
    can_reopen,
    can_start_verification,
    can_verify,
    is_assigned_verifier,
    open_moves,
)
from assessments.instrument.selectors import level_scale
from assessments.models import Answer, Aspect, AspectRecommendation, Assessment
from assessments.verification import selectors as sel
from assessments.verification import services as svc
from assessments.verification.forms import (
    AssignmentFilterForm,
    BulkAssignForm,
    ClarificationForm,
    DeadlineExtendForm,
    QueueFilterForm,
    ReopenForm,
    ReturnForm,
    VerifierChoiceForm,
    VerifyAnswerForm,
)
from core import formatting
from core.errors import DomainError, EditConflict, InvalidTransition, ValidationFailed

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _aspect_or_404(assessment: Assessment, number: int) -> Aspect:
    return get_object_or_404(Aspect, instrument_id=assessment.period.instrument_id, number=number)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- queue and overview ---


@role_required(is_oversight)
def queue(request: HttpRequest) -> HttpResponse:
    """The verifier's assigned assessments with progress; admins see every submitted one."""
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or ""
    qs = sel.verifier_queue(
        user=request.user,
        status="" if status == "all" else status,
        active_only=status == "",
        period=data.get("period"),
        q=data.get("q") or "",
        sort=data.get("sort") or "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/verification/queue.html",
        {"form": form, "page": page, "total": page.paginator.count, "query": _query_without_page(request)},
    )


@role_required(is_oversight)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    user = request.user
    return render(
        request,
        "assessments/verification/assessment.html",
        {
            "assessment": assessment,
            "scores": sel.assessment_scores(assessment=assessment),
            "aspects": sel.aspect_progress(assessment=assessment),
            "flagged": list(sel.flagged_answers(assessment=assessment)),
            "clarifications": list(
                sel.clarifications_open(user=user).filter(answer__assessment=assessment).order_by("due_date")
            ),
            "transitions": list(sel.assessment_transitions(assessment=assessment)[:5]),
            "verifiers": list(assessment.verifiers.order_by("full_name")),
            "can_start": can_start_verification(user, assessment),
            "can_verify": can_verify(user, assessment),
            "can_reopen": can_reopen(user, assessment),
            "is_assigned": is_assigned_verifier(user, assessment),
            "user_is_admin": is_admin(user),
            "moves": open_moves(user, assessment),
        },
    )


@require_POST
@role_required(is_oversight)
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    svc.verification_start(assessment=assessment, user=request.user)
    messages.success(request, _("Verification started."))
    return redirect("assessments_verification:aspect", pk=assessment.pk, number=1)


# --- the per-aspect verification page ---


def _answer_form(answer: Answer, data: Any = None) -> VerifyAnswerForm:
    initial = {"level": answer.verified_level, "note": answer.verified_note, "version": answer.version}
    scale = level_scale(instrument_id=answer.assessment.period.instrument_id)
    return VerifyAnswerForm(data, initial=initial, auto_id=f"id_a{answer.pk}_%s", scale=scale)


def _card_context(request: HttpRequest, assessment: Assessment, answer: Answer, **extra: Any) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "answer": answer,
        "form": extra.pop("form", None) or _answer_form(answer),
        "editable": can_verify(request.user, assessment),
        "moves": open_moves(request.user, assessment),
        **extra,
    }


@role_required(is_oversight)
def aspect(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    current = _aspect_or_404(assessment, number)
    answers = sel.aspect_answers(assessment=assessment, aspect=current)
    scores = sel.assessment_scores(assessment=assessment)
    aspects = sel.aspect_progress(assessment=assessment)
    editable = can_verify(request.user, assessment)
    return render(
        request,
        "assessments/verification/aspect.html",
        {
            "assessment": assessment,
            "aspect": current,
            "aspects": aspects,
            "cards": [
                {"answer": a, "form": _answer_form(a), "editable": editable, "assessment": assessment} for a in answers
            ],
            "scores": scores,
            "aspect_scores": scores.aspect(current.number),
            "editable": editable,
            "can_start": can_start_verification(request.user, assessment),
            "moves": open_moves(request.user, assessment),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(aspects) else None,
            "recommendation": AspectRecommendation.objects.filter(assessment=assessment, aspect=current).first(),
        },
    )


@require_POST
@role_required(is_oversight)
def recommendation_save(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Save the verifier's improvement recommendation for one aspect."""
    assessment = access_assessment_for_verification(request.user, pk)
    current = _aspect_or_404(assessment, number)
    try:
        svc.recommendation_save(
            assessment=assessment, aspect=current, user=request.user, text=request.POST.get("text", "")
        )
    except (ValidationFailed, InvalidTransition) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recommendation saved."))
    return redirect(reverse("assessments_verification:aspect", args=[assessment.pk, number]) + "#recommendation")


@require_POST
@role_required(is_oversight)
def answer_verify(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """Save one verified level + note. htmx: returns the card and the updated subtotals."""
    assessment = access_assessment_for_verification(request.user, pk)
    answer = sel.answer_for_verification(assessment=assessment, pk=answer_pk)
    if answer is None:
        raise Http404
    form = _answer_form(answer, request.POST)
    error: DomainError | None = None
    saved = False
    if form.is_valid():
        try:
            svc.verified_answer_update(
                answer=answer,
                user=request.user,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
            saved = True
        except DomainError as exc:
            error = exc
    else:
        error = ValidationFailed(_("Not saved."), errors=[str(e) for errors in form.errors.values() for e in errors])
    aspect_url = reverse("assessments_verification:aspect", args=[assessment.pk, answer.indicator.aspect.number])
    if not request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's middleware
        if saved:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": answer.indicator.code})
        elif error is not None:
            messages.error(request, " ".join([error.message, *error.errors]))
        return redirect(f"{aspect_url}#answer-{answer.pk}")
    fresh = sel.answer_for_verification(assessment=assessment, pk=answer.pk)
    assert fresh is not None
    keep_input = error is not None and not isinstance(error, EditConflict)
    context = _card_context(
        request,
        assessment,
        fresh,
        form=form if keep_input else None,
        saved=saved,
        error=error,
    )
    scores = sel.assessment_scores(assessment=assessment)
    context.update(
        {
            "scores": scores,
            "aspect_scores": scores.aspect(answer.indicator.aspect.number),
            "aspect": answer.indicator.aspect,
            "oob": True,
        }
    )
    return render(request, "assessments/verification/answer_saved.html", context)


# --- clarifications ---


@role_required(is_oversight)
def clarification_ask(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    answer = sel.answer_for_verification(assessment=assessment, pk=answer_pk)
    if answer is None:
        raise Http404
    form = ClarificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.clarification_ask(
                answer=answer,
                user=request.user,
                question=form.cleaned_data["question"],
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationFailed as exc:
            for item in exc.errors or [exc.message]:
                form.add_error(None, item)
        else:
            messages.success(
                request, _("Clarification on %(code)s sent to the institution.") % {"code": answer.indicator.code}
            )
            url = reverse("assessments_verification:aspect", args=[assessment.pk, answer.indicator.aspect.number])
            return redirect(f"{url}#answer-{answer.pk}")
    return render(
        request,
        "assessments/verification/clarify.html",
        {"assessment": assessment, "answer": answer, "form": form, "can_ask": can_verify(request.user, assessment)},
    )


@require_POST
@role_required(is_oversight)
def clarification_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    clarification = sel.access_clarification(user=request.user, pk=pk)
    if clarification is None:
        raise Http404
    svc.clarification_resolve(clarification=clarification, user=request.user)
    messages.success(request, _("Clarification on %(code)s resolved.") % {"code": clarification.answer.indicator.code})
    answer = clarification.answer
    default = reverse("assessments_verification:aspect", args=[answer.assessment_id, answer.indicator.aspect.number])
    return redirect(_safe_next(request, default))


@role_required(is_oversight)
def clarification_list(request: HttpRequest) -> HttpResponse:
    clarifications: Any = sel.clarifications_open(user=request.user)
    page = Paginator(clarifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/verification/clarifications.html",
        {"page": page, "total": page.paginator.count, "query": ""},
    )


# --- return, finalise, reopen ---


@role_required(is_oversight)
def assessment_return(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    answers = sel.answers_for_return(assessment=assessment)
    form = ReturnForm(request.POST or None, answers=answers)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            svc.assessment_return(
                assessment=assessment, user=request.user, flags=form.flags(), message=form.cleaned_data["message"]
            )
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        else:
            messages.success(request, _("The assessment was returned to the institution for revision."))
            return redirect("assessments_verification:assessment", pk=assessment.pk)
    return render(
        request,
        "assessments/verification/return.html",
        {"assessment": assessment, "form": form, "errors": errors, "can_verify": can_verify(request.user, assessment)},
    )


@role_required(is_oversight)
def assessment_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    if request.method == "POST":
        try:
            svc.assessment_finalise(assessment=assessment, user=request.user)
        except ValidationFailed as exc:
            messages.error(request, " ".join([exc.message, *exc.errors]))
        else:
            messages.success(request, _("Verification finalised. The final verified score is being computed."))
            return redirect("assessments_verification:assessment", pk=assessment.pk)
    progress = sel.with_progress(Assessment.objects.filter(pk=assessment.pk)).get()
    return render(
        request,
        "assessments/verification/finalise.html",
        {
            "assessment": assessment,
            "progress": progress,
            "scores": sel.assessment_scores(assessment=assessment),
            "can_verify": can_verify(request.user, assessment),
        },
    )


@role_required(is_admin)
def assessment_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.assessment_reopen(assessment=assessment, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationFailed as exc:
            form.add_error("reason", exc.message)
        else:
            messages.success(request, _("Verification reopened."))
            return redirect("assessments_verification:assessment", pk=assessment.pk)
    return render(
        request,
        "assessments/verification/reopen.html",
        {"assessment": assessment, "form": form, "can_reopen": can_reopen(request.user, assessment)},
    )


@role_required(is_admin)
def assessment_deadlines(request: HttpRequest, pk: int) -> HttpResponse:
    """The dates this assessment waits on (revision, clarifications, objections); the admin moves one."""
    assessment = access_assessment_for_verification(request.user, pk)
    form = DeadlineExtendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            target = reminders.deadline_target(
                assessment=assessment, kind=form.cleaned_data["kind"], pk=form.cleaned_data["target"]
            )
            if target is None:
                form.add_error(None, _("This deadline is no longer open; reload the page."))
            else:
                try:
                    reminders.deadline_extend(
                        target=target,
                        until=form.cleaned_data["until"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                except ValidationFailed as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _("Due date moved to %(date)s.") % {"date": formatting.date(form.cleaned_data["until"])},
                    )
                    return redirect("assessments_verification:deadlines", pk=assessment.pk)
        status = 400
    return render(
        request,
        "assessments/verification/deadlines.html",
        {
            "assessment": assessment,
            "deadlines": reminders.assessment_deadlines(assessment=assessment),
            "form": form,
        },
        status=status,
    )


# --- changes and history ---


@role_required(is_oversight)
def assessment_changes(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    return render(
        request,
        "assessments/verification/changes.html",
        {"assessment": assessment, "changes": sel.changes_since_return(assessment=assessment)},
    )


@role_required(is_oversight)
def assessment_history(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    return render(
        request,
        "assessments/verification/history.html",
        {
            "assessment": assessment,
            "transitions": sel.assessment_transitions(assessment=assessment),
            "history": Paginator(sel.assessment_answer_history(assessment=assessment), 100).get_page(
                request.GET.get("page")
            ),
        },
    )


# --- admin: assignment and workload ---


@role_required(is_admin)
def assignment(request: HttpRequest) -> HttpResponse:
    """Filter assessments and assign verifiers to the ticked ones or to all matching, in bulk."""
    filters = AssignmentFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    qs = sel.assignment_list(**{k: v for k, v in data.items() if v})
    ids = list(qs.values_list("pk", flat=True))
    form = BulkAssignForm(request.POST or None, assessment_ids=ids)
    if request.method == "POST" and form.is_valid():
        chosen = qs if form.cleaned_data["all_matching"] else qs.filter(pk__in=form.cleaned_data["assessments"])
        try:
            changed = svc.verifier_assign_bulk(
                assessments=Assessment.objects.filter(pk__in=chosen.values("pk")),
                verifiers=form.cleaned_data["verifiers"],
                user=request.user,
            )
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Verifiers assigned: %(n)s assessment(s) gained a verifier.") % {"n": formatting.count(len(changed))},
            )
            return redirect(request.get_full_path())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/verification/assignment.html",
        {
            "filters": filters,
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "query": _query_without_page(request),
        },
    )


@role_required(is_admin)
def assessment_verifiers(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign verifiers to one assessment, or remove one."""
    assessment = access_assessment_for_verification(request.user, pk)
    form = VerifierChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.verifier_assign(assessment=assessment, verifiers=form.cleaned_data["verifiers"], user=request.user)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Verifiers assigned."))
            return redirect("assessments_verification:assessment_verifiers", pk=assessment.pk)
    return render(
        request,
        "assessments/verification/verifiers.html",
        {"assessment": assessment, "form": form, "assigned": assessment.verifiers.order_by("full_name")},
    )


@require_POST
@role_required(is_admin)
def assessment_verifier_remove(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    assessment = access_assessment_for_verification(request.user, pk)
    verifier = get_object_or_404(User, pk=user_pk)
    svc.verifier_unassign(assessment=assessment, verifier=verifier, user=request.user)
    messages.success(request, _("%(name)s no longer verifies this assessment.") % {"name": verifier.full_name})
    return redirect("assessments_verification:assessment_verifiers", pk=assessment.pk)


@role_required(is_admin)
def workload(request: HttpRequest) -> HttpResponse:
    filters = AssignmentFilterForm(request.GET or None)
    period = filters.cleaned_data.get("period") if filters.is_valid() else None
    return render(
        request,
        "assessments/verification/workload.html",
        {"filters": filters, "rows": sel.verifier_workload(period=period), "period": period},
    )


@role_required(is_admin)
def assignment_proposal(request: HttpRequest) -> HttpResponse:
    """Verifiers proposed by oversight region and workload; the admin confirms the ticked rows."""
    rows = sel.assignment_proposal()
    if request.method == "POST":
        wanted = set(request.POST.getlist("assessment"))
        chosen = [(a, v) for a, v in rows if str(a.pk) in wanted]
        if not chosen:
            messages.error(request, _("Tick at least one proposal to confirm."))
        else:
            for assessment, verifier in chosen:
                svc.verifier_assign(assessment=assessment, verifiers=[verifier], user=request.user)
            messages.success(request, _("%(n)s proposal(s) confirmed.") % {"n": formatting.count(len(chosen))})
            return redirect("assessments_verification:assignment_proposal")
    loads = {load.id: load for load in sel.verifier_loads()}
    return render(
        request,
        "assessments/verification/assignment_proposal.html",
        {"rows": [(a, v, loads.get(v.pk)) for a, v in rows]},
    )
