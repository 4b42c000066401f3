"""Reads for dashboards, profiles, public results and exports.

Every figure comes from verified Score rows of assessments whose status is VERIFIED or DECIDED
(a verification result: provisional until decided, see assessments.domain.standing), and from Assessment statuses. Each function runs a fixed number of aggregate
queries whatever the number of institutions or periods.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.access import results_visible_filter
from assessments.domain.scoring import gap
from assessments.domain.standing import RESULT_STATUSES
from assessments.instrument.selectors import level_scale
from assessments.models import (
    Answer,
    Aspect,
    Assessment,
    AssessmentStatus,
    CategoryBand,
    Period,
    Score,
    ScoreBasis,
    Target,
    TransitionLog,
)
from institutions.models import (
    Institution,
    InstitutionGroup,
    InstitutionKind,
    PeriodInstitution,
    RegisterChange,
    group_of,
)
from institutions.selectors import period_coverage, period_names

REGIONAL_KINDS = (InstitutionKind.PROVINSI, InstitutionKind.KABUPATEN, InstitutionKind.KOTA)
CACHE_SECONDS = 15 * 60

# Cycle progress buckets, in the order of the cycle.
PROGRESS_STEPS = ("not_started", "self_assessment", "submitted", "in_verification", "verified", "decided")
_STATUS_STEP = {
    AssessmentStatus.SUBMITTED: "submitted",
    AssessmentStatus.IN_VERIFICATION: "in_verification",
    AssessmentStatus.REVISION: "in_verification",
    AssessmentStatus.VERIFIED: "verified",
    AssessmentStatus.OBJECTION: "verified",
    AssessmentStatus.DECIDED: "decided",
}


# ---------------------------------------------------------------------------------------------
# Small value types (plain data: cached as is)


@dataclass
class Band:
    code: str
    name: str
    min_score: Decimal
    good: bool


@dataclass
class CategoryRow:
    """Counts per category for one kind, group or province."""

    key: str
    institutions: int = 0
    assessed: int = 0
    decided: int = 0
    total_sum: Decimal = Decimal(0)
    counts: dict[str, int] = field(default_factory=dict)
    good: int = 0

    @property
    def average(self) -> Decimal | None:
        return self.total_sum / self.assessed if self.assessed else None

    @property
    def good_share(self) -> Decimal | None:
        """Share (%) of all the row's institutions in a target band (unassessed count as not)."""
        return Decimal(self.good * 100) / self.institutions if self.institutions else None

    @property
    def good_share_assessed(self) -> Decimal | None:
        return Decimal(self.good * 100) / self.assessed if self.assessed else None

    def shares(self, bands: Iterable[Band]) -> list[tuple[Band, int, Decimal | None]]:
        return [
            (
                b,
                self.counts.get(b.code, 0),
                Decimal(self.counts.get(b.code, 0) * 100) / self.assessed if self.assessed else None,
            )
            for b in bands
        ]


@dataclass
class TargetCheck:
    group: str
    year: int
    # None: no target is set for this instrument, group and year.
    target: Decimal | None
    institutions: int
    good: int

    @property
    def share(self) -> Decimal | None:
        return Decimal(self.good * 100) / self.institutions if self.institutions else None

    @property
    def is_set(self) -> bool:
        return self.target is not None

    @property
    def met(self) -> bool:
        # Exact comparison (good / institutions ≥ target / 100) with no rounding on the way.
        return self.target is not None and self.institutions > 0 and self.good * 100 >= self.target * self.institutions

    @property
    def needed(self) -> int:
        """How many more institutions must reach a target band to meet the target."""
        if self.target is None or self.met or not self.institutions:
            return 0
        required = (self.target * self.institutions / 100).to_integral_value(rounding=ROUND_CEILING)
        return int(required) - self.good


TargetKey = tuple[int, str, int]  # instrument id, group, year


def target_check(
    *, instrument_id: int, group: str, year: int, good: int, institutions: int, targets: dict[TargetKey, Decimal]
) -> TargetCheck:
    return TargetCheck(
        group=group,
        year=year,
        target=targets.get((instrument_id, group, year)),
        institutions=institutions,
        good=good,
    )


def targets_map() -> dict[TargetKey, Decimal]:
    return {(t.instrument_id, t.group, t.year): t.share for t in Target.objects.all()}


def period_year(period: Period) -> int:
    return period.self_assessment_opens.year


def bands_of(instrument_id: int, rows: Iterable[CategoryBand]) -> list[Band]:
    """The instrument's bands, `good` being the band's own flag: it counts toward the target."""
    own = sorted((b for b in rows if b.instrument_id == instrument_id), key=lambda b: b.min_score)
    return [Band(b.code, b.name, b.min_score, b.counts_for_target) for b in own]


# ---------------------------------------------------------------------------------------------
# Periods and the data version (cache key)


def period_choices() -> list[Period]:
    """All periods, newest first, each with `final_count` (verified or decided assessments)."""
    return list(
        Period.objects.annotate(
            final_count=Count("assessments", filter=Q(assessments__status__in=RESULT_STATUSES)),
            decided_count=Count("assessments", filter=Q(assessments__status=AssessmentStatus.DECIDED)),
        ).order_by("-self_assessment_opens", "-pk")
    )


def period_default(periods: list[Period], *, decided: bool = False) -> Period | None:
    """The newest period with results (decided ones for the public), else the newest period."""
    attr = "decided_count" if decided else "final_count"
    with_results = [p for p in periods if getattr(p, attr, 0)]
    if with_results:
        return with_results[0]
    return None if decided else (periods[0] if periods else None)


# The fingerprint's part that saved answers move (counted to the minute, see `data_version`).
ANSWERS_CHANGED = "MAX(answers_changed_at)"


def data_version() -> str:
    """A fingerprint of everything the dashboard figures depend on, in one cheap query.

    New scores or recomputations, new assessments, answer changes, status transitions (every move
    writes a TransitionLog row), targets, periods, the active register, its audited changes and the
    periods' coverage snapshots: any write the workflow
    makes moves one of them. Deleted rows or an edited period name show after CACHE_SECONDS.
    """
    score, assessment = Score._meta.db_table, Assessment._meta.db_table
    log, target, institution = TransitionLog._meta.db_table, Target._meta.db_table, Institution._meta.db_table
    period = Period._meta.db_table
    register_change, coverage = RegisterChange._meta.db_table, PeriodInstitution._meta.db_table
    # Only index lookups (MAX over indexed columns, tiny tables): a fraction of a millisecond.
    parts = [
        ("MAX(computed_at)", score, ""),
        ("MAX(id)", score, ""),
        ("MAX(id)", assessment, ""),
        (ANSWERS_CHANGED, assessment, ""),
        ("MAX(id)", log, ""),
        ("COUNT(*)", target, ""),
        ("MAX(updated_at)", target, ""),
        ("COUNT(*)", institution, " WHERE active"),
        ("COUNT(*)", period, ""),
        ("MAX(id)", period, ""),
        # Register changes (renames, mergers) and period coverage snapshots.
        ("MAX(id)", register_change, ""),
        ("MAX(id)", coverage, ""),
    ]
    # Table names come from model metadata, never from input.
    sql = "SELECT " + ", ".join(f"(SELECT {expr} FROM {table}{where})" for expr, table, where in parts)  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _prepare_once(sql)
            cursor.execute(f"EXECUTE {_DATA_VERSION_STATEMENT}")
        else:
            cursor.execute(sql)
        row = list(cursor.fetchone())
    # Saved answers move the figures only through "started or not" (progress), so they count to the
    # minute: during the deadline rush the figures are built again at most once a minute per
    # period, not after every save. Scores, statuses, targets and the register still count at once.
    at = [expr for expr, _table, _where in parts].index(ANSWERS_CHANGED)
    changed = row[at]
    if isinstance(changed, str):  # SQLite returns the text it stores
        changed = dt.datetime.fromisoformat(changed)
    row[at] = changed.strftime("%Y%m%d%H%M") if changed is not None else None
    return "|".join(str(v) for v in row)


_DATA_VERSION_STATEMENT = "dashboards_data_version"


def _prepare_once(sql: str) -> None:
    """Prepare the fingerprint query once per database connection (PostgreSQL).

    Planning ten sub-selects cost more than running them (about 0.4 of 0.6 ms); with persistent
    connections a prepared statement is planned once per connection. Like Django's own per-
    connection setup, this runs on the raw connection, so query counts see only the EXECUTE.
    A prepared statement outlives a rolled-back transaction, and PostgreSQL re-plans it by itself
    after a schema change.
    """
    raw = connection.connection
    if getattr(connection, "_dashboards_prepared_on", None) is raw:
        return
    with raw.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [_DATA_VERSION_STATEMENT])
        if cursor.fetchone() is None:
            cursor.execute(f"PREPARE {_DATA_VERSION_STATEMENT} AS {sql}")
    connection._dashboards_prepared_on = raw  # type: ignore[attr-defined]  # a per-object cache attribute


def cached(key: str, version: str, build: Any) -> Any:
    digest = hashlib.sha256(version.encode()).hexdigest()[:24]
    full_key = f"dashboards:{key}:{digest}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, CACHE_SECONDS)
    return value


# ---------------------------------------------------------------------------------------------
# National dashboard


def _final_scores(period_ids: Iterable[int] | None = None) -> QuerySet[Score]:
    qs = Score.objects.filter(basis=ScoreBasis.VERIFIED, assessment__status__in=RESULT_STATUSES)
    if period_ids is not None:
        qs = qs.filter(assessment__period_id__in=list(period_ids))
    return qs


def national_figures(*, period: Period) -> dict[str, Any]:
    """Everything the national dashboard shows for one period (about ten queries, any size)."""
    all_bands = list(CategoryBand.objects.all())
    bands = bands_of(period.instrument_id, all_bands)
    good_codes = {b.code for b in bands if b.good}

    kinds = {k.value: CategoryRow(k.value) for k in InstitutionKind}
    groups = {g.value: CategoryRow(g.value) for g in InstitutionGroup}
    provinces: dict[int, CategoryRow] = {}
    national = CategoryRow("ALL")

    # 1. The register the period opened with: institutions per kind, group and province.
    coverage = period_coverage(period_ids=[period.pk])[period.pk]
    for entry in coverage.values():
        kinds[entry.kind].institutions += 1
        groups[entry.target_group].institutions += 1
        national.institutions += 1
        if entry.province_id is not None:
            provinces.setdefault(entry.province_id, CategoryRow(str(entry.province_id))).institutions += 1

    # 2. Final verified scores per institution × category × status, of the covered institutions.
    for row in (
        _final_scores([period.pk])
        .filter(assessment__institution_id__in=list(coverage))
        .annotate(status=F("assessment__status"), institution_id=F("assessment__institution_id"))
        .values("institution_id", "category_code", "status")
        .annotate(n=Count("id"), s=Sum("total"))
        .order_by()
    ):
        entry = coverage[row["institution_id"]]
        row["prov"] = entry.province_id
        targets_rows = [kinds[entry.kind], groups[entry.target_group], national]
        if row["prov"] is not None:
            targets_rows.append(provinces.setdefault(row["prov"], CategoryRow(str(row["prov"]))))
        for target in targets_rows:
            target.assessed += row["n"]
            target.total_sum += row["s"] or Decimal(0)
            target.counts[row["category_code"]] = target.counts.get(row["category_code"], 0) + row["n"]
            if row["category_code"] in good_codes:
                target.good += row["n"]
            if row["status"] == AssessmentStatus.DECIDED:
                target.decided += row["n"]

    # 3. Province names.
    names = dict(
        Institution.objects.filter(pk__in=list(provinces), kind=InstitutionKind.PROVINSI).values_list("pk", "name")
    )
    province_rows = sorted(
        ({"pk": pk, "name": names.get(pk, "?"), "row": row} for pk, row in provinces.items()),
        key=lambda r: str(r["name"]),
    )

    # 4. Cycle progress from statuses.
    progress = dict.fromkeys(PROGRESS_STEPS, 0)
    counted = 0
    for row in (
        Assessment.objects.filter(period=period, institution_id__in=list(coverage))
        .annotate(
            answered=Exists(Answer.objects.filter(assessment=OuterRef("pk"), self_level__isnull=False)),
        )
        .values("status", "answered")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counted += row["n"]
        if row["status"] == AssessmentStatus.DRAFT:
            progress["self_assessment" if row["answered"] else "not_started"] += row["n"]
        else:
            progress[_STATUS_STEP[AssessmentStatus(row["status"])]] += row["n"]
    progress["not_started"] += max(0, national.institutions - counted)

    # 5. Aspect profile: average % of each aspect's maximum, per kind (from the score rows).
    aspects: list[dict[str, Any]] = [
        dict(a)
        for a in Aspect.objects.filter(instrument_id=period.instrument_id)
        .order_by("number")
        .values("number", "name", "max_score")
    ]
    sums: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[str, int] = defaultdict(int)
    for kind, totals in (
        _final_scores([period.pk])
        .filter(assessment__institution_id__in=list(coverage))
        .values_list("assessment__institution__kind", "aspect_totals")
    ):
        counts[kind] += 1
        for entry in totals or []:
            maximum = Decimal(str(entry.get("max") or 0))
            if maximum:
                sums[kind][int(entry["number"])] += Decimal(str(entry["total"])) * 100 / maximum
    heat = []
    for kind in InstitutionKind:
        n = counts.get(kind.value, 0)
        cells = [(sums[kind.value][a["number"]] / n) if n else None for a in aspects]
        present = [c for c in cells if c is not None]
        weakest = min(range(len(cells)), key=lambda i: cells[i] or Decimal(0)) if present else None
        heat.append({"kind": kind.value, "n": n, "cells": cells, "weakest": weakest})
    national_aspects = []
    for index, aspect in enumerate(aspects):
        n_all = sum(counts.values())
        total = sum((sums[k][aspect["number"]] for k in counts), Decimal(0))
        national_aspects.append((total / n_all) if n_all else None)
        aspects[index] = {**aspect, "national": national_aspects[-1]}

    # 6. Targets for the period's year and the trend across all periods.
    targets = targets_map()
    year = period_year(period)
    checks = [
        target_check(
            instrument_id=period.instrument_id,
            group=g.value,
            year=year,
            good=groups[g.value].good,
            institutions=groups[g.value].institutions,
            targets=targets,
        )
        for g in InstitutionGroup
    ]
    trend = trend_figures(
        all_bands=all_bands, targets=targets, group_sizes={g: r.institutions for g, r in groups.items()}
    )

    return {
        "period_id": period.pk,
        "year": year,
        "bands": bands,
        "kinds": [kinds[k.value] for k in InstitutionKind],
        "groups": [groups[g.value] for g in InstitutionGroup],
        "national": national,
        "provinces": province_rows,
        "progress": [(step, progress[step]) for step in PROGRESS_STEPS],
        "progress_total": national.institutions,
        "aspects": aspects,
        "heat": heat,
        "checks": checks,
        "trend": trend,
    }


def trend_figures(
    *, all_bands: list[CategoryBand], targets: dict[TargetKey, Decimal], group_sizes: dict[str, int]
) -> list[dict[str, Any]]:
    """Per period (oldest first): assessed and target-band counts per group, against targets.

    Each period's denominator is the register it opened with (its coverage snapshot); a period
    without one uses `group_sizes` (today's register).
    """
    periods = list(
        Period.objects.order_by("self_assessment_opens", "pk").values(
            "pk", "name", "instrument_id", "self_assessment_opens", "verification_closes"
        )
    )
    today = timezone.localdate()
    good_by_instrument = {
        p["instrument_id"]: {b.code for b in bands_of(p["instrument_id"], all_bands) if b.good} for p in periods
    }
    cells: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    instrument_of = {p["pk"]: p["instrument_id"] for p in periods}
    coverage = period_coverage(period_ids=[p["pk"] for p in periods])
    sizes: dict[int, dict[str, int]] = {}
    for period_id, entries in coverage.items():
        counter: dict[str, int] = defaultdict(int)
        for entry in entries.values():
            counter[entry.target_group] += 1
        sizes[period_id] = dict(counter)
    for row in (
        _final_scores()
        .values("assessment__period_id", "assessment__institution_id", "category_code")
        .annotate(n=Count("id"))
        .order_by()
    ):
        period_id = row["assessment__period_id"]
        covered = coverage.get(period_id, {}).get(row["assessment__institution_id"])
        if covered is None:
            continue  # not counted in that period (not covered, or not separately assessed)
        key = (period_id, covered.target_group)
        cells[key][0] += row["n"]
        if row["category_code"] in good_by_instrument.get(instrument_of.get(period_id, 0), set()):
            cells[key][1] += row["n"]
    trend = []
    for p in periods:
        year = p["self_assessment_opens"].year
        per_group: list[dict[str, Any]] = []
        for g in InstitutionGroup:
            assessed, good = cells.get((p["pk"], g.value), [0, 0])
            check = target_check(
                instrument_id=p["instrument_id"],
                group=g.value,
                year=year,
                good=good,
                institutions=sizes.get(p["pk"], group_sizes).get(g.value, 0),
                targets=targets,
            )
            per_group.append({"group": g.value, "assessed": assessed, "check": check})
        trend.append(
            {
                "period_id": p["pk"],
                "name": p["name"],
                "year": year,
                # Verification still open: its shares are provisional and only grow.
                "in_progress": p["verification_closes"] >= today,
                "assessed": sum(x["assessed"] for x in per_group),
                "good": sum(x["check"].good for x in per_group),
                "groups": per_group,
            }
        )
    return trend


def national_figures_cached(*, period: Period) -> dict[str, Any]:
    """`national_figures`, cached per period until any score, status, target or register change."""
    # The date is part of the key: whether a period is still in progress changes with it.
    version = f"{data_version()}:{timezone.localdate().isoformat()}"
    return cached(f"national:{period.pk}", version, lambda: national_figures(period=period))


# ---------------------------------------------------------------------------------------------
# Results lists (oversight results page, exports, public page)


@dataclass
class ResultFilters:
    period: Period
    kind: str = ""
    province: int | None = None
    category: str = ""
    decided_only: bool = False
    # Whose results: None for the public page (decided only) or a user (assessments.access rule).
    viewer: Any = None


def results(filters: ResultFilters) -> QuerySet[Score]:
    """Final verified scores of a period with their institution, and the self total alongside.

    `name_then` is the institution's name in that period (a later rename does not change it).
    """
    self_score = Score.objects.filter(assessment_id=OuterRef("assessment_id"), basis=ScoreBasis.SELF)
    name_then = PeriodInstitution.objects.filter(
        period_id=OuterRef("assessment__period_id"), institution_id=OuterRef("assessment__institution_id")
    )
    qs = (
        _final_scores([filters.period.pk])
        .select_related("assessment__institution__province", "assessment__period")
        .annotate(
            self_total=Subquery(self_score.values("total")[:1]),
            self_category=Subquery(self_score.values("category_name")[:1]),
            name_then=Coalesce(Subquery(name_then.values("name")[:1]), F("assessment__institution__name")),
        )
    )
    if filters.decided_only:
        qs = qs.filter(assessment__status=AssessmentStatus.DECIDED)
    if filters.viewer is not None:
        qs = qs.filter(results_visible_filter(filters.viewer))
    if filters.kind:
        qs = qs.filter(assessment__institution__kind=filters.kind)
    if filters.province is not None:
        qs = qs.filter(
            Q(assessment__institution__province_id=filters.province) | Q(assessment__institution_id=filters.province)
        )
    if filters.category:
        qs = qs.filter(category_code=filters.category)
    return qs.order_by("-total", "name_then")


def public_periods() -> list[Period]:
    """Periods with at least one decided result, newest first."""
    return [p for p in period_choices() if getattr(p, "decided_count", 0)]


# ---------------------------------------------------------------------------------------------
# Institution profile


def institution_history(*, institution: Institution) -> list[dict[str, Any]]:
    """Per period (oldest first): status, name then, instrument, self and final verified score (four
    queries)."""
    assessments = list(
        Assessment.objects.filter(institution=institution)
        .select_related("period__instrument")
        .order_by("period__self_assessment_opens", "period_id")
    )
    scores: dict[tuple[int, str], Score] = {
        (s.assessment_id, s.basis): s for s in Score.objects.filter(assessment__institution=institution)
    }
    # Fill the cache `assessments.access.is_assigned_verifier` reads: one query, not one per period.
    verifier_ids: dict[int, set[int]] = defaultdict(set)
    for assessment_id, user_id in Assessment.verifiers.through.objects.filter(
        assessment__institution=institution
    ).values_list("assessment_id", "user_id"):
        verifier_ids[assessment_id].add(user_id)
    for a in assessments:
        a._verifier_ids = verifier_ids.get(a.pk, set())  # type: ignore[attr-defined]  # a per-object cache attribute
    names = period_names(pairs=[(a.period_id, institution.pk) for a in assessments])
    history = []
    previous_instrument = None
    for a in assessments:
        verified = scores.get((a.pk, ScoreBasis.VERIFIED))
        instrument = a.period.instrument
        history.append(
            {
                "assessment": a,
                "period": a.period,
                # The name it had in that period (documents issued then carry it).
                "name": names.get((a.period_id, institution.pk), institution.name),
                "status": a.status,
                "decided": a.status == AssessmentStatus.DECIDED,
                "final": a.status in RESULT_STATUSES,
                "self": scores.get((a.pk, ScoreBasis.SELF)),
                "verified": verified if verified is not None and a.status in RESULT_STATUSES else None,
                "verified_any": verified,
                "instrument": instrument,
                # The instrument differs from the previous period's: values are on another scale
                # there, and only the index (value / maximum) compares across the change.
                "instrument_changed": previous_instrument is not None and previous_instrument != instrument.pk,
            }
        )
        previous_instrument = instrument.pk
    return history


def aspect_comparison(*, self_score: Score | None, verified_score: Score | None) -> list[dict[str, Any]]:
    """Per aspect: self and verified totals and % of the maximum, with the gap."""
    by_number: dict[int, dict[str, Any]] = {}
    for basis, s in (("self", self_score), ("verified", verified_score)):
        for entry in (s.aspect_totals if s else None) or []:
            row = by_number.setdefault(
                int(entry["number"]),
                {
                    "number": int(entry["number"]),
                    "name": entry["name"],
                    "max": Decimal(str(entry["max"])),
                    "self": None,
                    "verified": None,
                },
            )
            row[basis] = Decimal(str(entry["total"]))
    rows = []
    for number in sorted(by_number):
        row = by_number[number]
        maximum = row["max"]
        row["self_pct"] = row["self"] * 100 / maximum if row["self"] is not None and maximum else None
        row["verified_pct"] = row["verified"] * 100 / maximum if row["verified"] is not None and maximum else None
        row["gap"] = gap(row["self"], row["verified"])
        rows.append(row)
    return rows


def weakest_indicators(*, assessment: Assessment, basis: str, limit: int = 5) -> list[dict[str, Any]]:
    """The indicators that lose the most points on the given basis (one query)."""
    from assessments.domain.scoring import indicator_value

    fractions = level_scale(instrument_id=assessment.period.instrument_id).fractions()
    field_name = "verified_level" if basis == ScoreBasis.VERIFIED else "self_level"
    rows = []
    for answer in Answer.objects.filter(assessment=assessment).select_related("indicator__aspect"):
        level = getattr(answer, field_name)
        maximum = answer.indicator.max_score
        lost = maximum - indicator_value(maximum, level, fractions)
        rows.append({"indicator": answer.indicator, "level": level, "max": maximum, "lost": lost})
    rows.sort(key=lambda r: (-r["lost"], r["indicator"].aspect.number, r["indicator"].position, r["indicator"].code))
    return [r for r in rows if r["lost"] > 0][:limit]


def institution_counts_by_group() -> dict[str, int]:
    """Today's register per target group (each institution's group is data, not its kind)."""
    out = dict.fromkeys(InstitutionGroup.values, 0)
    for kind, group, n in (
        Institution.objects.filter(active=True, separately_assessed=True)
        .values_list("kind", "target_group")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[group_of(kind, group)] += n
    return out


def target_table() -> list[dict[str, Any]]:
    """Targets per instrument and year (the periods' years and every year with a row), newest
    first; a cell without a row is None: no target set."""
    from assessments.models import Instrument

    targets = targets_map()
    period_years = set(Period.objects.values_list("instrument_id", "self_assessment_opens__year").distinct())
    pairs = period_years | {(i, y) for i, _g, y in targets}
    names = dict(Instrument.objects.filter(pk__in={i for i, _y in pairs}).values_list("pk", "name"))
    return [
        {
            "instrument_id": instrument_id,
            "instrument": names.get(instrument_id, ""),
            "year": year,
            "cells": [
                {"group": g.value, "share": targets.get((instrument_id, g.value, year))} for g in InstitutionGroup
            ],
        }
        for instrument_id, year in sorted(pairs, key=lambda p: (-p[1], names.get(p[0], "")))
    ]
