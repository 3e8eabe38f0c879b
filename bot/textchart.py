"""Charts as a few lines of text, for a terminal and for a chat that cannot take a file.

The same records the PNG shows, one row each, with a bar whose length follows the
logarithm of the size: each step of a field's record is usually several times the last,
so a linear bar would leave every record but the newest at zero length. Bars are whole
block characters, which every terminal and Slack's code blocks show at one width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.growthwords import times
from knowledge.quantity import format_quantity

BAR = "█"
#: The longest bar, in characters: a row still fits an 80-column terminal.
WIDTH = 24
#: A dataset's name is cut to this many characters.
NAME = 28


@dataclass(frozen=True)
class Row:
    """One record: when it was set, by which dataset, and how large it was."""

    year: int
    dataset: str
    quantity: float


def _bars(values: Sequence[float], width: int = WIDTH) -> list[int]:
    """Bar lengths from 1 to ``width`` by log10 of each value, smallest to largest."""
    logs = [math.log10(value) for value in values]
    low, high = min(logs), max(logs)
    if high - low < 1e-12:
        return [width for _ in logs]
    return [1 + round((width - 1) * (value - low) / (high - low)) for value in logs]


def _name(text: str) -> str:
    return text if len(text) <= NAME else text[: NAME - 1] + "…"


def record_chart(rows: Sequence[Row], unit: str, fit_line: str = "") -> str:
    """The record frontier: a row per record, oldest first, and how the bars are scaled."""
    if not rows:
        return f"No dated figures in {unit} yet."
    amounts = [format_quantity(row.quantity) for row in rows]
    lengths = _bars([row.quantity for row in rows])
    amount_width = max(len(amount) for amount in amounts)
    lines = [
        f"{row.year}  {(BAR * length).ljust(WIDTH)}  {amount.rjust(amount_width)}  "
        f"{_name(row.dataset)}"
        for row, amount, length in zip(rows, amounts, lengths, strict=True)
    ]
    if len(rows) > 1:
        lines.append(f"bars: log scale, {amounts[0]} to {amounts[-1]} {unit}")
    if fit_line:
        lines.append(fit_line)
    return "\n".join(lines)


@dataclass(frozen=True)
class RateRow:
    """One field in a comparison: its name, its rate a year (None: no rate) and its span."""

    name: str
    per_year: float | None
    note: str


def rate_chart(rows: Sequence[RateRow]) -> str:
    """Fields side by side by how fast their records grow; a bar by log of the rate."""
    width = max(len(row.name) for row in rows)
    rated = [row.per_year for row in rows if row.per_year is not None and row.per_year > 1]
    top = max(rated, default=0.0)
    lines = []
    for row in rows:
        if row.per_year is None:
            lines.append(f"{row.name.ljust(width)}  {'':>7}  {'':<{WIDTH}}  {row.note}")
            continue
        length = 1
        if top > 1 and row.per_year > 1:
            length = max(1, round(WIDTH * math.log(row.per_year) / math.log(top)))
        rate = f"{times(row.per_year)}/yr"
        lines.append(
            f"{row.name.ljust(width)}  {rate:>7}  {(BAR * length).ljust(WIDTH)}  {row.note}"
        )
    lines.append("bars: log scale of the growth a year; each record in its field's own unit")
    return "\n".join(lines)
