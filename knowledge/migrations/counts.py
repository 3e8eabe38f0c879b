"""Rate-limit counts and the ledger's version, the reply cache's cue."""

from __future__ import annotations

from sqlite_utils import Database


def count_rate_limits(db: Database) -> None:
    """Rate-limit counts per user, kind of request and window, and the ledger's version.

    ``rate_counts`` is read and written by its primary key (one user's count in one
    window); ``expires`` is indexed for the hourly deletion of ended windows.

    Counting a command is a commit that changes nothing a reply shows, so the reply
    cache must not take it for a change of the ledger (``PRAGMA data_version`` moves
    with every commit): every other write raises ``ledger_version``, which the cache
    reads when ``data_version`` has moved. Statements run one by one, inside the
    migration's transaction.
    """
    for statement in (
        """
        CREATE TABLE rate_counts (
            user TEXT NOT NULL,
            scope TEXT NOT NULL,
            window_start INTEGER NOT NULL,
            count INTEGER NOT NULL CHECK (count >= 0),
            expires INTEGER NOT NULL,
            PRIMARY KEY (user, scope, window_start)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX idx_rate_counts_expires ON rate_counts (expires)",
        """
        CREATE TABLE ledger_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        )
        """,
        "INSERT INTO ledger_version (id, version) VALUES (1, 0)",
    ):
        db.execute(statement)
