"""The growth charts on the web: the chat's charts, read through Datasette.

``/-/charts/DOMAIN.png`` is the very picture a chat reply attaches: the same unit, dots,
records and rate, because they are read by the same functions (:mod:`knowledge.records`,
the one growth rule) run on the web view's own (authorized, read-only) connection with
``db.execute_fn``, and drawn by :mod:`bot.charts`. Drawing costs about a tenth of a
second and matplotlib is not thread-safe, so charts are drawn one at a time off the
event loop and kept until what they were drawn from changes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from datasette.database import Database

from bot.charts import Chart, Series, compare_chart, trend_chart
from knowledge import records
from knowledge.models import AnyDomain
from knowledge.trend import Figure, Growth, NotEnoughHistory


@dataclass(frozen=True)
class TrendInputs:
    """What a field's chart is drawn from: its unit, the dots (a bounded read of the
    figures that count, :func:`knowledge.records.dated_figures`) and the rate over its
    record frontier. Hashable: the chart cache compares them."""

    unit: str | None
    figures: tuple[Figure, ...]
    result: Growth | NotEnoughHistory


def read_trend(conn: sqlite3.Connection, domain: AnyDomain) -> TrendInputs:
    """``domain``'s chart inputs, by the growth rule, on one connection."""
    unit = records.field_unit(conn, domain)
    if unit is None:
        return TrendInputs(None, (), records.field_growth(domain.name, None, ()))
    frontier = records.record_frontier(conn, domain.slug, unit)
    result = records.field_growth(domain.name, unit, tuple(r.figure for r in frontier))
    return TrendInputs(unit, records.dated_figures(conn, domain.slug, unit), result)


async def trend_inputs(db: Database, domain: AnyDomain) -> TrendInputs:
    """:func:`read_trend` on the web view's connection (off the event loop)."""
    inputs: TrendInputs = await db.execute_fn(lambda conn: read_trend(conn, domain))
    return inputs


def draw_trend(domain: AnyDomain, inputs: TrendInputs) -> Chart:
    return trend_chart(
        domain.name, domain.slug, inputs.unit or "", inputs.figures, inputs.result, domain.colour
    )


def draw_comparison(fields: Sequence[tuple[AnyDomain, TrendInputs]]) -> Chart:
    return compare_chart(
        [
            Series(domain.name, domain.colour, inputs.result, inputs.unit or "")
            for domain, inputs in fields
        ],
        [domain.slug for domain, _ in fields],
    )


@dataclass
class ChartCache:
    """Drawn charts by name, each with the figures it was drawn from.

    A chart is drawn again only when its figures differ, so the first visitor after an
    approval sees the new record and everyone else gets the PNG at once.
    """

    _drawn: dict[str, tuple[Hashable, Chart]] = field(default_factory=dict)
    _drawing: threading.Lock = field(default_factory=threading.Lock)

    async def get(self, name: str, inputs: Hashable, draw: Callable[[], Chart]) -> Chart:
        """The chart ``name`` for ``inputs``, drawn by ``draw()`` on a worker thread if new."""
        kept = self._drawn.get(name)
        if kept is not None and kept[0] == inputs:
            return kept[1]
        chart = await asyncio.to_thread(self._draw, draw)
        self._drawn[name] = (inputs, chart)
        return chart

    def _draw(self, draw: Callable[[], Chart]) -> Chart:
        with self._drawing:
            return draw()
