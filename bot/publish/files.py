"""The snapshot's data files, written so that the same rows give the same bytes.

- **SQLite**: the tables are built in memory with a fixed page size, then written out
  with ``VACUUM INTO``: a fresh file with no journal, no free pages, no time stamps and
  its rows in the order given. SQLite's header holds a change counter and the library's
  version, which are the same for the same build on the same SQLite.
- **CSV**: RFC 4180 (``\\r\\n`` line endings, the Frictionless default dialect), a header
  row, an empty cell for NULL, every cell through the project's one spreadsheet rule
  (:func:`bot.csvcells.csv_cell`), as the web view's CSV downloads.
- **JSON**: an array of objects (Datasette's ``?_shape=array``), one row a line, keys in
  the table's column order, floats as Python writes them (the shortest text that reads
  back the same), no NaN.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.csvcells import FORMULA_STARTS, csv_row
from bot.publish.tables import Rows, Table

#: What a cell starts with when it may start a formula (:data:`bot.csvcells.FORMULA_STARTS`,
#: and the ``'`` the rule looks behind): a cell starting otherwise is written as it is.
_RISKY_STARTS = frozenset("".join(FORMULA_STARTS) + "'")
#: Bytes per SQLite page: SQLite's default, fixed so the file does not follow a build's.
PAGE_SIZE = 4096


def create_sql(table: Table) -> list[str]:
    """The statements that make ``table`` and its indexes in the snapshot."""
    columns = []
    for column in table.columns:
        key = " PRIMARY KEY" if column.name == table.primary_key else ""
        columns.append(f"[{column.name}] {column.sql}{key}")
    statements = [f"CREATE TABLE [{table.name}] (\n  " + ",\n  ".join(columns) + "\n)"]
    for indexed in table.indexes:
        name = f"idx_{table.name}_{'_'.join(indexed)}"
        statements.append(
            f"CREATE INDEX [{name}] ON [{table.name}] ({', '.join(f'[{c}]' for c in indexed)})"
        )
    return statements


def write_sqlite(path: Path, tables: Sequence[Rows]) -> None:
    """``tables`` as a new SQLite file at ``path`` (see the module for why this way)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        for read in tables:
            table, *indexes = create_sql(read.table)
            conn.execute(table)
            marks = ", ".join("?" * len(read.table.columns))
            conn.executemany(f"INSERT INTO [{read.table.name}] VALUES ({marks})", read.rows)
            for index in indexes:  # after the rows: one sort, not a tree grown row by row
                conn.execute(index)
        conn.commit()
        conn.execute("VACUUM INTO ?", (str(path),))
    finally:
        conn.close()


def write_csv(path: Path, read: Rows) -> None:
    """``read`` as CSV at ``path``."""
    texts = [n for n, column in enumerate(read.table.columns) if column.sql == "TEXT"]

    def cells(row: tuple[Any, ...]) -> Sequence[Any]:
        # Most rows have no text that could start a formula: only those go through the rule.
        for n in texts:
            text = row[n]
            if text and text[0] in _RISKY_STARTS:
                return csv_row(row)
        return row

    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(read.table.names)
        writer.writerows(map(cells, read.rows))


def write_json(path: Path, read: Rows) -> None:
    """``read`` as a JSON array of objects at ``path``."""
    names = read.table.names
    # One encoder for every row: ``json.dumps`` with options makes a new one each call.
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("[")
        out.write(",".join("\n" + encode(dict(zip(names, row, strict=True))) for row in read.rows))
        out.write("\n]\n")


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
