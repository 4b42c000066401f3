"""The oversight body's reads (oversight keys): register, periods, decisions, certificates.

Assessments and their scores are `api.views.assessments.AssessmentList`, which an oversight key
reads in full (the admin's own visibility) with filters and a cursor.
"""

from typing import Any

from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.permissions import HasApiKey, OversightKey
from api.views.base import ApiView
from assessments.models import Period
from certificates.models import Certificate, DecisionStatus
from certificates.selectors import decisions_visible_to
from certificates.services import verify_url
from core import formatting
from institutions.models import Institution

CURSOR = [
    OpenApiParameter("cursor", str, description="the `next` link's cursor"),
    OpenApiParameter("page_size", int, description="1 to 500 (default 100)"),
]


class Cursor(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def period_data(p: Period) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "instrument": p.instrument.code,
        "self_assessment_opens": p.self_assessment_opens.isoformat(),
        "self_assessment_closes": p.self_assessment_closes.isoformat(),
        "verification_closes": p.verification_closes.isoformat(),
    }


class InstitutionList(ApiView):
    permission_classes = [HasApiKey, OversightKey]

    @extend_schema(parameters=[s.InstitutionFilter, *CURSOR], responses=s.InstitutionPage, operation_id="register_list")
    def get(self, request: Request) -> Response:
        """The national register."""
        filters = s.InstitutionFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Institution.objects.select_related("province")
        if filters.validated_data.get("kind"):
            qs = qs.filter(kind=filters.validated_data["kind"])
        if filters.validated_data.get("active") is not None:
            qs = qs.filter(active=filters.validated_data["active"])
        paginator = Cursor()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        data = [
            {
                "id": i.pk,
                "code": i.code,
                "name": i.name,
                "short_name": i.short_name,
                "kind": i.kind,
                "province": i.province.code if i.province else None,
                "region": i.region,
                "active": i.active,
                "separately_assessed": i.separately_assessed,
            }
            for i in page
        ]
        return paginator.get_paginated_response(data)


class PeriodList(ApiView):
    permission_classes = [HasApiKey, OversightKey]

    @extend_schema(responses=s.PeriodOut(many=True), operation_id="periods_list")
    def get(self, request: Request) -> Response:
        periods = Period.objects.select_related("instrument").order_by("-self_assessment_opens", "-id")
        return Response([period_data(p) for p in periods])


class DecisionList(ApiView):
    permission_classes = [HasApiKey, OversightKey]

    @extend_schema(responses=s.DecisionOut(many=True), operation_id="decisions_list")
    def get(self, request: Request) -> Response:
        decisions = decisions_visible_to(request.user).annotate(n=Count("assessments")).order_by("-date", "-id")
        return Response(
            [
                {
                    "id": d.pk,
                    "number": d.number,
                    "date": d.date.isoformat(),
                    "period": d.period_id,
                    "status": d.status,
                    "issued_at": d.issued_at.isoformat() if d.issued_at else None,
                    "assessments": d.n,
                }
                for d in decisions
            ]
        )


class CertificateList(ApiView):
    permission_classes = [HasApiKey, OversightKey]

    @extend_schema(
        parameters=[s.CertificateFilter, *CURSOR],
        responses=s.CertificatePage,
        operation_id="certificates_list",
    )
    def get(self, request: Request) -> Response:
        """Charters of issued decisions, with their verification status and public check URL."""
        filters = s.CertificateFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Certificate.objects.filter(decision__status=DecisionStatus.ISSUED).select_related(
            "decision__period__instrument", "institution"
        )
        if "period" in filters.validated_data:
            qs = qs.filter(decision__period_id=filters.validated_data["period"])
        if "institution" in filters.validated_data:
            qs = qs.filter(institution_id=filters.validated_data["institution"])
        paginator = Cursor()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        data = [
            {
                "id": c.pk,
                "serial": c.serial,
                "institution": c.institution_id,
                "institution_name": c.institution.name,
                "decision": c.decision.number,
                "period": c.decision.period_id,
                "value": formatting.data_number(c.score_total, c.decision.period.instrument.result_decimals),
                "category_code": c.category_code,
                "category_name": c.category_name,
                "status": c.status,
                "valid": c.is_valid,
                "verification_url": verify_url(c.serial),
            }
            for c in page
        ]
        return paginator.get_paginated_response(data)
