"""The scoring rule: the only place where the arithmetic of a score exists.

Pure: no database. Callers turn an instrument into an `InstrumentSpec` (see
`assessments.instrument.selectors.instrument_spec`) and pass the levels they have.

- Indicator value = indicator weight × the fraction its level is worth on the instrument's
  scale (`InstrumentSpec.fractions`; the verifier's "not evidenced", level 0, is worth 0). An
  unanswered indicator counts 0 and is reported as missing.
- Aspect value = sum of its indicator values; the maturity value = sum of the aspect values
  (on the result scale: the indicator weights add up to the instrument's maximum).
- Final value = Σ component weight × component value: the maturity component, and any other
  component (a staff survey) whose value is stored per assessment; a bonus component adds its
  value capped at its cap (none entered counts 0). A survey without a value is reported as
  pending, and the final value then holds only the components present.
- Category = the band with the highest minimum not above the exact final value.
- Index = final value / instrument maximum (exact; 0–1 for the maximum, above 1 with a bonus).
- Gap = verified − self, per aspect and overall (`compare`).
All arithmetic is exact Decimal: no float ever enters, nothing is rounded before the category is
chosen; display rounding (always down, see core.formatting) cannot contradict the band.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from assessments.domain.levels import NOT_EVIDENCED

_ZERO = Decimal(0)
_ONE = Decimal(1)
# The stored precision of a total and an index (ten places; publishing checks every indicator's
# value fits, so a stored figure is the exact one).
STORED_QUANTUM = Decimal("1e-10")

MATURITY = "maturity"
SURVEY = "survey"
BONUS = "bonus"
COMPONENT_KINDS = (MATURITY, SURVEY, BONUS)


@dataclass(frozen=True)
class BandSpec:
    code: str
    name: str
    min_score: Decimal
    earns_charter: bool = False
    counts_for_target: bool = False
    grants_jpt: bool = False


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
class ComponentSpec:
    code: str
    kind: str
    name: str
    weight: Decimal
    cap: Decimal | None = None


_MATURITY_ALONE = (ComponentSpec(MATURITY, MATURITY, "", _ONE),)


@dataclass(frozen=True)
class InstrumentSpec:
    max_score: Decimal
    bands: tuple[BandSpec, ...]
    aspects: tuple[AspectSpec, ...]
    # Level → fraction of an indicator's weight; "not evidenced" (0) is added worth 0.
    fractions: Mapping[int, Decimal]
    components: tuple[ComponentSpec, ...] = _MATURITY_ALONE
    # How the final value is named and how many decimals it is shown with.
    label: str = ""
    places: int = 2

    def __post_init__(self) -> None:
        if not self.bands:
            raise ValueError("an instrument needs at least one category band")
        object.__setattr__(self, "bands", tuple(sorted(self.bands, key=lambda b: b.min_score)))
        fractions = dict(self.fractions)
        fractions.setdefault(NOT_EVIDENCED, _ZERO)
        object.__setattr__(self, "fractions", fractions)
        if [c.kind for c in self.components].count(MATURITY) != 1:
            raise ValueError("an instrument needs exactly one maturity component")
        codes = [i.code for a in self.aspects for i in a.indicators]
        if len(codes) != len(set(codes)):
            raise ValueError("indicator codes must be unique within an instrument")
        object.__setattr__(self, "_codes", frozenset(codes))
        object.__setattr__(self, "_order", tuple(codes))
        # Each indicator's value at each level, computed once by `indicator_value`: scoring a
        # whole period then only looks values up and adds them.
        values = tuple(
            tuple(
                (i.code, i.max_score, {lv: indicator_value(i.max_score, lv, fractions) for lv in fractions})
                for i in a.indicators
            )
            for a in self.aspects
        )
        # Per aspect: its slice of the levels in `indicator_order`, and a memo of the results
        # already computed for a given slice (a period repeats the same few combinations per
        # aspect many times). Per final value: index, category and next category.
        plan: list[tuple[Any, ...]] = []
        start = 0
        for aspect, aspect_values in zip(self.aspects, values, strict=True):
            plan.append((aspect, start, start + len(aspect_values), aspect_values, {}))
            start += len(aspect_values)
        object.__setattr__(self, "_plan", tuple(plan))
        object.__setattr__(self, "_summaries", {})
        # The maturity value is the final value when it is the only component, worth it whole.
        alone = len(self.components) == 1 and self.components[0].weight == _ONE
        object.__setattr__(self, "_maturity_alone", alone)

    @property
    def indicator_codes(self) -> frozenset[str]:
        return self._codes  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)

    @property
    def indicator_order(self) -> tuple[str, ...]:
        """Every indicator code, aspect by aspect: the order `score_sequence` expects."""
        return self._order  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)

    @property
    def stored_components(self) -> tuple[ComponentSpec, ...]:
        """The components whose value is stored per assessment (all but maturity)."""
        return tuple(c for c in self.components if c.kind != MATURITY)


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
class ComponentResult:
    code: str
    kind: str
    name: str
    weight: Decimal
    value: Decimal | None
    # weight × value (a bonus: weight × value capped); None while the value is pending.
    contribution: Decimal | None
    cap: Decimal | None = None


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
    components: tuple[ComponentResult, ...] = field(default=())
    label: str = ""
    places: int = 2

    @property
    def pending(self) -> tuple[ComponentResult, ...]:
        """Components still without a value: the final value is not complete."""
        return tuple(c for c in self.components if c.value is None)

    @property
    def maturity(self) -> Decimal:
        return sum((a.total for a in self.aspects), _ZERO)


def indicator_value(max_score: Decimal, level: int | None, fractions: Mapping[int, Decimal]) -> Decimal:
    if level is None:
        return _ZERO
    if isinstance(level, bool) or not isinstance(level, int) or level not in fractions:
        raise ValueError(f"level must be one of {sorted(fractions)}, got {level!r}")
    fraction = fractions[level]
    return max_score if fraction == _ONE else max_score * fraction


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
    """Final value / maximum, cut (never rounded up) at the stored precision."""
    return (total / max_score).quantize(STORED_QUANTUM, rounding=ROUND_DOWN) if max_score else _ZERO


def component_results(
    components: Sequence[ComponentSpec], maturity: Decimal, stored: Mapping[str, Decimal | None]
) -> tuple[tuple[ComponentResult, ...], Decimal]:
    """Each component's value and contribution, and the final value (the sum of contributions)."""
    results = []
    total = _ZERO
    for c in components:
        value = maturity if c.kind == MATURITY else stored.get(c.code)
        if value is None and c.kind == BONUS:
            value = _ZERO  # bonus points are optional: none entered counts as none earned
        contribution = None
        if value is not None:
            counted = min(value, c.cap) if c.cap is not None else value
            contribution = counted if c.weight == _ONE else c.weight * counted
            total += contribution
        results.append(ComponentResult(c.code, c.kind, c.name, c.weight, value, contribution, c.cap))
    return tuple(results), total


def summarise(
    *,
    max_score: Decimal,
    bands: Sequence[BandSpec],
    aspects: Sequence[AspectResult],
    missing: Sequence[str] = (),
    components: Sequence[ComponentSpec] = _MATURITY_ALONE,
    stored: Mapping[str, Decimal | None] | None = None,
    label: str = "",
    places: int = 2,
) -> ScoreResult:
    """Final value, index, category and next category from per-aspect totals and stored components.

    `score` ends here; selectors also call it to rebuild a result from a stored Score row.
    """
    ordered = tuple(sorted(bands, key=lambda b: b.min_score))
    maturity = _ZERO
    for aspect in aspects:
        maturity += aspect.total
    parts, total = component_results(components, maturity, stored or {})
    return ScoreResult(
        total=total,
        max_score=max_score,
        index=index_for(total, max_score),
        category=category_for(ordered, total),
        aspects=tuple(aspects),
        missing=tuple(missing),
        next_category=next_category_for(ordered, total),
        components=parts,
        label=label,
        places=places,
    )


def score(
    spec: InstrumentSpec, levels: Mapping[str, int | None], stored: Mapping[str, Decimal | None] | None = None
) -> ScoreResult:
    """Score one set of levels (indicator code → level or None) against an instrument.

    `stored` holds the values of the components other than maturity (component code → value,
    None or absent while pending). Raises ValueError for a level outside the instrument's scale
    or a code that is not one of the instrument's.
    """
    unknown = levels.keys() - spec.indicator_codes
    if unknown:
        raise ValueError(f"unknown indicator codes: {sorted(unknown)}")
    return score_sequence(spec, [levels.get(code) for code in spec.indicator_order], stored)


_PLAIN_LEVEL_TYPES = frozenset({int, type(None)})
# How many distinct level combinations one aspect remembers (a bound, never reached in practice).
_MEMO_LIMIT = 100_000


def score_sequence(
    spec: InstrumentSpec, levels: Sequence[int | None], stored: Mapping[str, Decimal | None] | None = None
) -> ScoreResult:
    """Score levels given in `spec.indicator_order` (None where unanswered); same rules as `score`.

    For callers that score many assessments of one instrument: no mapping to build, and each
    aspect's result is computed once per distinct combination of its levels and then reused.
    Raises ValueError for a level outside the scale or a sequence of the wrong length.
    """
    if len(levels) != len(spec.indicator_order):
        raise ValueError(f"expected {len(spec.indicator_order)} levels, got {len(levels)}")
    if not _PLAIN_LEVEL_TYPES.issuperset(map(type, levels)):
        # int subclasses count as their value; anything else (bool, float, Decimal, str) raises.
        levels = tuple(_plain_level(lv, spec.fractions) for lv in levels)
    elif type(levels) is not tuple:
        levels = tuple(levels)
    aspects: list[AspectResult] = []
    missing: list[str] = []
    maturity = _ZERO
    for aspect, start, end, values, memo in spec._plan:  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)
        key = levels[start:end]
        part = memo.get(key)
        if part is None:
            part = _aspect_part(aspect, values, key, spec.fractions)
            if len(memo) < _MEMO_LIMIT:
                memo[key] = part
        result, gaps = part
        aspects.append(result)
        maturity += result.total
        if gaps:
            missing.extend(gaps)
    components: tuple[ComponentResult, ...]
    if spec._maturity_alone:  # type: ignore[attr-defined]  # set in __post_init__ (frozen dataclass)
        only = spec.components[0]
        total = maturity
        components = (ComponentResult(only.code, only.kind, only.name, only.weight, maturity, maturity),)
    else:
        components, total = component_results(spec.components, maturity, stored or {})
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
        components=components,
        label=spec.label,
        places=spec.places,
    )


def _plain_level(level: int | None, fractions: Mapping[int, Decimal]) -> int | None:
    """An int subclass as a plain int; raises the usual ValueError for a bool or a non-integer."""
    if level is None or type(level) is int:
        return level
    indicator_value(_ZERO, level, fractions)  # raises unless an int (not bool) of the scale
    return int(level)


def _aspect_part(
    aspect: AspectSpec,
    values: tuple[tuple[str, Decimal, dict[int, Decimal]], ...],
    levels: tuple[int | None, ...],
    fractions: Mapping[int, Decimal],
) -> tuple[AspectResult, tuple[str, ...]]:
    """One aspect's result and its unanswered codes (the arithmetic of `indicator_value`)."""
    subtotal = _ZERO
    missing = []
    for (code, max_score, by_level), level in zip(values, levels, strict=True):
        if level is None:
            missing.append(code)
            continue
        value = by_level.get(level)
        subtotal += value if value is not None else indicator_value(max_score, level, fractions)  # raises
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
