"""The caps of :mod:`bot.web.querycaps` on a plain SQLite connection.

The web view's answers to over-cap queries are in ``test_web_sql_caps.py``; this checks
the caps themselves: the row factory counts per statement and the limit is set.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.web import querycaps
from bot.web.querycaps import MAX_VALUE_BYTES, ResultTooLarge, RowBudget, cap


def test_the_caps_are_those_the_tests_and_readme_name() -> None:
    assert querycaps.MAX_VALUE_BYTES == 1_000_000
    assert querycaps.MAX_RESULT_CHARS == 16_000_000


def test_the_result_cap_counts_each_statement_afresh(tmp_path: Path) -> None:
    """On a real connection: one statement over the cap fails; the next starts at zero."""
    conn = sqlite3.connect(tmp_path / "caps.db")
    try:
        conn.row_factory = RowBudget(limit=10_000)
        rows = "with recursive r(i) as (select 1 union all select i + 1 from r limit 30) "
        assert len(conn.execute(rows + "select zeroblob(300) from r").fetchall()) == 30
        with pytest.raises(ResultTooLarge, match="10,000 characters"):
            conn.execute(rows + "select printf('%.*c', 400, 'x') from r").fetchall()
        assert len(conn.execute(rows + "select zeroblob(300) from r").fetchall()) == 30
        assert conn.execute("select 1 as one").fetchone()["one"] == 1  # rows as Datasette's
    finally:
        conn.close()


def test_the_value_cap_is_on_the_connection(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "caps.db")
    try:
        cap(conn)
        assert conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == MAX_VALUE_BYTES
        with pytest.raises(sqlite3.DataError, match="too big"):
            conn.execute("select zeroblob(?)", (MAX_VALUE_BYTES + 1,)).fetchall()
    finally:
        conn.close()
