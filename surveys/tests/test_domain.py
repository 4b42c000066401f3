from decimal import Decimal

import pytest

from surveys import domain
from surveys.domain import DimensionSpec, ItemSpec, QuestionnaireSpec, Totals


@pytest.mark.parametrize(
    ("population", "sample"),
    [(1, 1), (12, 12), (100, 80), (400, 200), (1000, 286), (4500, 368), (100000, 399), (0, 0)],
)
def test_slovin_at_five_percent(population, sample):
    # n = N / (1 + N·0,0025), rounded up: 100 → 80; 1000 → 285,71 → 286; 4500 → 367,3 → 368.
    assert domain.slovin(population) == sample


def test_item_score_and_reverse():
    assert domain.item_score(1, points=5, reverse=False) == 0
    assert domain.item_score(5, points=5, reverse=False) == 1
    assert domain.item_score(4, points=5, reverse=False) == Decimal("0.75")
    assert domain.item_score(4, points=5, reverse=True) == Decimal("0.25")


def test_value_is_weighted_item_means_then_weighted_dimensions():
    spec = QuestionnaireSpec(
        points=5,
        dimensions=(DimensionSpec("A", Decimal("0.6")), DimensionSpec("B", Decimal("0.4"))),
        items=(
            ItemSpec("a1", "A", Decimal(1), False),
            ItemSpec("a2", "A", Decimal(3), True),
            ItemSpec("b1", "B", Decimal(1), False),
        ),
    )
    totals = Totals.empty()
    totals.add({"a1": 5, "a2": 2, "b1": 3})
    totals.add({"a1": 3, "a2": 2, "b1": 4})
    result = domain.survey_value(spec, totals)
    # a1 mean 4 → 0,75; a2 mean 2 → 0,25 reversed → 0,75; A = (0,75 + 3 × 0,75) / 4 = 0,75.
    # b1 mean 3,5 → 0,625. Value = 0,6 × 0,75 + 0,4 × 0,625 = 0,45 + 0,25 = 0,7.
    assert result.dimensions == {"A": Decimal("0.75"), "B": Decimal("0.625")}
    assert result.value == Decimal("0.7")


def test_no_answers_no_value():
    spec = QuestionnaireSpec(
        points=5, dimensions=(DimensionSpec("A", Decimal(1)),), items=(ItemSpec("a", "A", Decimal(1), False),)
    )
    assert domain.survey_value(spec, Totals.empty()).value is None


def test_flags():
    assert domain.straight_lined([3, 3, 3])
    assert not domain.straight_lined([3, 3, 4])
    assert not domain.straight_lined([3, 3])
    assert domain.too_fast(59, min_seconds=60)
    assert not domain.too_fast(60, min_seconds=60)


def test_a_figure_is_shown_from_the_minimum_of_respondents_and_the_ready_rule_needs_it_too():
    assert not domain.enough_respondents(9, 10) and domain.enough_respondents(10, 10)
    # An accepted shortfall never lets a figure under the minimum count.
    assert not domain.sample_ready(counted=9, minimum=10, sample_target=5, shortfall_accepted=True)
    assert domain.sample_ready(counted=10, minimum=10, sample_target=50, shortfall_accepted=True)
    assert not domain.sample_ready(counted=10, minimum=10, sample_target=50, shortfall_accepted=False)
