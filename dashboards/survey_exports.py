"""Exports of the staff survey's national aggregates: .xlsx (typed cells) and .csv (UTF-8, BOM).

Aggregates only: the rows are the nation, each institution kind, each band of survey values and
each institution (its stored counters and last computed values), built from
`dashboards.survey.survey_panel` like the page. No response, answer, unit, day or flag of a
response is read or written. Built by a worker as a background job (core.jobs, `survey_job`).
"""

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from assessments.models import Period
from core import formatting, spreadsheets
from core.jobs import Built, Progress
from core.models import Job
from dashboards.exports import CONTENT_TYPES
from dashboards.survey import GroupFigures, InstitutionRow, PanelFilters, filtered_rows, survey_panel
from institutions.models import InstitutionKind

SHARE_FORMAT = formatting.xlsx_value_format(formatting.SHARE_PLACES)


def _no_progress(done: int, total: int) -> None:
    return None


def export_table(*, period: Period, user: Any, filters: PanelFilters) -> tuple[list[str], list[list[Any]], list[str]]:
    """Header, rows and each column's kind ("text", "int", "share", "value"). The filters apply to
    the institution rows; the national, kind and band rows always cover the whole period."""
    panel = survey_panel(period=period, user=user)
    fewer = _("fewer than %(n)s respondents: values not shown") % {"n": formatting.count(panel.minimum)}
    header = [
        _("Aggregation level"),
        _("Code"),
        _("Name"),
        _("Kind"),
        _("Province"),
        _("Survey state"),
        _("Institutions"),
        _("Surveys opened"),
        _("Open"),
        _("Closed"),
        _("Ready"),
        _("Pending"),
        _("Not opened"),
        _("Responses received"),
        _("Responses counted"),
        _("Minimum sample"),
        _("Progress against the sample (%)"),
        _("Institutions in the mean"),
        _("Survey value (0–1)"),
        *[_("Dimension %(code)s %(name)s") % {"code": d.code, "name": d.name} for d in panel.dimensions],
        _("Note"),
    ]
    kinds = ["text"] * 6 + ["int"] * 10 + ["share", "int", "value"] + ["value"] * len(panel.dimensions) + ["text"]

    def group_row(level: str, code: str, name: str, g: GroupFigures) -> list[Any]:
        note = fewer if g.too_few else ""
        return [
            level,
            code,
            name,
            "",
            "",
            "",
            g.institutions,
            g.opened,
            g.open,
            g.closed,
            g.ready,
            g.pending,
            g.not_opened,
            g.received,
            g.counted,
            g.target,
            g.progress_share,
            g.valued,
            g.value,
            *g.dimensions,
            note,
        ]

    def institution_row(r: InstitutionRow) -> list[Any]:
        note = ""
        if r.figures is not None and r.too_few:
            note = fewer
        elif r.figures is not None and not r.visible:
            note = _("value not shown to you")
        return [
            _("Institution"),
            r.code,
            r.name,
            str(InstitutionKind(r.kind).label),
            r.province_name,
            r.state_label,
            *[None] * 7,
            r.received,
            r.counted,
            r.target,
            r.progress_share,
            None,
            r.value,
            *r.dimensions,
            note,
        ]

    rows: list[list[Any]] = [group_row(_("National"), "", str(_("All institutions")), panel.national)]
    for g in panel.kinds:
        rows.append(group_row(_("Kind"), g.key, str(InstitutionKind(g.key).label), g))
    for low, high, n in panel.bands:
        label = f"{formatting.index(low)}–{formatting.index(high)}"
        rows.append([_("Band of survey values"), "", label, "", "", "", n, *[None] * (len(header) - 8), ""])
    rows.extend(institution_row(r) for r in filtered_rows(panel.rows, filters))
    return [str(h) for h in header], rows, kinds


def export_xlsx(*, period: Period, user: Any, filters: PanelFilters, progress: Progress = _no_progress) -> bytes:
    header, rows, kinds = export_table(period=period, user=user, filters=filters)
    formats = {"int": formatting.XLSX_COUNT_FORMAT, "share": SHARE_FORMAT, "value": formatting.XLSX_WEIGHT_FORMAT}
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Staff survey")[:31]
    spreadsheets.header_append(sheet, header)
    for done, row in enumerate(rows, start=1):
        sheet.append([spreadsheets.cell(_typed(v)) for v in row])
        progress(done, len(rows))
    for column, kind in enumerate(kinds, start=1):
        letter = get_column_letter(column)
        if kind in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = formats[kind]
        sheet.column_dimensions[letter].width = 40 if column == 3 else 22 if kind == "text" else 12
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.title = period.name
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _typed(value: Any) -> Any:
    """Lazy translations become text; numbers stay numbers."""
    if value is None or isinstance(value, int | Decimal | float):
        return value
    return str(value)


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "share":
        return formatting.data_number(value, formatting.SHARE_PLACES)
    if kind == "value":
        return formatting.data_weight(value)
    return spreadsheets.text_safe(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(*, period: Period, user: Any, filters: PanelFilters, progress: Progress = _no_progress) -> bytes:
    """Comma-separated, dot decimals (survey values exact to six places), a BOM so Excel reads UTF-8."""
    header, rows, kinds = export_table(period=period, user=user, filters=filters)
    writer = csv.writer(_Echo())
    lines = ["\ufeff" + writer.writerow(header)]
    for done, row in enumerate(rows, start=1):
        lines.append(writer.writerow([_csv_cell(v, kind) for v, kind in zip(row, kinds, strict=True)]))
        progress(done, len(rows))
    return "".join(lines).encode("utf-8")


def survey_job_params(*, period: Period, filters: PanelFilters, fmt: str, language: str) -> dict[str, Any]:
    return {
        "fmt": fmt,
        "period": period.pk,
        "kind": filters.kind,
        "province": filters.province,
        "state": filters.state,
        "sort": filters.sort,
        "language": language,
    }


def survey_job(job: Job, progress: Progress) -> Built:
    """core.jobs producer: the survey aggregates of a period, as the person who asked may see them."""
    params = job.params
    period = Period.objects.get(pk=params["period"])
    filters = PanelFilters(kind=params["kind"], province=params["province"], state=params["state"], sort=params["sort"])
    fmt = params["fmt"]
    with translation.override(params["language"]):
        build = export_xlsx if fmt == "xlsx" else export_csv
        data = build(period=period, user=job.requested_by, filters=filters, progress=progress)
    return Built(filename=f"survei-{slugify(period.name)}.{fmt}", content_type=CONTENT_TYPES[fmt], data=data)
