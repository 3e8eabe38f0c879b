"""A growth chart reads the record frontier and a bounded set of dots, however large the field.

Issue 19: ``/-/charts/video.png`` read every approved figure of the field on each request
(1.5 s at 100k figures, a 500 from 250k). The chart's grey dots are now each year's
spread of sizes read through ``idx_record_by_year``, one seek a dot: the work is counted
here in SQLite's virtual-machine steps (a progress handler), not timed, at 1,500 figures
and at ten times as many, and the dots are checked against the plain rule on every
figure. Chat and the web draw the very same PNG.
"""

from __future__ import annotations

import math
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import fieldgrowth
from bot.config import Settings
from bot.core import Core
from bot.web.charts import draw_trend, read_trend
from knowledge import records
from knowledge.ledger.values import NewPoint, Submitter
from knowledge.trend import Figure

SYSTEM = Submitter("system:test", "system")
YEARS = range(2014, 2025)
SMALL, LARGE = 1_500, 15_000


def generated(count: int, seed: int) -> list[NewPoint]:
    """``count`` video figures in hours, sizes spread evenly over three decades, 2014-2024."""
    rng = random.Random(seed)
    points = []
    for n in range(count):
        quantity = round(10 ** rng.uniform(3, 6))
        points.append(
            NewPoint(
                domain="video",
                dataset=f"Generated set {seed}-{n}",
                quantity_text=str(quantity),
                quantity=float(quantity),
                unit="hours",
                source_url=f"https://example.org/generated/{seed}/{n}",
                year=rng.choice(YEARS),
            )
        )
    return points


class Steps:
    """SQLite virtual-machine steps on a connection, in hundreds: the work a read does."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.count = 0
        conn.set_progress_handler(self._step, 100)

    def _step(self) -> int:
        self.count += 1
        return 0


def chart_work(path: Path) -> tuple[int, tuple[Figure, ...]]:
    """The steps the web chart's read takes on ``path`` (as ``/-/charts`` runs it), and
    the dots it read."""
    with Core.open(path) as core:
        video = core.library.resolve("video")
        assert video is not None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        read_trend(conn, video)  # the pages in the cache, as on a running server
        steps = Steps(conn)
        inputs = read_trend(conn, video)
        return steps.count, inputs.figures
    finally:
        conn.close()


@dataclass(frozen=True)
class Grown:
    """A ledger whose video field grew from :data:`SMALL` to :data:`LARGE` figures, with
    the chart's work and dots at each size."""

    path: Path
    small: tuple[int, tuple[Figure, ...]]
    large: tuple[int, tuple[Figure, ...]]


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Grown:
    path = tmp_path_factory.mktemp("chart-reads") / "ledger.db"
    with Core.open(settings=Settings(db=path, moderators=frozenset())) as core:
        core.store.points.add_many(generated(SMALL, 1), SYSTEM)
    small = chart_work(path)
    with Core.open(path) as core:
        core.store.points.add_many(generated(LARGE - SMALL, 2), SYSTEM)
        # Pending figures are not drawn.
        core.store.points.add_many(generated(50, 3), SYSTEM, origin="community", status="pending")
    return Grown(path, small, chart_work(path))


def every_dot(path: Path) -> list[tuple[float, int]]:
    """The rule on every counted figure: in each year the largest, then the largest
    below a tenth of a decade under the last dot, down to the smallest."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT id, quantity, year FROM data_points WHERE domain = 'video' AND unit = "
            "'hours' AND status = 'approved' AND is_current = 1 AND year IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    dots: list[tuple[float, int]] = []
    for year in sorted({year for _, _, year in rows}):
        last = math.inf
        for _, quantity, _ in sorted(
            (r for r in rows if r[2] == year), key=lambda r: (-r[1], r[0])
        ):
            if quantity < last / records.DOT_STEP:
                dots.append((quantity, year))
                last = quantity
    return dots


def test_a_chart_reads_as_much_at_ten_times_the_figures(grown: Grown) -> None:
    small_steps, small_dots = grown.small
    large_steps, large_dots = grown.large
    # Every year is drawn, not the oldest ones until a row limit runs out.
    assert {dot.year for dot in large_dots} >= set(YEARS)
    assert len(large_dots) <= records.CHART_FIGURES
    # Ten times the figures, about the same dots and the same work: the rows read are
    # the dots drawn (each year's spread fills in a little more), never the figures.
    assert len(large_dots) <= 1.3 * len(small_dots), (len(small_dots), len(large_dots))
    assert large_steps <= 1.5 * small_steps, (small_steps, large_steps)


def test_the_dots_are_the_rule_applied_to_every_figure(grown: Grown) -> None:
    dots = grown.large[1]
    assert [(dot.quantity, dot.year) for dot in dots] == every_dot(grown.path)


def test_a_dot_limit_leaves_out_the_smallest_sizes_of_every_year_alike(grown: Grown) -> None:
    full = every_dot(grown.path)
    years = sorted({year for _, year in full})
    with Core.open(grown.path) as core:
        dots = core.store.reads.dated_figures("video", "hours", limit=3 * len(years))
    assert len(dots) == 3 * len(years) < len(full)
    for year in years:
        drawn = [d.quantity for d in dots if d.year == year]
        every = [q for q, y in full if y == year]
        # The largest of the year first, and at least three of each year that has three.
        assert drawn == every[: len(drawn)] and len(drawn) >= min(3, len(every))


def test_chat_and_the_web_draw_one_picture(grown: Grown) -> None:
    with Core.open(grown.path) as core:
        video = core.library.resolve("video")
        assert video is not None
        found = fieldgrowth.read(core.store, video)
        chat = fieldgrowth.trend_chart(core.store, found)
        conn = sqlite3.connect(f"{grown.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            web = draw_trend(video, read_trend(conn, video))
        finally:
            conn.close()
    assert chat is not None
    assert web.png == chat.png and web.alt == chat.alt
