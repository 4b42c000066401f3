"""Result exports: .xlsx (typed numbers, formatted header) and .csv (UTF-8 with BOM for Excel).

Built by a worker as a background job (core.jobs, `results_job`): under the deadline rush a whole
period's workbook in the request held a web worker for seconds (bench/dashboard.py).
"""

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from assessments.domain.standing import standing_of
from assessments.models import Aspect, Assessment, AssessmentStatus, Period
from core import formatting, spreadsheets
from core.jobs import Built, Progress
from core.models import Job
from dashboards.selectors import ResultFilters, results
from institutions.models import Institution, InstitutionGroup, InstitutionKind, Region
from institutions.selectors import period_coverage, period_names

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_table(filters: ResultFilters) -> tuple[list[str], list[list[Any]], list[str]]:
    """Header, rows and each column's kind ("text", "int", "score", "index", "weight"). Four queries.

    Headings name the period's instrument's value ("Nilai", "Indeks Sistem Merit (NISM)")."""
    aspects = list(Aspect.objects.filter(instrument_id=filters.period.instrument_id).order_by("number"))
    label = filters.period.instrument.result_label
    header = [
        _("No."),
        _("Code"),
        _("Institution"),
        _("Kind"),
        _("Group"),
        _("Province"),
        _("Oversight region"),
        _("Status"),
        _("Standing of the result"),
        _("%(value)s, self-assessment") % {"value": label},
        _("%(value)s, verified") % {"value": label},
        _("Index"),
        _("Category"),
    ]
    kinds = ["int", "text", "text", "text", "text", "text", "text", "text", "text", "score", "score", "index", "text"]
    for aspect in aspects:
        header.append(
            _("Aspect %(number)s %(name)s (weight %(max)s)")
            % {
                "number": aspect.number,
                "name": aspect.name,
                "max": formatting.weight(aspect.max_score),
            }
        )
        kinds.append("weight")
    # One row per institution the period covers (the register it opened with; filtered by kind
    # and province), under its name in that period: those with a verification result first, by total;
    # the others after them with their status and empty scores. A category filter keeps only
    # institutions with a verification result in that category.
    finals = {s.assessment.institution_id: s for s in results(filters)}
    statuses = dict(Assessment.objects.filter(period=filters.period).values_list("institution_id", "status"))
    covered = list(period_coverage(period_ids=[filters.period.pk])[filters.period.pk])
    names = period_names(pairs=[(filters.period.pk, pk) for pk in covered])
    institutions = Institution.objects.filter(pk__in=covered).select_related("province").order_by("name")
    if filters.kind:
        institutions = institutions.filter(kind=filters.kind)
    if filters.province is not None:
        institutions = institutions.filter(Q(province_id=filters.province) | Q(pk=filters.province))
    listed = [i for i in institutions if i.pk in finals or not filters.category]
    listed.sort(key=lambda i: (i.pk not in finals, -(finals[i.pk].total if i.pk in finals else 0), i.name))
    rows: list[list[Any]] = []
    for n, institution in enumerate(listed, start=1):
        s = finals.get(institution.pk)
        by_number = {int(e["number"]): Decimal(str(e["total"])) for e in ((s.aspect_totals if s else None) or [])}
        status = statuses.get(institution.pk)
        rows.append(
            [
                n,
                institution.code,
                names.get((filters.period.pk, institution.pk), institution.name),
                str(InstitutionKind(institution.kind).label),
                str(InstitutionGroup(institution.group).label),
                institution.province.name if institution.province else "",
                str(Region(institution.region).label) if institution.region in Region.values else institution.region,
                str(AssessmentStatus(status).label) if status else str(_("Not assessed")),
                str(standing_of(status).label) if s and status else "",
                getattr(s, "self_total", None) if s else None,
                s.total if s else None,
                s.index if s else None,
                s.category_name if s else "",
                *[by_number.get(a.number) for a in aspects],
            ]
        )
    return [str(h) for h in header], rows, kinds


def _text_safe(value: Any) -> Any:
    """A text cell never starts like a formula (core.spreadsheets, used by every export)."""
    return spreadsheets.text_safe(value)


def _number(value: Any) -> Any:
    return spreadsheets.cell(value)


def _no_progress(done: int, total: int) -> None:
    return None


def export_xlsx(filters: ResultFilters, *, title: str, progress: Progress = _no_progress) -> bytes:
    header, rows, kinds = export_table(filters)
    places = filters.period.instrument.result_decimals
    formats = {
        "score": formatting.xlsx_value_format(places),
        "index": formatting.XLSX_INDEX_FORMAT,
        "weight": formatting.XLSX_WEIGHT_FORMAT,
    }
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Results")[:31]
    spreadsheets.header_append(sheet, header)
    for done, row in enumerate(rows, start=1):
        sheet.append([_number(v) for v in row])
        progress(done, len(rows))
    for column, kind in enumerate(kinds, start=1):
        letter = get_column_letter(column)
        if kind in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = formats[kind]
        width = 8 if kind in {"int", "index"} else 12 if kind in {"score", "weight"} else 22
        if header[column - 1] == str(_("Institution")):
            width = 48
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.title = title
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_cell(value: Any, kind: str, places: int) -> str:
    if value is None:
        return ""
    if kind == "score":
        return formatting.data_number(value, places)
    if kind == "index":
        return formatting.data_number(value, formatting.INDEX_PLACES)
    if kind == "weight":
        return formatting.data_weight(value)
    return _text_safe(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv_lines(filters: ResultFilters, progress: Progress = _no_progress) -> Iterator[str]:
    """CSV lines (comma-separated, dot decimals at the instrument's precision) starting with a BOM so
    Excel reads UTF-8. A CSV is data for other programs, so figures are machine-readable."""
    header, rows, kinds = export_table(filters)
    places = filters.period.instrument.result_decimals
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for done, row in enumerate(rows, start=1):
        yield writer.writerow([_csv_cell(v, kind, places) for v, kind in zip(row, kinds, strict=True)])
        progress(done, len(rows))


def export_csv(filters: ResultFilters, progress: Progress = _no_progress) -> bytes:
    return "".join(export_csv_lines(filters, progress)).encode("utf-8")


CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": "text/csv; charset=utf-8"}


def results_job_params(filters: ResultFilters, *, fmt: str, language: str) -> dict[str, Any]:
    """What a results export job needs to rebuild the filters the view checked (JSON)."""
    return {
        "fmt": fmt,
        "period": filters.period.pk,
        "kind": filters.kind,
        "province": filters.province,
        "category": filters.category,
        "language": language,
    }


def results_job(job: Job, progress: Progress) -> Built:
    """core.jobs producer: a period's results as .xlsx or .csv, as the person who asked sees them."""
    params = job.params
    period = Period.objects.select_related("instrument").get(pk=params["period"])
    filters = ResultFilters(
        period=period,
        kind=params["kind"],
        province=params["province"],
        category=params["category"],
        viewer=job.requested_by,
    )
    fmt = params["fmt"]
    with translation.override(params["language"]):
        if fmt == "xlsx":
            data = export_xlsx(filters, title=period.name, progress=progress)
        else:
            data = export_csv(filters, progress)
    return Built(filename=f"hasil-{slugify(period.name)}.{fmt}", content_type=CONTENT_TYPES[fmt], data=data)
