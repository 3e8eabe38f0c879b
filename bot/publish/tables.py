"""The snapshot's tables: what the web view lets anyone read, as plain tables.

Each table names its columns one by one, as the public views do, so a column added to
the ledger later stays out of the snapshot until a table here names it:

- ``figures``, ``current_figures``: the public views (migration ``0008_public_views``,
  last remade by ``0012_source_checks``), column for column;
- ``datasets``: the table the web view shows whole;
- ``growth_records``: the web view's ``growth_record`` canned query run for every field
  (it reads the ledger's points, which the snapshot does not hold), with the field;
- ``fields``: each field's slug and name (the home page's links), the unit its record
  is read in and its chart's file.

Everything is read on a connection that carries the web view's own SQLite authorizer
(:func:`bot.web.privacy.protect`): a read of a column not on the public list fails
here as it would on the web, whatever this module asks. Rows are read in a fixed
order, so one ledger gives one snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.web.app import POINT_COLUMNS
from knowledge import records
from knowledge.kb import Library


@dataclass(frozen=True)
class Column:
    """A snapshot column: its SQLite type, its Frictionless Table Schema type, its meaning."""

    name: str
    sql: str
    kind: str
    description: str


@dataclass(frozen=True)
class Table:
    """A snapshot table's shape: its columns, its key, its indexes, how it is read."""

    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: str | None = None
    indexes: tuple[tuple[str, ...], ...] = ()
    #: ``SELECT ... FROM`` the ledger (None: made by :func:`read_tables` otherwise).
    source: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@dataclass(frozen=True)
class Rows:
    """A table and the rows the ledger gave it, in the order they are written."""

    table: Table
    rows: Sequence[tuple[Any, ...]]


_TYPES = {"TEXT": "string", "INTEGER": "integer", "REAL": "number"}


def _point(name: str, sql: str, description: str | None = None, kind: str | None = None) -> Column:
    return Column(name, sql, kind or _TYPES[sql], description or POINT_COLUMNS[name])


_DECIDED_ON = (
    "The day it was approved or rejected (YYYY-MM-DD); empty while pending and for a "
    "curated figure (the project's starter set, which no moderator decided)"
)
#: The ``figures`` view's columns, in its order (``current_figures`` lacks two).
FIGURE_COLUMNS = (
    _point("dataset", "TEXT"),
    _point("domain", "TEXT"),
    _point("value", "REAL"),
    _point("unit", "TEXT"),
    _point("year", "INTEGER"),
    _point("status", "TEXT"),
    _point("current", "INTEGER"),
    _point("decided_on", "TEXT", _DECIDED_ON, kind="date"),
    _point("disputes", "INTEGER"),
    _point("source", "TEXT"),
    _point("source_check", "TEXT"),
    _point("source_figures", "TEXT"),
    _point("note", "TEXT"),
    _point("origin", "TEXT"),
    _point("id", "INTEGER"),
    _point("dataset_id", "INTEGER"),
)
_CURRENT_COLUMNS = tuple(c for c in FIGURE_COLUMNS if c.name not in ("status", "current"))

_UTC = "an ISO 8601 time in UTC"
DATASET_COLUMNS = (
    Column("id", "INTEGER", "integer", "The dataset's number: dataset_id in the figures"),
    Column("domain", "TEXT", "string", "The research field"),
    Column("name", "TEXT", "string", "The canonical name (the first spelling stored)"),
    Column("key", "TEXT", "string", "The name without case, spaces or punctuation"),
    Column("merged_into", "INTEGER", "integer", "The dataset this duplicate name was merged into"),
    Column("created_at", "TEXT", "string", f"When its first figure was stored ({_UTC})"),
    Column("measures", "INTEGER", "integer", "How many units it has a current figure in"),
    Column("rank", "REAL", "number", "Its current figure in the field's headline unit"),
    Column("latest_year", "INTEGER", "integer", "The newest year among its current figures"),
    Column("latest_at", "TEXT", "string", f"When its newest current figure was decided ({_UTC})"),
)

RECORD_COLUMNS = (
    Column("domain", "TEXT", "string", "The field (its slug)"),
    Column("year", "INTEGER", "integer", "The year the record was set"),
    Column("dataset", "TEXT", "string", "The dataset that set it, by its canonical name"),
    Column("value", "REAL", "number", "The record figure"),
    Column("unit", "TEXT", "string", "The field's headline unit (else its most used)"),
    Column("times_previous", "REAL", "number", "How many times the record before it this one is"),
    Column("source", "TEXT", "string", "Where the figure is stated"),
    Column("id", "INTEGER", "integer", "The figure's number in the figures table"),
)

FIELD_COLUMNS = (
    Column("slug", "TEXT", "string", "The field's short name, as commands and files name it"),
    Column("name", "TEXT", "string", "The field's name"),
    Column("unit", "TEXT", "string", "The unit its record and chart are read in"),
    Column("chart", "TEXT", "string", "Its growth chart in this snapshot (a PNG)"),
)


def _select(columns: Iterable[Column], rest: str) -> str:
    return f"SELECT {', '.join(c.name for c in columns)} {rest}"


FIGURES = Table(
    "figures",
    "Every figure",
    "Every figure ever submitted, with its status: pending, approved or rejected.",
    FIGURE_COLUMNS,
    primary_key="id",
    indexes=(("domain", "unit"), ("status",), ("dataset_id",)),
    source=_select(FIGURE_COLUMNS, "FROM figures ORDER BY id"),
)
CURRENT_FIGURES = Table(
    "current_figures",
    "Current figures",
    "Each dataset's current figure in every unit it is counted in: its newest approved "
    "one. Sorted by field, unit, then largest first.",
    _CURRENT_COLUMNS,
    primary_key="id",
    indexes=(("domain", "unit", "value"),),
)
DATASETS = Table(
    "datasets",
    "Datasets",
    "One row per dataset of a field, named as it was first stored; merged_into points "
    "at the dataset a duplicate name was merged into.",
    DATASET_COLUMNS,
    primary_key="id",
    indexes=(("domain",), ("name",)),
    source=_select(DATASET_COLUMNS, "FROM datasets ORDER BY id"),
)
GROWTH_RECORDS = Table(
    "growth_records",
    "Growth records",
    "The figures that set a new record for each field's largest dataset, year by year: "
    "the web view's growth_record query for every field (the rule of knowledge/records.py).",
    RECORD_COLUMNS,
    indexes=(("domain", "year"),),
)
FIELDS = Table(
    "fields",
    "Fields",
    "The research fields: the essay's and those moderators added.",
    FIELD_COLUMNS,
    primary_key="slug",
)
#: Every table of a snapshot, in the order it is written.
TABLES = (FIGURES, CURRENT_FIGURES, DATASETS, GROWTH_RECORDS, FIELDS)


def chart_path(slug: str) -> str:
    """Where a field's chart lies in the snapshot (slugs are ``[a-z0-9-]``)."""
    return f"charts/{slug}.png"


#: The comparison chart of every field, as ``/-/charts/compare.png`` draws it; the
#: underscore keeps it apart from every field's chart (a slug has none).
COMPARE_CHART = "charts/all_fields.png"


def read_tables(conn: sqlite3.Connection, library: Library) -> list[Rows]:
    """Every table's rows, read on ``conn`` (a protected connection: see the module)."""
    figures = conn.execute(_source(FIGURES)).fetchall()
    return [
        Rows(FIGURES, figures),
        Rows(CURRENT_FIGURES, _current(figures)),
        Rows(DATASETS, conn.execute(_source(DATASETS)).fetchall()),
        Rows(GROWTH_RECORDS, _growth_records(conn, library)),
        Rows(FIELDS, _fields(conn, library)),
    ]


def _source(table: Table) -> str:
    assert table.source is not None, f"{table.name} is not read as it is"
    return table.source


def _current(figures: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``current_figures`` from the ``figures`` rows, not read a second time.

    The view is ``figures`` where ``status = 'approved' AND current = 1``, without
    those two columns (migration 0012 makes both from one column list; the snapshot's
    tests compare the two row for row), sorted by field, unit, largest first.
    """
    names = FIGURES.names
    status, current = names.index("status"), names.index("current")
    kept = [names.index(column.name) for column in _CURRENT_COLUMNS]
    rows = [
        tuple(row[n] for n in kept)
        for row in figures
        if row[status] == "approved" and row[current] == 1
    ]
    shown = CURRENT_FIGURES.names
    domain, unit, value, point = (shown.index(n) for n in ("domain", "unit", "value", "id"))
    rows.sort(key=lambda row: (row[domain], row[unit], -row[value], row[point]))
    return rows


def _growth_records(conn: sqlite3.Connection, library: Library) -> list[tuple[Any, ...]]:
    """The web's ``growth_record`` query, field by field (sorted by slug)."""
    units = {slug: domain.headline_unit for slug, domain in library.domains.items()}
    sql = records.growth_record_sql(units)
    rows: list[tuple[Any, ...]] = []
    for slug in sorted(library.domains):
        rows.extend((slug, *row) for row in conn.execute(sql, {"field": slug}))
    return rows


def _fields(conn: sqlite3.Connection, library: Library) -> list[tuple[Any, ...]]:
    return [
        (slug, domain.name, records.field_unit(conn, domain), chart_path(slug))
        for slug, domain in sorted(library.domains.items())
    ]
