"""The good-band rule: one answer for charters, dashboards and targets."""

from decimal import Decimal

import pytest

from assessments.domain.bands import good_band_minimum, is_good
from assessments.models import CategoryBand, Instrument
from certificates.selectors import certificate_threshold
from dashboards.selectors import bands_of

FOUR = [("D", "Buruk", "0"), ("C", "Kurang", "175"), ("B", "Baik", "250"), ("A", "Sangat Baik", "325")]
FIVE = [
    ("1", "Dasar", "0"),
    ("2", "Lanjutan", "0.41"),
    ("3", "Menengah", "0.61"),
    ("4", "Tinggi", "0.81"),
    ("5", "Maju", "1"),
]


def _bands(rows):
    return [CategoryBand(code=c, name=n, min_score=Decimal(m)) for c, n, m in rows]


def test_baik_and_every_band_above_it_are_good():
    assert good_band_minimum(_bands(FOUR)) == Decimal(250)
    assert is_good(Decimal("250"), _bands(FOUR))
    assert not is_good(Decimal("249.99"), _bands(FOUR))


def test_without_a_band_named_baik_the_top_two_are_good():
    assert good_band_minimum(_bands(FIVE)) == Decimal("0.81")
    assert good_band_minimum([]) is None


@pytest.mark.django_db
def test_charters_and_the_dashboard_agree_on_a_five_band_instrument():
    instrument = Instrument.objects.create(code="FIVE", name="Five bands")
    for band in _bands(FIVE):
        band.instrument = instrument
        band.save()
    dashboard_good = {b.code for b in bands_of(instrument.pk, instrument.bands.all()) if b.good}
    threshold = certificate_threshold(instrument=instrument)
    charter_good = {b.code for b in instrument.bands.all() if b.min_score >= threshold}
    assert dashboard_good == charter_good == {"4", "5"}
