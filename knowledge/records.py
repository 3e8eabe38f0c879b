"""A field's record frontier: the one rule chat and the web read growth from.

``/trend``, ``/compare``, ``/scale``'s card, ``scalebot chart``, the web view's
``growth_record`` query and its ``/-/charts`` all ask this module, so a field cannot
grow ×2 a year in chat and have "not enough history" on the web. The rule:

- **Which figures count**: the field's *current* approved figures that have a year,
  in one unit (``status = 'approved' AND is_current = 1``). A corrected figure is
  replaced by its correction (only a dataset's newest approved figure in a unit is
  current); a dataset merged into another counts once, as that one; rejected,
  withdrawn and pending figures do not count, and neither does a disputed one that is
  not approved. A disputed approved figure counts until a moderator withdraws it.
- **Which unit**: the field's headline unit, else the unit most of its current
  figures are counted in (ties: the first by name): :func:`field_unit` in Python,
  :func:`unit_sql` as an SQL expression, both over :data:`MOST_USED_UNIT_SQL`.
- **Which year**: the figure's own year (when the dataset appeared in public).
- **The tie rule**: each year's largest figure, and among equal ones the earliest
  stored (lowest id); a year's largest is a record when it is strictly larger than
  every earlier year's (and than 0). This is :func:`knowledge.trend.frontier` given
  the figures in (year, id) order.

The SQL (:func:`yearly_largest_sql`) is one text: the store reads a field's records with
:func:`record_ids` on its connection, the web view runs :func:`record_frontier` (the
same, with the public columns) on Datasette's (``db.execute_fn``), and the canned query
is built from the same text with the unit as an expression and the record rule as a
window. A chart's grey dots (:func:`dated_figures`, :func:`dots_sql`) are read the same
way, one seek a dot, so a chart of a million figures reads a few hundred rows. It reads
only columns the web view's privacy rule lets through (``bot/web/privacy.py``): no user
ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from knowledge.models import AnyDomain
from knowledge.trend import Figure, Growth, NotEnoughHistory, growth

#: The most dots a chart draws of a field's figures in a unit (see :func:`dated_figures`).
CHART_FIGURES = 2_000
#: A chart's dots in one year are at least this factor apart in size (a tenth of a
#: decade): on the chart's log axis a figure closer to a dot than that is under the dot.
DOT_STEP = 10**0.1

#: The figures that count, in ``p`` (``data_points``): ``{domain}`` and ``{unit}`` are
#: SQL expressions (parameters, or the canned query's unit expression).
_COUNTS = (
    "p.domain = {domain} AND p.unit = {unit} AND p.year IS NOT NULL "
    "AND p.status = 'approved' AND p.is_current = 1"
)

#: The unit most of a field's current figures are counted in (ties: first by name).
#: ``{domain}`` is an SQL expression; one read of ``idx_current_by_unit``.
MOST_USED_UNIT_SQL = (
    "SELECT p.unit FROM data_points AS p INDEXED BY idx_current_by_unit "
    "WHERE p.domain = {domain} AND p.status = 'approved' AND p.is_current = 1 "
    "GROUP BY p.unit ORDER BY COUNT(*) DESC, p.unit LIMIT 1"
)


def yearly_largest_sql(domain: str = ":domain", unit: str = ":unit") -> str:
    """Each year's largest counted figure (ties: the lowest id), oldest year first.

    Rows are ``(id, year, quantity)``. The years a field has figures in are found by a
    recursive skip through ``idx_record_by_year`` and each year's largest by one seek,
    so the cost is the number of years, however many figures each holds. The index
    holds each figure's id, year and quantity, so no row of the table is read (the
    second seek of a year finds its pages just read). ``domain`` and ``unit`` are SQL
    expressions.
    """
    where = _COUNTS.format(domain=domain, unit=unit)
    largest = (
        "SELECT p.{column} FROM data_points AS p INDEXED BY idx_record_by_year "
        f"WHERE {where} AND p.year = years.year ORDER BY p.quantity DESC, p.id LIMIT 1"
    )
    return f"""{_years(where)}
SELECT ({largest.format(column="id")}) AS id, years.year AS year,
    ({largest.format(column="quantity")}) AS quantity
FROM years WHERE years.year IS NOT NULL
ORDER BY years.year"""


def _years(where: str) -> str:
    """``WITH RECURSIVE years(year)``: the years figures ``where`` holds are in (then a
    NULL), by a skip through ``idx_record_by_year``: one seek a year."""
    return f"""WITH RECURSIVE years(year) AS (
    SELECT (SELECT p.year FROM data_points AS p INDEXED BY idx_record_by_year
            WHERE {where} ORDER BY p.year LIMIT 1)
    UNION ALL
    SELECT (SELECT p.year FROM data_points AS p INDEXED BY idx_record_by_year
            WHERE {where} AND p.year > years.year ORDER BY p.year LIMIT 1)
    FROM years WHERE years.year IS NOT NULL
)"""


_YEARLY_LARGEST = yearly_largest_sql("?1", "?2")
#: What anyone may read of the records: the dataset's canonical name and the source.
_PUBLIC = (
    "SELECT p.id, COALESCE((SELECT d.name FROM datasets AS d WHERE d.id = p.dataset_id), "
    "p.dataset), p.unit, p.source_url FROM data_points AS p WHERE p.id IN ({marks})"
)


def dots_sql(domain: str = ":domain", unit: str = ":unit") -> str:
    """A chart's dots: ``(dataset, quantity, year)``, year by year, the largest first.

    Each year's largest counted figure, then the largest below a :data:`DOT_STEP`-th
    of it, and so on down: one seek of ``idx_record_by_year`` a dot, so the rows read
    are the dots drawn, however many figures lie between them. The years are taken in
    turn (one dot of every year, then a second of every year, ...) and ``:limit`` stops
    it, so the newest years are not the ones left out. ``:step`` is the factor.
    """
    where = _COUNTS.format(domain=domain, unit=unit)
    below = (
        "SELECT p.id FROM data_points AS p INDEXED BY idx_record_by_year "
        f"WHERE {where} AND p.year = {{year}}{{smaller}} ORDER BY p.quantity DESC, p.id LIMIT 1"
    )
    first = below.format(year="years.year", smaller="")
    after = below.format(year="dots.year", smaller=" AND p.quantity < dots.quantity / :step")
    return f"""{_years(where)},
dots(year, id, quantity) AS (
    SELECT years.year, top.id, top.quantity FROM years
    JOIN data_points AS top ON top.id = ({first})
    UNION ALL
    SELECT dots.year, next.id, next.quantity FROM dots
    JOIN data_points AS next ON next.id = ({after})
    LIMIT :limit
)
SELECT COALESCE((SELECT d.name FROM datasets AS d WHERE d.id = p.dataset_id), p.dataset),
    dots.quantity, dots.year
FROM dots JOIN data_points AS p ON p.id = dots.id
ORDER BY dots.year, dots.quantity DESC, dots.id"""


_DOTS = dots_sql()


@dataclass(frozen=True)
class Record:
    """A figure on the frontier, as anyone may read it: no user ids."""

    id: int
    year: int
    quantity: float
    dataset: str
    unit: str
    source: str

    @property
    def figure(self) -> Figure:
        return Figure(self.dataset, self.quantity, self.year)


def record_ids(conn: sqlite3.Connection, domain: str, unit: str) -> list[tuple[int, int, float]]:
    """``(id, year, quantity)`` of the figures that set ``domain``'s record in ``unit``.

    Each year's largest (:func:`yearly_largest_sql`) that is strictly larger than every
    earlier year's, oldest first: the store's read, a statement and a loop.
    """
    kept: list[tuple[int, int, float]] = []
    best = 0.0
    for point_id, year, quantity in conn.execute(_YEARLY_LARGEST, (domain, unit)):
        if quantity > best:
            best = quantity
            kept.append((point_id, year, quantity))
    return kept


#: The last figure of the frontier, read alone: see :func:`record_now`.
_RECORD_NOW = (
    "SELECT p.id, p.year, p.quantity FROM data_points AS p INDEXED BY idx_current_by_unit "
    f"WHERE {_COUNTS.format(domain='?1', unit='?2')} "
    "ORDER BY p.quantity DESC, p.year, p.id LIMIT 1"
)


def record_now(conn: sqlite3.Connection, domain: str, unit: str) -> tuple[int, int, float] | None:
    """``domain``'s record in ``unit`` now: the last of :func:`record_ids`, or None.

    The frontier's last figure is the largest counted one, and among equal ones the
    first year's lowest id (a later equal figure is not strictly larger); so it is the
    first entry of ``idx_current_by_unit`` in that order that has a year: one seek, for
    a decision to compare the record before and after it without reading the frontier.
    """
    row = conn.execute(_RECORD_NOW, (domain, unit)).fetchone()
    return (int(row[0]), int(row[1]), float(row[2])) if row else None


def record_frontier(conn: sqlite3.Connection, domain: str, unit: str) -> tuple[Record, ...]:
    """The figures that set ``domain``'s record in ``unit``, oldest first, with their
    public columns (what the web view reads: see the rule)."""
    return public_records(conn, record_ids(conn, domain, unit))


def public_records(
    conn: sqlite3.Connection, kept: list[tuple[int, int, float]]
) -> tuple[Record, ...]:
    """:func:`record_ids`' figures with their public columns, in the order given."""
    if not kept:
        return ()
    sql = _PUBLIC.format(marks=", ".join("?" * len(kept)))
    public = {row[0]: row[1:] for row in conn.execute(sql, [point_id for point_id, _, _ in kept])}
    return tuple(
        Record(point_id, int(year), float(quantity), *public[point_id])
        for point_id, year, quantity in kept
    )


def dated_figures(
    conn: sqlite3.Connection, domain: str, unit: str, limit: int = CHART_FIGURES
) -> tuple[Figure, ...]:
    """The figures a chart of ``domain`` in ``unit`` draws as dots, year by year.

    Every year's spread of sizes, read through the index (:func:`dots_sql`): where
    figures lie within a tenth of a decade of each other in a year one dot stands for
    them, as it would cover them on the chart, so a field of a million figures is drawn
    from a few hundred rows and looks as it would drawn from all of them. Chat's chart
    and the web's read their dots here, so they are one picture.
    """
    params = {"domain": domain, "unit": unit, "limit": limit, "step": DOT_STEP}
    rows = conn.execute(_DOTS, params).fetchall()
    return tuple(Figure(name, float(quantity), int(year)) for name, quantity, year in rows)


def most_used_unit(conn: sqlite3.Connection, domain: str) -> str | None:
    """The unit most of ``domain``'s current figures are counted in; None with none."""
    row = conn.execute(MOST_USED_UNIT_SQL.format(domain="?"), (domain,)).fetchone()
    return str(row[0]) if row else None


def field_unit(conn: sqlite3.Connection, domain: AnyDomain) -> str | None:
    """The unit ``domain``'s record is read in: its headline unit, else its most used."""
    return domain.headline_unit or most_used_unit(conn, domain.slug)


def unit_sql(headline_units: Mapping[str, str | None], domain: str = ":field") -> str:
    """:func:`field_unit` as an SQL expression of the field ``domain`` (an expression).

    The headline units come from the knowledge base and moderators, so they are
    written as SQL string literals.
    """
    most_used = f"({MOST_USED_UNIT_SQL.format(domain=domain)})"
    cases = " ".join(
        f"WHEN {_literal(slug)} THEN {_literal(unit)}"
        for slug, unit in sorted(headline_units.items())
        if unit
    )
    return f"(CASE {domain} {cases} ELSE {most_used} END)" if cases else most_used


def growth_record_sql(headline_units: Mapping[str, str | None]) -> str:
    """The web's ``growth_record`` query for the field ``:field``, in its unit.

    :func:`yearly_largest_sql` with the unit as :func:`unit_sql`, then the same record
    rule as :func:`record_ids` in SQL (a year's largest is kept when it beats the
    greatest before it), each record with how many times the record before it it is.
    """
    yearly = yearly_largest_sql(":field", unit_sql(headline_units)).replace("\n", "\n  ")
    return (
        f"WITH yearly AS (\n  {yearly}\n), marked AS (\n"
        "  SELECT id, year, quantity, MAX(quantity) OVER (\n"
        "    ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING\n"
        "  ) AS before FROM yearly\n"
        "), frontier AS (\n"
        "  SELECT m.year, COALESCE((SELECT d.name FROM datasets AS d WHERE d.id = p.dataset_id),\n"
        "    p.dataset) AS dataset, m.quantity AS value, p.unit, p.source_url AS source, m.id\n"
        "  FROM marked AS m JOIN data_points AS p ON p.id = m.id\n"
        "  WHERE m.quantity > COALESCE(m.before, 0)\n"
        ")\n"
        "SELECT year, dataset, value, unit,\n"
        "  round(value / LAG(value) OVER (ORDER BY year), 2) AS times_previous, source, id\n"
        "FROM frontier ORDER BY year"
    )


def field_growth(
    name: str, unit: str | None, records: tuple[Figure, ...]
) -> Growth | NotEnoughHistory:
    """The rate fitted to a field's frontier, or why there is none, in the words every
    surface shows (chat's reply, its chart, the web's chart). ``unit`` is None when the
    field has no unit yet (a community field with no approved figure)."""
    if unit is None:
        return NotEnoughHistory(
            (), "it has no approved figures yet", "dated figures (/submit) would start one"
        )
    result = growth(records)
    if not result.frontier:
        return NotEnoughHistory(
            (),
            f"{name} has no approved dated figures in {unit}",
            f"dated figures in {unit} (/submit) would start one",
        )
    return result


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
