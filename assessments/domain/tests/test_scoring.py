"""The pure scoring function: exact totals computed by hand, every band boundary."""

from decimal import Decimal as D

import pytest

from assessments.domain.scoring import (
    AspectSpec,
    BandSpec,
    IndicatorSpec,
    InstrumentSpec,
    compare,
    difference,
    score,
)

QUARTERS = {1: D("0.25"), 2: D("0.5"), 3: D("0.75"), 4: D("1")}
BANDS = (
    BandSpec("I", "Buruk", D("0")),
    BandSpec("II", "Kurang", D("175")),
    BandSpec("III", "Baik", D("250")),
    BandSpec("IV", "Sangat Baik", D("325")),
)

# A test instrument whose arithmetic is easy to follow by hand:
#   A, B, C: max 100 → 25 per level;  D: max 99 → 24,75 per level;  E: max 1 → 0,25 per level.
# So a total is 25 × (a + b + c) + 24,75 × d + 0,25 × e: every quarter from 0 to 400 is near.
BOUNDARY = InstrumentSpec(
    max_score=D("400"),
    fractions=QUARTERS,
    bands=BANDS,
    aspects=(
        AspectSpec(
            1,
            "Tiga ratus",
            D("300"),
            (IndicatorSpec("A", D("100")), IndicatorSpec("B", D("100")), IndicatorSpec("C", D("100"))),
        ),
        AspectSpec(2, "Seratus", D("100"), (IndicatorSpec("D", D("99")), IndicatorSpec("E", D("1")))),
    ),
)


def levels(a, b, c, d, e):
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


@pytest.mark.parametrize(
    ("lv", "total", "category", "next_code", "points_needed", "index"),
    [
        # 0: a verifier's "not evidenced" everywhere.
        (levels(0, 0, 0, 0, 0), "0", "I", "II", "175", "0"),
        # 100 = 3 × 25 + 24,75 + 0,25: every answer at level 1.
        (levels(1, 1, 1, 1, 1), "100", "I", "II", "75", "0.25"),
        # 174,75 = 75 + 99 + 0,75: a quarter below Kurang.
        (levels(1, 1, 1, 4, 3), "174.75", "I", "II", "0.25", "0.436875"),
        # 175 = 75 + 99 + 1: exactly Kurang.
        (levels(1, 1, 1, 4, 4), "175", "II", "III", "75", "0.4375"),
        # 174,5 and 174,25: halves and quarters below the boundary.
        (levels(1, 1, 1, 4, 2), "174.5", "I", "II", "0.5", "0.43625"),
        (levels(1, 1, 1, 4, 1), "174.25", "I", "II", "0.75", "0.435625"),
        # 249,75 = 150 + 99 + 0,75.
        (levels(2, 2, 2, 4, 3), "249.75", "II", "III", "0.25", "0.624375"),
        # 250 = 150 + 99 + 1: exactly Baik.
        (levels(2, 2, 2, 4, 4), "250", "III", "IV", "75", "0.625"),
        # 324,75 = 225 + 99 + 0,75.
        (levels(3, 3, 3, 4, 3), "324.75", "III", "IV", "0.25", "0.811875"),
        # 325 = 225 + 99 + 1: exactly Sangat Baik.
        (levels(3, 3, 3, 4, 4), "325", "IV", None, None, "0.8125"),
        # 400: everything at level 4.
        (levels(4, 4, 4, 4, 4), "400", "IV", None, None, "1"),
        # 310,5 is out of reach here, 299,5 = 200 + 99 + 0,5 and 250,25 = 200 + 49,5 + 0,75 are not.
        (levels(3, 3, 2, 4, 2), "299.5", "III", "IV", "25.5", "0.74875"),
        (levels(3, 3, 2, 2, 3), "250.25", "III", "IV", "74.75", "0.625625"),
    ],
)
def test_boundaries_exact(lv, total, category, next_code, points_needed, index):
    result = score(BOUNDARY, lv)
    assert result.total == D(total)
    assert result.category.code == category
    assert result.index == D(index)
    if next_code is None:
        assert result.next_category is None
    else:
        assert result.next_category.code == next_code
        assert result.next_category.points_needed == D(points_needed)
    assert sum(a.total for a in result.aspects) == result.total
    assert result.missing == ()


def test_reference_instrument_all_ones_and_all_fours(instrument):
    from assessments.instrument.selectors import instrument_spec

    spec = instrument_spec(instrument=instrument)
    codes = [i.code for a in spec.aspects for i in a.indicators]
    assert len(codes) == 33
    ones = score(spec, dict.fromkeys(codes, 1))
    assert ones.total == D("100")
    assert ones.category.name == "Buruk"
    assert [a.total for a in ones.aspects] == [D(x) for x in ("10", "10", "32.5", "10", "20", "7.5", "5", "5")]
    fours = score(spec, dict.fromkeys(codes, 4))
    assert fours.total == D("400") and fours.category.name == "Sangat Baik" and fours.index == D("1")


def test_reference_instrument_mixed_levels_by_hand(instrument):
    """Hand computation on the reference weights (eighths appear: 12,5 × 1/4 = 3,125).

    Aspect 1: 1.1 (12,5) L1 = 3,125; 1.2 (15) L3 = 11,25; 1.3 (12,5) L4 = 12,5 → 26,875.
    Every other indicator at level 3 → ¾ of the other 360 = 270. Total 296,875, Baik,
    28,125 to Sangat Baik, index 0,7421875 (296,875 / 400, exact; pages show 0,74).
    """
    from assessments.instrument.selectors import instrument_spec

    spec = instrument_spec(instrument=instrument)
    lv = {i.code: 3 for a in spec.aspects for i in a.indicators}
    lv.update({"1.1": 1, "1.2": 3, "1.3": 4})
    result = score(spec, lv)
    assert result.aspects[0].total == D("26.875")
    assert result.total == D("296.875")
    assert result.category.name == "Baik"
    assert result.next_category.name == "Sangat Baik"
    assert result.next_category.points_needed == D("28.125")
    assert result.index == D("0.7421875")


def test_unanswered_counts_zero_and_is_reported():
    result = score(BOUNDARY, {"A": 4, "B": None, "D": 4})
    assert result.total == D("199")
    assert result.missing == ("B", "C", "E")
    assert result.category.code == "II"


def test_verifier_zero_is_not_missing():
    result = score(BOUNDARY, levels(0, 4, 4, 4, 4))
    assert result.total == D("300")
    assert result.missing == ()


@pytest.mark.parametrize("bad", [5, -1, 2.0, "3", True, D("2")])
def test_bad_levels_refused(bad):
    with pytest.raises(ValueError, match="level must be one of"):
        score(BOUNDARY, {"A": bad})


def test_unknown_indicator_refused():
    with pytest.raises(ValueError, match="unknown indicator codes"):
        score(BOUNDARY, {"Z": 1})


def test_duplicate_codes_refused():
    with pytest.raises(ValueError, match="unique"):
        InstrumentSpec(
            max_score=D("2"),
            fractions=QUARTERS,
            bands=BANDS,
            aspects=(
                AspectSpec(1, "x", D("1"), (IndicatorSpec("A", D("1")),)),
                AspectSpec(2, "y", D("1"), (IndicatorSpec("A", D("1")),)),
            ),
        )


def test_bands_in_any_order():
    shuffled = InstrumentSpec(
        max_score=D("400"), fractions=QUARTERS, bands=tuple(reversed(BANDS)), aspects=BOUNDARY.aspects
    )
    assert score(shuffled, levels(2, 2, 2, 4, 4)).category.name == "Baik"


def test_compare_gaps_per_aspect_and_overall():
    mine = score(BOUNDARY, levels(4, 4, 4, 4, 4))
    theirs = score(BOUNDARY, levels(3, 4, 2, 4, 0))
    result = compare(mine, theirs)
    assert result.gap == D("-76")
    assert [(a.number, a.self_total, a.verified_total, a.gap) for a in result.aspects] == [
        (1, D("300"), D("225"), D("-75")),
        (2, D("100"), D("99"), D("-1")),
    ]
    assert difference(theirs, mine) == D("-76")


def test_compare_with_one_side_missing():
    only_self = compare(score(BOUNDARY, levels(1, 1, 1, 1, 1)), None)
    assert only_self.gap is None
    assert [a.gap for a in only_self.aspects] == [None, None]
    assert [a.self_total for a in only_self.aspects] == [D("75"), D("25")]
