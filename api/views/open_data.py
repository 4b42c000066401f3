"""Open data: decided results per period, for anyone, as JSON or CSV, under a stated licence.

The rows come from `dashboards.selectors.results` with the public page's filters (decided only,
no viewer), and the figures are cut at the instrument's precision as the page shows them.
"""

import csv
import io
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.views.base import ApiView
from api.views.oversight import period_data
from assessments.models import Period
from core import formatting
from core.spreadsheets import text_safe
from dashboards import selectors as dash

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _period(pk: Any) -> Period:
    periods = {p.pk: p for p in dash.public_periods()}
    try:
        return periods[int(pk)]
    except (KeyError, ValueError, TypeError) as exc:
        raise Http404 from exc


def _rows(period: Period, kind: str = "") -> list[dict[str, Any]]:
    filters = dash.ResultFilters(period=period, kind=kind, decided_only=True)
    places = period.instrument.result_decimals
    return [
        {
            "institution_code": score.assessment.institution.code,
            "institution": score.name_then,  # type: ignore[attr-defined]  # annotated by dashboards.selectors.results
            "kind": score.assessment.institution.kind,
            "province": score.assessment.institution.province.name if score.assessment.institution.province else None,
            "total": formatting.data_number(score.total, places),
            "index": formatting.data_number(score.index, formatting.INDEX_PLACES),
            "category": score.category_name,
        }
        for score in dash.results(filters)
    ]


class OpenPeriods(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses=s.OpenPeriodOut(many=True), auth=[], operation_id="open_periods")
    def get(self, request: Request) -> Response:
        """Periods with published (decided) results."""
        return Response(
            [
                {
                    "id": p.pk,
                    "name": p.name,
                    "json": reverse("api:open_results", args=[p.pk]),
                    "csv": reverse("api:open_results_csv", args=[p.pk]),
                }
                for p in dash.public_periods()
            ]
        )


class OpenResults(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(parameters=[s.OpenResultsFilter], responses=s.OpenResultsOut, auth=[], operation_id="open_results")
    def get(self, request: Request, pk: int) -> Response:
        """A period's decided results, as on the public results page."""
        filters = s.OpenResultsFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        period = _period(pk)
        rows = _rows(period, filters.validated_data.get("kind", ""))
        response = Response(
            {
                "period": period_data(period),
                "licence": LICENCE,
                "licence_url": LICENCE_URL,
                "result_label": period.instrument.result_label,
                "count": len(rows),
                "results": rows,
            }
        )
        response["Link"] = f'<{LICENCE_URL}>; rel="license"'
        return response


class OpenResultsCsv(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[s.OpenResultsFilter],
        responses={(200, "text/csv"): OpenApiResponse(response=str, description="the same rows as CSV")},
        auth=[],
        operation_id="open_results_csv",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        filters = s.OpenResultsFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        period = _period(pk)
        buffer = io.StringIO()
        columns = ["institution_code", "institution", "kind", "province", "total", "index", "category"]
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        for row in _rows(period, filters.validated_data.get("kind", "")):
            writer.writerow({k: text_safe(v) for k, v in row.items()})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="results-{period.pk}.csv"'
        response["Link"] = f'<{LICENCE_URL}>; rel="license"'
        response["X-Licence"] = f"{LICENCE} ({settings.OVERSIGHT_BODY_NAME})"
        return response
