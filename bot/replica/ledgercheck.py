"""Is a restored file a scalebot ledger? SQLite's integrity check, the schema, the counts.

A restore that gives back a file is not yet a ledger: the replica may hold another
program's database, or a file cut short. This opens the file read-only and says what it
holds, without migrating or otherwise writing it, so the checked file is the restored one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from knowledge.migrations import ORDER


class NotALedger(Exception):
    """The file is not a scalebot ledger (or is damaged); the message says how."""


@dataclass(frozen=True)
class LedgerSummary:
    """What a checked ledger holds: its last migration and its figures by status."""

    migrations: int
    last_migration: str
    figures: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.figures.values())

    @property
    def newer_schema(self) -> bool:
        """The file was written by a newer scalebot (a migration this one does not know)."""
        return self.last_migration not in {name for name, _ in ORDER}

    def describe(self) -> str:
        parts = ", ".join(f"{count:,} {status}" for status, count in sorted(self.figures.items()))
        return (
            f"{self.total:,} figures ({parts or 'none'}); schema {self.last_migration} "
            f"({self.migrations} migrations)"
        )


def check_ledger(path: Path) -> LedgerSummary:
    """The summary of the ledger at ``path``, or :class:`NotALedger` saying what is wrong."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise NotALedger(f"SQLite cannot open it ({error})") from None
    try:
        return _summary(conn)
    except sqlite3.DatabaseError as error:
        raise NotALedger(f"SQLite cannot read it ({error})") from None
    finally:
        conn.close()


def _summary(conn: sqlite3.Connection) -> LedgerSummary:
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        raise NotALedger(f"SQLite's integrity check fails: {'; '.join(problems[:3])}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "_sqlite_migrations" not in tables or "data_points" not in tables:
        raise NotALedger("it is a SQLite database, but not a scalebot ledger (no migrations table)")
    applied = conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'scalebot' ORDER BY id"
    ).fetchall()
    if not applied:
        raise NotALedger("its migrations table names no scalebot migration")
    figures = dict(conn.execute("SELECT status, COUNT(*) FROM data_points GROUP BY status"))
    return LedgerSummary(len(applied), applied[-1][0], figures)
