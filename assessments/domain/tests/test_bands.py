"""Band flags are data: charters, dashboards and targets read them, never a band's name."""

from decimal import Decimal

import pytest

from assessments.domain.bands import band_codes, band_for, charter_bands, flag_problems, target_bands
from assessments.domain.scoring import BandSpec
from assessments.instrument.reference import reference_instrument_2025_ensure
from certificates.selectors import charter_band_names, charter_codes
from dashboards.selectors import bands_of

D = Decimal
FIVE = (
    BandSpec("1", "Dasar", D("0")),
    BandSpec("2", "Lanjutan", D("0.41")),
    BandSpec("3", "Menengah", D("0.61"), counts_for_target=True),
    BandSpec("4", "Tinggi", D("0.81"), earns_charter=True, counts_for_target=True, grants_jpt=True),
    BandSpec("5", "Maju", D("1.01"), earns_charter=True, counts_for_target=True, grants_jpt=True),
)


def test_flags_pick_the_bands_whatever_their_names():
    assert [b.name for b in charter_bands(FIVE)] == ["Tinggi", "Maju"]
    assert [b.name for b in target_bands(FIVE)] == ["Menengah", "Tinggi", "Maju"]
    assert band_codes(FIVE, "grants_jpt") == {"4", "5"}
    renamed = tuple(BandSpec(b.code, f"Band {b.code}", b.min_score, b.earns_charter) for b in FIVE)
    assert band_codes(renamed, "earns_charter") == {"4", "5"}


@pytest.mark.parametrize(
    ("value", "band"),
    [
        ("0", "Dasar"),
        ("0.405", "Dasar"),
        ("0.4099999999", "Dasar"),
        ("0.41", "Lanjutan"),
        ("1", "Tinggi"),
        ("1.01", "Maju"),
    ],
)
def test_band_for_compares_the_exact_value(value, band):
    assert band_for(FIVE, D(value)).name == band


def test_a_flag_with_a_hole_is_incoherent():
    holed = (
        BandSpec("1", "A", D("0")),
        BandSpec("2", "B", D("1"), earns_charter=True),
        BandSpec("3", "C", D("2")),
    )
    assert flag_problems(holed) == ["earns_charter"]
    assert flag_problems(FIVE) == []


@pytest.mark.django_db
def test_charters_and_the_dashboard_read_the_same_flags_on_the_2025_reference():
    instrument = reference_instrument_2025_ensure()
    dashboard_good = {b.code for b in bands_of(instrument.pk, instrument.bands.all()) if b.good}
    assert dashboard_good == {"3", "4", "5"}
    assert charter_codes(instrument=instrument) == {"4", "5"}
    assert charter_band_names(instrument=instrument) == ["Tinggi", "Maju"]
