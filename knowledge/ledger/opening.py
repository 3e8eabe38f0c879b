"""Opening the file: connections with the ledger's settings, WAL, the read-only fallback.

One file per deployment, opened by every process (bot, CLI, a second bot) at once:
WAL mode lets readers run beside the writer, and ``busy_timeout`` makes writers queue
instead of failing. A file SQLite cannot write is read through a URI that serves no
stale rows (:func:`read_only_uri`), or refused with :class:`LedgerUnavailable`.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlite_utils import Database

from knowledge.ledger.faults import LedgerUnavailable, primary_code, sidecars

#: How long a write waits for another connection's write to end before it gives up.
#: Read at every open, so a test can shorten it.
BUSY_TIMEOUT_MS = 10_000
#: Each connection's page cache, in KiB (SQLite's default is 2 MiB). A decision writes
#: to the figures' table, its indexes, the audit log and the outbox, and at 2 MiB those
#: pages push out the ones reads keep coming back to (a field's records, a week's
#: approvals); 16 MiB holds both at a 100k-point ledger, and is only taken as used.
CACHE_KIB = 16_384


def connect(database: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection with the store's settings; ``database`` is a path, or a URI if ``uri``."""
    conn = sqlite3.connect(
        database, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, uri=uri
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


def enable_wal(db: Database, busy_timeout_ms: int) -> None:
    """Switch a new file to WAL, waiting out a process doing the same at the same moment.

    Changing the journal mode needs the file to itself and SQLite does not wait for it
    (the busy timeout does not apply), so two bots started together on a fresh file
    would see "database is locked": retry, bounded by the busy timeout.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _wal_holds_commits(path: Path) -> bool:
    return sidecars(path)[0].exists() and sidecars(path)[0].stat().st_size > 0


def _can_read(uri: str) -> bool:
    """Whether SQLite opens and reads the file ``uri`` names.

    False when it cannot open a file it needs: SQLITE_CANTOPEN, or, when the folder
    refuses the -shm file with EACCES rather than EPERM, SQLITE_READONLY_DIRECTORY.
    """
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.OperationalError as error:
        if primary_code(error) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
            raise
        return False
    return True


def read_only_uri(target: str, reason: str) -> str:
    """The URI that lets SQLite read a file it cannot write, without serving stale rows.

    ``mode=ro`` reads a WAL file with the usual locks, but needs its -shm file, which a
    read-only folder may not let SQLite create. ``immutable=1`` needs none, and ignores
    the -wal file, so it is used only when that file holds no commits.
    """
    path = Path(target).resolve()
    read_only = f"{path.as_uri()}?mode=ro"
    if _can_read(read_only):
        return read_only
    if not path.exists():
        raise LedgerUnavailable(f"there is no database at {path} yet, and {reason}", target)
    if _wal_holds_commits(path):
        raise LedgerUnavailable(
            f"{reason}, and its -wal file holds commits that SQLite reads only through a "
            "-shm file beside it; make the folder writable once",
            target,
        )
    return f"{read_only}&immutable=1"
