"""`score_sequence` (levels in spec order, memoised per aspect) agrees with `score` everywhere."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.domain.scoring import score, score_sequence
from assessments.domain.tests.test_scoring import BOUNDARY

CODES = BOUNDARY.indicator_order
LEVEL = st.one_of(st.none(), st.integers(0, 4))


def test_indicator_order_is_aspect_by_aspect():
    assert CODES == ("A", "B", "C", "D", "E")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LEVEL, min_size=5, max_size=5), min_size=1, max_size=6))
def test_score_sequence_equals_score_even_when_the_memo_answers(batch):
    # One spec for the whole batch: later sequences hit the per-aspect memo that earlier ones filled.
    for levels in batch + batch:
        expected = score(BOUNDARY, dict(zip(CODES, levels, strict=True)))
        got = score_sequence(BOUNDARY, levels)
        assert got == expected
        assert [str(a.total) for a in got.aspects] == [str(a.total) for a in expected.aspects]


def test_a_memoised_combination_still_refuses_look_alike_levels():
    assert score_sequence(BOUNDARY, [1, 1, 1, 2, 1]).total == D("124.75")
    # True == 1 and Decimal(2) == 2 hash alike: they must not be served from the memo.
    for bad in ([True, 1, 1, 2, 1], [1, 1, 1, D("2"), 1], [1, 1, 1, 2.0, 1]):
        with pytest.raises(ValueError, match="level must be one of"):
            score_sequence(BOUNDARY, bad)


def test_out_of_range_level_and_wrong_length_are_refused():
    with pytest.raises(ValueError, match="level must be one of"):
        score_sequence(BOUNDARY, [5, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="expected 5 levels, got 4"):
        score_sequence(BOUNDARY, [1, 1, 1, 1])


def test_int_subclasses_count_as_their_value():
    class Level(int):
        pass

    assert score_sequence(BOUNDARY, [Level(4), 4, 4, 4, 4]) == score_sequence(BOUNDARY, [4, 4, 4, 4, 4])
