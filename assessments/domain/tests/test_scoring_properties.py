"""Property tests of the pure scoring function over random instruments and levels."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.domain.scoring import AspectSpec, BandSpec, IndicatorSpec, InstrumentSpec, category_for, score
from assessments.domain.tests.test_scoring import QUARTERS

# Indicator maxima in hundredths, as the database stores them (decimal_places=2).
maxima = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n) / 100)


@st.composite
def instruments(draw):
    aspects = []
    counter = 0
    for number in range(1, draw(st.integers(1, 6)) + 1):
        indicators = []
        for _ in range(draw(st.integers(1, 6))):
            counter += 1
            indicators.append(IndicatorSpec(f"{number}.{counter}", draw(maxima)))
        aspects.append(
            AspectSpec(number, f"Aspek {number}", sum((i.max_score for i in indicators), D(0)), tuple(indicators))
        )
    max_score = sum((a.max_score for a in aspects), D(0))
    # Bands: distinct minima within 0..max (the first may start above 0: the lowest band then
    # also covers totals below it).
    mins = draw(st.lists(st.integers(0, 40_000), min_size=1, max_size=5, unique=True))
    bands = tuple(BandSpec(f"B{k}", f"Band {k}", D(m) / 100) for k, m in enumerate(sorted(mins)))
    return InstrumentSpec(max_score=max_score, fractions=QUARTERS, bands=bands, aspects=tuple(aspects))


def codes_of(spec):
    return [i.code for a in spec.aspects for i in a.indicators]


@st.composite
def instrument_and_levels(draw):
    spec = draw(instruments())
    levels = {code: draw(st.one_of(st.none(), st.integers(0, 4))) for code in codes_of(spec)}
    return spec, levels


@settings(max_examples=300, deadline=None)
@given(instrument_and_levels())
def test_total_within_zero_and_max(case):
    spec, levels = case
    result = score(spec, levels)
    assert D(0) <= result.total <= spec.max_score
    assert result.total == sum((a.total for a in result.aspects), D(0))
    assert set(result.missing) == {code for code, level in levels.items() if level is None}
    if spec.max_score:
        assert D(0) <= result.index <= D(1)


@settings(max_examples=300, deadline=None)
@given(instrument_and_levels(), st.data())
def test_raising_one_level_never_lowers_the_total(case, data):
    spec, levels = case
    code = data.draw(st.sampled_from(codes_of(spec)))
    before = levels[code]
    floor = -1 if before is None else before
    if floor == 4:
        return
    raised = {**levels, code: data.draw(st.integers(max(floor + 1, 0), 4))}
    assert score(spec, raised).total >= score(spec, levels).total


@settings(max_examples=200, deadline=None)
@given(instruments())
def test_all_level_one_gives_a_quarter_of_the_maximum(spec):
    result = score(spec, dict.fromkeys(codes_of(spec), 1))
    assert result.total == spec.max_score / 4
    assert score(spec, dict.fromkeys(codes_of(spec), 4)).total == spec.max_score


@settings(max_examples=300, deadline=None)
@given(instrument_and_levels(), instrument_and_levels())
def test_category_is_monotonic_in_the_total(case_a, case_b):
    spec, levels_a = case_a
    # Score the second level set on the first instrument by matching positions.
    codes = codes_of(spec)
    other = list(case_b[1].values())
    levels_b = {code: other[k % len(other)] for k, code in enumerate(codes)}
    a, b = score(spec, levels_a), score(spec, levels_b)
    rank = {band.code: k for k, band in enumerate(spec.bands)}
    low, high = sorted((a, b), key=lambda r: r.total)
    assert rank[low.category.code] <= rank[high.category.code]


@settings(max_examples=300, deadline=None)
@given(instruments(), st.lists(st.integers(0, 40_000), min_size=2, max_size=20))
def test_category_for_is_monotonic_and_next_category_is_the_nearest_band_above(spec, hundredths):
    totals = sorted(D(h) / 100 for h in hundredths)
    ranks = [spec.bands.index(category_for(spec.bands, t)) for t in totals]
    assert ranks == sorted(ranks)
    for t in totals:
        chosen = category_for(spec.bands, t)
        assert chosen.min_score <= t or chosen == spec.bands[0]
        assert all(b.min_score > t for b in spec.bands[spec.bands.index(chosen) + 1 :])


@settings(max_examples=300, deadline=None)
@given(instrument_and_levels())
def test_points_needed_reach_exactly_the_next_band(case):
    spec, levels = case
    result = score(spec, levels)
    above = [b for b in spec.bands if b.min_score > result.total]
    if not above:
        assert result.next_category is None
        return
    assert result.next_category.code == above[0].code
    assert result.next_category.points_needed > 0
    assert result.total + result.next_category.points_needed == above[0].min_score
