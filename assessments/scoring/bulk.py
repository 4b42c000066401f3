"""Recomputing many scores at once: the specialised path behind `recompute_scores`, the beat
sweep and the period-wide recompute after an instrument or status change.

What it buys: a whole period's recompute (640 institutions × 33 answers, 1,280 scores) in about a
tenth of a second on PostgreSQL, where one `score_compute` per score costs three queries and an
ORM save each; bench/scoring.py prints the figures beside an SQL aggregate floor, and
docs/scoring.md keeps the measured table. It keeps the arithmetic in the pure scoring function
(`assessments.domain.scoring`); what is specialised here is only how rows are read and written:
one query per kind of row per chunk, raw tuples instead of model instances on PostgreSQL, a
memo of identical aspect totals, one upsert for the rows that changed, and the garbage
collector paused while a chunk's tuples are alive. Every other writer of scores goes through
`assessments.scoring.services`.
"""

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from assessments.domain.scoring import ComponentResult, InstrumentSpec, ScoreResult, score_sequence
from assessments.domain.standing import score_is_final
from assessments.instrument.selectors import instrument_spec
from assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    ComponentValue,
    Indicator,
    Instrument,
    Score,
    ScoreBasis,
)

_SCORE_UPDATE_FIELDS = [
    "instrument",
    "total",
    "index",
    "category_code",
    "category_name",
    "aspect_totals",
    "components",
    "pending_count",
    "missing_count",
    "is_final",
    "computed_at",
]
SCORE_CHUNK_SIZE = 1000


class RecomputeCount(NamedTuple):
    computed: int  # scores computed
    written: int  # rows inserted or changed (the others already held the same figures)


def scores_recompute(
    *,
    assessment_ids: Iterable[int],
    period_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = SCORE_CHUNK_SIZE,
) -> RecomputeCount:
    """Recompute the scores of many assessments with a few queries per chunk of assessments.

    Per chunk: the assessments, their stored scores, all their answers (one query each), the
    pure scoring function in Python, then one upsert of the rows that are new, differ from the
    stored figures, or are stale (computed before the last answer change). An unchanged, fresh
    row is left as it is. Which scores: self once the assessment left DRAFT, verified once any
    verified level exists, and any score that already exists. `progress(n)` hears of each
    assessment. With `period_id` (all the ids belong to that period) chunks are selected by
    period and id range instead of long id lists.
    """
    ids = sorted(set(assessment_ids))
    cache: dict[int, _InstrumentPlan] = {}
    computed = written = 0
    with _gc_paused():
        for start in range(0, len(ids), chunk_size):
            chunk_ids = ids[start : start + chunk_size]
            if period_id is None:
                where = Q(pk__in=chunk_ids)
            else:
                where = Q(period_id=period_id, pk__gte=chunk_ids[0], pk__lte=chunk_ids[-1])
            chunk = _scores_recompute_chunk(chunk_ids, where, cache, progress)
            computed += chunk.computed
            written += chunk.written
    return RecomputeCount(computed, written)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk is read and scored.

    A chunk allocates tens of thousands of small tuples (answer rows, level slices): each
    allocation threshold crossed ran a collection, and every few a full one over all of Django's
    objects, which took as long as the scoring itself (bench/scoring.py: 50 ms spikes). Nothing
    allocated here forms cycles; reference counting frees it all, and collection resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _InstrumentPlan(NamedTuple):
    """What one instrument's scores need, built once per recompute."""

    spec: InstrumentSpec
    ids: tuple[int, ...]  # indicator ids, ascending (the order answers are read in)
    to_spec: Callable[[Sequence[Any]], tuple]  # levels in id order → levels in spec order
    position: dict[int, int]  # indicator id → position in spec order


def _instrument_plans(instrument_ids: set[int]) -> dict[int, _InstrumentPlan]:
    codes: dict[int, dict[int, str]] = {pk: {} for pk in instrument_ids}
    for pk, code, instrument_id in Indicator.objects.filter(aspect__instrument_id__in=instrument_ids).values_list(
        "pk", "code", "aspect__instrument_id"
    ):
        codes[instrument_id][pk] = code
    plans = {}
    for instrument in Instrument.objects.filter(pk__in=instrument_ids):
        spec = instrument_spec(instrument=instrument)
        spec_position = {code: n for n, code in enumerate(spec.indicator_order)}
        position = {pk: spec_position[code] for pk, code in codes[instrument.pk].items()}
        ids = tuple(sorted(position))
        # to_spec(levels)[p] = levels[index in `ids` of the indicator at spec position p]
        order = sorted(range(len(ids)), key=lambda k: position[ids[k]])
        to_spec = itemgetter(*order) if len(order) > 1 else _picker(tuple(order))
        plans[instrument.pk] = _InstrumentPlan(spec, ids, to_spec, position)
    return plans


def _picker(order: tuple[int, ...]) -> Callable[[Sequence[Any]], tuple]:
    # itemgetter returns a bare item, not a tuple, for a single index.
    return lambda seq: tuple(seq[k] for k in order)


def _aspect_totals_json(result: ScoreResult, memo: dict[Any, str], *, ensure_ascii: bool) -> str:
    """`aspect_totals` as the JSON text the database gives back for it.

    PostgreSQL (jsonb) prints keys shortest first and leaves non-ASCII text as it is; SQLite keeps
    the text Django wrote (json.dumps). The key order of `_aspect_entry` suits both. Equal text
    means equal content; a text that differs in form only costs one needless write, never a wrong
    figure. `memo` maps id(AspectResult) to its text: the scoring function reuses those objects,
    and they live as long as the instrument's spec, which outlives the memo.
    """
    parts = []
    for aspect in result.aspects:
        text = memo.get(id(aspect))
        if text is None:
            name = memo.get(aspect.name)
            if name is None:
                name = memo[aspect.name] = json.dumps(aspect.name, ensure_ascii=ensure_ascii)
            # json.dumps(aspect_entry(aspect)), written out: decimals as strings need no escaping.
            text = memo[id(aspect)] = (
                f'{{"max": "{plain(aspect.max_score)}", "name": {name}, "total": "{plain(aspect.total)}", '
                f'"number": {int(aspect.number)}}}'
            )
        parts.append(text)
    return "[" + ", ".join(parts) + "]"


def _components_json(result: ScoreResult, *, ensure_ascii: bool) -> str:
    """`components` as the JSON text the database gives back for it (see _aspect_totals_json)."""
    return json.dumps([component_entry(c) for c in result.components], ensure_ascii=ensure_ascii)


def component_entry(component: ComponentResult) -> dict[str, Any]:
    # Key order: as PostgreSQL's jsonb prints them (shortest first, then by bytes).
    def text(value: Decimal | None) -> str | None:
        return None if value is None else plain(value)

    return {
        "cap": text(component.cap),
        "code": component.code,
        "kind": component.kind,
        "name": component.name,
        "value": text(component.value),
        "weight": plain(component.weight),
        "contribution": text(component.contribution),
    }


def plain(value: Decimal) -> str:
    """A stored figure as text without trailing zeros ("23.75", "40"): exact and readable."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def aspect_entry(aspect: Any) -> dict[str, Any]:
    # Key order: as PostgreSQL's jsonb prints them (see _aspect_totals_json).
    return {
        "max": plain(aspect.max_score),
        "name": aspect.name,
        "total": plain(aspect.total),
        "number": aspect.number,
    }


def _scores_recompute_chunk(
    ids: list[int],
    where: Q,
    cache: dict[int, _InstrumentPlan],
    progress: Callable[[int], None] | None,
) -> RecomputeCount:
    # Stamped before anything is read: see the note in score_is_final (domain/standing.py).
    computed_at = timezone.now()
    postgres = connection.vendor == "postgresql"
    assessments = list(
        Assessment.objects.filter(where)
        .values_list("pk", "status", "period__instrument_id", "answers_changed_at")
        .order_by("pk")
    )
    missing_instruments = {row[2] for row in assessments} - cache.keys()
    if missing_instruments:
        cache.update(_instrument_plans(missing_instruments))
    # (assessment, basis) → (score id, computed_at, content as compared below); aspect_totals as
    # text, so no JSON is decoded.
    stored_qs = (
        Score.objects.filter(_on_assessment(where))
        .order_by()
        .values_list(
            "pk",
            "assessment_id",
            "basis",
            "computed_at",
            "instrument_id",
            "total",
            "index",
            "category_code",
            "category_name",
            Cast("aspect_totals", TextField()),
            Cast("components", TextField()),
            "pending_count",
            "missing_count",
            "is_final",
        )
    )
    # psycopg2 already returns these columns as Python wants them (Decimal, aware datetime,
    # bool); other databases need the ORM's conversions.
    stored = {(row[1], row[2]): (row[0], row[3], row[4:]) for row in (_raw_rows(stored_qs) if postgres else stored_qs)}
    levels = _answer_levels(where, {row[0]: cache[row[2]] for row in assessments})
    stored_values = _component_values(where) if any(cache[row[2]].spec.stored_components for row in assessments) else {}
    json_memo: dict[int, str] = {}
    rows: list[tuple] = []  # new or changed rows, in _UPSERT_COLUMNS order
    touched: list[int] = []  # unchanged figures, only computed_at is behind the answers
    computed = 0
    for assessment_id, status, instrument_id, answers_changed_at in assessments:
        spec = cache[instrument_id].spec
        self_levels, verified_levels = levels.get(assessment_id) or _no_answers(spec)
        bases = []
        if status != AssessmentStatus.DRAFT or (assessment_id, ScoreBasis.SELF) in stored:
            bases.append((ScoreBasis.SELF.value, self_levels))
        if verified_levels.count(None) < len(verified_levels) or (assessment_id, ScoreBasis.VERIFIED) in stored:
            bases.append((ScoreBasis.VERIFIED.value, verified_levels))
        for basis, basis_levels in bases:
            computed += 1
            result = score_sequence(spec, basis_levels, stored_values.get(assessment_id))
            content = (
                instrument_id,
                result.total,
                result.index,
                result.category.code,
                result.category.name,
                _aspect_totals_json(result, json_memo, ensure_ascii=not postgres),
                _components_json(result, ensure_ascii=not postgres),
                len(result.pending),
                len(result.missing),
                score_is_final(basis=basis, status=status),
            )
            old = stored.get((assessment_id, basis))
            if old is not None and old[2] == content:
                if answers_changed_at and old[1] < answers_changed_at:
                    touched.append(old[0])
                continue
            rows.append((assessment_id, basis, *content, computed_at))
        if progress is not None:
            progress(1)
    _scores_upsert(rows)
    if touched:
        _scores_touch(touched, computed_at)
    return RecomputeCount(computed, len(rows) + len(touched))


def _component_values(where: Q) -> dict[int, dict[str, Decimal]]:
    """Stored component values (a survey's result) of each assessment: one query."""
    values: dict[int, dict[str, Decimal]] = {}
    for assessment_id, code, value in ComponentValue.objects.filter(_on_assessment(where)).values_list(
        "assessment_id", "component__code", "value"
    ):
        values.setdefault(assessment_id, {})[code] = value
    return values


def _no_answers(spec: InstrumentSpec) -> tuple[list[None], list[None]]:
    nothing: list[None] = [None] * len(spec.indicator_order)
    return nothing, nothing


def _answer_levels(where: Q, plans: dict[int, _InstrumentPlan]) -> dict[int, tuple[Sequence, Sequence]]:
    """Self and verified levels of each assessment, in its instrument's spec order.

    One query, rows ordered by assessment and indicator (the unique index's order), read as
    plain tuples; a complete set of answers is matched and reordered by slices, in C.
    """
    rows = _raw_rows(
        # order_by(): Answer's default ordering would join indicator and aspect and sort.
        Answer.objects.filter(_on_assessment(where))
        .order_by("assessment_id", "indicator_id")
        .values_list("assessment_id", "indicator_id", "self_level", "verified_level")
    )
    result: dict[int, tuple[Sequence, Sequence]] = {}
    if not rows:
        return result
    assessment_col, indicator_col, self_col, verified_col = zip(*rows, strict=True)
    count, start = len(rows), 0
    while start < count:
        assessment_id = assessment_col[start]
        plan = plans.get(assessment_id)
        end = start + len(plan.ids) if plan else start
        if (
            plan is not None
            and end <= count
            and assessment_col[end - 1] == assessment_id
            and (end == count or assessment_col[end] != assessment_id)
            and indicator_col[start:end] == plan.ids
        ):
            result[assessment_id] = (plan.to_spec(self_col[start:end]), plan.to_spec(verified_col[start:end]))
            start = end
            continue
        end = start
        while end < count and assessment_col[end] == assessment_id:
            end += 1
        if plan is not None:  # not created after the chunk's assessments were read
            self_levels: list[int | None] = [None] * len(plan.ids)
            verified_levels: list[int | None] = [None] * len(plan.ids)
            for k in range(start, end):
                position = plan.position[indicator_col[k]]
                self_levels[position] = self_col[k]
                verified_levels[position] = verified_col[k]
            result[assessment_id] = (self_levels, verified_levels)
        start = end
    return result


def _on_assessment(where: Q) -> Q:
    """The same selection, written from a model that points at Assessment."""
    children: list[Any] = list(where.children)
    q = Q(*[_on_assessment(c) if isinstance(c, Q) else (f"assessment__{c[0]}", c[1]) for c in children])
    q.connector, q.negated = where.connector, where.negated
    return q


def _raw_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list() query as plain tuples, without the ORM's per-row work.

    Only for columns that need no conversion from the database (integers, text).
    """
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The upsert writes the key columns, then the same fields as an update (instrument by its column).
_UPSERT_COLUMNS = ["assessment_id", "basis", "instrument_id", *_SCORE_UPDATE_FIELDS[1:]]


def _scores_upsert(rows: list[tuple]) -> None:
    """Insert or update Score rows (tuples in _UPSERT_COLUMNS order, aspect_totals as JSON text).

    On PostgreSQL one statement written here (INSERT ... ON CONFLICT DO UPDATE with the values
    rendered by psycopg2): the ORM's bulk_create spends most of a period's recompute preparing
    11 values × 1 280 rows one by one. Elsewhere bulk_create does the same job.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        at = _UPSERT_COLUMNS.index("aspect_totals")
        Score.objects.bulk_create(
            [
                Score(
                    **dict(
                        zip(
                            _UPSERT_COLUMNS,
                            (*row[:at], json.loads(row[at]), json.loads(row[at + 1]), *row[at + 2 :]),
                            strict=True,
                        )
                    )
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["assessment", "basis"],
            update_fields=_SCORE_UPDATE_FIELDS,
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _UPSERT_COLUMNS)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in _UPSERT_COLUMNS[2:])
    template = "(" + ", ".join(["%s"] * len(_UPSERT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        mogrify = cursor.cursor.mogrify
        values = b",".join(mogrify(template, row) for row in rows).decode()
        # Values are rendered and escaped by psycopg2's mogrify; the names are quoted constants.
        cursor.execute(
            f"INSERT INTO {quote(Score._meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({quote('assessment_id')}, {quote('basis')}) DO UPDATE SET {updates}"
        )


def _scores_touch(score_ids: list[int], computed_at: dt.datetime) -> None:
    """Mark scores whose figures did not change as computed now (one UPDATE of one column)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(Score._meta.db_table)} SET computed_at = %s "  # noqa: S608
                "WHERE id = ANY(%s)",
                [computed_at, score_ids],
            )
    else:
        Score.objects.filter(pk__in=score_ids).update(computed_at=computed_at)
