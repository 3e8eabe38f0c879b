"""The SQLite store: the community ledger of data points, its audit log, and the claims index.

One file per deployment, opened by every process (bot, CLI, a second bot) at once:
WAL mode lets readers run beside the writer, ``busy_timeout`` makes writers queue instead
of failing, and every write starts with ``BEGIN IMMEDIATE`` so two processes never both
read-then-upgrade and deadlock into "database is locked". Opening an up-to-date file only
reads, so a command answers while another process holds a long write (an import).

When SQLite cannot store a write (the lock stayed taken past the busy timeout, the file
is read-only, the disk is full), the write raises a :class:`StorageFault` naming the cause
rather than a raw ``sqlite3`` error: :func:`storage_fault` is the one place that tells
them apart, and the core words each one for users.

Reads on a command's hot path are plain parameterized SQL against the partial indexes
created in :mod:`knowledge.migrations`; sqlite-utils does the schema, migrations,
full-text index and bulk work.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from knowledge.kb import Library
from knowledge.migrations import migrations

#: How long a write waits for another connection's write to end before it gives up.
#: Read at every open, so a test can shorten it.
BUSY_TIMEOUT_MS = 10_000
#: How long a request's key is kept: far beyond Slack's five-minute signature window
#: and Discord's redeliveries, short enough that the table stays small.
REQUEST_KEY_RETENTION = timedelta(days=1)
#: Seconds between two clear-outs of expired request keys (each a scan of the table).
REQUEST_KEY_SWEEP_SECONDS = 3600.0

Status = Literal["pending", "approved", "rejected"]
Origin = Literal["community", "curated", "import"]
DatasetSort = Literal["largest", "newest"]

_COLUMNS = (
    "id, domain, dataset, quantity_text, quantity, unit, year, source_url, note, status, "
    "origin, is_current, submitted_by, platform, workspace, channel, submitted_at, "
    "reviewed_by, reviewed_at, review_note"
)
_CURRENT = "status = 'approved' AND is_current = 1"

#: Sorts after every character a dataset key can hold: the end of a key-prefix range.
_LAST_CHARACTER = "\U0010ffff"
#: How many of its newest matches each word of an /ask question brings to the ranking.
CANDIDATES_PER_WORD = 50
_STOPWORDS = frozenset(
    "a an and are as at be by do does for from has have how i in is it its of on or so "
    "than that the their there this to was what when where which who why will with you "
    "your me my we our can could should would many much".split()
)
#: Words every data point is about; searching points for them only adds noise.
_GENERIC_FOR_POINTS = frozenset(
    "data dataset datasets size sizes scale scaling big large largest many much lack "
    "number amount".split()
)


class LedgerError(Exception):
    """A ledger operation that cannot be done as asked (the caller words it for users)."""


class PointNotFound(LedgerError):
    pass


class AlreadyReviewed(LedgerError):
    def __init__(self, point: DataPoint) -> None:
        super().__init__(f"#{point.id} is already {point.status}")
        self.point = point


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


def storage_fault(
    error: sqlite3.Error, path: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> StorageFault | None:
    """The storage fault a SQLite error stands for, or None when it is not one (a bug).

    The one place where SQLite's result codes become the ledger's faults, so a command,
    an import and start-up all tell a full disk from a held lock the same way.
    """
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == sqlite3.SQLITE_BUSY:
        return LedgerBusy(path, busy_timeout_ms / 1000)
    if primary == sqlite3.SQLITE_READONLY:
        return LedgerReadOnly(path, read_only_reason(path) or "SQLite opened it read-only")
    if primary == sqlite3.SQLITE_FULL:
        return LedgerFull(path, error)
    if primary == sqlite3.SQLITE_IOERR:
        return LedgerIOError(path, error)
    return None


def _sidecars(path: Path) -> tuple[Path, Path]:
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
    if not all(s.exists() for s in _sidecars(file)) and not os.access(
        folder, os.W_OK | os.X_OK, effective_ids=mine
    ):
        return (
            f"the database's folder is read-only, so SQLite cannot create "
            f"the -wal and -shm files it needs beside the file: {folder}"
        )
    return None


def now() -> str:
    """UTC timestamps as ISO text: sortable as strings, readable in the database."""
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """A UTC moment as :func:`now` writes it."""
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def dataset_key(name: str) -> str:
    """Names that differ only in case, spaces or punctuation are the same dataset."""
    return re.sub(r"[\W_]+", "", name.casefold())


@dataclass(frozen=True)
class NewPoint:
    """A validated data point, before it has an id or a status."""

    domain: str
    dataset: str
    quantity_text: str
    quantity: float
    unit: str
    source_url: str
    year: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Submitter:
    """Who submitted a point and where from."""

    user: str
    platform: str
    workspace: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Submission:
    """A stored submission: its id and its point as stored.

    ``replayed``: a request with the same key stored it earlier, so nothing was written
    now and ``point`` is the earlier one's (the reply then repeats the first reply).
    """

    id: int
    point: NewPoint
    replayed: bool = False


@dataclass(frozen=True)
class DataPoint:
    id: int
    domain: str
    dataset: str
    quantity_text: str
    quantity: float
    unit: str
    year: int | None
    source_url: str
    note: str
    status: Status
    origin: Origin
    is_current: int
    submitted_by: str
    platform: str
    workspace: str | None
    channel: str | None
    submitted_at: str
    reviewed_by: str | None
    reviewed_at: str | None
    review_note: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    data_point_id: int
    details: dict[str, Any]


@dataclass(frozen=True)
class ClaimHit:
    id: str
    domain: str | None
    section: str
    text: str
    rank: float


def _point(row: tuple) -> DataPoint:
    return DataPoint(*row)


def fts_query(text: str, ignore: frozenset[str] = frozenset()) -> str | None:
    """Words of a free-text question as an FTS5 OR-query of quoted terms (never syntax)."""
    words = [
        w for w in re.findall(r"\w+", text.casefold()) if w not in _STOPWORDS and w not in ignore
    ]
    unique = list(dict.fromkeys(words))[:12]
    return " OR ".join(f'"{word}"' for word in unique) or None


def _enable_wal(db: Database, busy_timeout_ms: int) -> None:
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


def _connect(database: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection with the store's settings; ``database`` is a path, or a URI if ``uri``."""
    conn = sqlite3.connect(
        database, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, uri=uri
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _wal_holds_commits(path: Path) -> bool:
    return _sidecars(path)[0].exists() and _sidecars(path)[0].stat().st_size > 0


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
        if _primary_code(error) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
            raise
        return False
    return True


def _read_only_uri(target: str, reason: str) -> str:
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


class Store:
    """All reads and writes of the database; one instance per process, not thread-safe.

    ``read_only`` is None, or why SQLite cannot write the file: reads answer, and every
    write raises :class:`LedgerReadOnly`.
    """

    def __init__(
        self,
        db: Database,
        path: str,
        *,
        read_only: str | None = None,
        database: str | None = None,
    ) -> None:
        self.db = db
        self.conn = db.conn
        self.path = path
        self.read_only = read_only
        self.busy_timeout_ms = BUSY_TIMEOUT_MS
        #: What :func:`sqlite3.connect` was given: the path, or a read-only URI.
        self._database = database or path
        #: When the next keyed submission clears out expired keys (monotonic seconds).
        self._next_sweep = 0.0

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open the database at ``path``, creating or migrating it only when it needs that.

        An up-to-date file is opened with plain reads and never waits for the write lock,
        so a command answers while another process holds a long write. A file SQLite
        cannot write is opened read-only if its schema is current (else
        :class:`LedgerUnavailable`).
        """
        target = str(path)
        if target == ":memory:":
            store = cls(Database(_connect(target)), target)
            store.migrate()
            return store
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        reason = read_only_reason(target)
        if reason is not None:
            return cls._open_read_only(target, reason)
        store = cls(Database(_connect(target)), target)
        try:
            store._catch_up()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _open_read_only(cls, target: str, reason: str) -> Store:
        """A store that reads a file SQLite cannot write, if that file needs no migration."""
        database = _read_only_uri(target, reason)
        store = cls(
            Database(_connect(database, uri=True)), target, read_only=reason, database=database
        )
        behind = [m.name for m in migrations.pending(store.db)]
        if behind:
            store.close()
            raise LedgerUnavailable(
                f"this version must migrate its schema ({', '.join(behind)}), "
                f"which is a write, and {reason}",
                target,
            )
        return store

    def _catch_up(self) -> None:
        """Bring the file to WAL mode and the current schema, taking the lock only if behind.

        Both checks are plain reads; each change re-checks under the lock, because another
        process may have made it in the meantime.
        """
        with self._faults():
            if self.db.journal_mode != "wal":
                _enable_wal(self.db, self.busy_timeout_ms)
            self.conn.execute("PRAGMA synchronous = NORMAL")
        if migrations.pending(self.db):
            self.migrate()

    def connect_again(self) -> sqlite3.Connection:
        """Another connection to this file, opened as this one was (read-only, say)."""
        return _connect(self._database, uri=self._database != self.path)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _faults(self) -> Iterator[None]:
        """SQLite's storage errors within, raised as the :class:`StorageFault` each stands for."""
        try:
            yield
        except sqlite3.Error as error:
            fault = self._fault(error)
            if fault is error:
                raise
            raise fault from error

    def _fault(self, error: sqlite3.Error) -> Exception:
        """The fault ``error`` stands for, or ``error`` itself when it is not a storage one."""
        return storage_fault(error, self.path, self.busy_timeout_ms) or error

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (queues, never deadlocks).

        Whatever fails, nothing of it stays: the transaction is rolled back (SQLite may
        have done so already, on a full disk), and a storage error is raised as its fault.
        A read-only store refuses before it begins: SQLite would let ``BEGIN IMMEDIATE``
        through and refuse only the first change, after the command had read and decided.
        The translation is written out here rather than through :meth:`_faults`: every
        submission passes this way, and a second generator costs it a microsecond.
        """
        if self.read_only is not None:
            raise LedgerReadOnly(self.path, self.read_only)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            fault = self._fault(error)
            if fault is error:
                raise
            raise fault from error

    def migrate(self) -> None:
        """Apply pending migrations; under the lock, so each runs once however many race."""
        with self.write():
            migrations.apply(self.db)

    def schema_version(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    # -- knowledge base ------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM kb_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def compile_claims(self, library: Library) -> bool:
        """Mirror the KB's claims into the search index when the files changed.

        Only ``claims`` is rebuilt; the community tables are never touched by this.
        """
        if self.meta("kb_fingerprint") == library.fingerprint:
            return False
        with self.write() as conn:
            if self.meta("kb_fingerprint") == library.fingerprint:
                return False
            conn.execute("DELETE FROM claims")
            conn.executemany(
                "INSERT INTO claims (id, domain, position, section, text) VALUES (?, ?, ?, ?, ?)",
                [(c.id, slug, n, c.section, c.text) for slug, n, c in library.claims()],
            )
            conn.execute(
                "INSERT OR REPLACE INTO kb_meta (key, value) VALUES ('kb_fingerprint', ?)",
                (library.fingerprint,),
            )
        return True

    # -- writes --------------------------------------------------------------------------

    def _insert(
        self,
        conn: sqlite3.Connection,
        point: NewPoint,
        status: Status,
        origin: Origin,
        who: Submitter,
        at: str,
    ) -> int:
        reviewed = (who.user, at) if status == "approved" else (None, None)
        cursor = conn.execute(
            "INSERT INTO data_points (domain, dataset, dataset_key, quantity_text, quantity, "
            "unit, year, source_url, note, status, origin, submitted_by, platform, workspace, "
            "channel, submitted_at, reviewed_by, reviewed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                point.domain,
                point.dataset,
                dataset_key(point.dataset),
                point.quantity_text,
                point.quantity,
                point.unit,
                point.year,
                point.source_url,
                point.note,
                status,
                origin,
                who.user,
                who.platform,
                who.workspace,
                who.channel,
                at,
                *reviewed,
            ),
        )
        point_id = cursor.lastrowid
        assert point_id is not None
        action = {"community": "submit", "import": "import", "curated": "seed"}[origin]
        self._audit(conn, at, who.user, action, point_id, {"status": status, **vars(point)})
        pending = int(status == "pending")
        conn.execute(
            "INSERT INTO domain_counts (domain, pending) VALUES (?, ?) "
            "ON CONFLICT (domain) DO UPDATE SET pending = pending + excluded.pending",
            (point.domain, pending),
        )
        if not pending:
            self._refresh_current(conn, point.domain, dataset_key(point.dataset))
        return point_id

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        at: str,
        actor: str,
        action: str,
        point_id: int,
        details: dict[str, Any],
    ) -> None:
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, data_point_id, details) "
            "VALUES (?, ?, ?, ?, ?)",
            (at, actor, action, point_id, json.dumps(details, sort_keys=True)),
        )

    @staticmethod
    def _refresh_current(conn: sqlite3.Connection, domain: str, key: str) -> None:
        """Mark the newest approved point of a dataset current (by year, then approval)."""
        newest = conn.execute(
            "SELECT id FROM data_points WHERE domain = ? AND dataset_key = ? "
            "AND status = 'approved' "
            "ORDER BY year DESC NULLS LAST, reviewed_at DESC, id DESC LIMIT 1",
            (domain, key),
        ).fetchone()
        if newest is None:
            return
        previous = conn.execute(
            "UPDATE data_points SET is_current = 0 WHERE domain = ? AND dataset_key = ? "
            "AND status = 'approved' AND is_current = 1 AND id != ?",
            (domain, key, newest[0]),
        ).rowcount
        made_current = conn.execute(
            "UPDATE data_points SET is_current = 1 WHERE id = ? AND is_current = 0",
            (newest[0],),
        ).rowcount
        if made_current and not previous:
            conn.execute(
                "UPDATE domain_counts SET datasets = datasets + 1 WHERE domain = ?",
                (domain,),
            )

    def submit(self, point: NewPoint, who: Submitter) -> int:
        """Store a pending community point; returns its id once it is committed."""
        return self.submit_once(point, who).id

    def submit_once(
        self, point: NewPoint, who: Submitter, request_key: str | None = None
    ) -> Submission:
        """Store a pending community point, once per ``request_key``.

        A key seen before (within :data:`REQUEST_KEY_RETENTION`) returns the point its
        first request stored and writes nothing. The key is looked up and recorded
        inside the write transaction that stores the point, so two deliveries of one
        request, in this process or another, store one point between them.
        """
        at = now()
        with self.write() as conn:
            if request_key is not None:
                earlier = self._earlier_submission(conn, request_key)
                if earlier is not None:
                    return earlier
            point_id = self._insert(conn, point, "pending", "community", who, at)
            if request_key is not None:
                self._remember_request(conn, request_key, point_id, at)
        return Submission(point_id, point)

    @staticmethod
    def _earlier_submission(conn: sqlite3.Connection, key: str) -> Submission | None:
        row = conn.execute(
            "SELECT p.id, p.domain, p.dataset, p.quantity_text, p.quantity, p.unit, "
            "p.source_url, p.year, p.note "
            "FROM request_keys AS k JOIN data_points AS p ON p.id = k.point_id "
            "WHERE k.key = ?",
            (key,),
        ).fetchone()
        return Submission(row[0], NewPoint(*row[1:]), replayed=True) if row else None

    def _remember_request(self, conn: sqlite3.Connection, key: str, point_id: int, at: str) -> None:
        """Record ``key`` -> ``point_id``; about once an hour, forget expired keys.

        Sweeping on every submission cost it a tenth more time; once an hour (and at
        the first keyed submission after a start) keeps the table about a day deep.
        """
        conn.execute(
            "INSERT INTO request_keys (key, point_id, at) VALUES (?, ?, ?)", (key, point_id, at)
        )
        if time.monotonic() >= self._next_sweep:
            cutoff = iso(datetime.now(UTC) - REQUEST_KEY_RETENTION)
            conn.execute("DELETE FROM request_keys WHERE at < ?", (cutoff,))
            self._next_sweep = time.monotonic() + REQUEST_KEY_SWEEP_SECONDS

    def add_many(
        self,
        points: Iterable[NewPoint],
        who: Submitter,
        origin: Origin = "import",
        status: Status = "approved",
    ) -> list[int]:
        """Store many points in one transaction: all of them, or none."""
        at = now()
        with self.write() as conn:
            return [self._insert(conn, p, status, origin, who, at) for p in points]

    def seed_once(self, points: list[NewPoint], who: Submitter) -> bool:
        """Load the curated starter set, once per database, however many processes race."""
        with self.write() as conn:
            if self.meta("curated_seeded"):
                return False
            at = now()
            for point in points:
                self._insert(conn, point, "approved", "curated", who, at)
            conn.execute("INSERT INTO kb_meta (key, value) VALUES ('curated_seeded', ?)", (at,))
        return True

    def review(
        self,
        point_id: int,
        decision: Literal["approve", "reject"],
        moderator: str,
        note: str | None,
    ) -> DataPoint:
        """Approve or reject a pending point; the decision and who made it are audited."""
        at = now()
        with self.write() as conn:
            point = self.get(point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            if point.status != "pending":
                raise AlreadyReviewed(point)
            status = "approved" if decision == "approve" else "rejected"
            conn.execute(
                "UPDATE data_points SET status = ?, reviewed_by = ?, reviewed_at = ?, "
                "review_note = ? WHERE id = ?",
                (status, moderator, at, note, point_id),
            )
            conn.execute(
                "UPDATE domain_counts SET pending = pending - 1 WHERE domain = ?",
                (point.domain,),
            )
            if status == "approved":
                self._refresh_current(conn, point.domain, dataset_key(point.dataset))
            self._audit(conn, at, moderator, decision, point_id, {"note": note})
            reviewed = self.get(point_id)
        assert reviewed is not None
        return reviewed

    # -- reads ---------------------------------------------------------------------------

    def get(self, point_id: int) -> DataPoint | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM data_points WHERE id = ?", (point_id,)
        ).fetchone()
        return _point(row) if row else None

    def largest(self, domain: str, unit: str) -> DataPoint | None:
        """The largest current approved dataset of a domain counted in ``unit``."""
        points = self.largest_in_unit(domain, unit, 1)
        return points[0] if points else None

    def largest_in_unit(self, domain: str, unit: str, limit: int) -> list[DataPoint]:
        """The ``limit`` largest current approved datasets of a domain counted in ``unit``.

        Only one unit, because sizes in different units cannot be ranked against each other.
        """
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM data_points INDEXED BY idx_current_by_unit "
            f"WHERE domain = ? AND unit = ? AND {_CURRENT} ORDER BY quantity DESC LIMIT ?",
            (domain, unit, limit),
        ).fetchall()
        return [_point(row) for row in rows]

    def current(
        self,
        domain: str,
        sort: DatasetSort = "largest",
        limit: int = 10,
        offset: int = 0,
    ) -> list[DataPoint]:
        """Current figures of a domain's datasets, largest or newest first."""
        if sort == "largest":
            index, order = "idx_current_by_size", "quantity DESC, id"
        else:
            index, order = "idx_current_by_year", "year DESC, reviewed_at DESC, id DESC"
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM data_points INDEXED BY {index} "
            f"WHERE domain = ? AND {_CURRENT} ORDER BY {order} LIMIT ? OFFSET ?",
            (domain, limit, offset),
        ).fetchall()
        return [_point(row) for row in rows]

    def newest(self, domain: str) -> DataPoint | None:
        points = self.current(domain, "newest", limit=1)
        return points[0] if points else None

    def dataset_names(self, domain: str | None, prefix: str, limit: int = 25) -> list[str]:
        """Names of datasets with a current figure whose key starts with ``prefix``'s key.

        Matching on :func:`dataset_key` ignores case, spaces and punctuation, as the
        ledger does when it tells datasets apart, so ``objaverse x`` finds
        ``Objaverse-XL``. The key range reads a partial index in key order: the cost is
        the number of names returned, however many points the ledger holds.
        """
        low = dataset_key(prefix)
        high = low + _LAST_CHARACTER
        if domain is None:
            rows = self.conn.execute(
                "SELECT dataset FROM data_points INDEXED BY idx_current_names "
                f"WHERE dataset_key >= ? AND dataset_key < ? AND {_CURRENT} "
                "GROUP BY dataset_key ORDER BY dataset_key LIMIT ?",
                (low, high, limit),
            )
        else:
            rows = self.conn.execute(
                "SELECT dataset FROM data_points INDEXED BY idx_current_by_name "
                f"WHERE domain = ? AND dataset_key >= ? AND dataset_key < ? AND {_CURRENT} "
                "ORDER BY dataset_key LIMIT ?",
                (domain, low, high, limit),
            )
        return [row[0] for row in rows]

    def counts(self, domain: str) -> tuple[int, int]:
        """(pending points, datasets with a current figure) of a domain."""
        row = self.conn.execute(
            "SELECT pending, datasets FROM domain_counts WHERE domain = ?", (domain,)
        ).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def pending(self, limit: int = 10) -> list[DataPoint]:
        """The review queue, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM data_points INDEXED BY idx_pending_queue "
            "WHERE status = 'pending' ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        return [_point(row) for row in rows]

    def pending_total(self) -> int:
        row = self.conn.execute("SELECT COALESCE(SUM(pending), 0) FROM domain_counts").fetchone()
        return int(row[0])

    def history(self, domain: str, dataset: str) -> list[DataPoint]:
        """Every point ever submitted for a dataset, newest figure first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM data_points WHERE domain = ? AND dataset_key = ? "
            "ORDER BY status = 'approved' DESC, year DESC NULLS LAST, reviewed_at DESC, id DESC",
            (domain, dataset_key(dataset)),
        ).fetchall()
        return [_point(row) for row in rows]

    def audit_log(self, point_id: int) -> list[AuditEntry]:
        rows = self.conn.execute(
            "SELECT id, at, actor, action, data_point_id, details FROM audit_log "
            "WHERE data_point_id = ? ORDER BY id",
            (point_id,),
        ).fetchall()
        return [
            AuditEntry(row[0], row[1], row[2], row[3], row[4], json.loads(row[5])) for row in rows
        ]

    def search_claims(
        self, question: str, limit: int = 3, domain: str | None = None
    ) -> list[ClaimHit]:
        """Claims matching the question's words, best (BM25) first; only ``domain``'s if given."""
        query = fts_query(question)
        if query is None:
            return []
        in_domain = "" if domain is None else "AND claims.domain = ? "
        rows = self.conn.execute(
            "SELECT claims.id, claims.domain, claims.section, claims.text, claims_fts.rank "
            "FROM claims_fts JOIN claims ON claims.rowid = claims_fts.rowid "
            f"WHERE claims_fts MATCH ? {in_domain}ORDER BY claims_fts.rank LIMIT ?",
            (query, *(() if domain is None else (domain,)), limit),
        ).fetchall()
        return [ClaimHit(*row) for row in rows]

    def domain_claims(self, domain: str, limit: int = 3) -> list[ClaimHit]:
        """A domain's claims in the order of its file: its key reasons first.

        ``claims`` holds a few dozen rows (the knowledge base, not the ledger), so this
        reads the table rather than keeping an index for it.
        """
        rows = self.conn.execute(
            "SELECT id, domain, section, text, 0.0 FROM claims WHERE domain = ? "
            "ORDER BY position LIMIT ?",
            (domain, limit),
        ).fetchall()
        return [ClaimHit(*row) for row in rows]

    def search_points(
        self, question: str, limit: int = 3, domain: str | None = None
    ) -> list[tuple[DataPoint, float]]:
        """Approved, current points matching the question, best first; only ``domain``'s if given.

        BM25 over the whole index reads every posting of a common word ("video" can
        match a sixth of a million-point ledger), so each word instead brings its newest
        :data:`CANDIDATES_PER_WORD` matches, and a point scores the sum of 1/matches of
        the words it contains: a rare word (a dataset's name) outweighs common ones, and
        the cost stays flat however large the ledger grows.

        Within a domain, the same newest matches are kept when they are the domain's. An
        FTS5 ``AND`` with the domain column would be exact, but a word common elsewhere and
        absent from the domain ("3d ... hours") then walks both posting lists to their
        ends: 9 ms at a million points. Here the cost stays flat, and a field whose own
        matches are buried under other fields' falls back to its largest datasets.
        """
        query = fts_query(question, _GENERIC_FOR_POINTS)
        if query is None:
            return []
        scores: dict[int, float] = {}
        for term in query.split(" OR "):
            rows = self.conn.execute(
                "SELECT f.rowid, p.domain FROM data_points_fts AS f "
                "JOIN data_points AS p ON p.id = f.rowid "
                "WHERE data_points_fts MATCH ? AND p.is_current = 1 "
                "ORDER BY f.rowid DESC LIMIT ?",
                (term, CANDIDATES_PER_WORD),
            ).fetchall()
            for point_id, point_domain in rows:
                if domain is None or point_domain == domain:
                    scores[point_id] = scores.get(point_id, 0.0) + 1 / len(rows)
        best = sorted(scores, key=lambda point_id: (-scores[point_id], -point_id))[:limit]
        points = [self.get(point_id) for point_id in best]
        return [(point, scores[point.id]) for point in points if point is not None]

    def all_points(self) -> Iterator[DataPoint]:
        for row in self.conn.execute(f"SELECT {_COLUMNS} FROM data_points ORDER BY id"):
            yield _point(row)

    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for status, count in self.conn.execute(
            "SELECT status, COUNT(*) FROM data_points GROUP BY status"
        ):
            counts[status] = count
        counts["claims"] = self.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        counts["audit entries"] = self.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        return counts

    def backup(self, target: str | Path) -> None:
        """Copy the live database with SQLite's online backup (safe while bots write)."""
        destination = sqlite3.connect(str(target))
        try:
            self.conn.backup(destination)
        finally:
            destination.close()
