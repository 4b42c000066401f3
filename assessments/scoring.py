"""The scoring rule: the only place where the arithmetic of a score exists.

Pure: no database. Callers turn an instrument into an `InstrumentSpec` (see
`assessments.selectors.instrument_spec`) and pass the levels they have.

- Indicator value = indicator max × level / 4. Levels are 1..4; a verifier may set 0 ("not
  evidenced"), worth 0. An unanswered indicator counts 0 and is reported as missing.
- Aspect total = sum of its indicator values; total = sum of aspect totals.
- Category = the band with the highest min score not above the total.
- Index = total / instrument maximum.
All arithmetic is exact Decimal.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

LEVEL_MIN = 0
LEVEL_MAX = 4
_FOUR = Decimal(4)
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


@dataclass(frozen=True)
class AspectResult:
    number: int
    name: str
    total: Decimal
    max_score: Decimal

    @property
    def percent(self) -> Decimal:
        return (self.total * 100 / self.max_score) if self.max_score else Decimal(0)


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
        return Decimal(0)
    if isinstance(level, bool) or not isinstance(level, int) or not LEVEL_MIN <= level <= LEVEL_MAX:
        raise ValueError(f"level must be an integer from {LEVEL_MIN} to {LEVEL_MAX}, got {level!r}")
    return max_score * level / _FOUR


def category_for(bands: Sequence[BandSpec], total: Decimal) -> BandSpec:
    """The band with the highest min score not above the total (the lowest band if none)."""
    chosen = bands[0]
    for band in bands:
        if band.min_score <= total:
            chosen = band
    return chosen


def score(spec: InstrumentSpec, levels: Mapping[str, int | None]) -> ScoreResult:
    """Score one set of levels (indicator code → level or None) against an instrument."""
    aspects: list[AspectResult] = []
    missing: list[str] = []
    for aspect in spec.aspects:
        subtotal = Decimal(0)
        for indicator in aspect.indicators:
            level = levels.get(indicator.code)
            if level is None:
                missing.append(indicator.code)
            subtotal += indicator_value(indicator.max_score, level)
        aspects.append(AspectResult(aspect.number, aspect.name, subtotal, aspect.max_score))
    total = sum((a.total for a in aspects), Decimal(0))
    category = category_for(spec.bands, total)
    higher = [b for b in spec.bands if b.min_score > total]
    next_category = NextCategory(higher[0].code, higher[0].name, higher[0].min_score - total) if higher else None
    index = (total / spec.max_score).quantize(INDEX_QUANTUM) if spec.max_score else Decimal(0)
    return ScoreResult(
        total=total,
        max_score=spec.max_score,
        index=index,
        category=category,
        aspects=tuple(aspects),
        missing=tuple(missing),
        next_category=next_category,
    )
