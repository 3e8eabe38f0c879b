"""The trend maths (knowledge/trend.py) against answers known in advance.

The interval and leave-one-out answers are worked out independently, with numpy's
least squares and scipy's Student's t (scipy is a dev dependency only: the bot carries
its own table, checked here against scipy).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from knowledge.trend import (
    Figure,
    Growth,
    NotEnoughHistory,
    fit,
    frontier,
    growth,
    interval,
    leave_one_out,
    slope_error,
    t_quantile,
)


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


# -- the rate's uncertainty --------------------------------------------------------------------


def test_the_t_table_is_student_s_t_for_every_df_it_holds() -> None:
    for df in range(1, 31):
        assert t_quantile(df) == pytest.approx(stats.t.ppf(0.95, df), rel=1e-12), df


def test_beyond_the_table_the_expansion_is_student_s_t() -> None:
    for df in [*range(31, 301), 500, 1_000, 5_000, 10**4, 10**5, 10**6]:
        assert abs(t_quantile(df) - stats.t.ppf(0.95, df)) < 1e-8, df


def test_no_degrees_of_freedom_is_no_t() -> None:
    with pytest.raises(ValueError, match="at least 1 degree of freedom"):
        t_quantile(0)


#: A record of five, not on one line: (size, year).
LOOSE = ((30, 2012), (400, 2015), (2_500, 2016), (30_000, 2019), (400_000, 2021))


def textbook(pairs: tuple[tuple[float, int], ...]) -> tuple[float, float, float]:
    """(factor, low, high) by scipy: linregress's slope and stderr, Student's t 0.95."""
    years = np.array([year for _, year in pairs], dtype=float)
    sizes = np.log10([size for size, _ in pairs])
    line = stats.linregress(years, sizes)
    t = stats.t.ppf(0.95, len(pairs) - 2)
    return (
        10**line.slope,
        10 ** (line.slope - t * line.stderr),
        10 ** (line.slope + t * line.stderr),
    )


def left_out(pairs: tuple[tuple[float, int], ...]) -> tuple[float, float]:
    """The least and greatest factor with one pair left out, by numpy.polyfit."""
    years = np.array([year for _, year in pairs], dtype=float)
    sizes = np.log10([size for size, _ in pairs])
    factors = [
        10 ** np.polyfit(np.delete(years, n), np.delete(sizes, n), 1)[0] for n in range(len(pairs))
    ]
    return min(factors), max(factors)


def test_the_90_percent_interval_is_the_textbook_one() -> None:
    result = growth(figures(*LOOSE))
    assert isinstance(result, Growth)
    factor, low, high = textbook(LOOSE)
    assert result.per_year == pytest.approx(factor, rel=1e-12)
    assert result.low == pytest.approx(low, rel=1e-12)
    assert result.high == pytest.approx(high, rel=1e-12)
    se = stats.linregress([y for _, y in LOOSE], np.log10([s for s, _ in LOOSE])).stderr
    assert slope_error(tuple(figures(*LOOSE))) == pytest.approx(se, rel=1e-12)


def test_leaving_one_record_out_is_numpy_s_range() -> None:
    result = growth(figures(*LOOSE))
    assert isinstance(result, Growth) and result.leave_one_out is not None
    assert result.leave_one_out == pytest.approx(left_out(LOOSE), rel=1e-12)


def test_leaving_one_out_of_three_fits_the_two_left() -> None:
    """1, 10, 1,000 a year apart: without the first ×100 a year, without the middle
    ×10^1.5, without the last ×10 (worked out by hand)."""
    records = tuple(figures((1, 2015), (10, 2016), (1_000, 2017)))
    assert leave_one_out(records) == pytest.approx((10.0, 100.0), rel=1e-12)
    # Three records leave one degree of freedom: t is 6.31, the interval wide but there.
    bounds = interval(records)
    assert bounds is not None
    factor, low, high = textbook(((1, 2015), (10, 2016), (1_000, 2017)))
    assert bounds == pytest.approx((low, high), rel=1e-12)
    assert low < factor < high


def test_two_records_have_no_interval_and_nothing_to_leave_out() -> None:
    two = tuple(figures((1e3, 2018), (1e4, 2020)))
    assert slope_error(two) is None
    assert interval(two) is None
    assert leave_one_out(two) is None
    assert isinstance(growth(two), NotEnoughHistory)


def test_an_exact_line_has_no_spread() -> None:
    result = growth(figures((1e6, 2015), (1e7, 2016), (1e8, 2017), (1e9, 2018)))
    assert isinstance(result, Growth)
    assert result.low == pytest.approx(10.0, rel=1e-9)
    assert result.high == pytest.approx(10.0, rel=1e-9)
    assert result.leave_one_out == pytest.approx((10.0, 10.0), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(1.01, 100.0), st.integers(1, 4)), min_size=2, max_size=7),
    start=st.floats(1.0, 1e6),
)
def test_the_interval_holds_the_rate_and_matches_scipy(
    steps: list[tuple[float, int]], start: float
) -> None:
    pairs = [(start, 2000)]
    for factor, gap in steps:
        pairs.append((pairs[-1][0] * factor, pairs[-1][1] + gap))
    result = growth(figures(*pairs))
    assert isinstance(result, Growth)
    assert result.low is not None and result.high is not None
    assert result.low <= result.per_year * (1 + 1e-9)
    assert result.per_year <= result.high * (1 + 1e-9)
    _, low, high = textbook(tuple(pairs))
    assert result.low == pytest.approx(low, rel=1e-6)
    assert result.high == pytest.approx(high, rel=1e-6)
    assert result.leave_one_out == pytest.approx(left_out(tuple(pairs)), rel=1e-6)
