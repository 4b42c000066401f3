"""Which category bands count as good ("Baik or better"): the one rule charters, dashboards and
targets share.

The band named Baik and every band above it are good. An instrument with no band of that name
counts its top two bands as good. (A later instrument model makes this a flag on each band.)
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

GOOD_BAND_NAME = "baik"


class BandLike(Protocol):
    name: str
    min_score: Decimal


def good_band_minimum(bands: Iterable[BandLike]) -> Decimal | None:
    """The lowest total in a good band, or None for an instrument without bands."""
    ordered = sorted(bands, key=lambda b: b.min_score)
    if not ordered:
        return None
    for band in ordered:
        if band.name.strip().lower() == GOOD_BAND_NAME:
            return band.min_score
    return ordered[-2].min_score if len(ordered) >= 2 else ordered[-1].min_score


def is_good(total: Decimal, bands: Iterable[BandLike]) -> bool:
    minimum = good_band_minimum(bands)
    return minimum is not None and total >= minimum
