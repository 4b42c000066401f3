"""Pages for institution staff: home, aspect pages, evidence, submit, carry-over, clarification replies.

Plus the admin's deadline-extension screen. Views are thin: check access, bind a form, call one
service, then render (htmx: the indicator block plus the progress panel out of band) or
redirect back to the indicator's anchor (no JavaScript).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import AnyUser
from accounts.roles import is_admin, is_institution_user, is_lead
from assessments.access import (
    access_assessment,
    access_evidence,
    can_edit_answer,
    can_see_verified_levels,
    is_lead_of,
    is_member_of,
    open_moves,
)
from assessments.instrument.selectors import instrument_aspects
from assessments.models import Answer, Aspect, Assessment, AssessmentStatus, Clarification, Extension
from assessments.periods import selectors as period_selectors
from assessments.periods import services as period_services
from assessments.scoring import selectors as selectors_scores
from assessments.self_assessment import selectors as selectors_self
from assessments.self_assessment import services as services_self
from assessments.self_assessment.evidence import ACCEPT_ATTR
from assessments.self_assessment.forms import (
    AnswerForm,
    ClarificationReplyForm,
    EvidenceUploadForm,
    ExtensionForm,
    SubmitForm,
)
from assessments.self_assessment.selectors import AnswerBlock
from core import formatting
from core.errors import DomainError, ValidationFailed

T = "assessments/self/"


def _member_assessment(request: HttpRequest, pk: Any) -> Assessment:
    """The user's own institution's assessment (404 for any other; 403 for non-members who can see it)."""
    assessment = access_assessment(request.user, pk)
    if not is_member_of(request.user, assessment):
        raise PermissionDenied
    return assessment


def _aspect_url(answer: Answer) -> str:
    url = reverse(
        "assessments_self:aspect", kwargs={"pk": answer.assessment_id, "number": answer.indicator.aspect.number}
    )
    return f"{url}#ind-{answer.indicator_id}"


# --- home ------------------------------------------------------------------------------------


def _next_steps(
    *, assessment: Assessment, user: AnyUser, totals: dict[str, int], missing: int, deadline: Any, flagged: int
) -> list[str]:
    status = assessment.status
    lead = is_lead_of(user, assessment)
    if status == AssessmentStatus.DRAFT:
        steps = []
        if totals["answered"] < totals["total"]:
            steps.append(
                _("Answer the remaining %(n)s indicators, aspect by aspect.")
                % {"n": formatting.count(totals["total"] - totals["answered"])}
            )
        if missing:
            steps.append(
                _("Complete the %(n)s missing items listed on the submit page.") % {"n": formatting.count(missing)}
            )
        if not deadline.is_open:
            steps.append(_("The deadline has passed: ask the oversight body for an extension."))
        elif not missing:
            steps.append(
                _("Everything is complete: submit the self-assessment.")
                if lead
                else _("Everything is complete: ask your lead to submit the self-assessment.")
            )
        return steps
    if status == AssessmentStatus.REVISION:
        return [
            _("The verifier returned %(n)s indicators for revision: correct them, then the lead resubmits.")
            % {"n": formatting.count(flagged)}
        ]
    if status in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION):
        return [_("The self-assessment is with the verifiers. Answer any clarification they ask.")]
    return [_("The assessment is complete. Nothing to do.")]


@role_required(is_institution_user)
def institution_home(request: HttpRequest) -> HttpResponse:
    """The institution's starting page: period, deadline, status, progress, self-score, next steps."""
    institution = selectors_self.institution_of(request.user)
    period = period_selectors.period_current()
    if period is None:
        return render(request, T + "home.html", {"institution": institution, "period": None})
    assessment = period_services.assessment_get_or_create(institution=institution, period=period)
    assessment = access_assessment(request.user, assessment.pk)
    progress = selectors_self.aspect_progress(assessment=assessment)
    totals = selectors_self.progress_totals(progress)
    missing = selectors_self.missing_items(assessment=assessment)
    deadline = selectors_self.deadline_for(assessment=assessment)
    flagged = selectors_self.flagged_count(assessment=assessment)
    source = None
    if (
        assessment.status == AssessmentStatus.DRAFT
        and is_lead_of(request.user, assessment)
        and not selectors_self.has_started(assessment=assessment)
    ):
        source = selectors_self.carry_over_source(assessment=assessment)
    preview = selectors_self.self_score_preview(assessment=assessment)
    # Once verification is finalised (or earlier if the period says so) the institution sees
    # the stored verified score here too, not only on the score pages.
    verified = None
    if can_see_verified_levels(request.user, assessment):
        verified = selectors_scores.score_comparison(assessment=assessment, show_verified=True).verified_score
    return render(
        request,
        T + "home.html",
        {
            "institution": institution,
            "period": period,
            "assessment": assessment,
            "progress": progress,
            "totals": totals,
            "missing_count": len(missing),
            "deadline": deadline,
            "preview": preview,
            "verified": verified,
            "index_percent": selectors_self.score_index_percent(preview),
            "next_steps": _next_steps(
                assessment=assessment,
                user=request.user,
                totals=totals,
                missing=len(missing),
                deadline=deadline,
                flagged=flagged,
            ),
            "clarifications": selectors_self.open_clarifications(assessment=assessment),
            "transitions": selectors_self.transitions(assessment=assessment),
            "carry_source": source,
            "carry_same_instrument": source is not None
            and source.period.instrument_id == assessment.period.instrument_id,
            "is_lead": is_lead_of(request.user, assessment),
            "moves": open_moves(request.user, assessment),
            "flagged": flagged,
        },
    )


# --- aspect page -----------------------------------------------------------------------------


def _hide_verifier_history(request: HttpRequest, assessment: Assessment) -> bool:
    return not can_see_verified_levels(request.user, assessment)


def _block_context(request: HttpRequest, assessment: Assessment, block: AnswerBlock, **extra: Any) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "a": block.answer,
        "history": block.history,
        "history_total": block.history_total,
        "editable": can_edit_answer(request.user, assessment, block.answer),
        "can_reply": assessment.status in services_self.CLARIFICATION_REPLY_STATES,
        "evidence_accept": ACCEPT_ATTR,
        **extra,
    }


def _progress_context(assessment: Assessment, aspect: Aspect) -> dict[str, Any]:
    progress = selectors_self.aspect_progress(assessment=assessment)
    return {
        "progress": progress,
        "totals": selectors_self.progress_totals(progress),
        "current_aspect": aspect,
        "assessment": assessment,
    }


@role_required(is_institution_user)
def aspect_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One aspect: each indicator with its levels, note, evidence, history and clarifications."""
    assessment = _member_assessment(request, pk)
    aspects = instrument_aspects(instrument_id=assessment.period.instrument_id)
    aspect = next((a for a in aspects if a.number == number), None)
    if aspect is None:
        raise Http404
    found = selectors_self.aspect_blocks(
        assessment=assessment, aspect=aspect, hide_verifier_fields=_hide_verifier_history(request, assessment)
    )
    return render(
        request,
        T + "aspect.html",
        {
            "assessment": assessment,
            "aspect": aspect,
            "aspects": aspects,
            "blocks": [_block_context(request, assessment, block) for block in found],
            "moves": open_moves(request.user, assessment),
            "evidence_accept": ACCEPT_ATTR,
            **_progress_context(assessment, aspect),
        },
    )


@role_required(is_institution_user)
def answer_history(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    """Every change to one answer, newest first, 100 a page (the indicator block lists the newest)."""
    assessment = _member_assessment(request, pk)
    answer = selectors_self.answer_for_indicator(assessment=assessment, indicator_id=indicator_pk)
    if answer is None:
        raise Http404
    rows = selectors_self.answer_history_all(
        answer=answer, hide_verifier_fields=_hide_verifier_history(request, assessment)
    )
    return render(
        request,
        T + "answer_history.html",
        {"assessment": assessment, "a": answer, "page": Paginator(rows, 100).get_page(request.GET.get("page"))},
    )


def _answer_or_refuse(assessment: Assessment, indicator_pk: Any) -> Answer:
    answer = selectors_self.answer_for_indicator(assessment=assessment, indicator_id=indicator_pk)
    if answer is None:
        raise ValidationFailed(_("This indicator is not part of this assessment's instrument."))
    answer.assessment = assessment  # already read with its period and institution
    return answer


def _respond(
    request: HttpRequest, assessment: Assessment, answer: Answer, *, ok: str = "", error: str = ""
) -> HttpResponse:
    """After evidence or a clarification reply. htmx: the whole refreshed indicator block and the
    progress panel; otherwise back to the indicator's anchor."""
    if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's middleware
        block = selectors_self.answer_block(
            assessment=assessment, answer_id=answer.pk, hide_verifier_fields=_hide_verifier_history(request, assessment)
        )
        context = _block_context(request, assessment, block, ok=ok, error=error)
        context.update(_progress_context(assessment, block.answer.indicator.aspect))
        context["oob"] = True
        return render(request, T + "_indicator_response.html", context)
    return _back_to_indicator(request, answer, ok=ok, error=error)


def _back_to_indicator(request: HttpRequest, answer: Answer, *, ok: str = "", error: str = "") -> HttpResponse:
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(_aspect_url(answer))


def _respond_to_save(
    request: HttpRequest,
    assessment: Assessment,
    answer: Answer,
    *,
    ok: str = "",
    error: str = "",
    conflict: Answer | None = None,
    attempted: dict[str, Any] | None = None,
    first_answer: bool = False,
) -> HttpResponse:
    """htmx: only what a save changes (the answer's part of the block and its history out of band;
    the progress panel too when the indicator was answered for the first time); otherwise back to
    the indicator's anchor."""
    if not request.htmx:  # type: ignore[attr-defined]
        if conflict is not None:
            return _back_to_indicator(request, answer, error=_conflict_text(conflict, attempted or {}))
        return _back_to_indicator(request, answer, ok=ok, error=error)
    shown = conflict or answer
    shown.indicator = answer.indicator
    history, total = selectors_self.answer_history_recent(
        answer=shown, hide_verifier_fields=_hide_verifier_history(request, assessment)
    )
    context = _block_context(
        request,
        assessment,
        selectors_self.AnswerBlock(shown, history, total),
        ok=ok,
        error=error,
        conflict=conflict,
        attempted=attempted or {},
        history_oob=True,
        oob=True,
    )
    if first_answer:  # the only save that changes a count: evidence is not touched here
        context.update(_progress_context(assessment, answer.indicator.aspect))
    return render(request, T + "_answer_response.html", context)


def _conflict_text(current: Answer, attempted: dict[str, Any]) -> str:
    who = current.updated_by.full_name if current.updated_by else _("someone")
    return _(
        "Not saved: %(who)s saved indicator %(code)s on %(date)s at %(time)s with level %(level)s and note “%(note)s”. "
        "Your level %(mine)s was not saved; review their answer and save again."
    ) % {
        "who": who,
        "code": current.indicator.code,
        "date": formatting.date(current.updated_at),
        "time": formatting.time(current.updated_at),
        "level": current.self_level or "-",
        "note": current.self_note or "-",
        "mine": attempted.get("level") or "-",
    }


@require_POST
@role_required(is_institution_user)
def answer_save(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    assessment = _member_assessment(request, pk)
    answer = _answer_or_refuse(assessment, indicator_pk)
    form = AnswerForm(request.POST)
    attempted = {"level": request.POST.get("level", ""), "note": request.POST.get("note", "")}
    if not form.is_valid():
        return _respond_to_save(request, assessment, answer, error=form.error_text())
    try:
        saved = services_self.answer_update(
            answer=answer,
            user=request.user,
            level=form.cleaned_data["level"],
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except services_self.AnswerEditConflict as exc:
        return _respond_to_save(request, assessment, answer, conflict=exc.current, attempted=attempted)
    except DomainError as exc:
        return _respond_to_save(request, assessment, answer, error=exc.message)
    saved.indicator = answer.indicator
    return _respond_to_save(
        request,
        assessment,
        saved,
        ok=_("Indicator %(code)s saved.") % {"code": answer.indicator.code},
        first_answer=answer.self_level is None and saved.self_level is not None,
    )


@require_POST
@role_required(is_institution_user)
def evidence_upload(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    assessment = _member_assessment(request, pk)
    answer = _answer_or_refuse(assessment, indicator_pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _respond(request, assessment, answer, error=form.error_text())
    try:
        evidence = services_self.evidence_add(answer=answer, user=request.user, upload=form.cleaned_data["file"])
    except DomainError as exc:
        return _respond(request, assessment, answer, error=exc.message)
    return _respond(request, assessment, answer, ok=_("“%(name)s” uploaded.") % {"name": evidence.original_name})


@require_POST
@role_required(is_institution_user)
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = access_evidence(request.user, pk)
    assessment = _member_assessment(request, evidence.answer.assessment_id)
    answer = evidence.answer
    try:
        services_self.evidence_delete(evidence=evidence, user=request.user)
    except DomainError as exc:
        return _respond(request, assessment, answer, error=exc.message)
    return _respond(request, assessment, answer, ok=_("“%(name)s” removed.") % {"name": evidence.original_name})


@require_POST
@role_required(is_institution_user)
def clarification_reply(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        clarification = Clarification.objects.select_related("answer__indicator__aspect").get(pk=int(pk))
    except (Clarification.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    assessment = _member_assessment(request, clarification.answer.assessment_id)
    answer = clarification.answer
    form = ClarificationReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _respond(request, assessment, answer, error=form.error_text())
    try:
        services_self.clarification_reply(
            clarification=clarification,
            user=request.user,
            reply=form.cleaned_data["reply"],
            upload=form.cleaned_data.get("file"),
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        return _respond(request, assessment, answer, error=exc.message)
    return _respond(request, assessment, answer, ok=_("Reply sent."))


# --- submit, resubmit, carry-over ------------------------------------------------------------


@role_required(is_institution_user)
def submit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Missing items with links, then confirmation; the lead submits (or resubmits after a return)."""
    assessment = _member_assessment(request, pk)
    is_lead_user = is_lead_of(request.user, assessment)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not is_lead_user:
            raise PermissionDenied
        if form.is_valid():
            try:
                if "resubmit" in open_moves(request.user, assessment).possible:
                    services_self.assessment_resubmit(assessment=assessment, user=request.user)
                    messages.success(request, _("The revised self-assessment was resubmitted to the verifiers."))
                else:
                    services_self.assessment_submit(assessment=assessment, user=request.user)
                    messages.success(request, _("The self-assessment was submitted. It is now read-only."))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("assessments_self:submit", pk=assessment.pk)
        assessment.refresh_from_db()
    moves = open_moves(request.user, assessment)
    editable = not moves.answers_locked
    return render(
        request,
        T + "submit.html",
        {
            "assessment": assessment,
            "moves": moves,
            "form": form,
            "is_lead": is_lead_user,
            "editable": editable,
            "missing": selectors_self.missing_items(assessment=assessment) if editable else [],
            "deadline": selectors_self.deadline_for(assessment=assessment),
            "preview": selectors_self.self_score_preview(assessment=assessment),
            "transitions": selectors_self.transitions(assessment=assessment),
        },
    )


@require_POST
@role_required(is_lead)
def carry_over(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _member_assessment(request, pk)
    try:
        count = services_self.assessment_carry_over(assessment=assessment, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(n)s answers were copied from the previous period. Check and save each one to confirm it.")
            % {"n": formatting.count(count)},
        )
    return redirect("home")


# --- admin: deadline extensions --------------------------------------------------------------


@role_required(is_admin)
def extension_list(request: HttpRequest) -> HttpResponse:
    """Grant one institution more time to submit after a period's self-assessment close."""
    form = ExtensionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = period_services.extension_grant(
                period=form.cleaned_data["period"],
                institution=form.cleaned_data["institution"],
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(institution)s may submit until %(date)s.")
                % {"institution": extension.institution.name, "date": formatting.date(extension.until)},
            )
            return redirect("assessments_self:extensions")
    extensions = Extension.objects.select_related("period", "institution", "granted_by").order_by("-granted_at")
    return render(request, T + "extensions.html", {"form": form, "extensions": extensions})
