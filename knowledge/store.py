"""The SQLite store: the community ledger of data points, its audit log, and the claims index.

One file per deployment, opened by every process (bot, CLI, a second bot) at once:
WAL mode lets readers run beside the writer, ``busy_timeout`` makes writers queue instead
of failing, and every write starts with ``BEGIN IMMEDIATE`` so two processes never both
read-then-upgrade and deadlock into "database is locked".

Reads on a command's hot path are plain parameterized SQL against the partial indexes
created in :mod:`knowledge.migrations`; sqlite-utils does the schema, migrations,
full-text index and bulk work.
"""

from __future__ import annotations

import json
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

from knowledge import rates
from knowledge.kb import Library
from knowledge.migrations import migrations
from knowledge.rates import Charge

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


def _enable_wal(db: Database) -> None:
    """Switch a new file to WAL, waiting out a process doing the same at the same moment.

    Changing the journal mode needs the file to itself and SQLite does not wait for it
    (the busy timeout does not apply), so two bots started together on a fresh file
    would see "database is locked": retry, bounded by the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


class Store:
    """All reads and writes of the database; one instance per process, not thread-safe."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.conn = db.conn
        self.path = path
        #: When the next keyed submission clears out expired keys (monotonic seconds).
        self._next_sweep = 0.0
        #: When the next rate count deletes ended windows' rows (monotonic seconds).
        self._next_rate_sweep = 0.0
        #: What the next write of a command declared as a submission must count.
        self._charge: Charge | None = None
        #: Whether the current transaction counted ``_charge`` already.
        self._spent = False

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) and migrate the database at ``path``."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        db = Database(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if target != ":memory:":
            _enable_wal(db)
        conn.execute("PRAGMA synchronous = NORMAL")
        store = cls(db, target)
        store.migrate()
        return store

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self, *, ledger: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (queues, never deadlocks).

        A transaction that changes something raises the ledger's version (the reply
        cache's cue), unless ``ledger`` is False: rate-limit counts change no reply. It
        also pays the pending charge (:meth:`charging`) if its writer did not already,
        so a command declared as a submission is counted whatever it writes; over the
        limit, the transaction is rolled back and nothing is stored.
        """
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        before = conn.total_changes
        try:
            yield conn
            if ledger and conn.total_changes != before:
                self.spend_charge(conn)
                conn.execute("UPDATE ledger_version SET version = version + 1 WHERE id = 1")
        except BaseException:
            self._spent = False
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
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

    def migrate(self) -> None:
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
        request, in this process or another, store one point between them. A pending
        charge (:meth:`charging`) is paid after that look-up (a replay is not counted
        again) and before the point is written (over the limit, nothing is).
        """
        at = now()
        with self.write() as conn:
            if request_key is not None:
                earlier = self._earlier_submission(conn, request_key)
                if earlier is not None:
                    return earlier
            self.spend_charge(conn)  # over the limit: nothing below is written
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
