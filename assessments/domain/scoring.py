"""The scoring rule: the only place where the arithmetic of a score exists.

Pure: no database. Callers turn an instrument into an `InstrumentSpec` (see
`assessments.selectors.instrument_spec`) and pass the levels they have.

- Indicator value = indicator max × level / LEVEL_MAX (`domain.levels`: 1..4 are quarters; a
  verifier may set 0, "not evidenced", worth 0). An unanswered indicator counts 0 and is reported as missing.
- Aspect total = sum of its indicator values; total = sum of aspect totals.
- Category = the band with the highest min score not above the total.
- Index = total / instrument maximum, rounded half up to four places (shown with two).
- Gap = verified − self, per aspect and overall (`compare`).
All arithmetic is exact Decimal: no float ever enters. A total is exact to the quarter of the
smallest indicator maximum's unit (12,5 × 1/4 = 3,125), so stored totals keep four places.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assessments.domain.levels import LEVEL_MAX, LEVEL_MIN

_ZERO = Decimal(0)
# Each level is worth level / LEVEL_MAX of the indicator (1..4 are quarters); kept as a division,
# not a multiplication by a fraction, so stored totals keep the exponent they always had.
_TOP = Decimal(LEVEL_MAX)
INDEX_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class BandSpec:
    code: str
    name: str
    min_score: Decimal


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    max_score: Decimal


@dataclass(frozen=True)
class AspectSpec:
    number: int
    name: str
    max_score: Decimal
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True)
class InstrumentSpec:
    max_score: Decimal
    bands: tuple[BandSpec, ...]
    aspects: tuple[AspectSpec, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise ValueError("an instrument needs at least one category band")
        object.__setattr__(self, "bands", tuple(sorted(self.bands, key=lambda b: b.min_score)))
        codes = [i.code for a in self.aspects for i in a.indicators]
        if len(codes) != len(set(codes)):
            raise ValueError("indicator codes must be unique within an instrument")
        object.__setattr__(self, "_codes", frozenset(codes))
        object.__setattr__(self, "_order", tuple(codes))
        # Each indicator's value at levels 0..4, computed once by `indicator_value`: scoring a
        # whole period then only looks values up and adds them.
        values = tuple(
            tuple(
                (
                    i.code,
                    i.max_score,
                    tuple(indicator_value(i.max_score, lv) for lv in range(LEVEL_MIN, LEVEL_MAX + 1)),
                )
                for i in a.indicators
            )
            for a in self.aspects
        )
        object.__setattr__(self, "_values", values)
        # Per aspect: its slice of the levels in `indicator_order`, and a memo of the results
        # already computed for a given slice (a period repeats the same few combinations per
        # aspect many times). Per total: index, category and next category.
        plan: list[tuple[Any, ...]] = []
        start = 0
        for aspect, aspect_values in zip(self.aspects, values, strict=True):
            plan.append((aspect, start, start + len(aspect_values), aspect_values, {}))
            start += len(aspect_values)
        object.__setattr__(self, "_plan", tuple(plan))
        object.__setattr__(self, "_summaries", {})

    @property
    def indicator_codes(self) -> frozenset[str]:
        return self._codes  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)

    @property
    def indicator_order(self) -> tuple[str, ...]:
        """Every indicator code, aspect by aspect: the order `score_sequence` expects."""
        return self._order  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)


@dataclass(frozen=True)
class AspectResult:
    number: int
    name: str
    total: Decimal
    max_score: Decimal

    @property
    def percent(self) -> Decimal:
        return (self.total * 100 / self.max_score) if self.max_score else _ZERO


@dataclass(frozen=True)
class NextCategory:
    code: str
    name: str
    points_needed: Decimal


@dataclass(frozen=True)
class ScoreResult:
    total: Decimal
    max_score: Decimal
    index: Decimal
    category: BandSpec
    aspects: tuple[AspectResult, ...]
    missing: tuple[str, ...] = field(default=())
    next_category: NextCategory | None = None


def indicator_value(max_score: Decimal, level: int | None) -> Decimal:
    if level is None:
        return _ZERO
    if isinstance(level, bool) or not isinstance(level, int) or not LEVEL_MIN <= level <= LEVEL_MAX:
        raise ValueError(f"level must be an integer from {LEVEL_MIN} to {LEVEL_MAX}, got {level!r}")
    return max_score * level / _TOP


def category_for(bands: Sequence[BandSpec], total: Decimal) -> BandSpec:
    """The band with the highest min score not above the total (the lowest band if none)."""
    chosen = bands[0]
    for band in bands:
        if band.min_score <= total:
            chosen = band
    return chosen


def next_category_for(bands: Sequence[BandSpec], total: Decimal) -> NextCategory | None:
    """The next band up and the points still needed to reach it; None at the top band."""
    for band in sorted(bands, key=lambda b: b.min_score):
        if band.min_score > total:
            return NextCategory(band.code, band.name, band.min_score - total)
    return None


def index_for(total: Decimal, max_score: Decimal) -> Decimal:
    return (total / max_score).quantize(INDEX_QUANTUM, rounding=ROUND_HALF_UP) if max_score else _ZERO


def summarise(
    *,
    max_score: Decimal,
    bands: Sequence[BandSpec],
    aspects: Sequence[AspectResult],
    missing: Sequence[str] = (),
) -> ScoreResult:
    """Total, index, category and next category from per-aspect totals.

    `score` ends here; selectors also call it to rebuild a result from a stored Score row.
    """
    ordered = tuple(sorted(bands, key=lambda b: b.min_score))
    total = _ZERO
    for aspect in aspects:
        total += aspect.total
    return ScoreResult(
        total=total,
        max_score=max_score,
        index=index_for(total, max_score),
        category=category_for(ordered, total),
        aspects=tuple(aspects),
        missing=tuple(missing),
        next_category=next_category_for(ordered, total),
    )


def score(spec: InstrumentSpec, levels: Mapping[str, int | None]) -> ScoreResult:
    """Score one set of levels (indicator code → level or None) against an instrument.

    Raises ValueError for a level outside 0..4 or a code that is not one of the instrument's.
    """
    unknown = levels.keys() - spec.indicator_codes
    if unknown:
        raise ValueError(f"unknown indicator codes: {sorted(unknown)}")
    return score_sequence(spec, [levels.get(code) for code in spec.indicator_order])


_PLAIN_LEVEL_TYPES = frozenset({int, type(None)})
# How many distinct level combinations one aspect remembers (a bound, never reached in practice).
_MEMO_LIMIT = 100_000


def score_sequence(spec: InstrumentSpec, levels: Sequence[int | None]) -> ScoreResult:
    """Score levels given in `spec.indicator_order` (None where unanswered); same rules as `score`.

    For callers that score many assessments of one instrument: no mapping to build, and each
    aspect's result is computed once per distinct combination of its levels and then reused.
    Raises ValueError for a level outside 0..4 or a sequence of the wrong length.
    """
    if len(levels) != len(spec.indicator_order):
        raise ValueError(f"expected {len(spec.indicator_order)} levels, got {len(levels)}")
    if not _PLAIN_LEVEL_TYPES.issuperset(map(type, levels)):
        # int subclasses count as their value; anything else (bool, float, Decimal, str) raises.
        levels = tuple(_plain_level(lv) for lv in levels)
    elif type(levels) is not tuple:
        levels = tuple(levels)
    aspects: list[AspectResult] = []
    missing: list[str] = []
    total = _ZERO
    for aspect, start, end, values, memo in spec._plan:  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)
        key = levels[start:end]
        part = memo.get(key)
        if part is None:
            part = _aspect_part(aspect, values, key)
            if len(memo) < _MEMO_LIMIT:
                memo[key] = part
        result, gaps = part
        aspects.append(result)
        total += result.total
        if gaps:
            missing.extend(gaps)
    summary = spec._summaries.get(total)  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)
    if summary is None:
        summary = spec._summaries[total] = (  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)
            index_for(total, spec.max_score),
            category_for(spec.bands, total),
            next_category_for(spec.bands, total),
        )
    index, category, next_category = summary
    return ScoreResult(
        total=total,
        max_score=spec.max_score,
        index=index,
        category=category,
        aspects=tuple(aspects),
        missing=tuple(missing),
        next_category=next_category,
    )


def _plain_level(level: int | None) -> int | None:
    """An int subclass as a plain int; raises the usual ValueError for a bool or a non-integer."""
    if level is None or type(level) is int:
        return level
    indicator_value(_ZERO, level)  # raises unless an int (not bool) from 0 to 4
    return int(level)


def _aspect_part(
    aspect: AspectSpec, values: tuple[tuple[str, Decimal, tuple[Decimal, ...]], ...], levels: tuple[int | None, ...]
) -> tuple[AspectResult, tuple[str, ...]]:
    """One aspect's result and its unanswered codes (the arithmetic of `indicator_value`)."""
    subtotal = _ZERO
    missing = []
    for (code, max_score, by_level), level in zip(values, levels, strict=True):
        if level is None:
            missing.append(code)
        elif LEVEL_MIN <= level <= LEVEL_MAX:
            subtotal += by_level[level]
        else:
            subtotal += indicator_value(max_score, level)  # raises
    return AspectResult(aspect.number, aspect.name, subtotal, aspect.max_score), tuple(missing)


def gap(self_total: Decimal | None, verified_total: Decimal | None) -> Decimal | None:
    """Verified − self: negative when the verifier found less than the institution claimed.

    The one definition of the gap shown to institutions, verifiers and on the profile."""
    if self_total is None or verified_total is None:
        return None
    return verified_total - self_total


@dataclass(frozen=True)
class AspectGap:
    number: int
    name: str
    max_score: Decimal
    self_total: Decimal | None
    verified_total: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        return gap(self.self_total, self.verified_total)


@dataclass(frozen=True)
class Comparison:
    self_result: ScoreResult | None
    verified_result: ScoreResult | None
    aspects: tuple[AspectGap, ...]

    @property
    def gap(self) -> Decimal | None:
        return gap(
            self.self_result.total if self.self_result else None,
            self.verified_result.total if self.verified_result else None,
        )


def compare(self_result: ScoreResult | None, verified_result: ScoreResult | None) -> Comparison:
    """Self and verified side by side, aspect by aspect (matched on the aspect number)."""
    self_by = {a.number: a for a in self_result.aspects} if self_result else {}
    verified_by = {a.number: a for a in verified_result.aspects} if verified_result else {}
    aspects = []
    for number in sorted(self_by.keys() | verified_by.keys()):
        mine, theirs = self_by.get(number), verified_by.get(number)
        reference = mine or theirs
        assert reference is not None
        aspects.append(
            AspectGap(
                number=number,
                name=reference.name,
                max_score=reference.max_score,
                self_total=mine.total if mine else None,
                verified_total=theirs.total if theirs else None,
            )
        )
    return Comparison(self_result=self_result, verified_result=verified_result, aspects=tuple(aspects))


def difference(result: ScoreResult, baseline: ScoreResult) -> Decimal:
    """How far a result is above (positive) or below (negative) a baseline."""
    return result.total - baseline.total
