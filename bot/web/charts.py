"""The growth charts on the web: the figures read through Datasette, drawn by the bot's renderer.

``/-/charts/DOMAIN.png`` is the same picture a chat reply attaches: :mod:`bot.charts`
draws it from :func:`knowledge.trend.growth` over the field's approved figures in its
headline unit. The figures are read through the web view's own (authorized, read-only)
connection, from the public ``figures`` view. Drawing costs about a tenth of a second
and matplotlib is not thread-safe, so charts are drawn one at a time off the event loop
and kept until the figures they were drawn from change.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from datasette.database import Database

from bot.charts import Chart, Series, compare_chart, trend_chart
from knowledge.models import AnyDomain
from knowledge.trend import Figure, growth

#: Every approved figure of a field in one unit that has a year, as the trend reads it.
FIGURES_SQL = (
    "SELECT dataset, value, year FROM figures "
    "WHERE domain = ? AND unit = ? AND status = 'approved' AND year IS NOT NULL "
    "ORDER BY year, id"
)


#: The unit most of a field's current figures use: a community field given no unit.
MOST_USED_UNIT_SQL = (
    "SELECT unit FROM current_figures WHERE domain = ? "
    "GROUP BY unit ORDER BY COUNT(*) DESC, unit LIMIT 1"
)


async def unit_of(db: Database, domain: AnyDomain) -> str | None:
    """The unit ``domain``'s chart is read in: its headline unit, else its most used."""
    if domain.headline_unit:
        return domain.headline_unit
    result = await db.execute(MOST_USED_UNIT_SQL, [domain.slug])
    return str(result.rows[0][0]) if result.rows else None


async def figures_of(db: Database, domain: AnyDomain, unit: str | None) -> tuple[Figure, ...]:
    """The figures ``domain``'s chart is drawn from: its approved dated ones in ``unit``."""
    if unit is None:
        return ()
    result = await db.execute(FIGURES_SQL, [domain.slug, unit])
    return tuple(Figure(row[0], float(row[1]), int(row[2])) for row in result.rows)


def draw_trend(domain: AnyDomain, unit: str | None, figures: Sequence[Figure]) -> Chart:
    return trend_chart(
        domain.name, domain.slug, unit or "", figures, growth(figures), domain.colour
    )


def draw_comparison(fields: Sequence[tuple[AnyDomain, Sequence[Figure]]]) -> Chart:
    return compare_chart(
        [Series(domain.name, domain.colour, growth(figures)) for domain, figures in fields]
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
