"""The survey's arithmetic, pure (no database): the minimum sample, item scores, the value and
the quality flags.

- Minimum sample (Slovin): n = N / (1 + N·e²), rounded up, at margin e (5 % by default).
- An answer on a scale of points 1..p scores (a − 1) / (p − 1), from 0 to 1; a reverse-scored
  item scores 1 minus that.
- A dimension's value = Σ item weight × item mean / Σ item weight; the survey value =
  Σ dimension weight × dimension value / Σ dimension weight (0 to 1). Exact Decimal.
- Flags: too fast (answering took less than the questionnaire's minimum), straight-lined (every
  answer on the same point, with at least three items).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

SLOVIN_MARGIN = Decimal("0.05")
STRAIGHT_LINE_MIN_ITEMS = 3


def slovin(population: int, margin: Decimal = SLOVIN_MARGIN) -> int:
    """The minimum sample for a population at the given margin of error (never above N)."""
    if population <= 0:
        return 0
    n = Decimal(population) / (1 + Decimal(population) * margin * margin)
    return min(population, math.ceil(n))


@dataclass(frozen=True)
class ItemSpec:
    code: str
    dimension: str
    weight: Decimal
    reverse: bool


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    weight: Decimal


@dataclass(frozen=True)
class QuestionnaireSpec:
    points: int
    dimensions: tuple[DimensionSpec, ...]
    items: tuple[ItemSpec, ...]


def item_score(answer: int, *, points: int, reverse: bool) -> Decimal:
    score = Decimal(answer - 1) / Decimal(points - 1)
    return 1 - score if reverse else score


@dataclass
class Totals:
    """Running sums of raw answers per item (what aggregation reads from the responses)."""

    sums: dict[str, int]
    counts: dict[str, int]
    responses: int = 0

    @classmethod
    def empty(cls) -> "Totals":
        return cls(sums={}, counts={})

    def add(self, answers: Mapping[str, int]) -> None:
        self.responses += 1
        for code, value in answers.items():
            self.sums[code] = self.sums.get(code, 0) + value
            self.counts[code] = self.counts.get(code, 0) + 1


@dataclass(frozen=True)
class SurveyValue:
    value: Decimal | None
    dimensions: dict[str, Decimal | None]


def survey_value(spec: QuestionnaireSpec, totals: Totals) -> SurveyValue:
    """The value (0..1) and each dimension's value from the sums of raw answers; None where no answer."""
    span = Decimal(spec.points - 1)
    dims: dict[str, Decimal | None] = {}
    for dimension in spec.dimensions:
        weighted = Decimal(0)
        weights = Decimal(0)
        for item in spec.items:
            if item.dimension != dimension.code or not totals.counts.get(item.code):
                continue
            # Mean of (a − 1)/(p − 1) over answers = (Σa/n − 1)/(p − 1): exact from the sums.
            mean = (Decimal(totals.sums[item.code]) / totals.counts[item.code] - 1) / span
            weighted += item.weight * (1 - mean if item.reverse else mean)
            weights += item.weight
        dims[dimension.code] = weighted / weights if weights else None
    present = [(d.weight, dims[d.code]) for d in spec.dimensions if dims[d.code] is not None]
    total_weight = sum((w for w, _v in present), Decimal(0))
    if not present or not total_weight:
        return SurveyValue(value=None, dimensions=dims)
    value = sum((w * v for w, v in present if v is not None), Decimal(0)) / total_weight
    return SurveyValue(value=value, dimensions=dims)


def enough_respondents(counted: int, minimum: int) -> bool:
    """Whether a figure resting on `counted` responses may be shown: at least the questionnaire's
    minimum of respondents, so no answer can be traced to a person. Below it a figure reads
    "fewer than n" on every page, export and document."""
    return counted >= minimum


def sample_ready(*, counted: int, minimum: int, sample_target: int, shortfall_accepted: bool) -> bool:
    """Whether the survey's value counts in the index: the counted responses reach the sample
    target, or an admin accepted a shortfall; in both cases at least the questionnaire's minimum
    of respondents answered."""
    return enough_respondents(counted, minimum) and (counted >= sample_target or shortfall_accepted)


def straight_lined(values: Sequence[int]) -> bool:
    return len(values) >= STRAIGHT_LINE_MIN_ITEMS and len(set(values)) == 1


def too_fast(duration_seconds: int, *, min_seconds: int) -> bool:
    return duration_seconds < min_seconds
