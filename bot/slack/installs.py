"""Where Slack installations and OAuth states are kept: two tables in the ledger's file.

Installed through OAuth (:mod:`bot.slack.oauth`), every workspace has its own bot token.
Bolt reads it for each request through the installation store here, the deliverers
read it to post outside a request (:mod:`bot.slack.workspaces`), and Slack's
``app_uninstalled`` and ``tokens_revoked`` events delete it. The OAuth state store keeps
the one-time ``state`` each visit of ``/slack/install`` gets, so a redirect carrying a
state this server did not issue, or one already used, is refused.

Both live in the ledger's own SQLite file (one file to back up and move), opened with
the ledger's connection settings (:func:`knowledge.ledger.opening.connect`: its busy
timeout, WAL once the ledger set it), in tables made here rather than by the ledger's
migrations: only a deployment installed through OAuth has them. They hold secrets, so
the web view never shows them, whatever its settings (:data:`bot.web.privacy.SECRET_TABLES`
names :data:`TABLES`), and ``scalebot export`` writes data points only.

Only bot tokens are kept (the app asks for no user scopes): one row per workspace, the
latest installation's. Nothing here logs a token. Each call runs on a worker thread, so
a write that waits for the ledger's lock never holds up the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from knowledge.ledger import opening

log = logging.getLogger(__name__)
T = TypeVar("T")

INSTALLS = "slack_installs"
STATES = "slack_oauth_states"
#: The tables this module makes: secrets, which the web view never shows.
TABLES = (INSTALLS, STATES)
#: Seconds a state issued by ``/slack/install`` stays good (Bolt's cookie lasts as long).
STATE_SECONDS = 600
#: States kept at most: a flood of visits to ``/slack/install`` cannot grow the file
#: without end (the oldest go first; a visitor whose state went asks again).
MAX_STATES = 10_000

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {INSTALLS} (
    client_id TEXT NOT NULL,
    enterprise_id TEXT NOT NULL DEFAULT '',
    team_id TEXT NOT NULL DEFAULT '',
    team_name TEXT,
    enterprise_name TEXT,
    app_id TEXT,
    bot_id TEXT NOT NULL,
    bot_user_id TEXT NOT NULL,
    bot_token TEXT NOT NULL,
    bot_scopes TEXT NOT NULL DEFAULT '',
    bot_refresh_token TEXT,
    bot_token_expires_at INTEGER,
    is_enterprise_install INTEGER NOT NULL DEFAULT 0,
    installed_at REAL NOT NULL,
    PRIMARY KEY (client_id, enterprise_id, team_id)
);
CREATE TABLE IF NOT EXISTS {STATES} (
    state TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
"""


class LedgerFile:
    """One connection to the ledger's file for these tables, used one call at a time."""

    def __init__(self, path: str) -> None:
        if path == ":memory:":
            raise ValueError(
                "installing Slack through OAuth keeps each workspace's installation in the "
                "database file, and SCALEBOT_DB=:memory: would lose them at exit: set "
                "SCALEBOT_DB to a file (example: SCALEBOT_DB=scalebot.db)"
            )
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = opening.connect(self.path)
            conn.isolation_level = None  # transactions are begun explicitly below
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on the connection, alone (in the calling thread)."""
        with self._lock:
            return work(self._connection())

    async def call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on a worker thread, so waiting for the ledger's lock waits there."""
        return await asyncio.to_thread(self.run, work)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _key(
    enterprise_id: str | None, team_id: str | None, enterprise_install: bool
) -> tuple[str, str]:
    """The row's key: an org-wide install is the enterprise's (no team), else the team's."""
    if enterprise_install or (enterprise_id and not team_id):
        return enterprise_id or "", ""
    return enterprise_id or "", team_id or ""


class Installations(AsyncInstallationStore):
    """Bolt's installation store: the bot token of each workspace that installed the app."""

    def __init__(self, file: LedgerFile, client_id: str) -> None:
        self.file = file
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if installation.bot_token is None:
            log.warning(
                "slack: the installation into %s carries no bot token; nothing kept",
                installation.team_id or installation.enterprise_id,
            )
            return
        await self.async_save_bot(installation.to_bot())
        where = installation.team_id or installation.enterprise_id
        log.info("slack: installed in workspace %s (%s)", where, installation.team_name or "")

    async def async_save_bot(self, bot: Bot) -> None:
        enterprise, team = _key(bot.enterprise_id, bot.team_id, bool(bot.is_enterprise_install))
        row = (
            self.client_id,
            enterprise,
            team,
            bot.team_name,
            bot.enterprise_name,
            bot.app_id,
            bot.bot_id,
            bot.bot_user_id,
            bot.bot_token,
            ",".join(bot.bot_scopes or []),
            bot.bot_refresh_token,
            bot.bot_token_expires_at,
            int(bool(bot.is_enterprise_install)),
            time.time(),
        )

        def save(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    f"INSERT OR REPLACE INTO {INSTALLS} (client_id, enterprise_id, team_id, "
                    "team_name, enterprise_name, app_id, bot_id, bot_user_id, bot_token, "
                    "bot_scopes, bot_refresh_token, bot_token_expires_at, "
                    "is_enterprise_install, installed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        await self.file.call(save)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        enterprise, team = _key(enterprise_id, team_id, bool(is_enterprise_install))
        row = await self.file.call(lambda conn: self._row(conn, enterprise, team))
        return _bot(row) if row is not None else None

    def _row(self, conn: sqlite3.Connection, enterprise: str, team: str) -> dict[str, Any] | None:
        conn.row_factory = sqlite3.Row
        found = conn.execute(
            f"SELECT * FROM {INSTALLS} WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
            (self.client_id, enterprise, team),
        ).fetchone()
        return dict(found) if found is not None else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """No user tokens are kept: a workspace's installation is its bot's."""
        if user_id is not None:
            return None
        bot = await self.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            enterprise_name=bot.enterprise_name,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            user_id="",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        enterprise, team = _key(enterprise_id, team_id, False)

        def delete(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                f"DELETE FROM {INSTALLS} WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                (self.client_id, enterprise, team),
            )
            return cursor.rowcount

        if await self.file.call(delete):
            log.info("slack: the installation in workspace %s is deleted", team or enterprise)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """A user's installation: none is kept (no user tokens); the workspace's is its bot."""
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def workspaces(self) -> list[str]:
        """The ids of the workspaces installed now, oldest installation first."""

        def read(conn: sqlite3.Connection) -> list[str]:
            conn.row_factory = None
            rows = conn.execute(
                f"SELECT team_id FROM {INSTALLS} WHERE client_id = ? ORDER BY installed_at",
                (self.client_id,),
            ).fetchall()
            return [str(row[0]) for row in rows]

        return self.file.run(read)


def _bot(row: dict[str, Any]) -> Bot:
    return Bot(
        app_id=row["app_id"],
        enterprise_id=row["enterprise_id"] or None,
        enterprise_name=row["enterprise_name"],
        team_id=row["team_id"] or None,
        team_name=row["team_name"],
        bot_token=row["bot_token"],
        bot_id=row["bot_id"],
        bot_user_id=row["bot_user_id"],
        bot_scopes=row["bot_scopes"],
        bot_refresh_token=row["bot_refresh_token"],
        bot_token_expires_at=row["bot_token_expires_at"],
        is_enterprise_install=bool(row["is_enterprise_install"]),
        installed_at=row["installed_at"],
    )


class States(AsyncOAuthStateStore):
    """Bolt's OAuth state store: each state is issued once, good for one use, for a while.

    Consuming deletes the row in the same statement that finds it, so two redirects
    carrying one state (a replay, even from two processes at once) cannot both pass.
    """

    def __init__(self, file: LedgerFile, expiration_seconds: int = STATE_SECONDS) -> None:
        self.file = file
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = uuid.uuid4().hex
        now = time.time()

        def issue(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"DELETE FROM {STATES} WHERE expires_at <= ?", (now,))
                conn.execute(
                    f"DELETE FROM {STATES} WHERE state IN (SELECT state FROM {STATES} "
                    "ORDER BY expires_at DESC LIMIT -1 OFFSET ?)",
                    (MAX_STATES - 1,),
                )
                conn.execute(
                    f"INSERT INTO {STATES} (state, expires_at) VALUES (?, ?)",
                    (state, now + self.expiration_seconds),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        await self.file.call(issue)
        return state

    async def async_consume(self, state: str) -> bool:
        now = time.time()

        def consume(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                f"DELETE FROM {STATES} WHERE state = ? AND expires_at > ?", (state, now)
            )
            return cursor.rowcount == 1

        return await self.file.call(consume)
