"""Reads for scores: stored self and verified scores side by side, the simulator's inputs.

Stored Score rows are the truth shown to people (computed by the tasks); a row is rebuilt into
a `ScoreResult` through `scoring.summarise`, so category, index, next category and gap come
from the one scoring module and never from templates or views.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier
from assessments import access
from assessments.domain.levels import LevelScale
from assessments.domain.scoring import (
    MATURITY,
    AspectResult,
    BandSpec,
    Comparison,
    ComponentSpec,
    InstrumentSpec,
    ScoreResult,
    compare,
    summarise,
)
from assessments.instrument.selectors import band_spec, component_values, instrument_spec, instrument_tree, level_scale
from assessments.models import Aspect, Assessment, Instrument, Score, ScoreBasis


@dataclass(frozen=True)
class StoredScore:
    basis: str
    result: ScoreResult
    # The assessment's status when read: the badge asks domain/standing.py, not the stored flag.
    status: str
    computed_at: dt.datetime
    missing_count: int
    # Computed before the last answer change: a newer score is on its way (or the sweep's).
    is_stale: bool


@dataclass(frozen=True)
class ScoreComparison:
    assessment: Assessment
    self_score: StoredScore | None
    verified_score: StoredScore | None
    verified_hidden: bool
    comparison: Comparison


def _bands(assessment: Assessment) -> list[BandSpec]:
    return [band_spec(b) for b in assessment.period.instrument.bands.all()]


def _decimal(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def stored_result(*, row: Score, bands: list[BandSpec], instrument: Instrument) -> ScoreResult:
    """A stored Score row rebuilt into the result the scoring function gave (no query)."""
    aspects = [
        AspectResult(int(a["number"]), str(a["name"]), Decimal(a["total"]), Decimal(a["max"]))
        for a in row.aspect_totals
    ]
    label, places = instrument.result_label, instrument.result_decimals
    entries = row.components or []
    if not entries:
        return summarise(max_score=instrument.max_score, bands=bands, aspects=aspects, label=label, places=places)
    components = [
        ComponentSpec(str(c["code"]), str(c["kind"]), str(c["name"]), Decimal(c["weight"]), _decimal(c.get("cap")))
        for c in entries
    ]
    stored = {str(c["code"]): _decimal(c["value"]) for c in entries if c["kind"] != MATURITY}
    return summarise(
        max_score=instrument.max_score,
        bands=bands,
        aspects=aspects,
        components=components,
        stored=stored,
        label=label,
        places=places,
    )


def stored_score(
    *, row: Score, bands: list[BandSpec], instrument: Instrument, answers_changed_at: Any, status: str
) -> StoredScore:
    return StoredScore(
        basis=row.basis,
        result=stored_result(row=row, bands=bands, instrument=instrument),
        status=status,
        computed_at=row.computed_at,
        missing_count=row.missing_count,
        is_stale=bool(answers_changed_at and row.computed_at < answers_changed_at),
    )


def score_comparison(*, assessment: Assessment, show_verified: bool) -> ScoreComparison:
    """Self and verified scores of one assessment with per-aspect gaps (two queries).

    `show_verified` comes from `access.can_see_verified_levels`; when False the verified score
    is neither read nor returned.
    """
    bases = [ScoreBasis.SELF, ScoreBasis.VERIFIED] if show_verified else [ScoreBasis.SELF]
    rows = {s.basis: s for s in Score.objects.filter(assessment=assessment, basis__in=bases)}
    bands = _bands(assessment)
    instrument = assessment.period.instrument
    scores = {
        basis: stored_score(
            row=row,
            bands=bands,
            instrument=instrument,
            answers_changed_at=assessment.answers_changed_at,
            status=assessment.status,
        )
        for basis, row in rows.items()
    }
    self_score = scores.get(ScoreBasis.SELF)
    verified_score = scores.get(ScoreBasis.VERIFIED)
    return ScoreComparison(
        assessment=assessment,
        self_score=self_score,
        verified_score=verified_score,
        verified_hidden=not show_verified,
        comparison=compare(
            self_score.result if self_score else None, verified_score.result if verified_score else None
        ),
    )


@dataclass(frozen=True)
class ScoreListRow:
    assessment: Assessment
    self_total: Decimal | None
    self_category: str
    verified_total: Decimal | None
    verified_category: str
    verified_hidden: bool


def score_list_for_user(*, user: AnyUser, page: Any = 1, per_page: int = 50) -> tuple[Page, list[ScoreListRow]]:
    """The assessments the user may see, with their stored totals (three queries per page)."""
    qs = access.assessments_visible_to(user).order_by("-period__self_assessment_opens", "institution__name")
    paginator = Paginator(qs.prefetch_related(Prefetch("scores", queryset=Score.objects.all())), per_page)
    page_obj = paginator.get_page(page)
    # Admins see everything and a verifier's list holds only their assigned assessments, so
    # both may see verified totals; institution users are asked row by row (no query: their
    # membership is cached and the period is already joined).
    oversight = is_admin(user) or is_verifier(user)
    rows = []
    for assessment in page_obj.object_list:
        by_basis = {s.basis: s for s in assessment.scores.all()}
        mine, theirs = by_basis.get(ScoreBasis.SELF), by_basis.get(ScoreBasis.VERIFIED)
        hidden = not (oversight or access.can_see_verified_levels(user, assessment))
        rows.append(
            ScoreListRow(
                assessment=assessment,
                self_total=mine.total if mine else None,
                self_category=mine.category_name if mine else "",
                verified_total=theirs.total if theirs and not hidden else None,
                verified_category=theirs.category_name if theirs and not hidden else "",
                verified_hidden=hidden,
            )
        )
    return page_obj, rows


@dataclass(frozen=True)
class SimulatorData:
    aspects: list[Aspect]
    spec: InstrumentSpec
    scale: LevelScale
    current_levels: dict[str, int | None]
    stored: dict[str, Decimal]


def simulator_data(*, assessment: Assessment) -> SimulatorData:
    """The instrument tree for the form, its scoring spec and the current self levels."""
    instrument = assessment.period.instrument
    return SimulatorData(
        aspects=instrument_tree(instrument=instrument),
        spec=instrument_spec(instrument=instrument),
        scale=level_scale(instrument_id=instrument.pk),
        current_levels=dict(assessment.answers.values_list("indicator__code", "self_level")),
        stored=component_values(assessment_id=assessment.pk),
    )
