"""The trend maths (knowledge/trend.py) against answers known in advance."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.trend import Figure, Growth, NotEnoughHistory, fit, frontier, growth


def figures(*pairs: tuple[float, int]) -> list[Figure]:
    return [Figure(f"set {n}", quantity, year) for n, (quantity, year) in enumerate(pairs)]


def test_ten_times_a_year_is_exactly_that() -> None:
    result = growth(figures((1e6, 2015), (1e7, 2016), (1e8, 2017)))
    assert isinstance(result, Growth)
    assert result.per_year == pytest.approx(10.0, rel=1e-12)
    assert result.doubling_months == pytest.approx(12 * math.log10(2), rel=1e-12)
    assert round(result.doubling_months, 1) == 3.6
    assert result.r2 == pytest.approx(1.0, abs=1e-12)
    assert (result.first_year, result.last_year, result.points, result.years) == (
        2015,
        2017,
        3,
        2,
    )


def test_doubling_every_year_is_twelve_months() -> None:
    result = growth(figures((1, 2010), (2, 2011), (4, 2012), (8, 2013)))
    assert isinstance(result, Growth)
    assert result.per_year == pytest.approx(2.0)
    assert result.doubling_months == pytest.approx(12.0)


def test_the_frontier_keeps_only_new_records_in_year_order() -> None:
    found = frontier(
        figures((100, 2018), (50, 2019), (300, 2019), (200, 2020), (1000, 2021), (1000, 2022))
    )
    assert [(f.quantity, f.year) for f in found] == [(100, 2018), (300, 2019), (1000, 2021)]


def test_the_frontier_takes_the_largest_figure_of_a_year() -> None:
    found = frontier(figures((5, 2020), (9, 2020), (7, 2020)))
    assert [f.quantity for f in found] == [9]


def test_an_unordered_ledger_gives_the_same_frontier() -> None:
    pairs = [(1e3, 2012), (1e5, 2016), (1e4, 2014), (5e4, 2015), (2e3, 2013)]

    def shape(found: tuple[Figure, ...]) -> list[tuple[float, int]]:
        return [(f.quantity, f.year) for f in found]

    assert shape(frontier(figures(*pairs))) == shape(frontier(figures(*reversed(pairs))))


def test_fewer_than_three_records_is_not_enough() -> None:
    result = growth(figures((10, 2020), (5, 2021), (20, 2022)))
    assert isinstance(result, NotEnoughHistory)
    assert "2 figures set a record" in result.reason
    assert "1 more" in result.remedy


def test_records_in_one_or_two_years_are_not_enough() -> None:
    # However many figures a year holds, the frontier keeps one a year: two years, two
    # records, not enough (and three records always span two years).
    result = growth(figures((10, 2020), (20, 2021), (30, 2021), (40, 2021)))
    assert isinstance(result, NotEnoughHistory)
    assert [f.year for f in result.frontier] == [2020, 2021]


def test_the_fit_of_a_noisy_line_has_r2_below_one() -> None:
    slope, _, r2 = fit(tuple(figures((1e3, 2010), (3e4, 2011), (2e5, 2012), (9e5, 2014))))
    assert slope > 0
    assert 0 < r2 < 1


def test_an_extrapolation_year() -> None:
    result = growth(figures((1e6, 2015), (1e7, 2016), (1e8, 2017)))
    assert isinstance(result, Growth)
    assert result.year_reaching(10) == pytest.approx(2018.0)
    assert result.year_reaching(100) == pytest.approx(2019.0)


@given(
    start=st.floats(1.0, 1e9),
    rate=st.floats(1.1, 50.0),
    first=st.integers(1990, 2020),
    count=st.integers(3, 8),
)
def test_any_exact_exponential_is_recovered(
    start: float, rate: float, first: int, count: int
) -> None:
    pairs = [(start * rate**n, first + n) for n in range(count)]
    result = growth(figures(*pairs))
    assert isinstance(result, Growth)
    assert result.per_year == pytest.approx(rate, rel=1e-9)
    assert result.r2 == pytest.approx(1.0, abs=1e-9)


def test_the_year_said_aloud_is_rounded_and_never_this_year() -> None:
    tenfold = growth(figures((1e6, 2015), (1e7, 2016), (1e8, 2017)))
    hundredfold = growth(figures((1, 2015), (100, 2016), (10_000, 2017)))
    slow = growth(figures((100, 2015), (150, 2016), (225, 2017)))
    assert isinstance(tenfold, Growth) and tenfold.by_year(10) == 2018
    # Ten times today's at x100 a year is half a year away: "by next year", never 2017.
    assert isinstance(hundredfold, Growth) and hundredfold.year_reaching(10) == pytest.approx(
        2017.5
    )
    assert hundredfold.by_year(10) == 2018
    # x1.5 a year: log 10 / log 1.5 = 5.68 years after 2017, said as 2023.
    assert isinstance(slow, Growth) and slow.by_year(10) == 2023
