"""What the web view may read of the ledger, enforced where SQLite reads it.

Hiding a table from Datasette's listings is not enough: a URL, a JSON export or a line
of SQL would still reach it. So the rule is kept twice, and the second keeps it even
if the first is wrong:

1. **Pages** (:func:`table_is_public`): Datasette shows only the public views and the
   ``datasets`` table; every other table answers 403, whoever asks and however.
2. **SQL** (:class:`Authorizer`): every connection Datasette opens on the ledger has
   SQLite's authorizer set. It refuses every statement that writes (the connections are
   also opened read-only) and every read of a column not listed in :data:`PUBLIC_READS`,
   whatever the query: a canned query, a facet, or a visitor's own SQL when that is on.
   It judges the table and column SQLite actually reads, never the name of the view
   the read came through, since a query can name a CTE after a public view. Pragma
   functions (``select * from pragma_database_list`` shows the file's path) are
   refused to everyone.

``SCALEBOT_WEB_SHOW_USERS=1`` (a private deployment) lifts the read rule and shows
every table but the secret ones (:data:`SECRET_TABLES`: Slack's installations, with
each workspace's bot token, and the OAuth states), which no page and no SQL ever reads;
nothing is ever writable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

#: Tables and views the pages show; the views are made by migration 0008_public_views
#: (as 0012_source_checks last made them).
PUBLIC_TABLES = frozenset({"current_figures", "figures", "datasets"})

#: Every column of the ledger that may be read: each public view's own columns, and the
#: columns of the tables underneath that those views (and nothing else) need. ``""`` is
#: how SQLite names a table read with no column (``count(*)``). Everything not here (who
#: submitted or reviewed, the platform, workspace and channel, the moderator's note, the
#: audit log, flags, confirmations, rate limits, ...) is refused.
_VIEW_COLUMNS = frozenset(
    "id dataset domain value unit year status current disputes decided_on origin source "
    "source_check source_figures note dataset_id".split()
) | {""}
PUBLIC_READS: Mapping[str, frozenset[str]] = {
    "figures": _VIEW_COLUMNS,
    "current_figures": _VIEW_COLUMNS,
    "data_points": frozenset(
        "id rowid dataset domain quantity unit year status is_current disputes reviewed_at "
        "origin source_url note dataset_id".split()
    )
    | {""},
    # A figure's source check as the views show it: the status and the figures found
    # (migration 0012_source_checks); not the JSON with its sentences, nor the reason a
    # source could not be read, which may name the server's own network.
    "source_checks": frozenset({"point_id", "status", "found"}),
    "datasets": frozenset(
        "id rowid domain name key merged_into created_at measures rank latest_year "
        "latest_at".split()
    )
    | {""},
}
#: Tables that hold secrets (``bot.slack.installs.TABLES``: bot tokens, refresh tokens,
#: OAuth states): never shown, never read, whatever the settings (checked by the tests).
SECRET_TABLES = frozenset({"slack_installs", "slack_oauth_states"})
#: Columns that identify people on a platform: never public (checked by the tests).
PRIVATE_COLUMNS = frozenset(
    {"submitted_by", "reviewed_by", "platform", "workspace", "channel", "review_note"}
)

#: The schema itself (names, columns, indexes), which Datasette reads to draw any page.
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master"})
#: Pragmas that describe the schema or the connection and change nothing.
_READ_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "database_list",
        "collation_list",
        "function_list",
        "module_list",
        "pragma_list",
        "compile_options",
    }
)
#: Pragmas that are read-only when asked without a value.
_QUERY_PRAGMAS = frozenset({"schema_version", "data_version", "user_version", "page_size"})
#: What a reading statement is made of: the SELECT itself, a function call, a
#: recursive CTE. Every other action (insert, update, delete, create, drop, alter,
#: attach, detach, transaction, savepoint, analyze, reindex, vacuum...) is refused.
_READING_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


def table_is_public(table: str, *, show_users: bool) -> bool:
    """Whether the pages may show ``table`` (SQLite's names are case-insensitive)."""
    name = table.casefold()
    return name not in SECRET_TABLES and (show_users or name in PUBLIC_TABLES)


def is_pragma_function(table: str) -> bool:
    """Whether ``table`` is one of SQLite's pragma functions (``pragma_database_list``...).

    They describe the server, not the ledger: ``pragma_database_list`` gives the file's
    path on disk. Datasette reads the schema with ``PRAGMA`` statements, which visitors
    cannot send, so a read through a pragma function is always a visitor's and refused.
    """
    return table.casefold().startswith("pragma_")


def column_is_public(table: str, column: str) -> bool:
    """Whether SQL may read ``table.column`` when user ids are not shown."""
    name = table.casefold()
    if name in _SCHEMA_TABLES:
        return True
    allowed = PUBLIC_READS.get(name)
    return allowed is not None and column.casefold() in allowed


class Authorizer:
    """SQLite's authorizer callback for a web view connection (see the module's rule).

    SQLite calls it while it prepares each statement, once per table and column a
    statement touches, so it costs nothing per row.
    """

    def __init__(self, *, show_users: bool, virtual_tables: frozenset[str] = frozenset()) -> None:
        self.show_users = show_users
        # Describing a full-text table (as Datasette does for every table) makes SQLite
        # read its settings table, ``NAME_config``: those few rows say nothing else.
        self._settings_tables = frozenset(f"{name.casefold()}_config" for name in virtual_tables)

    def __call__(
        self,
        action: int,
        first: str | None,
        second: str | None,
        database: str | None,
        source: str | None,
    ) -> int:
        table = (first or "").casefold()
        if action == sqlite3.SQLITE_READ:
            if is_pragma_function(table) or table in SECRET_TABLES:
                return sqlite3.SQLITE_DENY
            if (
                self.show_users
                or column_is_public(table, second or "")
                or table in self._settings_tables
            ):
                return sqlite3.SQLITE_OK
            return sqlite3.SQLITE_DENY
        if action in _READING_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_UPDATE and table in _SCHEMA_TABLES:
            # SQLite reports its own reading of the schema, when it sets up a virtual
            # table, this way. Writing the schema for real needs ``writable_schema``,
            # a pragma refused below, on a connection opened read-only.
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA:
            name = (first or "").casefold()
            if name in _READ_PRAGMAS or (name in _QUERY_PRAGMAS and second is None):
                return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY


def protect(conn: sqlite3.Connection, *, show_users: bool) -> None:
    """Put the web view's rule on ``conn``: no writes, and only public reads unless shown."""
    virtual = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall()
    names = frozenset(row[0] for row in virtual)
    conn.set_authorizer(Authorizer(show_users=show_users, virtual_tables=names))
