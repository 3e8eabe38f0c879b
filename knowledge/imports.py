"""The ledger side of a bulk import: stored in short batches, each resumable and undoable.

One transaction for a whole file held the write lock for minutes on a large one (every
chat write meanwhile was refused as busy) and grew the WAL to the size of the file's
rows. So an import is written as many short transactions instead, each one a whole
batch: its points, their audit entries, the datasets they create, the counts and
current figures they change, and the import's progress, which therefore never disagrees
with what is stored. A chat write waits for one batch at most.

Between batches the import is partly stored, and readers see its points batch by batch.
If it stops (an error, a full disk, a killed process), the rows stored so far are taken
out again (:func:`undo`) by the process that was writing them when it can, and otherwise
by ``scalebot import --undo ID``; ``scalebot import FILE --resume ID`` finishes it
instead. Either takes the import over (a new ``owner``): a process still writing it
stops at its next batch, so two processes never store the same rows.

Undoing removes what the import stored as if it had never been written: its points,
their ``import`` audit entries and the datasets it created that nothing else uses. A
point someone acted on meanwhile (confirmed, flagged, reviewed: anything in the audit
log besides its import) is withdrawn instead, like a moderator's withdrawal, so that
their action stays in its history. One audit entry records the undo itself.

Functions over a :class:`~knowledge.store.Store`: each opens its own transactions.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from knowledge import measures
from knowledge.ledger.values import NewPoint, Submitter, now
from knowledge.store import Store

State = Literal["writing", "done", "undoing", "undone"]

#: Points taken out per transaction when undoing (as short as a batch of the import).
UNDO_BATCH = 500


class ImportStopped(Exception):
    """This process no longer owns the import: another one resumed or undid it."""


class NoSuchImport(Exception):
    """The import id names no import, or one in a state that cannot do what was asked."""


@dataclass(frozen=True)
class Import:
    """One ``scalebot import``: its file, its progress, and who is writing it."""

    id: int
    file: str
    fingerprint: str
    rows: int
    written: int
    state: State
    owner: str
    actor: str
    at: str
    updated_at: str


@dataclass(frozen=True)
class Undone:
    """What undoing an import did: points removed, points withdrawn (someone used them)."""

    removed: int
    withdrawn: int


_COLUMNS = "id, file, fingerprint, rows, written, state, owner, actor, at, updated_at"


def get(store: Store, import_id: int) -> Import | None:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM imports WHERE id = ?", (import_id,)
    ).fetchone()
    return Import(*row) if row else None


def unfinished(store: Store) -> list[Import]:
    """Imports neither done nor undone: interrupted ones, or ones still being written."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM imports WHERE state IN ('writing', 'undoing') ORDER BY id"
    ).fetchall()
    return [Import(*row) for row in rows]


def point_ids(store: Store, import_id: int) -> Iterator[int]:
    """The ids of the points an import stored (and has not undone), in order."""
    batches = store.conn.execute(
        "SELECT first_point, last_point FROM import_batches WHERE import_id = ? "
        "ORDER BY first_point",
        (import_id,),
    ).fetchall()
    for first, last in batches:
        yield from range(first, last + 1)


def begin(store: Store, file: str, fingerprint: str, rows: int, actor: str) -> Import:
    """Record a new import of ``rows`` checked rows; nothing of it is stored yet."""
    at, owner = now(), uuid.uuid4().hex
    with store.write(ledger=False) as conn:
        cursor = conn.execute(
            "INSERT INTO imports (file, fingerprint, rows, state, owner, actor, at, updated_at) "
            "VALUES (?, ?, ?, 'writing', ?, ?, ?, ?)",
            (file, fingerprint, rows, owner, actor, at, at),
        )
    assert cursor.lastrowid is not None
    found = get(store, cursor.lastrowid)
    assert found is not None
    return found


def take_over(store: Store, import_id: int, to: State) -> Import:
    """Make this process the import's owner (to resume it, or to undo it).

    :class:`NoSuchImport` when there is no such import or it is finished: a done import
    is part of the ledger's history, and an undone one has nothing left to undo.
    """
    owner = uuid.uuid4().hex
    with store.write(ledger=False) as conn:
        found = get(store, import_id)
        if found is None:
            raise NoSuchImport(f"there is no import #{import_id}")
        allowed = ("writing",) if to == "writing" else ("writing", "undoing")
        if found.state not in allowed:
            raise NoSuchImport(
                f"import #{import_id} ({found.file}) is {found.state}: "
                + (
                    "its points are part of the ledger now; withdraw a wrong figure "
                    "with /flag and a moderator's /reject"
                    if found.state == "done"
                    else "nothing of it is left to resume or undo"
                )
            )
        conn.execute(
            "UPDATE imports SET owner = ?, state = ?, updated_at = ? WHERE id = ?",
            (owner, to, now(), import_id),
        )
    taken = get(store, import_id)
    assert taken is not None
    return taken


def _check_owner(conn: sqlite3.Connection, held: Import, state: State) -> int:
    """How many rows are stored, or :class:`ImportStopped` if another process took over."""
    row = conn.execute(
        "SELECT owner, state, written FROM imports WHERE id = ?", (held.id,)
    ).fetchone()
    if row is None or row[0] != held.owner or row[1] != state:
        raise ImportStopped(
            f"import #{held.id} was taken over by another process (a --resume or --undo)"
        )
    return int(row[2])


def write_batch(store: Store, held: Import, points: Iterable[NewPoint], who: Submitter) -> int:
    """Store one batch of ``held``'s points in one transaction; how many are stored now.

    The batch's point and dataset ids are recorded with it (they are consecutive: the
    transaction holds the write lock), and so is the import's progress.
    """
    with store.write() as conn:
        written = _check_owner(conn, held, "writing")
        last_dataset = _max_id(conn, "datasets")
        first_point = _max_id(conn, "data_points") + 1
        count = 0
        for point in points:
            store.points.add_in(conn, point, who, held.at)
            count += 1
        if not count:
            return written
        new_datasets = _max_id(conn, "datasets")
        conn.execute(
            "INSERT INTO import_batches (import_id, first_point, last_point, first_dataset, "
            "last_dataset) VALUES (?, ?, ?, ?, ?)",
            (
                held.id,
                first_point,
                first_point + count - 1,
                last_dataset + 1 if new_datasets > last_dataset else None,
                new_datasets if new_datasets > last_dataset else None,
            ),
        )
        conn.execute(
            "UPDATE imports SET written = written + ?, updated_at = ? WHERE id = ?",
            (count, now(), held.id),
        )
    return written + count


def finish(store: Store, held: Import) -> None:
    """Mark the import done: every row is stored, and it can no longer be undone."""
    with store.write(ledger=False) as conn:
        _check_owner(conn, held, "writing")
        conn.execute(
            "UPDATE imports SET state = 'done', updated_at = ? WHERE id = ?", (now(), held.id)
        )


def checkpoint(store: Store) -> None:
    """Copy the WAL back into the database between batches, so the WAL stays small.

    Passive: it never waits for a reader, and takes no write lock, so chat writes go on.
    """
    store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def undo(store: Store, held: Import, actor: str) -> Undone:
    """Take out everything ``held`` stored, in short transactions (see the module's doc).

    ``held`` must be taken over for undoing first (:func:`take_over`); run again after an
    interruption, it goes on where it stopped.
    """
    removed = withdrawn = 0
    while True:
        with store.write() as conn:
            _check_owner(conn, held, "undoing")
            batch = conn.execute(
                "SELECT first_point, last_point, first_dataset, last_dataset "
                "FROM import_batches WHERE import_id = ? ORDER BY first_point LIMIT 1",
                (held.id,),
            ).fetchone()
            if batch is None:
                conn.execute(
                    "UPDATE imports SET state = 'undone', updated_at = ? WHERE id = ?",
                    (now(), held.id),
                )
                store.audit_entry(
                    conn,
                    now(),
                    actor,
                    "undo-import",
                    {"import": held.id, "file": held.file, "written": held.written},
                )
                break
            first, last, first_dataset, last_dataset = batch
            upto = min(last, first + UNDO_BATCH - 1)
            gone, kept = _undo_points(store, conn, first, upto, actor, held.id)
            removed, withdrawn = removed + gone, withdrawn + kept
            if upto < last:
                conn.execute(
                    "UPDATE import_batches SET first_point = ? "
                    "WHERE import_id = ? AND first_point = ?",
                    (upto + 1, held.id, first),
                )
            else:
                if first_dataset is not None:
                    _drop_unused_datasets(conn, first_dataset, last_dataset)
                conn.execute(
                    "DELETE FROM import_batches WHERE import_id = ? AND first_point = ?",
                    (held.id, first),
                )
        checkpoint(store)
    return Undone(removed, withdrawn)


def _undo_points(
    store: Store, conn: sqlite3.Connection, first: int, last: int, actor: str, import_id: int
) -> tuple[int, int]:
    """Remove the points ``first``..``last`` (withdraw those someone acted on)."""
    used = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT data_point_id FROM audit_log "
            "WHERE data_point_id BETWEEN ? AND ? AND action != 'import'",
            (first, last),
        )
    }
    measures_touched = conn.execute(
        "SELECT DISTINCT dataset_id, unit, domain FROM data_points WHERE id BETWEEN ? AND ?",
        (first, last),
    ).fetchall()
    at = now()
    note = f"import #{import_id} undone"
    withdrawn = 0
    for point_id in sorted(used):
        if conn.execute(
            "UPDATE data_points SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, "
            "review_note = ?, is_current = 0 WHERE id = ? AND status = 'approved'",
            (actor, at, note, point_id),
        ).rowcount:
            withdrawn += 1
            store.audit_entry(conn, at, actor, "withdraw", {"note": note}, point_id)
    # Ids only, from the database itself: safe to write into the statement.
    besides = f" AND data_point_id NOT IN ({','.join(map(str, sorted(used)))})" if used else ""
    conn.execute(
        "DELETE FROM audit_log WHERE data_point_id BETWEEN ? AND ? AND action = 'import'" + besides,
        (first, last),
    )
    removed = conn.execute(
        "DELETE FROM data_points WHERE id BETWEEN ? AND ?" + besides.replace("data_point_id", "id"),
        (first, last),
    ).rowcount
    for dataset_id, unit, domain in measures_touched:
        if dataset_id is not None:
            measures.refresh(conn, dataset_id, unit, store.fields.headline(domain))
    return removed, withdrawn


def _drop_unused_datasets(conn: sqlite3.Connection, first: int, last: int) -> None:
    """Delete the datasets an undone batch created, unless something else uses them.

    A point (anyone's), a merge into or out of it, or any audit entry about it keeps a
    dataset; a merge always writes an audit entry naming the dataset merged into.
    """
    conn.execute(
        "DELETE FROM datasets WHERE id BETWEEN ? AND ? AND merged_into IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM data_points AS p INDEXED BY idx_points_by_dataset "
        "                WHERE p.dataset_id = datasets.id) "
        "AND NOT EXISTS (SELECT 1 FROM audit_log AS a WHERE a.dataset_id = datasets.id)",
        (first, last),
    )


def _max_id(conn: sqlite3.Connection, table: str) -> int:
    assert table in ("datasets", "data_points")
    return int(conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])
