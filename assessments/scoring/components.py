"""Stored component values: the figure of a component that is not computed from answers (the
staff survey's result until the survey runs inside the product, bonus points), entered by an
admin one by one or imported from a file, all or nothing.

A value is on the instrument's result scale (0 to its maximum). Saving one marks the
assessment's answers as changed (so the sweep covers a lost message) and queues both scores.
A decided assessment's values are final and refused.

One source per value: an app that computes a component's value itself (the in-product staff
survey) registers a source with `computed_sources_register`; for the assessments it names, the
survey component's value is written only by that app (`component_value_computed_set`) and the
admin's hand entry is refused. A hand-entered survey value stands for an institution whose
survey ran outside the product.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from accounts.models import AnyUser
from accounts.roles import person, require_admin
from assessments.domain.scoring import MATURITY, SURVEY
from assessments.models import Assessment, AssessmentStatus, Component, ComponentValue, Period, ScoreBasis
from assessments.scoring.services import score_queue
from core import formatting
from core.errors import InvalidTransition, ValidationFailed

NOTE_MAX = 300
IMPORT_COLUMNS = ("institution_code", "component", "value")
IMPORT_ROWS_MAX = 20_000


# Each source takes assessment ids and returns those whose survey value it computes.
_computed_sources: list[Callable[[Iterable[int]], set[int]]] = []


def computed_sources_register(source: Callable[[Iterable[int]], set[int]]) -> None:
    if source not in _computed_sources:
        _computed_sources.append(source)


def computed_elsewhere(assessment_ids: Iterable[int]) -> set[int]:
    """The assessments whose survey value is computed in the product (hand entry refused)."""
    ids = list(assessment_ids)
    found: set[int] = set()
    for source in _computed_sources:
        found |= source(ids)
    return found


def _refuse_computed(*, assessment: Assessment, component: Component) -> None:
    if component.kind == SURVEY and computed_elsewhere([assessment.pk]):
        raise InvalidTransition(
            _("%(institution)s runs its staff survey in meritsys: the survey's responses give this value.")
            % {"institution": assessment.institution.name}
        )


def stored_components(*, period: Period) -> list[Component]:
    """The period's components whose values are entered (all but maturity), in order."""
    return list(period.instrument.components.exclude(kind=MATURITY).order_by("position", "code"))


def parse_value(raw: Any, *, maximum: Decimal) -> Decimal:
    """A value typed or read from a file: "0,82" and "0.82" both read; 0 to the maximum."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("%(value)s is not a number.") % {"value": text[:20] or "—"}) from None
    if not value.is_finite() or not Decimal(0) <= value <= maximum:
        raise ValidationFailed(
            _("A value runs from 0 to %(max)s; %(value)s was refused.")
            % {"max": formatting.weight(maximum), "value": text[:20]}
        )
    if value != value.quantize(Decimal("1e-10")):
        raise ValidationFailed(_("A value has at most ten decimals."))
    return value


def _write(*, assessment: Assessment, component: Component, value: Decimal, note: str, user: AnyUser) -> None:
    if assessment.status == AssessmentStatus.DECIDED:
        raise InvalidTransition(
            _("%(institution)s: the assessment is decided; its values are final.")
            % {"institution": assessment.institution.name}
        )
    ComponentValue.objects.update_or_create(
        assessment=assessment,
        component=component,
        defaults={"value": value, "note": note[:NOTE_MAX], "entered_by": person(user)},
    )
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=timezone.now())
    for basis in (ScoreBasis.SELF, ScoreBasis.VERIFIED):
        score_queue(assessment=assessment, basis=basis)


def component_value_set(
    *, assessment: Assessment, component_code: str, raw_value: Any, note: str, user: AnyUser
) -> ComponentValue:
    """Enter one assessment's value for one stored component (admins only)."""
    require_admin(user)
    component = (
        Component.objects.filter(instrument_id=assessment.period.instrument_id, code=component_code)
        .exclude(kind=MATURITY)
        .first()
    )
    if component is None:
        raise ValidationFailed(_("This instrument has no such component to enter."))
    value = parse_value(raw_value, maximum=assessment.period.instrument.max_score)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("The note is too long (at most %(max)s characters).") % {"max": NOTE_MAX})
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("institution").get(pk=assessment.pk)
        _refuse_computed(assessment=locked, component=component)
        _write(assessment=locked, component=component, value=value, note=note, user=user)
    return ComponentValue.objects.get(assessment=assessment, component=component)


def component_value_computed_set(*, assessment_id: int, component: Component, value: Decimal | None, note: str) -> None:
    """Write (or, with None, clear: the component is pending) a value computed by the product
    itself, such as the staff survey's result; the caller owns the transaction. Scores are queued
    only when the value changes."""
    assessment = Assessment.objects.select_for_update().select_related("institution").get(pk=assessment_id)
    current = ComponentValue.objects.filter(assessment=assessment, component=component).first()
    if assessment.status == AssessmentStatus.DECIDED:
        return
    if value is None:
        if current is None:
            return
        current.delete()
    else:
        if current is not None and current.value == value:
            return
        ComponentValue.objects.update_or_create(
            assessment=assessment,
            component=component,
            defaults={"value": value, "note": note[:NOTE_MAX], "entered_by": None},
        )
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=timezone.now())
    for basis in (ScoreBasis.SELF, ScoreBasis.VERIFIED):
        score_queue(assessment=assessment, basis=basis)


@dataclass(frozen=True)
class ImportResult:
    saved: int


def _rows(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(_("The file is not UTF-8 text.")) from None
        reader = csv.reader(io.StringIO(text), delimiter=";" if text.split("\n", 1)[0].count(";") else ",")
        rows: list[list[Any]] = [list(r) for r in reader]
    elif suffix == ".xlsx":
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a broken file
            raise ValidationFailed(_("The file is not a readable .xlsx workbook.")) from None
        sheet = workbook.worksheets[0]
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        raise ValidationFailed(_("%(name)s: only .csv and .xlsx files are accepted.") % {"name": filename[:100]})
    if not rows:
        raise ValidationFailed(_("The file is empty."))
    header = [str(c).strip().lower() for c in rows[0]]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(
            _("The file needs the columns %(columns)s.") % {"columns": ", ".join(IMPORT_COLUMNS)},
            errors=[_("Row 1, column %(column)s: missing") % {"column": c} for c in missing],
        )
    if len(rows) > IMPORT_ROWS_MAX + 1:
        raise ValidationFailed(_("The file has more than %(max)s rows.") % {"max": formatting.count(IMPORT_ROWS_MAX)})
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        if all(str(v).strip() == "" for v in values.values()):
            continue
        out.append((number, values))
    return out


def component_values_import(*, period: Period, data: bytes, filename: str, user: AnyUser) -> ImportResult:
    """Enter many values from a .csv or .xlsx file (institution_code, component, value), all or
    nothing: any bad row refuses the whole file, each error naming its row and column."""
    require_admin(user)
    rows = _rows(data, filename)
    components = {c.code: c for c in stored_components(period=period)}
    assessments = {
        a.institution.code: a for a in Assessment.objects.filter(period=period).select_related("institution")
    }
    maximum = period.instrument.max_score
    computed = computed_elsewhere(a.pk for a in assessments.values())
    errors: list[str] = []
    staged: list[tuple[Assessment, Component, Decimal]] = []
    seen: set[tuple[str, str]] = set()
    for number, values in rows:
        code = str(values["institution_code"]).strip()
        component_code = str(values["component"]).strip()
        where = _("Row %(row)s") % {"row": number}
        assessment = assessments.get(code)
        component = components.get(component_code)
        if assessment is None:
            errors.append(
                _("%(where)s, column %(column)s: no assessment of %(code)s in this period")
                % {"where": where, "column": "institution_code", "code": code[:30] or "—"}
            )
        elif assessment.status == AssessmentStatus.DECIDED:
            errors.append(
                _("%(where)s, column %(column)s: %(code)s is decided; its values are final")
                % {"where": where, "column": "institution_code", "code": code}
            )
        if component is None:
            errors.append(
                _("%(where)s, column %(column)s: %(code)s is not one of: %(codes)s")
                % {
                    "where": where,
                    "column": "component",
                    "code": component_code[:20] or "—",
                    "codes": ", ".join(components),
                }
            )
        if assessment is not None and component is not None and component.kind == SURVEY and assessment.pk in computed:
            errors.append(
                _(
                    "%(where)s, column %(column)s: %(code)s runs its staff survey in meritsys; the responses give this value"
                )
                % {"where": where, "column": "component", "code": code}
            )
        if (code, component_code) in seen:
            errors.append(_("%(where)s: a second value for %(code)s") % {"where": where, "code": code})
        seen.add((code, component_code))
        try:
            value = parse_value(values["value"], maximum=maximum)
        except ValidationFailed as exc:
            errors.append(
                _("%(where)s, column %(column)s: %(problem)s")
                % {"where": where, "column": "value", "problem": exc.message}
            )
            continue
        if assessment is not None and component is not None:
            staged.append((assessment, component, value))
    if errors:
        raise ValidationFailed(
            _("The file has %(count)s error(s); nothing was saved.") % {"count": formatting.count(len(errors))},
            errors=errors[:200],
        )
    note = _("imported from %(name)s") % {"name": Path(filename).name[:100]}
    with transaction.atomic():
        locked = {
            a.pk: a
            for a in Assessment.objects.select_for_update()
            .select_related("institution")
            .filter(pk__in=[a.pk for a, _c, _v in staged])
        }
        for assessment, component, value in staged:
            _write(assessment=locked[assessment.pk], component=component, value=value, note=note, user=user)
    return ImportResult(saved=len(staged))


@dataclass(frozen=True)
class ComponentRow:
    assessment: Assessment
    # One cell per stored component, in the components' order: the value entered, or None.
    cells: list[tuple[Component, ComponentValue | None]]
    # A decided assessment's values are final.
    editable: bool


def component_rows(*, period: Period, components: list[Component]) -> list[ComponentRow]:
    """Every assessment of the period with its stored values (two queries)."""
    assessments = list(
        Assessment.objects.filter(period=period).select_related("institution").order_by("institution__name")
    )
    values: dict[tuple[int, int], ComponentValue] = {
        (v.assessment_id, v.component_id): v for v in ComponentValue.objects.filter(assessment__period=period)
    }
    return [
        ComponentRow(
            assessment=a,
            cells=[(c, values.get((a.pk, c.pk))) for c in components],
            editable=a.status != AssessmentStatus.DECIDED,
        )
        for a in assessments
    ]
