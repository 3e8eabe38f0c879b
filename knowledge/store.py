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
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from sqlite_utils import Database

from knowledge import community, identity, measures, rates, records
from knowledge.identity import Dataset, dataset_key
from knowledge.kb import Library
from knowledge.migrations import migrations
from knowledge.models import CommunityDomain
from knowledge.rates import Charge
from knowledge.trend import Figure

T = TypeVar("T")

#: How long a write waits for another connection's write to end before it gives up.
#: Read at every open, so a test can shorten it.
BUSY_TIMEOUT_MS = 10_000
#: How long a request's key is kept: far beyond Slack's five-minute signature window
#: and Discord's redeliveries, short enough that the table stays small.
REQUEST_KEY_RETENTION = timedelta(days=1)
#: Seconds between two clear-outs of expired request keys (each a scan of the table).
REQUEST_KEY_SWEEP_SECONDS = 3600.0

#: Results kept by :meth:`Store.remember` for one version of the ledger (records, charts).
MEMO_SIZE = 64
#: /trend draws at most this many of a field's figures in a unit as dots (the largest).
CHART_FIGURES = records.CHART_FIGURES

#: Who approves a point that enough members confirmed (SCALEBOT_AUTO_APPROVE_CONFIRMATIONS).
AUTO_APPROVER = "system:confirmations"

Status = Literal["pending", "approved", "rejected"]
Outcome = Literal["approve", "reject", "keep", "withdraw"]
Origin = Literal["community", "curated", "import"]
DatasetSort = Literal["largest", "newest"]

#: A point as read, with its dataset's canonical name (``dataset``) and the spelling it
#: was submitted under (``typed_name``): every read goes through this one select.
_SELECT = (
    "SELECT p.id, p.domain, COALESCE(d.name, p.dataset), p.quantity_text, p.quantity, "
    "p.unit, p.year, p.source_url, p.note, p.status, p.origin, p.is_current, "
    "p.submitted_by, p.platform, p.workspace, p.channel, p.submitted_at, p.reviewed_by, "
    "p.reviewed_at, p.review_note, p.dataset_id, p.dataset, p.disputes "
    "FROM data_points AS p {index} LEFT JOIN datasets AS d ON d.id = p.dataset_id"
)
_CURRENT = "p.status = 'approved' AND p.is_current = 1"


def _select(index: str | None = None) -> str:
    return _SELECT.format(index=f"INDEXED BY {index}" if index else "")


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


class OwnPoint(LedgerError):
    """A member cannot vouch for their own figure."""

    def __init__(self, point: DataPoint) -> None:
        super().__init__(f"#{point.id} was submitted by {point.submitted_by}")
        self.point = point


class AlreadyVouched(LedgerError):
    """This member already confirmed (or has an open dispute on) this figure."""

    def __init__(self, point: DataPoint) -> None:
        super().__init__(f"#{point.id} already has your word")
        self.point = point


class SameDataset(LedgerError):
    """Two names given to merge mean one dataset (perhaps since a merge a moment ago)."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__(f"both names mean {dataset.name}")
        self.dataset = dataset


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
    #: The submission created its dataset (None for a replay: not known without a read).
    new_dataset: bool | None = None
    #: The point as a read would give it, built from what was written (None: a replay).
    stored: DataPoint | None = None


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
    #: The dataset it is a figure of (its canonical name is ``dataset``).
    dataset_id: int | None = None
    #: The name as the submitter spelled it.
    typed_name: str = ""
    #: Open disputes (``/flag``) of this figure.
    disputes: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Every field by name. Each value is a str, number or None, so a shallow copy is
        ``asdict``'s answer without its deep copy (a quarter of ``/scale``'s time)."""
        return {name: getattr(self, name) for name in _POINT_FIELDS}


@dataclass(frozen=True)
class Decision:
    """A moderator's decision on a point, and what it did: approve, reject, or (for a
    disputed approved figure) keep or withdraw; ``cleared``: disputes it answered."""

    point: DataPoint
    outcome: Outcome
    cleared: int = 0
    #: When it was decided: a kept figure's ``reviewed_at`` stays its first approval's.
    at: str = ""


@dataclass(frozen=True)
class Confirmation:
    point: DataPoint
    count: int
    auto_approved: bool = False
    #: The answer a request with the same key got before (nothing was written now).
    replayed: bool = False


@dataclass(frozen=True)
class Flagging:
    point: DataPoint
    disputes: int
    #: The reason as stored (a replay's is its first delivery's, whatever it says now).
    reason: str = ""
    #: The answer a request with the same key got before (nothing was written now).
    replayed: bool = False


#: What ``/confirm`` and ``/flag`` answer; a request's key keeps it for a replay.
Answer = TypeVar("Answer", Confirmation, Flagging)


@dataclass(frozen=True)
class Merged:
    """A merge as committed: the datasets the names meant then, and how many figures moved."""

    source: Dataset
    target: Dataset
    moved: int


@dataclass(frozen=True)
class Flag:
    """One member's open dispute of a figure: who, why, and when."""

    user: str
    reason: str
    at: str


@dataclass(frozen=True)
class Listed:
    """A dataset as ``/datasets`` lists it: its canonical name and its current figures."""

    dataset: Dataset
    figures: list[Measure]


class Measure(NamedTuple):
    """A dataset's current figure in one unit, as a listing shows it.

    The part of a :class:`DataPoint` a line of ``/datasets`` needs: reading all 23
    columns of a point, for the 30 figures of a page, cost more than the rest of the
    command. A named tuple, since a row becomes one without a call per field.
    """

    id: int
    dataset_id: int
    dataset: str
    quantity: float
    unit: str
    year: int | None
    source_url: str
    disputes: int
    reviewed_at: str | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    data_point_id: int | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ClaimHit:
    id: str
    domain: str | None
    section: str
    text: str
    rank: float


def _curated_identity(values: tuple) -> tuple:
    """What makes a curated row the same row in two editions of the file."""
    domain, key, unit, quantity, year, source = values
    return (domain, key, unit, float(quantity), year, source)


#: DataPoint's fields in declaration order: the order of ``_SELECT``'s columns.
_POINT_FIELDS = tuple(field.name for field in fields(DataPoint))


def _answer_key(command: str, request_key: str | None) -> str | None:
    """The key a command's answer is kept under: one request id never answers for
    another command (a submission's key is the bare request id, as it always was)."""
    return None if request_key is None else f"/{command} {request_key}"


def _earlier_answer(conn: sqlite3.Connection, key: str, kind: type[Answer]) -> Answer | None:
    """The answer a request with ``key`` got, as it was given then; None if it is new."""
    row = conn.execute("SELECT answer FROM request_keys WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    given = json.loads(row[0])
    return kind(**{**given, "point": DataPoint(**given["point"]), "replayed": True})


def _answer_text(answer: Confirmation | Flagging) -> str:
    return json.dumps({k: v for k, v in asdict(answer).items() if k != "replayed"})


def _resolved(conn: sqlite3.Connection, dataset: Dataset) -> Dataset:
    """What ``dataset``'s name means now, in ``conn``'s transaction (a dataset is never
    deleted, so its name always finds it or the dataset it was merged into)."""
    found = identity.find(conn, dataset.domain, dataset.name)
    assert found is not None, f"dataset #{dataset.id} has left the ledger"
    return found


def _point(row: tuple) -> DataPoint:
    """A row of ``_SELECT`` as a DataPoint, without the frozen dataclass's ``__init__``.

    That ``__init__`` sets each of the 23 fields through ``object.__setattr__``: 4 µs a
    point, 28 of them for one page of ``/datasets``. Filling the instance's dict from the
    row gives the same object (equal, hashable, frozen) in under half the time; the
    select names every field, so no default is ever needed.
    """
    point = object.__new__(DataPoint)
    point.__dict__.update(zip(_POINT_FIELDS, row, strict=True))
    return point


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
        #: Each domain's headline unit (datasets rank by it); see :meth:`adopt_units`.
        self.headline_units: dict[str, str] = {}
        #: When the next rate count deletes ended windows' rows (monotonic seconds).
        self._next_rate_sweep = 0.0
        #: What the next write of a command declared as a submission must count.
        self._charge: Charge | None = None
        #: Whether the current transaction counted ``_charge`` already.
        self._spent = False
        #: Ledger changes this store committed: ``PRAGMA data_version`` counts only other
        #: connections' commits, so :meth:`version` rereads ``ledger_version`` after these.
        self._writes = 0
        #: The ``(data_version, own writes)`` pair ``ledger_version`` was last read at.
        self._version_seen: tuple[int, int] | None = None
        self._ledger_version = 0
        self._memo: dict[Hashable, Any] = {}
        self._memo_version: int | None = None

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
    def write(self, *, ledger: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (queues, never deadlocks).

        Whatever fails, nothing of it stays: the transaction is rolled back (SQLite may
        have done so already, on a full disk), and a storage error is raised as its fault.
        A read-only store refuses before it begins: SQLite would let ``BEGIN IMMEDIATE``
        through and refuse only the first change, after the command had read and decided.

        A transaction that changes something raises the ledger's version (the reply
        cache's cue), unless ``ledger`` is False: rate-limit counts change no reply. It
        also pays the pending charge (:meth:`charging`) if its writer did not already,
        so a command declared as a submission is counted whatever it writes; over the
        limit, the transaction is rolled back and nothing is stored.

        The fault translation is written out here rather than through :meth:`_faults`:
        every submission passes this way, and a second generator costs it a microsecond.
        """
        if self.read_only is not None:
            raise LedgerReadOnly(self.path, self.read_only)
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            before = conn.total_changes
            try:
                yield conn
                changed = ledger and conn.total_changes != before
                if changed:
                    self.spend_charge(conn)
                    conn.execute("UPDATE ledger_version SET version = version + 1 WHERE id = 1")
                conn.execute("COMMIT")
                if changed:
                    self._writes += 1
            except BaseException:
                self._spent = False
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            fault = self._fault(error)
            if fault is error:
                raise
            raise fault from error
        if self._spent:
            self._spent, self._charge = False, None

    @contextmanager
    def charging(self, charge: Charge | None) -> Iterator[None]:
        """While inside, the first write that changes the ledger counts ``charge``.

        The core opens this around a command declared as a submission; the count is
        checked and raised in that write's own transaction (:func:`knowledge.rates.spend`),
        so it is atomic with what it counts, across processes too.
        """
        self._charge, self._spent = charge, False
        try:
            yield
        finally:
            self._charge, self._spent = None, False

    def spend_charge(self, conn: sqlite3.Connection) -> None:
        """Count the pending charge now, in ``conn``'s transaction, before what it pays for.

        Raises :class:`~knowledge.rates.OverLimit` when the allowance is used up (the
        caller's transaction then rolls back). Once a transaction, then never again.
        """
        charge = self._charge
        if charge is None or self._spent:
            return
        rates.spend(conn, charge)
        self._spent = True
        if time.monotonic() >= self._next_rate_sweep:
            rates.sweep(conn, charge.window)
            self._next_rate_sweep = time.monotonic() + rates.SWEEP_SECONDS

    # -- what changed ----------------------------------------------------------------------

    def version(self) -> int:
        """The ledger's version: changes with every commit that changes the ledger.

        SQLite's ``data_version`` moves when another connection commits anything, a rate
        count too; only then (or after a ledger write of our own) is ``ledger_version``
        read again, which moves only with what a reply can show. So a command's count
        never empties what :meth:`remember` keeps.
        """
        row = self.conn.execute("PRAGMA data_version").fetchone()
        seen = (int(row[0]), self._writes)
        if seen != self._version_seen:
            found = self.conn.execute("SELECT version FROM ledger_version").fetchone()
            self._version_seen, self._ledger_version = seen, int(found[0])
        return self._ledger_version

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept until the ledger changes: a field's records, its charts.

        Reading the version costs one pragma; anything kept from an older version is
        dropped at once, so nothing stale is ever returned. At most :data:`MEMO_SIZE`
        results are kept, the oldest going first.
        """
        version = self.version()
        if version != self._memo_version:
            self._memo.clear()
            self._memo_version = version
        if key in self._memo:
            found: T = self._memo[key]
            return found
        value = compute()
        self._memo[key] = value
        while len(self._memo) > MEMO_SIZE:
            del self._memo[next(iter(self._memo))]
        return value

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

    # -- community fields ----------------------------------------------------------------

    def community_domains(self) -> list[CommunityDomain]:
        """The fields moderators added, oldest first."""
        return community.load(self.conn)

    def community_signature(self) -> tuple[int, int]:
        """Changes when a field is added (by any process): when to read them again."""
        return community.signature(self.conn)

    def add_domain(self, domain: CommunityDomain) -> None:
        """Store a community field with its names, and an audit entry, in one transaction.

        :class:`~knowledge.community.NameInUse` when another process gave one of its
        names to a field first; nothing is stored then.
        """
        with self.write() as conn:
            community.insert(conn, domain)
            self._audit(
                conn,
                domain.added_at,
                domain.added_by,
                "add-domain",
                None,
                domain.model_dump(exclude={"added_by", "added_at"}),
            )
        if domain.headline_unit:
            self.headline_units[domain.slug] = domain.headline_unit

    # -- writes --------------------------------------------------------------------------

    def headline(self, domain: str) -> str | None:
        """The unit a domain's datasets are ranked by (its headline unit)."""
        return self.headline_units.get(domain)

    def adopt_units(self, headline_units: dict[str, str]) -> None:
        """Take the domains' headline units; re-rank datasets when they changed.

        The ledger ranks each dataset by its figure in its domain's headline unit, which
        the knowledge base decides: a changed unit (or the first open after the datasets
        migration) re-ranks in one transaction, and an unchanged one costs a read.
        """
        self.headline_units = dict(headline_units)
        wanted = json.dumps(self.headline_units, sort_keys=True)
        if self.read_only or self.meta("rank_units") == wanted:
            return
        with self.write() as conn:
            held = self.meta("rank_units")
            if held == wanted:
                return
            # Only the domains whose unit changed (a field added): re-ranking every
            # dataset of a large ledger for one new field would hold the lock for long.
            before: dict[str, str] = json.loads(held) if held else {}
            changed = {
                domain: unit
                for domain, unit in self.headline_units.items()
                if before.get(domain) != unit
            }
            measures.rank_by(conn, changed)
            conn.execute(
                "INSERT OR REPLACE INTO kb_meta (key, value) VALUES ('rank_units', ?)", (wanted,)
            )

    def _insert(
        self,
        conn: sqlite3.Connection,
        point: NewPoint,
        status: Status,
        origin: Origin,
        who: Submitter,
        at: str,
    ) -> tuple[int, Dataset, bool]:
        """Store ``point``: its id, its dataset, and whether that was created for it."""
        dataset, created = identity.find_or_create(conn, point.domain, point.dataset, at)
        reviewed = (who.user, at) if status == "approved" else (None, None)
        cursor = conn.execute(
            "INSERT INTO data_points (domain, dataset, dataset_key, dataset_id, quantity_text, "
            "quantity, unit, year, source_url, note, status, origin, submitted_by, platform, "
            "workspace, channel, submitted_at, reviewed_by, reviewed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                point.domain,
                point.dataset,
                dataset_key(point.dataset),
                dataset.id,
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
            measures.refresh(conn, dataset.id, point.unit, self.headline(point.domain))
        return point_id, dataset, created

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        at: str,
        actor: str,
        action: str,
        point_id: int | None,
        details: dict[str, Any],
        dataset_id: int | None = None,
    ) -> None:
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, data_point_id, dataset_id, details) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (at, actor, action, point_id, dataset_id, json.dumps(details, sort_keys=True)),
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
        request, in this process or another, store one point between them. A pending
        charge (:meth:`charging`) is paid after that look-up (a replay is not counted
        again) and before the point is written (over the limit, nothing is).

        The point joins the dataset its name means (found by key, never renamed by the
        new spelling), or a new dataset of that name.
        """
        at = now()
        with self.write() as conn:
            if request_key is not None:
                earlier = self._earlier_submission(conn, request_key)
                if earlier is not None:
                    return earlier
            self.spend_charge(conn)  # over the limit: nothing below is written
            point_id, dataset, created = self._insert(conn, point, "pending", "community", who, at)
            if request_key is not None:
                self._remember_request(conn, request_key, point_id, at)
        stored = DataPoint(
            point_id,
            point.domain,
            dataset.name,
            point.quantity_text,
            point.quantity,
            point.unit,
            point.year,
            point.source_url,
            point.note,
            "pending",
            "community",
            0,
            who.user,
            who.platform,
            who.workspace,
            who.channel,
            at,
            None,
            None,
            None,
            dataset.id,
            point.dataset,
        )
        return Submission(point_id, point, new_dataset=created, stored=stored)

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

    def _remember_request(
        self, conn: sqlite3.Connection, key: str, point_id: int, at: str, answer: str | None = None
    ) -> None:
        """Record ``key`` -> ``point_id`` (and the ``answer`` a replay repeats, unless a
        submission's, read back from its point); about once an hour, forget expired keys.

        Sweeping on every submission cost it a tenth more time; once an hour (and at
        the first keyed submission after a start) keeps the table about a day deep.
        """
        conn.execute(
            "INSERT INTO request_keys (key, point_id, at, answer) VALUES (?, ?, ?, ?)",
            (key, point_id, at, answer),
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
            return [self._insert(conn, p, status, origin, who, at)[0] for p in points]

    def add_in(self, conn: sqlite3.Connection, point: NewPoint, who: Submitter, at: str) -> int:
        """Store an approved imported point inside the caller's transaction (a batch of
        :mod:`knowledge.imports`): the same row, audit entry and counts as :meth:`add_many`."""
        return self._insert(conn, point, "approved", "import", who, at)[0]

    def audit_entry(
        self,
        conn: sqlite3.Connection,
        at: str,
        actor: str,
        action: str,
        details: dict[str, Any],
        point_id: int | None = None,
    ) -> None:
        """Record an action in the audit log inside the caller's transaction."""
        self._audit(conn, at, actor, action, point_id, details)

    def seed_once(self, points: list[NewPoint], who: Submitter) -> bool:
        """Load a starter set into a ledger never seeded (once, however many race)."""
        if self.meta("curated_seeded") is not None:
            return False
        return self.sync_curated(points, who, "seed") > 0

    def sync_curated(self, points: list[NewPoint], who: Submitter, edition: str) -> int:
        """Bring the ledger's curated points to this edition of the curated file.

        A curated row not in the ledger yet is added as an approved "curated" point; a
        curated point whose row has left the file (a corrected figure) is withdrawn, so
        the dataset's previous figure in that unit is current again and its history
        keeps it. Community and imported points are never touched. Runs once per
        edition, however many processes open the file at once; returns how many points
        it added.
        """
        with self.write() as conn:
            if self.meta("curated_edition") == edition:
                return 0
            at = now()
            held = {
                _curated_identity(row[1:]): row[0]
                for row in conn.execute(
                    "SELECT id, domain, dataset_key, unit, quantity, year, source_url "
                    "FROM data_points WHERE origin = 'curated' AND status = 'approved'"
                )
            }
            wanted = {
                _curated_identity(
                    (p.domain, dataset_key(p.dataset), p.unit, p.quantity, p.year, p.source_url)
                ): p
                for p in points
            }
            added = 0
            for identity_key, point in wanted.items():
                if identity_key not in held:
                    self._insert(conn, point, "approved", "curated", who, at)
                    added += 1
            for identity_key, point_id in held.items():
                if identity_key not in wanted:
                    self._withdraw_curated(conn, point_id, who.user, at)
            conn.execute(
                "INSERT OR REPLACE INTO kb_meta (key, value) VALUES ('curated_edition', ?)",
                (edition,),
            )
            conn.execute(
                "INSERT OR IGNORE INTO kb_meta (key, value) VALUES ('curated_seeded', ?)", (at,)
            )
        return added

    def _withdraw_curated(self, conn: sqlite3.Connection, point_id: int, who: str, at: str) -> None:
        point = self.get(point_id)
        assert point is not None
        conn.execute(
            "UPDATE data_points SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, "
            "review_note = 'no longer in the curated file', is_current = 0 WHERE id = ?",
            (who, at, point_id),
        )
        if point.dataset_id is not None:
            measures.refresh(conn, point.dataset_id, point.unit, self.headline(point.domain))
        self._audit(conn, at, who, "withdraw", point_id, {"note": "curated file corrected"})

    def review(
        self,
        point_id: int,
        decision: Literal["approve", "reject"],
        moderator: str,
        note: str | None,
    ) -> Decision:
        """Decide a point: approve or reject a pending one, keep or withdraw a disputed one.

        A disputed approved figure is kept (``approve``: its disputes are cleared, with the
        moderator's note) or withdrawn (``reject``: the dataset's previous figure in that
        unit is current again). Anything already decided and undisputed is final.
        """
        at = now()
        with self.write() as conn:
            point = self.get(point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            outcome: Outcome
            if point.status == "approved" and point.disputes:
                outcome = "keep" if decision == "approve" else "withdraw"
            elif point.status != "pending":
                raise AlreadyReviewed(point)
            else:
                outcome = decision
            if outcome != "keep":
                status = "approved" if outcome == "approve" else "rejected"
                # A withdrawn figure stops being current in its own row, so that no later
                # change to how a measure is refreshed can leave a rejected point current.
                conn.execute(
                    "UPDATE data_points SET status = ?, reviewed_by = ?, reviewed_at = ?, "
                    "review_note = ?, is_current = is_current AND ? WHERE id = ?",
                    (status, moderator, at, note, status == "approved", point_id),
                )
            if point.status == "pending":
                conn.execute(
                    "UPDATE domain_counts SET pending = pending - 1 WHERE domain = ?",
                    (point.domain,),
                )
            cleared = self._clear_flags(conn, point_id, moderator, at)
            if outcome in ("approve", "withdraw") and point.dataset_id is not None:
                measures.refresh(conn, point.dataset_id, point.unit, self.headline(point.domain))
            self._audit(conn, at, moderator, outcome, point_id, {"note": note, "cleared": cleared})
            decided = self.get(point_id)
        assert decided is not None
        return Decision(decided, outcome, cleared, at)

    @staticmethod
    def _clear_flags(conn: sqlite3.Connection, point_id: int, moderator: str, at: str) -> int:
        """Close a point's open disputes (a decision answers them); how many there were."""
        cleared = conn.execute(
            "UPDATE flags SET cleared_at = ?, cleared_by = ? "
            "WHERE point_id = ? AND cleared_at IS NULL",
            (at, moderator, point_id),
        ).rowcount
        if cleared:
            conn.execute("UPDATE data_points SET disputes = 0 WHERE id = ?", (point_id,))
        return cleared

    def confirm(
        self,
        point_id: int,
        user: str,
        auto_approve_at: int = 0,
        request_key: str | None = None,
    ) -> Confirmation:
        """A member vouches that the source states the figure: once each, not for their own.

        Once per ``request_key`` as a submission is (:meth:`submit_once`): a request seen
        before gets its first answer again and nothing is written.

        With ``auto_approve_at`` > 0, the confirmation that brings a pending point to that
        many is also its approval, recorded in the audit log as such, unless the point has
        an open dispute (``/flag``): a dispute is a moderator's to decide, whatever the
        count. Both are read inside this write transaction, so a flag committed a moment
        earlier, in any process, stops the approval.
        """
        at, key = now(), _answer_key("confirm", request_key)
        with self.write() as conn:
            if key is not None and (earlier := _earlier_answer(conn, key, Confirmation)):
                return earlier
            point = self.get(point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            if point.submitted_by == user:
                raise OwnPoint(point)
            if point.status == "rejected":
                raise AlreadyReviewed(point)
            added = conn.execute(
                "INSERT OR IGNORE INTO confirmations (point_id, user, at) VALUES (?, ?, ?)",
                (point_id, user, at),
            ).rowcount
            if not added:
                raise AlreadyVouched(point)
            self._audit(conn, at, user, "confirm", point_id, {})
            count = self._count(conn, "confirmations", point_id)
            approved = False
            if (
                auto_approve_at
                and point.status == "pending"
                and not point.disputes
                and count >= auto_approve_at
            ):
                conn.execute(
                    "UPDATE data_points SET status = 'approved', reviewed_by = ?, "
                    "reviewed_at = ?, review_note = ? WHERE id = ?",
                    (AUTO_APPROVER, at, f"{count} confirmations", point_id),
                )
                conn.execute(
                    "UPDATE domain_counts SET pending = pending - 1 WHERE domain = ?",
                    (point.domain,),
                )
                if point.dataset_id is not None:
                    measures.refresh(
                        conn, point.dataset_id, point.unit, self.headline(point.domain)
                    )
                self._audit(
                    conn, at, AUTO_APPROVER, "auto-approve", point_id, {"confirmations": count}
                )
                approved = True
            confirmed = self.get(point_id)
            assert confirmed is not None
            answer = Confirmation(confirmed, count, approved)
            if key is not None:
                self._remember_request(conn, key, point_id, at, _answer_text(answer))
        return answer

    def flag(
        self, point_id: int, user: str, reason: str, request_key: str | None = None
    ) -> Flagging:
        """A member disputes a figure; an approved one shows as disputed until decided.

        Once per ``request_key``, as :meth:`confirm`: a replay after a moderator kept the
        figure gets the first answer, and files no second dispute.
        """
        at, key = now(), _answer_key("flag", request_key)
        with self.write() as conn:
            if key is not None and (earlier := _earlier_answer(conn, key, Flagging)):
                return earlier
            point = self.get(point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            if point.status == "rejected":
                raise AlreadyReviewed(point)
            open_already = conn.execute(
                "SELECT 1 FROM flags WHERE point_id = ? AND user = ? AND cleared_at IS NULL",
                (point_id, user),
            ).fetchone()
            if open_already:
                raise AlreadyVouched(point)
            conn.execute(
                "INSERT INTO flags (point_id, user, reason, at) VALUES (?, ?, ?, ?)",
                (point_id, user, reason, at),
            )
            conn.execute("UPDATE data_points SET disputes = disputes + 1 WHERE id = ?", (point_id,))
            self._audit(conn, at, user, "flag", point_id, {"reason": reason})
            flagged = self.get(point_id)
            assert flagged is not None
            answer = Flagging(flagged, flagged.disputes, reason)
            if key is not None:
                self._remember_request(conn, key, point_id, at, _answer_text(answer))
        return answer

    def merge(self, source: Dataset, target: Dataset, moderator: str) -> Merged:
        """Make ``source`` part of ``target``: its figures and its names, history kept.

        Both are found again by name inside the write transaction, so a merge committed
        since the caller looked them up (``/merge B A`` racing ``/merge A B``) is seen:
        names that now mean one dataset raise :class:`SameDataset` and nothing is written,
        never a dataset merged into itself.
        """
        at = now()
        with self.write() as conn:
            source, target = _resolved(conn, source), _resolved(conn, target)
            if source.id == target.id:
                raise SameDataset(target)
            was_listed = source.measures > 0
            moved = identity.merge(conn, source, target)
            if was_listed:
                conn.execute(
                    "UPDATE domain_counts SET datasets = datasets - 1 WHERE domain = ?",
                    (source.domain,),
                )
            measures.refresh_all_units(conn, target.id, self.headline(target.domain))
            self._audit(
                conn,
                at,
                moderator,
                "merge",
                None,
                {"from": source.name, "from_id": source.id, "into": target.name, "moved": moved},
                dataset_id=target.id,
            )
        return Merged(source, target, moved)

    @staticmethod
    def _count(conn: sqlite3.Connection, table: str, point_id: int) -> int:
        assert table in ("confirmations",)
        return int(
            conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE point_id = ?", (point_id,)
            ).fetchone()[0]
        )

    # -- rate limits ---------------------------------------------------------------------

    def add_rate_counts(
        self, scope: str, window: int, expires: int, counts: dict[str, int]
    ) -> dict[str, int]:
        """Add admitted requests (user -> how many) to a window; returns the stored totals.

        One transaction for the whole batch, which the reply cache does not take for a
        change of the ledger; about once an hour it also deletes ended windows' rows.
        """
        with self.write(ledger=False) as conn:
            totals = {
                user: rates.add(conn, user, scope, window, expires, count)
                for user, count in counts.items()
            }
            if time.monotonic() >= self._next_rate_sweep:
                rates.sweep(conn, window)
                self._next_rate_sweep = time.monotonic() + rates.SWEEP_SECONDS
        return totals

    def rate_count(self, user: str, scope: str, window: int) -> int:
        """How many of ``scope``'s requests ``user`` made in the window starting ``window``."""
        return rates.count(self.conn, user, scope, window)

    # -- reads ---------------------------------------------------------------------------

    def get(self, point_id: int) -> DataPoint | None:
        row = self.conn.execute(f"{_select()} WHERE p.id = ?", (point_id,)).fetchone()
        return _point(row) if row else None

    def largest(self, domain: str, unit: str) -> DataPoint | None:
        """The largest current figure in ``unit`` among a domain's datasets."""
        points = self.largest_in_unit(domain, unit, 1)
        return points[0] if points else None

    def largest_in_unit(self, domain: str, unit: str, limit: int) -> list[DataPoint]:
        """The ``limit`` largest current figures of a domain's datasets in ``unit``.

        Only one unit, because sizes in different units cannot be ranked against each
        other; each dataset has at most one current figure per unit.
        """
        rows = self.conn.execute(
            f"{_select('idx_current_by_unit')} WHERE p.domain = ? AND p.unit = ? "
            f"AND {_CURRENT} ORDER BY p.quantity DESC LIMIT ?",
            (domain, unit, limit),
        ).fetchall()
        return [_point(row) for row in rows]

    def record_frontier(self, domain: str, unit: str) -> list[DataPoint]:
        """The figures that set ``domain``'s record in ``unit``, oldest year first.

        The rule is :mod:`knowledge.records`' (the web view reads the same), read
        without reading every figure: a skip through ``idx_record_by_year``, one seek a
        year, so the cost is the number of years the field has figures in, however many
        each holds. The few records are then read whole, with their datasets' names.
        """
        chosen = [point_id for point_id, _, _ in records.record_ids(self.conn, domain, unit)]
        if not chosen:
            return []
        marks = ", ".join("?" * len(chosen))
        rows = self.conn.execute(f"{_select()} WHERE p.id IN ({marks})", chosen).fetchall()
        by_id = {point.id: point for point in map(_point, rows)}
        return [by_id[point_id] for point_id in chosen]

    def dated_figures(
        self, domain: str, unit: str, limit: int = CHART_FIGURES
    ) -> tuple[Figure, ...]:
        """A chart's dots of ``domain`` in ``unit``: each year's spread of sizes.

        At most ``limit``, read one seek a dot whatever the field's size
        (:func:`knowledge.records.dated_figures`, as the web view draws them).
        """
        return records.dated_figures(self.conn, domain, unit, limit)

    def units_of(self, domain: str) -> frozenset[str]:
        """The units the domain's datasets have current figures in.

        A skip through the index, one seek per unit: ``DISTINCT`` would read every
        current figure of the domain, thousands of them in a large ledger. Kept until
        the ledger changes (:meth:`remember`): ``/compare`` asks for every field's.
        """
        return self.remember(("units", domain), lambda: frozenset(self._units_of(domain)))

    def _units_of(self, domain: str) -> set[str]:
        units: set[str] = set()
        after = ""
        while True:
            row = self.conn.execute(
                "SELECT unit FROM data_points INDEXED BY idx_current_by_unit "
                "WHERE domain = ? AND unit > ? AND status = 'approved' AND is_current = 1 "
                "ORDER BY unit LIMIT 1",
                (domain, after),
            ).fetchone()
            if row is None:
                return units
            after = row[0]
            units.add(after)

    def datasets(
        self,
        domain: str,
        sort: DatasetSort = "largest",
        limit: int = 10,
        offset: int = 0,
    ) -> list[Listed]:
        """A domain's datasets with their current figures, each dataset once.

        ``largest`` ranks by the figure in the domain's headline unit (datasets without
        one after, newest first); ``newest`` by the newest year of a current figure,
        then by approval time. One index of datasets, then their figures by dataset.
        """
        if sort == "largest":
            index = "idx_datasets_by_size"
            order = "rank DESC, latest_year DESC, latest_at DESC, id"
        else:
            index = "idx_datasets_by_year"
            order = "latest_year DESC, latest_at DESC, id DESC"
        rows = self.conn.execute(
            f"SELECT id, domain, name, measures FROM datasets INDEXED BY {index} "
            f"WHERE domain = ? AND measures > 0 AND merged_into IS NULL "
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            (domain, limit, offset),
        ).fetchall()
        chosen = [Dataset(*row) for row in rows]
        figures = self.figures_of([d.id for d in chosen], self.headline(domain))
        return [Listed(d, figures.get(d.id, [])) for d in chosen]

    def figures_of(
        self, dataset_ids: list[int], headline_unit: str | None = None
    ) -> dict[int, list[Measure]]:
        """The current figures of each dataset, the headline unit's first, then largest."""
        if not dataset_ids:
            return {}
        marks = ", ".join("?" for _ in dataset_ids)
        rows = self.conn.execute(
            "SELECT p.id, p.dataset_id, COALESCE(d.name, p.dataset), p.quantity, p.unit, "
            "p.year, p.source_url, p.disputes, p.reviewed_at "
            "FROM data_points AS p INDEXED BY idx_current_by_dataset "
            "LEFT JOIN datasets AS d ON d.id = p.dataset_id "
            f"WHERE p.dataset_id IN ({marks}) AND {_CURRENT} "
            "ORDER BY p.dataset_id, p.unit != ?, p.quantity DESC",
            (*dataset_ids, headline_unit or ""),
        ).fetchall()
        found: dict[int, list[Measure]] = {}
        for row in rows:
            found.setdefault(row[1], []).append(Measure._make(row))
        return found

    def newest(self, domain: str) -> DataPoint | None:
        """The newest current figure of the domain's newest dataset."""
        listed = self.datasets(domain, "newest", limit=1)
        if not listed or not listed[0].figures:
            return None
        chosen = max(listed[0].figures, key=lambda m: (m.year or 0, m.reviewed_at or ""))
        return self.get(chosen.id)

    def _current_in(self, dataset_id: int, unit: str) -> DataPoint | None:
        row = self.conn.execute(
            f"{_select('idx_current_by_dataset')} WHERE p.dataset_id = ? AND p.unit = ? "
            f"AND {_CURRENT}",
            (dataset_id, unit),
        ).fetchone()
        return _point(row) if row else None

    def current_figure(self, dataset_id: int, unit: str, *, besides: int) -> DataPoint | None:
        """The dataset's current figure in ``unit``, unless that is point ``besides``."""
        current = self._current_in(dataset_id, unit)
        return current if current is not None and current.id != besides else None

    def next_current(self, point: DataPoint) -> DataPoint | None:
        """The figure that would be current in ``point``'s place were it withdrawn.

        The newest other approved figure of its dataset and unit, in the order
        :func:`measures.refresh` picks the current one by; None when ``point`` is not
        current (withdrawing it changes nothing) or is the only one.
        """
        if not point.is_current or point.dataset_id is None:
            return None
        row = self.conn.execute(
            f"{_select('idx_points_by_dataset')} WHERE p.dataset_id = ? AND p.unit = ? "
            "AND p.status = 'approved' AND p.id != ? "
            f"ORDER BY {measures.newest_first('p')} LIMIT 1",
            (point.dataset_id, point.unit, point.id),
        ).fetchone()
        return _point(row) if row else None

    def find_dataset(self, domain: str, name: str) -> Dataset | None:
        return identity.find(self.conn, domain, name)

    def find_datasets(self, name: str) -> list[Dataset]:
        """The datasets ``name`` means in any domain (usually one)."""
        return identity.find_anywhere(self.conn, name)

    def look_alikes(self, domain: str, name: str) -> list[Dataset]:
        return identity.look_alikes(self.conn, domain, name)

    def dataset_names(self, domain: str | None, prefix: str, limit: int = 25) -> list[str]:
        """Names of datasets with a current figure whose key starts with ``prefix``'s key.

        Matching on :func:`dataset_key` ignores case, spaces and punctuation, as the
        ledger does when it tells datasets apart, so ``objaverse x`` finds
        ``Objaverse-XL``. The key range reads an index of datasets in key order: the
        cost is the number of names returned, however large the ledger grows.
        """
        low = dataset_key(prefix)
        high = low + _LAST_CHARACTER
        if domain is None:
            rows = self.conn.execute(
                "SELECT name FROM datasets INDEXED BY idx_datasets_names "
                "WHERE key >= ? AND key < ? AND measures > 0 AND merged_into IS NULL "
                "GROUP BY key ORDER BY key LIMIT ?",
                (low, high, limit),
            )
        else:
            rows = self.conn.execute(
                "SELECT name FROM datasets INDEXED BY idx_datasets_key "
                "WHERE domain = ? AND key >= ? AND key < ? AND measures > 0 "
                "AND merged_into IS NULL ORDER BY key LIMIT ?",
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
            f"{_select('idx_pending_queue')} WHERE p.status = 'pending' ORDER BY p.id LIMIT ?",
            (limit,),
        ).fetchall()
        return [_point(row) for row in rows]

    def disputed(self, limit: int = 10) -> list[DataPoint]:
        """Approved figures with open disputes, oldest first: the queue's other half."""
        rows = self.conn.execute(
            f"{_select('idx_disputed')} WHERE p.disputes > 0 AND p.status = 'approved' "
            "ORDER BY p.id LIMIT ?",
            (limit,),
        ).fetchall()
        return [_point(row) for row in rows]

    def disputed_total(self) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM data_points INDEXED BY idx_disputed "
            "WHERE disputes > 0 AND status = 'approved'"
        ).fetchone()
        return int(row[0])

    def pending_total(self) -> int:
        row = self.conn.execute("SELECT COALESCE(SUM(pending), 0) FROM domain_counts").fetchone()
        return int(row[0])

    def history(self, dataset_id: int, limit: int = 1000, offset: int = 0) -> list[DataPoint]:
        """Every figure of a dataset, unit by unit, oldest first (by year, then submission)."""
        rows = self.conn.execute(
            f"{_select('idx_points_by_dataset')} WHERE p.dataset_id = ? "
            "ORDER BY p.unit, p.year NULLS FIRST, p.id LIMIT ? OFFSET ?",
            (dataset_id, limit, offset),
        ).fetchall()
        return [_point(row) for row in rows]

    def history_size(self, dataset_id: int) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM data_points INDEXED BY idx_points_by_dataset "
            "WHERE dataset_id = ?",
            (dataset_id,),
        ).fetchone()
        return int(row[0])

    def approved_before(self, point: DataPoint) -> DataPoint | None:
        """The approved figure of the same dataset and unit just before ``point`` (history
        order): what its change factor is measured against.

        History order is the index's (undated first, then by year, then by id), so
        "before" is up to three seeks backwards: the same year's earlier ids, earlier
        years, then the undated. One query with the three joined by ``OR`` cannot seek:
        it walked a 1,000-figure dataset's whole unit for its oldest figure (160 µs).
        """
        select = (
            f"{_select('idx_points_by_dataset')} WHERE p.dataset_id = ? AND p.unit = ? "
            "AND p.status = 'approved' AND "
        )
        same = (point.dataset_id, point.unit)
        steps: list[tuple[str, tuple[Any, ...]]] = []
        if point.year is not None:
            steps += [
                ("p.year = ? AND p.id < ? ORDER BY p.id DESC", (point.year, point.id)),
                ("p.year < ? ORDER BY p.year DESC, p.id DESC", (point.year,)),
                ("p.year IS NULL ORDER BY p.id DESC", ()),
            ]
        else:  # undated figures come first, in the order they came
            steps.append(("p.year IS NULL AND p.id < ? ORDER BY p.id DESC", (point.id,)))
        for condition, values in steps:
            row = self.conn.execute(f"{select}{condition} LIMIT 1", (*same, *values)).fetchone()
            if row is not None:
                return _point(row)
        return None

    def cited_by(self, point: DataPoint) -> DataPoint | None:
        """The earliest point of another dataset with the same source link, if any.

        A dataset's own paper states all its measures (InternVid's gives hours and
        clips), so citing it again for the same dataset is expected; a link already
        cited for a different dataset is what looks like a pasted wrong source.
        """
        row = self.conn.execute(
            f"{_select('idx_points_by_source')} WHERE p.source_url = ? AND p.id != ? "
            "AND p.dataset_id IS NOT ? ORDER BY p.id LIMIT 1",
            (point.source_url, point.id, point.dataset_id),
        ).fetchone()
        return _point(row) if row else None

    def confirmations(self, point_id: int) -> int:
        return self._count(self.conn, "confirmations", point_id)

    def open_flags(self, point_id: int, limit: int = 10) -> list[Flag]:
        """A point's open disputes, oldest first: what a moderator weighs before deciding."""
        rows = self.conn.execute(
            "SELECT user, reason, at FROM flags INDEXED BY idx_open_flags "
            "WHERE point_id = ? AND cleared_at IS NULL ORDER BY id LIMIT ?",
            (point_id, limit),
        ).fetchall()
        return [Flag(*row) for row in rows]

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
        for row in self.conn.execute(f"{_select()} ORDER BY p.id"):
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
