"""A dataset's current figures: one per unit, kept right as figures are decided.

InternVid is 760K hours *and* 234M clips: each unit is a measure of its own, and a
dataset's current figure in a unit is its newest approved one there (by year, then by
approval). Approving a figure in clips touches only the clips measure; withdrawing one
makes the previous figure in that unit current again.

Each dataset row carries what listing it needs: how many current measures it has, its
figure in the domain's headline unit (the ``rank`` it sorts by), and its newest year.
:func:`refresh` recomputes both for one dataset and unit after any change, inside the
caller's transaction; the domain's dataset counter follows a dataset gaining its first
measure or losing its last.
"""

from __future__ import annotations

import sqlite3


def newest_first(table: str = "") -> str:
    """The order whose first approved figure of a dataset and unit is its current one.

    One definition, so that the store, saying which figure a withdrawal would make
    current, orders exactly as :func:`refresh` does; ``table`` qualifies the columns.
    """
    prefix = f"{table}." if table else ""
    return f"{prefix}year DESC NULLS LAST, {prefix}reviewed_at DESC, {prefix}id DESC"


def refresh(
    conn: sqlite3.Connection, dataset_id: int, unit: str, headline_unit: str | None
) -> None:
    """Make the newest approved figure of ``dataset_id`` in ``unit`` its current one."""
    conn.execute(
        "UPDATE data_points INDEXED BY idx_current_by_dataset SET is_current = 0 "
        "WHERE dataset_id = ? AND unit = ? AND status = 'approved' AND is_current = 1",
        (dataset_id, unit),
    )
    conn.execute(
        "UPDATE data_points SET is_current = 1 WHERE id = ("
        " SELECT id FROM data_points WHERE dataset_id = ? AND unit = ? AND status = 'approved'"
        f" ORDER BY {newest_first()} LIMIT 1)",
        (dataset_id, unit),
    )
    summarise(conn, dataset_id, headline_unit)


def refresh_all_units(conn: sqlite3.Connection, dataset_id: int, headline_unit: str | None) -> None:
    """:func:`refresh` for every unit the dataset has figures in (after a merge)."""
    units = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT unit FROM data_points WHERE dataset_id = ?", (dataset_id,)
        )
    ]
    for unit in units:
        refresh(conn, dataset_id, unit, headline_unit)
    if not units:
        summarise(conn, dataset_id, headline_unit)


def summarise(conn: sqlite3.Connection, dataset_id: int, headline_unit: str | None) -> None:
    """Recount the dataset's current measures, rank and newest year; keep the counter."""
    row = conn.execute(
        "SELECT COUNT(*), MAX(year), MAX(reviewed_at), "
        "MAX(CASE WHEN unit = ? THEN quantity END) "
        "FROM data_points WHERE dataset_id = ? AND status = 'approved' AND is_current = 1",
        (headline_unit, dataset_id),
    ).fetchone()
    measures, latest_year, latest_at, rank = row
    before = conn.execute(
        "SELECT measures, domain, merged_into FROM datasets WHERE id = ?", (dataset_id,)
    ).fetchone()
    if before is None:
        return
    was_listed = before[0] > 0 and before[2] is None
    conn.execute(
        "UPDATE datasets SET measures = ?, rank = ?, latest_year = ?, latest_at = ? WHERE id = ?",
        (measures, rank, latest_year, latest_at, dataset_id),
    )
    listed = measures > 0 and before[2] is None
    if listed and not was_listed:
        conn.execute(
            "INSERT INTO domain_counts (domain, datasets) VALUES (?, 1) "
            "ON CONFLICT (domain) DO UPDATE SET datasets = datasets + 1",
            (before[1],),
        )
    elif was_listed and not listed:
        # An UPDATE, not an upsert: the upsert's row of -1 would trip the CHECK first.
        conn.execute(
            "UPDATE domain_counts SET datasets = datasets - 1 WHERE domain = ?", (before[1],)
        )


def rank_by(conn: sqlite3.Connection, headline_units: dict[str, str]) -> None:
    """Set every dataset's rank to its current figure in its domain's headline unit.

    Run when the headline units change (and once after the datasets migration): the
    ledger does not know the knowledge base, so the store hands them over.
    """
    for domain, unit in headline_units.items():
        conn.execute(
            "UPDATE datasets SET rank = ("
            " SELECT MAX(p.quantity) FROM data_points AS p WHERE p.dataset_id = datasets.id"
            " AND p.unit = ? AND p.status = 'approved' AND p.is_current = 1"
            ") WHERE domain = ?",
            (unit, domain),
        )
