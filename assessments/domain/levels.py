"""The level scale: which levels an answer may take and what each is worth.

Every instrument carries its own scale as data (`assessments.models.ScaleLevel`): the levels an
institution may claim, each with a name and the fraction of an indicator's weight it is worth,
and the lowest level that needs evidence. The verifier may also set "not evidenced", stored as
level 0 and worth nothing. Forms, services, imports and the score all read the scale through
`LevelScale`; no level number or count is written in code.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

# The verifier's "not evidenced": stored as level 0, worth nothing, whatever the scale.
NOT_EVIDENCED = 0
# The bounds any scale must keep (what the database columns and constraints accept).
SCALE_FLOOR = 0
SCALE_CEILING = 10
SCALE_MIN_COUNT = 2
SCALE_MAX_COUNT = 10


@dataclass(frozen=True)
class LevelChoice:
    """One level an indicator offers, as its answer form shows it."""

    level: int
    name: str
    descriptor: str
    needs_evidence: bool


@dataclass(frozen=True)
class ScaleStep:
    number: int
    name: str
    fraction: Decimal


@dataclass(frozen=True)
class LevelScale:
    """An instrument's levels, lowest first, and the lowest level that needs evidence."""

    steps: tuple[ScaleStep, ...]
    evidence_from: int

    @classmethod
    def of(cls, steps: Iterable[ScaleStep], *, evidence_from: int) -> "LevelScale":
        return cls(tuple(sorted(steps, key=lambda s: s.number)), evidence_from)

    @property
    def self_levels(self) -> tuple[int, ...]:
        """The levels an institution may claim."""
        return tuple(s.number for s in self.steps)

    @property
    def verified_levels(self) -> tuple[int, ...]:
        """The levels a verifier may set: "not evidenced" and every level of the scale."""
        levels = self.self_levels
        return levels if NOT_EVIDENCED in levels else (NOT_EVIDENCED, *levels)

    @property
    def lowest(self) -> int:
        return self.steps[0].number

    @property
    def highest(self) -> int:
        return self.steps[-1].number

    def fractions(self) -> dict[int, Decimal]:
        """Level → fraction of the indicator's weight; "not evidenced" is worth 0."""
        worth = {s.number: s.fraction for s in self.steps}
        worth.setdefault(NOT_EVIDENCED, Decimal(0))
        return worth

    def name_of(self, level: int | None) -> str:
        for step in self.steps:
            if step.number == level:
                return step.name
        return ""

    def needs_evidence(self, level: int | None) -> bool:
        return level is not None and level >= self.evidence_from

    def choices(self, descriptors: Iterable[tuple[int, str]]) -> tuple[LevelChoice, ...]:
        """An indicator's (level, descriptor) pairs with the scale's name and evidence rule beside each."""
        return tuple(
            LevelChoice(level, self.name_of(level), descriptor, self.needs_evidence(level))
            for level, descriptor in descriptors
        )

    def problems(self) -> list[tuple[str, dict[str, object]]]:
        """What is wrong with the scale, as (message, parameters) pairs for the caller to translate."""
        found: list[tuple[str, dict[str, object]]] = []
        numbers = [s.number for s in self.steps]
        if not SCALE_MIN_COUNT <= len(numbers) <= SCALE_MAX_COUNT:
            found.append(("count", {"count": len(numbers), "min": SCALE_MIN_COUNT, "max": SCALE_MAX_COUNT}))
        if len(set(numbers)) != len(numbers):
            found.append(("duplicate", {}))
        if any(not SCALE_FLOOR <= n <= SCALE_CEILING for n in numbers):
            found.append(("range", {"min": SCALE_FLOOR, "max": SCALE_CEILING}))
        fractions = [s.fraction for s in self.steps]
        if any(not Decimal(0) <= f <= Decimal(1) for f in fractions) or any(
            a >= b for a, b in zip(fractions, fractions[1:], strict=False)
        ):
            found.append(("fractions", {}))
        if fractions and fractions[-1] != Decimal(1):
            found.append(("top", {}))
        if NOT_EVIDENCED in numbers and fractions and fractions[0] != Decimal(0):
            found.append(("zero", {}))
        if numbers and self.evidence_from not in numbers:
            found.append(("evidence", {}))
        return found
