"""Storage faults: SQLite could not store a write for a reason outside the command.

A held lock, a read-only file, a full disk or an I/O error each raise their own
:class:`StorageFault` rather than a raw ``sqlite3`` error: :func:`storage_fault` is the
one place that tells them apart, and the core words each one for users.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from knowledge.ledger.errors import LedgerError


class StorageFault(LedgerError):
    """SQLite could not store a write for a reason outside the command; nothing was stored.

    The message is for the admin's log; the core words each kind for users. ``path`` is
    the database file.
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class LedgerBusy(StorageFault):
    """Another connection kept the write lock for longer than the busy timeout."""

    def __init__(self, path: str, seconds: float) -> None:
        super().__init__(
            f"{path}: the write lock stayed taken by another connection for over {seconds:g} s",
            path,
        )
        self.seconds = seconds


class LedgerReadOnly(StorageFault):
    """SQLite cannot write the file; ``reason`` says why, in words an admin can act on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"writes are off because {reason}", path)
        self.reason = reason


class LedgerFull(StorageFault):
    """SQLITE_FULL: the disk holding the file is full (or the file reached its page limit)."""

    def __init__(self, path: str, error: sqlite3.Error) -> None:
        super().__init__(f"disk full: SQLite could not write {path} ({error})", path)


class LedgerIOError(StorageFault):
    """SQLITE_IOERR: the operating system failed a read or write of the file."""

    def __init__(self, path: str, error: sqlite3.Error) -> None:
        name = getattr(error, "sqlite_errorname", "SQLITE_IOERR")
        super().__init__(f"I/O error on {path}: {error} ({name})", path)


class LedgerUnavailable(StorageFault):
    """The file cannot be opened as it is (read-only and out of date, say); start-up stops."""


def storage_fault(error: sqlite3.Error, path: str, busy_timeout_ms: int) -> StorageFault | None:
    """The storage fault a SQLite error stands for, or None when it is not one (a bug).

    The one place where SQLite's result codes become the ledger's faults, so a command,
    an import and start-up all tell a full disk from a held lock the same way.
    """
    code = primary_code(error)
    if code is None:
        return None
    if code == sqlite3.SQLITE_BUSY:
        return LedgerBusy(path, busy_timeout_ms / 1000)
    if code == sqlite3.SQLITE_READONLY:
        return LedgerReadOnly(path, read_only_reason(path) or "SQLite opened it read-only")
    if code == sqlite3.SQLITE_FULL:
        return LedgerFull(path, error)
    if code == sqlite3.SQLITE_IOERR:
        return LedgerIOError(path, error)
    return None


def primary_code(error: sqlite3.Error) -> int | None:
    """SQLite's primary result code of ``error`` (its extended code's low byte), if any."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def sidecars(path: Path) -> tuple[Path, Path]:
    """The -wal and -shm files SQLite keeps beside a WAL database."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def read_only_reason(path: str | Path) -> str | None:
    """Why SQLite could not write the database at ``path`` for this process, or None.

    It asks what SQLite will meet, for this user (root included): a read-only mount, the
    file itself, and (unless its -wal and -shm files exist already) the folder SQLite must
    create them in. ``os.access``, never opening the file: closing any descriptor of a
    database drops every SQLite lock this process holds on it.
    """
    file = Path(path)
    folder = file.parent
    mine = os.access in os.supports_effective_ids
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"the database is on a read-only file system: {file}"
    if file.exists() and not os.access(file, os.W_OK, effective_ids=mine):
        return f"the database file is read-only: {file}"
    if not all(s.exists() for s in sidecars(file)) and not os.access(
        folder, os.W_OK | os.X_OK, effective_ids=mine
    ):
        return (
            f"the database's folder is read-only, so SQLite cannot create "
            f"the -wal and -shm files it needs beside the file: {folder}"
        )
    return None
