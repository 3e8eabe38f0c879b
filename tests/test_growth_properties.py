"""One growth rule, whatever the ledger went through: chat and web always agree (issue 18).

Hypothesis writes a field's ledger with the store's real write API (submissions,
imports, approvals, rejections, confirmations that approve, disputes, withdrawals and
kept disputes, corrections, merges, a curated edition that drops a figure), then asks:

- chat: :func:`bot.fieldgrowth.read` (what ``/trend``, ``/compare``, ``/scale`` and
  ``scalebot chart`` read) and ``/trend``'s reply data;
- web: a real Datasette (``bot.web.app.build``, the plugin and its privacy authorizer)
  answering the ``growth_record`` canned query, and the inputs ``/-/charts/FIELD.png``
  is drawn from, read on Datasette's own connection;
- an oracle written here from every point (``store.reads.all_points``): the current approved
  dated figures in the field's unit, through :func:`knowledge.trend.frontier`.

All three must name the same records, and chat and web the same rate and interval.
Each example gets a field of its own (``/domain add``) in one ledger, so one Datasette
serves them all.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot import fieldgrowth
from bot.config import Settings
from bot.core import Core
from bot.limits import Limit
from bot.web.app import build
from bot.web.charts import trend_inputs
from knowledge.identity import dataset_key
from knowledge.ledger.errors import LedgerError
from knowledge.ledger.values import DataPoint, NewPoint, Submitter
from knowledge.trend import Figure, Growth, frontier
from tests.fakes.loop import BackgroundLoop

MODERATOR = "console:mod"
MEMBERS = ("console:ann", "console:bob", "console:cy")
SUBMITTER = Submitter("console:sub", "console")
CURATOR = Submitter("system:curated", "system")

NAMES = ("Alpha", "Beta", "Gamma", "Delta", "Beta Copy")
UNITS = ("hours", "clips")
#: Few sizes, so years and datasets tie often.
SIZES = (10.0, 100.0, 1e3, 5e3, 1e4, 1e5, 1e6)
YEARS = st.one_of(st.none(), st.integers(2015, 2021))
INDEX = st.integers(0, 40)

figure = st.tuples(st.sampled_from(NAMES), st.sampled_from(SIZES), st.sampled_from(UNITS), YEARS)
#: A record that grows: figures of the first datasets in successive years, each larger.
series = st.tuples(
    st.just("series"),
    st.sampled_from(UNITS),
    st.integers(2015, 2017),
    st.lists(st.sampled_from(SIZES), min_size=2, max_size=4, unique=True).map(sorted),
)
operation = st.one_of(
    series,
    st.tuples(st.just("submit"), figure),
    st.tuples(st.just("import"), figure),
    st.tuples(st.just("correct"), figure),  # a new approved figure of a dataset
    st.tuples(st.just("approve"), INDEX),
    st.tuples(st.just("reject"), INDEX),
    st.tuples(st.just("confirm"), INDEX, st.sampled_from(MEMBERS)),
    st.tuples(st.just("flag"), INDEX, st.sampled_from(MEMBERS)),
    st.tuples(st.just("withdraw"), INDEX),  # a moderator upholds a dispute
    st.tuples(st.just("keep"), INDEX),  # a moderator dismisses one
    st.tuples(st.just("merge"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("curate"), st.lists(figure, max_size=4)),
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Core, Datasette, Any]]:
    path: Path = tmp_path_factory.mktemp("growth") / "scalebot.db"
    many = Limit(1_000_000, "hour")
    configured = Settings(
        db=path, moderators=frozenset({MODERATOR}), submit_limit=many, command_limit=many
    )
    with Core.open(settings=configured) as core, BackgroundLoop() as background:
        datasette = build(path, core.library)
        background.run(datasette.invoke_startup(), timeout=30)
        try:
            yield core, datasette, background
        finally:
            if datasette.executor is not None:  # its threads hold the ledger's connections
                datasette.executor.shutdown(wait=True)


_fields = itertools.count(1)
_editions = itertools.count(1)


def new_point(slug: str, entry: tuple[str, float, str, int | None]) -> NewPoint:
    name, quantity, unit, year = entry
    return NewPoint(
        domain=slug,
        dataset=name,
        quantity_text=f"{quantity:g}",
        quantity=quantity,
        unit=unit,
        source_url=f"https://example.org/{dataset_key(name)}-{quantity:g}",
        year=year,
    )


def apply(core: Core, slug: str, ids: list[int], step: tuple[Any, ...]) -> None:
    """One write through the store's API; a refusal (already decided...) is part of life."""
    store = core.store
    kind = step[0]

    def pick(index: int, wanted: Callable[[DataPoint], bool]) -> int | None:
        """The ``index``-th (cyclically) of the field's points in the state ``wanted``."""
        points = [
            point for point in map(store.reads.get, ids) if point is not None and wanted(point)
        ]
        return points[index % len(points)].id if points else None

    def pending(point: DataPoint) -> bool:
        return point.status == "pending"

    def disputed(point: DataPoint) -> bool:
        return point.status == "approved" and point.disputes > 0

    def standing(point: DataPoint) -> bool:
        return point.status != "rejected"

    try:
        if kind == "series":
            _, unit, first, sizes = step
            entries = [(NAMES[n], size, unit, first + n) for n, size in enumerate(sizes)]
            ids.extend(store.points.add_many([new_point(slug, e) for e in entries], SUBMITTER))
        elif kind == "submit":
            ids.append(store.points.submit(new_point(slug, step[1]), SUBMITTER))
        elif kind == "import":
            ids.extend(store.points.add_many([new_point(slug, step[1])], SUBMITTER))
        elif kind == "correct":
            point_id = store.points.submit(new_point(slug, step[1]), SUBMITTER)
            ids.append(point_id)
            store.reviews.review(point_id, "approve", MODERATOR, "corrected from the paper")
            event("correct done")
        elif kind in ("approve", "reject", "withdraw", "keep"):
            point_id = pick(step[1], pending if kind in ("approve", "reject") else disputed)
            if point_id is not None:
                decision = "approve" if kind in ("approve", "keep") else "reject"
                store.reviews.review(point_id, decision, MODERATOR, None)
                event(f"{kind} done")
        elif kind == "confirm":
            point_id = pick(step[1], pending)
            if point_id is not None:
                store.vouches.confirm(point_id, step[2], auto_approve_at=2)
        elif kind == "flag":
            point_id = pick(step[1], standing)
            if point_id is not None:
                store.vouches.flag(point_id, step[2], "the source says otherwise")
        elif kind == "merge":
            source, target = (store.catalog.find_dataset(slug, name) for name in step[1:])
            if source is not None and target is not None and source.id != target.id:
                store.catalog.merge(source, target, MODERATOR)
                event("merge done")
        elif kind == "curate":
            points = [new_point(slug, entry) for entry in step[1]]
            store.curated.sync_curated(points, CURATOR, f"edition {next(_editions)}")
    except LedgerError:
        pass


def oracle(core: Core, slug: str, headline: str | None) -> tuple[str | None, list[tuple]]:
    """The rule, worked out here from every point: (unit, [(id, dataset, value, year)])."""
    current = [
        p
        for p in core.store.reads.all_points()
        if p.domain == slug and p.status == "approved" and p.is_current
    ]
    unit = headline
    if unit is None and current:
        counts = Counter(p.unit for p in current)
        unit = min(counts, key=lambda u: (-counts[u], u))
    counted = sorted(
        (p for p in current if p.unit == unit and p.year is not None and p.quantity > 0),
        key=lambda p: (p.year, p.id),
    )
    figures = [Figure(p.dataset, p.quantity, p.year or 0) for p in counted]
    # frontier() keeps the very Figure objects given: each leads back to its point's id.
    point_of = {id(f): p for f, p in zip(figures, counted, strict=True)}
    return unit, [(point_of[id(f)].id, f.dataset, f.quantity, f.year) for f in frontier(figures)]


async def web_view(datasette: Datasette, slug: str) -> tuple[list[dict], Any]:
    response = await datasette.client.get(
        f"/ledger/growth_record.json?field={slug}&_shape=array&_size=max"
    )
    assert response.status_code == 200, response.text[:500]
    domain = datasette_site_domain(datasette, slug)
    return response.json(), await trend_inputs(datasette.get_database("ledger"), domain)


def datasette_site_domain(datasette: Datasette, slug: str) -> Any:
    from bot.web.plugin import site_of

    site = site_of(datasette)
    assert site is not None
    domain = site.fields().resolve(slug)
    assert domain is not None, slug
    return domain


def same(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12))


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.tuples(series, st.lists(operation, min_size=1, max_size=20)).map(
        lambda drawn: [drawn[0], *drawn[1]]
    ),
    headline=st.sampled_from([None, "hours"]),
)
def test_chat_and_web_give_every_ledger_the_same_frontier_and_rate(
    stack: tuple[Core, Datasette, BackgroundLoop],
    steps: list[tuple[Any, ...]],
    headline: str | None,
) -> None:
    core, datasette, background = stack
    number = next(_fields)
    slug = f"g{number}"
    unit_option = f" unit:{headline}" if headline else ""
    added = core.ask(f'/domain add {slug} "Growth field {number}"{unit_option}', MODERATOR)
    assert added.kind == "answer", added.as_text()
    ids: list[int] = []
    for step in steps:
        apply(core, slug, ids, step)

    domain = core.library.resolve(slug)
    assert domain is not None
    found = fieldgrowth.read(core.store, domain)
    chat = [(p.id, p.dataset, p.quantity, p.year) for p in found.records]
    data = core.ask(f"/trend {slug}").data
    rows, inputs = background.run(web_view(datasette, slug), timeout=30)
    web = [(row["id"], row["dataset"], row["value"], row["year"]) for row in rows]

    # One unit, one frontier: the oracle's, chat's, the canned query's, the chart's.
    unit, expected = oracle(core, slug, headline)
    event(f"{len(expected)} records")
    assert found.unit == inputs.unit == unit
    assert chat == web == expected
    assert all(row["unit"] == unit for row in rows)
    chart_records = [(f.dataset, f.quantity, f.year) for f in inputs.result.frontier]
    assert chart_records == [(d, q, y) for _, d, q, y in expected]
    # The same dots and the same rate, interval and leave-one-out range.
    if unit is not None:
        assert inputs.figures == core.store.reads.dated_figures(slug, unit)
    assert inputs.result == found.result
    rate = found.rate
    if isinstance(inputs.result, Growth):
        assert rate is not None
        assert same(data["growth_per_year"], inputs.result.per_year)
        assert same(data["growth_low"], inputs.result.low)
        assert same(data["growth_high"], inputs.result.high)
        loo = inputs.result.leave_one_out
        assert data["growth_leave_one_out"] == (list(loo) if loo is not None else None)
    else:
        assert rate is None
        assert data["growth_per_year"] is data["growth_low"] is data["growth_high"] is None


def test_the_web_reads_the_rule_on_its_guarded_connection(
    stack: tuple[Core, Datasette, BackgroundLoop],
) -> None:
    """The chart inputs are read under the privacy authorizer, which refuses user ids:
    the rule's SQL reads public columns only (else this read would be denied)."""
    core, datasette, background = stack
    db = datasette.get_database("ledger")

    async def private_read() -> None:
        await db.execute("SELECT submitted_by FROM data_points LIMIT 1")

    with pytest.raises(Exception, match=r"not authorized|prohibited"):
        background.run(private_read(), timeout=30)
    video = core.library.domains["video"]
    inputs = background.run(trend_inputs(db, video), timeout=30)
    assert inputs.unit == video.headline_unit
    assert inputs.result == fieldgrowth.read(core.store, video).result
