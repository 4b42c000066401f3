"""Assessments through the API: read (institution and oversight keys), and the institution's writes.

Every view fetches through `assessments.access` (what the key's owner may see) and writes through
the self-assessment services (what the owner may do now), so a refusal reads as on the pages.
"""

import re
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.permissions import HasApiKey, InstitutionKey, SubmitKey
from api.problems import Problem
from api.views.base import ApiView
from assessments import access
from assessments.domain.standing import score_is_final, standing_of
from assessments.instrument.selectors import instrument_tree
from assessments.models import Answer, Assessment, AssessmentStatus, Clarification, Evidence, Score, ScoreBasis
from assessments.scoring.selectors import score_comparison
from assessments.self_assessment import selectors as selectors_self
from assessments.self_assessment import services
from core import formatting
from core.errors import ValidationFailed

ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


class Cursor(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _standing(basis: str, status: str) -> dict[str, Any]:
    """The standing of a score as every page words it (assessments.domain.standing)."""
    if basis != ScoreBasis.VERIFIED:
        return {"is_final": False, "standing": None, "standing_label": None}
    standing = standing_of(status)
    return {
        "is_final": score_is_final(basis=basis, status=status),
        "standing": standing.value,
        "standing_label": str(standing.label),
    }


def _score_data(row: Score, instrument: Any, status: str) -> dict[str, Any]:
    places = instrument.result_decimals
    return {
        "basis": row.basis,
        "total": s.figure(row.total, places),
        "total_exact": f"{row.total:f}",
        "index": s.figure(row.index, formatting.INDEX_PLACES),
        "category_code": row.category_code,
        "category_name": row.category_name,
        **_standing(row.basis, status),
        "computed_at": row.computed_at.isoformat(),
    }


def _show_verified(user: Any, assessment: Assessment) -> bool:
    return access.can_see_verified_levels(user, assessment)


def assessment_data(assessment: Assessment, user: Any) -> dict[str, Any]:
    institution, period = assessment.institution, assessment.period
    show_verified = _show_verified(user, assessment)
    scores = [
        _score_data(row, period.instrument, assessment.status)
        for row in assessment.scores.all()
        if row.basis == ScoreBasis.SELF or show_verified
    ]
    return {
        "id": assessment.pk,
        "institution": {"id": institution.pk, "code": institution.code, "name": institution.name},
        "period": {"id": period.pk, "name": period.name},
        "status": assessment.status,
        "status_label": str(AssessmentStatus(assessment.status).label),
        "submitted_at": s._iso(assessment.submitted_at),
        "verified_at": s._iso(assessment.verified_at),
        "decided_at": s._iso(assessment.decided_at),
        "scores": sorted(scores, key=lambda d: d["basis"]),
    }


def _assessment(request: Request, pk: Any) -> Assessment:
    """The assessment the key's owner may see (404 otherwise), with what the views read."""
    assessment = access.access_assessment(request.user, pk)
    return assessment


def _answers(assessment: Assessment) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(assessment=assessment)
        .select_related("indicator")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id")))
        .order_by("indicator__aspect__number", "indicator__position", "indicator__code")
    )


def _answer(assessment: Assessment, code: str) -> Answer:
    answer = _answers(assessment).filter(indicator__code=code).first()
    if answer is None:
        raise Http404
    return answer


def _answer_response(answer: Answer, user: Any, *, status_code: int = 200) -> Response:
    data = s.answer_data(answer, show_verified=_show_verified(user, answer.assessment))
    response = Response(data, status=status_code)
    response["ETag"] = f'"{answer.version}"'
    return response


ASSESSMENT_FILTERS = [
    OpenApiParameter("cursor", str, description="the `next` link's cursor"),
    OpenApiParameter("page_size", int, description="1 to 500 (default 100)"),
]


class AssessmentList(ApiView):
    """Assessments the key may see: an institution key its own; an oversight key all, filtered."""

    pagination_class = Cursor

    @extend_schema(
        parameters=[s.AssessmentFilter, *ASSESSMENT_FILTERS],
        responses=s.AssessmentPage,
        operation_id="assessments_list",
    )
    def get(self, request: Request) -> Response:
        filters = s.AssessmentFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = access.assessments_visible_to(request.user).prefetch_related("scores")
        data = filters.validated_data
        if "period" in data:
            qs = qs.filter(period_id=data["period"])
        if "institution" in data:
            qs = qs.filter(institution_id=data["institution"])
        if "status" in data:
            qs = qs.filter(status=data["status"])
        if "kind" in data:
            qs = qs.filter(institution__kind=data["kind"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        return paginator.get_paginated_response([assessment_data(a, request.user) for a in page])


class AssessmentDetail(ApiView):
    @extend_schema(responses=s.AssessmentDetailOut, operation_id="assessments_read")
    def get(self, request: Request, pk: int) -> Response:
        assessment = _assessment(request, pk)
        data = assessment_data(assessment, request.user)
        moves = access.open_moves(request.user, assessment)
        data["moves"] = {"edit_answers": moves.edit_answers, "submit": moves.submit, "flagged_only": moves.flagged_only}
        data["progress"] = selectors_self.progress_totals(selectors_self.aspect_progress(assessment=assessment))
        data["self_assessment_closes"] = selectors_self.deadline_for(assessment=assessment).effective.isoformat()
        return Response(data)


class InstrumentView(ApiView):
    """The instrument of the assessment's period: levels, aspects, indicators, descriptors, bands."""

    @extend_schema(responses=s.InstrumentOut, operation_id="assessments_instrument")
    def get(self, request: Request, pk: int) -> Response:
        assessment = _assessment(request, pk)
        instrument = assessment.period.instrument
        aspects = instrument_tree(instrument=instrument)
        data = {
            "code": instrument.code,
            "name": instrument.name,
            "result_label": instrument.result_label,
            "max_score": formatting.data_weight(instrument.max_score),
            "result_decimals": instrument.result_decimals,
            "evidence_from_level": instrument.evidence_from_level,
            "levels": [
                {"number": lv.number, "name": lv.name, "fraction": formatting.data_weight(lv.fraction)}
                for lv in instrument.scale_levels.order_by("number")
            ],
            "aspects": [
                {
                    "number": a.number,
                    "name": a.name,
                    "weight": formatting.data_weight(a.max_score),
                    "indicators": [
                        {
                            "id": i.pk,
                            "code": i.code,
                            "statement": i.statement,
                            "guidance": i.guidance,
                            "evidence_hint": i.evidence_hint,
                            "weight": formatting.data_weight(i.max_score),
                            "levels": [{"level": d.level, "descriptor": d.descriptor} for d in i.levels.all()],
                        }
                        for i in a.indicators.all()
                    ],
                }
                for a in aspects
            ],
            "bands": [
                {"code": b.code, "name": b.name, "minimum": formatting.data_weight(b.min_score)}
                for b in instrument.bands.order_by("min_score")
            ],
        }
        return Response(data)


def _version(request: Request, body_version: Any) -> int:
    """The version a write names: If-Match (an ETag from a read) or `version` in the body."""
    header = request.headers.get("If-Match")
    if header is not None:
        match = ETAG.match(header)
        if match is None:
            raise Problem(400, "invalid_if_match", _('If-Match must be the ETag of the answer you read, e.g. "3".'))
        return int(match.group(1))
    if body_version is None:
        raise Problem(
            428, "version_required", _("Say which version you changed: send If-Match or the version in the body.")
        )
    return int(body_version)


def _update(*, answer: Answer, request: Request, level: int, note: str, version: int) -> Answer:
    try:
        return services.answer_update(answer=answer, user=request.user, level=level, note=note, version=version)
    except ValidationFailed as exc:
        # Types and lengths were checked by the serializer: what the service still refuses is the level.
        exc.api_field = "level"  # type: ignore[attr-defined]  # read by api.problems
        raise


class AnswerList(ApiView):
    @extend_schema(responses=s.AnswerOut(many=True), operation_id="answers_list")
    def get(self, request: Request, pk: int) -> Response:
        assessment = _assessment(request, pk)
        show = _show_verified(request.user, assessment)
        return Response([s.answer_data(a, show_verified=show) for a in _answers(assessment)])

    @extend_schema(request=s.BulkIn, responses=s.AnswerOut(many=True), operation_id="answers_bulk_update")
    def post(self, request: Request, pk: int) -> Response:
        """Change many answers at once, all or nothing: one stale version refuses the whole batch (409)."""
        self.check_permissions_institution(request)
        assessment = _assessment(request, pk)
        body = s.BulkIn(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["answers"]
        answers = {a.indicator.code: a for a in _answers(assessment)}
        for answer in answers.values():
            answer.assessment = assessment  # one assessment for all: no query per answer
        unknown = [r["indicator"] for r in rows if r["indicator"] not in answers]
        if unknown:
            raise Problem(
                400,
                "unknown_indicator",
                _("No such indicator in this assessment's instrument: %(codes)s.") % {"codes": ", ".join(unknown)},
                errors=[{"field": "answers.indicator", "code": "unknown_indicator", "detail": c} for c in unknown],
            )
        with transaction.atomic():
            for row in rows:
                _update(
                    answer=answers[row["indicator"]],
                    request=request,
                    level=row["level"],
                    note=row.get("note", ""),
                    version=row["version"],
                )
        show = _show_verified(request.user, assessment)
        return Response([s.answer_data(a, show_verified=show) for a in _answers(assessment)])

    def check_permissions_institution(self, request: Request) -> None:
        if not InstitutionKey().has_permission(request, self):
            self.permission_denied(request, message=InstitutionKey.message, code=InstitutionKey.code)


class AnswerDetail(ApiView):
    @extend_schema(responses=s.AnswerOut, operation_id="answers_read")
    def get(self, request: Request, pk: int, code: str) -> Response:
        return _answer_response(_answer(_assessment(request, pk), code), request.user)

    @extend_schema(
        request=s.AnswerIn,
        responses={200: s.AnswerOut},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='the ETag you read, "3"')],
        operation_id="answers_update",
    )
    def put(self, request: Request, pk: int, code: str) -> Response:
        """Set the level and note; 409 with the current answer if someone saved since you read it."""
        if not InstitutionKey().has_permission(request, self):
            self.permission_denied(request, message=InstitutionKey.message, code=InstitutionKey.code)
        answer = _answer(_assessment(request, pk), code)
        body = s.AnswerIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = _version(request, data.get("version"))
        _update(answer=answer, request=request, level=data["level"], note=data.get("note", ""), version=version)
        return _answer_response(_answer(answer.assessment, code), request.user)


class EvidenceUpload(ApiView):
    parser_classes = [MultiPartParser]
    permission_classes = [HasApiKey, InstitutionKey]

    @extend_schema(
        request={"multipart/form-data": s.EvidenceIn}, responses={201: s.EvidenceOut}, operation_id="evidence_upload"
    )
    def post(self, request: Request, pk: int, code: str) -> Response:
        """Attach a file to an answer: the same checks as the page (type from the bytes, size, name)."""
        answer = _answer(_assessment(request, pk), code)
        upload = request.FILES.get("file")
        if upload is None:
            raise Problem(
                400,
                "invalid",
                _("Choose a file."),
                errors=[{"field": "file", "code": "required", "detail": _("Choose a file.")}],
            )
        try:
            evidence = services.evidence_add(answer=answer, user=request.user, upload=upload)
        except ValidationFailed as exc:
            exc.api_field = "file"  # type: ignore[attr-defined]  # read by api.problems
            raise
        return Response(s.evidence_data(evidence), status=status.HTTP_201_CREATED)


class EvidenceDelete(ApiView):
    permission_classes = [HasApiKey, InstitutionKey]

    @extend_schema(responses={204: OpenApiResponse(description="removed")}, operation_id="evidence_delete")
    def delete(self, request: Request, pk: int) -> Response:
        evidence = access.access_evidence(request.user, pk)
        services.evidence_delete(evidence=evidence, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _clarification_data(c: Clarification) -> dict[str, Any]:
    return {
        "id": c.pk,
        "indicator": c.answer.indicator.code,
        "question": c.question,
        "due_date": c.due_date.isoformat(),
        "asked_at": c.asked_at.isoformat(),
        "reply": c.reply,
        "replied_at": s._iso(c.replied_at),
        "resolved": not c.is_open,
        "version": c.version,
    }


class ClarificationList(ApiView):
    @extend_schema(responses=s.ClarificationOut(many=True), operation_id="clarifications_list")
    def get(self, request: Request, pk: int) -> Response:
        assessment = _assessment(request, pk)
        rows = (
            Clarification.objects.filter(answer__assessment=assessment)
            .select_related("answer__indicator")
            .order_by("-asked_at", "-id")
        )
        return Response([_clarification_data(c) for c in rows])


class ClarificationReply(ApiView):
    permission_classes = [HasApiKey, InstitutionKey]

    @extend_schema(request=s.ReplyIn, responses=s.ClarificationOut, operation_id="clarifications_reply")
    def post(self, request: Request, pk: int) -> Response:
        try:
            clarification = Clarification.objects.select_related("answer__indicator").get(pk=int(pk))
        except (Clarification.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
        access.access_assessment(request.user, clarification.answer.assessment_id)
        body = s.ReplyIn(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            updated = services.clarification_reply(
                clarification=clarification,
                user=request.user,
                reply=body.validated_data["reply"],
                version=body.validated_data["version"],
            )
        except ValidationFailed as exc:
            exc.api_field = "reply"  # type: ignore[attr-defined]  # read by api.problems
            raise
        updated.answer = clarification.answer
        return Response(_clarification_data(updated))


def _score_detail(stored: Any, row_basis: str, instrument: Any) -> dict[str, Any] | None:
    if stored is None:
        return None
    result, places = stored.result, instrument.result_decimals
    return {
        "basis": row_basis,
        "total": s.figure(result.total, places),
        "total_exact": f"{result.total:f}",
        "index": s.figure(result.index, formatting.INDEX_PLACES),
        "category_code": result.category.code if result.category else "",
        "category_name": result.category.name if result.category else "",
        **_standing(row_basis, stored.status),
        "is_stale": stored.is_stale,
        "computed_at": stored.computed_at.isoformat(),
        "missing_count": stored.missing_count,
        "aspects": [
            {
                "number": a.number,
                "name": a.name,
                "total": formatting.data_weight(a.total),
                "max": formatting.data_weight(a.max_score),
            }
            for a in result.aspects
        ],
    }


class ScoresView(ApiView):
    @extend_schema(responses=s.ScoresOut, operation_id="assessments_scores")
    def get(self, request: Request, pk: int) -> Response:
        """Stored self and verified scores; the verified one only when the owner may see it (as on the pages)."""
        assessment = _assessment(request, pk)
        if not access.can_view_assessment_results(request.user, assessment):
            raise Http404
        comparison = score_comparison(assessment=assessment, show_verified=_show_verified(request.user, assessment))
        instrument = assessment.period.instrument
        return Response(
            {
                "assessment": assessment.pk,
                "status": assessment.status,
                "result_label": instrument.result_label,
                "self": _score_detail(comparison.self_score, ScoreBasis.SELF, instrument),
                "verified": _score_detail(comparison.verified_score, ScoreBasis.VERIFIED, instrument),
                "verified_hidden": comparison.verified_hidden,
            }
        )


class SubmitView(ApiView):
    permission_classes = [HasApiKey, InstitutionKey, SubmitKey]

    @extend_schema(request=None, responses=s.AssessmentDetailOut, operation_id="assessments_submit")
    def post(self, request: Request, pk: int) -> Response:
        """Submit (or resubmit after a revision) with the lead's key: the same checks as the submit page."""
        assessment = _assessment(request, pk)
        if assessment.status == AssessmentStatus.REVISION:
            services.assessment_resubmit(assessment=assessment, user=request.user)
        else:
            services.assessment_submit(assessment=assessment, user=request.user)
        return AssessmentDetail().get(request, pk)
