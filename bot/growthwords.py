"""How a growth rate is said: one wording for replies, tables and charts.

``/trend``, ``/compare``, ``/scale`` (through :mod:`handlers.growth`) and the PNG charts
(:mod:`bot.charts`, which the web view draws with too) all say a rate, its doubling
time and its uncertainty through here, so a chart's subtitle and the reply it comes
with can never round one rate two ways.
"""

from __future__ import annotations

from knowledge.trend import Growth


def times(per_year: float) -> str:
    """A growth factor as people say it: ``×3.0``, ``×5.8``, ``×12``, ``×1,300``.

    Two significant figures below ten, trailing zero kept (``×3.0``, not ``×3``), so the
    two ends of a range read with the same precision; whole numbers from ten on.
    """
    if per_year < 9.95:
        return f"×{per_year:#.2g}"
    return f"×{per_year:,.0f}"


def months(value: float) -> str:
    """A doubling time: ``8.5 months``, or ``3.1 years`` from three years on."""
    return f"{value:.1f} months" if value < 36 else f"{value / 12:.1f} years"


def between(low: float, high: float) -> str:
    """A range of factors: ``×1.9–×3.9``."""
    return f"{times(low)}–{times(high)}"


def interval(rate: Growth) -> str | None:
    """``90% interval ×1.9–×3.9``; None where the interval cannot be computed."""
    if rate.low is None or rate.high is None:
        return None
    return f"90% interval {between(rate.low, rate.high)}"


def leaving_out(rate: Growth) -> str | None:
    """``leaving out any one record gives ×2.2–×3.1``; None under three records."""
    if rate.leave_one_out is None:
        return None
    return f"leaving out any one record gives {between(*rate.leave_one_out)}"


def per_year(rate: Growth) -> str:
    """The rate with its uncertainty, as a reply says it.

    ``×2.7 a year (90% interval ×1.9–×3.9); leaving out any one record gives ×2.2–×3.1``
    """
    said = f"{times(rate.per_year)} a year"
    stated = interval(rate)
    if stated:
        said += f" ({stated})"
    left = leaving_out(rate)
    if left:
        said += f"; {left}"
    return said
