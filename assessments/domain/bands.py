"""Category bands and what they grant: every rule reads a band's flags, never its name.

A band's flags are data on the instrument: it earns a charter, it counts toward the national
target, it grants the talent-management (JPT) privilege. Charters, dashboards, targets and
documents all ask these functions.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar


class BandLike(Protocol):
    """A band row or a `BandSpec`: read-only attributes."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def min_score(self) -> Decimal: ...
    @property
    def earns_charter(self) -> bool: ...
    @property
    def counts_for_target(self) -> bool: ...
    @property
    def grants_jpt(self) -> bool: ...


B = TypeVar("B", bound=BandLike)


def band_for(bands: Sequence[B], value: Decimal) -> B:
    """The band with the highest minimum not above the exact value (the lowest band if none)."""
    ordered = sorted(bands, key=lambda b: b.min_score)
    chosen = ordered[0]
    for band in ordered:
        if band.min_score <= value:
            chosen = band
    return chosen


def charter_bands(bands: Iterable[B]) -> list[B]:
    return sorted((b for b in bands if b.earns_charter), key=lambda b: b.min_score)


def target_bands(bands: Iterable[B]) -> list[B]:
    return sorted((b for b in bands if b.counts_for_target), key=lambda b: b.min_score)


def band_codes(bands: Iterable[BandLike], flag: str) -> frozenset[str]:
    """The codes of the bands with `flag` set (earns_charter, counts_for_target or grants_jpt)."""
    return frozenset(b.code for b in bands if getattr(b, flag))


def flag_problems(bands: Sequence[BandLike]) -> list[str]:
    """Which flags are incoherent: a flag must cover a contiguous run of bands up to the top.

    A better value must never lose what a worse one earns, so each flag, if set anywhere, holds
    for every band above the lowest band that has it. Returns the names of the broken flags.
    """
    ordered = sorted(bands, key=lambda b: b.min_score)
    broken = []
    for flag in ("earns_charter", "counts_for_target", "grants_jpt"):
        marks = [bool(getattr(b, flag)) for b in ordered]
        if True in marks and not all(marks[marks.index(True) :]):
            broken.append(flag)
    return broken
