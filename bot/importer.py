"""``scalebot import``: a CSV file of data points, checked whole, then stored in batches.

Two streamed passes over the file, so memory stays flat however many rows it has:

1. **Check**: every row is validated exactly as ``/submit`` validates it, and every bad
   row is reported with its line number (the first :data:`ERRORS_LISTED`, then a count).
   One bad row and nothing is stored. The pass also takes the file's SHA-256.
2. **Store**: the rows are read again and stored :data:`BATCH_ROWS` at a time, one short
   transaction each (:mod:`knowledge.imports`), so a chat write waits for one batch at
   most instead of the whole file. Between batches the WAL is checkpointed, so it stays
   the size of a batch, and the lock is left free for a moment so a waiting write gets in.

If storing stops partway (an error, a full disk, Ctrl-C), the rows stored so far are
taken out again before the error is reported, so a failed import leaves nothing behind.
If even that cannot be done (the process was killed, or the disk stays full), the import
stays recorded as unfinished: ``scalebot import FILE --resume ID`` stores the rest, and
``scalebot import --undo ID`` takes out what was stored. While an import runs, readers
see its points batch by batch.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.caller import Caller
from bot.commands import Command
from bot.csvcells import from_csv_cell
from bot.errors import UserError
from bot.submitpoint import submitted_point
from knowledge import imports
from knowledge.imports import Import, ImportStopped, NoSuchImport, Undone
from knowledge.ledger.values import NewPoint, Submitter
from knowledge.store import Store


class SubmitChecks(Protocol):
    """What the import needs of a core: its ledger and its ``/submit``'s checks.

    A protocol, not :class:`bot.core.Core` itself, so the core (which seeds the curated
    file through :func:`read_csv` when it opens) and the importer do not import each other.
    """

    store: Store

    def command(self, name: str) -> Command: ...

    def convert_options(self, command: Command, raw_options: dict[str, str]) -> dict[str, Any]: ...


#: The command a row is checked as: its columns are this command's options.
SUBMIT = "submit"
IMPORT_COLUMNS = ("domain", "dataset", "quantity", "unit", "year", "source_url", "note")
#: CSV column -> /submit option name.
_CSV_TO_OPTION = {"source_url": "source"}
#: How long one batch may hold the write lock: the most a chat write waits for it. The
#: number of rows per batch follows the machine's speed (:class:`_BatchSize`).
BATCH_SECONDS = 0.1
#: Rows in the first batch, and the bounds of every later one.
FIRST_BATCH, SMALLEST_BATCH, LARGEST_BATCH = 200, 10, 5_000
#: Seconds the write lock is left free between two batches (reading and checking the
#: next batch's rows counts towards it). SQLite's busy handler retries a waiting write
#: after 1, 2, 5, 10, 15, 20 and 25 ms (then less often): a write that began waiting
#: during the last batch (under :data:`BATCH_SECONDS` ago) retries within this gap.
PAUSE_SECONDS = 0.03
#: Bad rows a refusal names one by one; more are counted.
ERRORS_LISTED = 20

#: Turns one row (option name -> text) into a point, or raises the UserError /submit would.
Convert = Callable[[dict[str, str]], NewPoint]


class ImportFailed(Exception):
    """A CSV file was refused whole; the message names each bad line and what was wrong."""


class ImportInterrupted(Exception):
    """Storing stopped partway and the rows stored could not be taken out: the message
    says how many are stored and how to resume or undo the import."""


@dataclass(frozen=True)
class Imported:
    """An import that finished: its id and how many rows the file had."""

    id: int
    file: str
    rows: int


class _Hashing(io.RawIOBase):
    """A binary file that hashes every byte read through it."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._file.readinto(buffer)
        if count:
            self.digest.update(buffer[:count])
        return count or 0

    def close(self) -> None:
        self._file.close()
        super().close()


class _Rows:
    """The rows of a CSV file, read once, as (line, options) or (line, what is wrong).

    After a full read, :attr:`fingerprint` is the SHA-256 of the file's bytes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fingerprint = ""

    def __iter__(self) -> Iterator[tuple[int, dict[str, str] | str]]:
        name = self.path.name
        hashing = _Hashing(self.path)
        try:
            text = io.TextIOWrapper(io.BufferedReader(hashing), encoding="utf-8", newline="")
            with text:
                reader = csv.DictReader(text)
                header = reader.fieldnames or []
                missing = [c for c in IMPORT_COLUMNS if c not in header]
                if missing:
                    raise ImportFailed(
                        f"{name}: line 1: missing column(s) {', '.join(missing)}; "
                        f"the header must be: {','.join(IMPORT_COLUMNS)}"
                    )
                for row in reader:
                    if None in row:
                        yield reader.line_num, "more cells than columns"
                        continue
                    yield (
                        reader.line_num,
                        {
                            _CSV_TO_OPTION.get(column, column): from_csv_cell(row.get(column) or "")
                            for column in IMPORT_COLUMNS
                        },
                    )
                self.fingerprint = hashing.digest.hexdigest()
        except UnicodeDecodeError as error:
            raise ImportFailed(f"{name}: not UTF-8 text ({error.reason})") from None
        except csv.Error as error:
            raise ImportFailed(f"{name}: not a readable CSV file ({error})") from None
        finally:
            hashing.close()


def _point(convert: Convert, raw: dict[str, str] | str) -> NewPoint:
    """The row as a point, or :class:`UserError` saying what is wrong with it."""
    if isinstance(raw, str):
        raise UserError(raw)
    return convert(raw)


@dataclass(frozen=True)
class Checked:
    """A file whose every row passed: how many, and its SHA-256."""

    rows: int
    fingerprint: str


def check(path: Path, convert: Convert) -> Checked:
    """Validate every row in one streamed pass; :class:`ImportFailed` naming the bad ones."""
    source = _Rows(path)
    rows = bad = 0
    listed: list[str] = []
    for line, raw in source:
        rows += 1
        try:
            _point(convert, raw)
        except UserError as error:
            bad += 1
            if len(listed) < ERRORS_LISTED:
                listed.append(f"line {line}: {error.message}")
    if bad:
        raise ImportFailed(_refusal(path.name, listed, bad))
    return Checked(rows, source.fingerprint)


def _refusal(name: str, listed: list[str], bad: int) -> str:
    if bad == 1:
        return f"{name}: {listed[0]}"
    more = f"\n  and {bad - len(listed):,} more" if bad > len(listed) else ""
    lines = "".join(f"\n  {problem}" for problem in listed)
    return f"{name}: {bad:,} bad rows, each refused as /submit would refuse it:{lines}{more}"


def read_all(path: Path, convert: Convert) -> list[NewPoint]:
    """Every row of a small file as points (the curated file), after :func:`check`."""
    check(path, convert)
    return [_point(convert, raw) for _, raw in _Rows(path)]


def run(
    store: Store,
    path: Path,
    convert: Convert,
    who: Submitter,
    *,
    resume: int | None = None,
    started: Callable[[Import], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Check ``path`` whole, then store it in batches (or the rest of import ``resume``).

    :class:`ImportFailed` when a row is bad (nothing stored) or the import cannot be
    resumed; a storage fault or other error partway is raised after the rows stored are
    taken out again, and :class:`ImportInterrupted` when they could not be.
    """
    checked = check(path, convert)
    if resume is None:
        held = imports.begin(store, path.name, checked.fingerprint, checked.rows, who.user)
    else:
        held = _resumable(store, resume, path, checked)
    try:
        if started is not None:
            started(held)
        _store_rows(store, path, convert, held, who, progress)
    except ImportStopped as stopped:
        raise ImportFailed(f"{stopped}; this process stopped writing it") from None
    except BaseException as error:
        _take_out(store, held, who.user, error)
        raise
    return Imported(held.id, held.file, held.rows)


def _resumable(store: Store, import_id: int, path: Path, checked: Checked) -> Import:
    found = imports.get(store, import_id)
    if found is not None and found.state == "writing" and found.fingerprint != checked.fingerprint:
        raise ImportFailed(
            f"{path.name} is not the file import #{import_id} was reading ({found.file}, "
            f"{found.rows:,} rows): resume it with that file, or take out its "
            f"{found.written:,} stored rows with `scalebot import --undo {import_id}`"
        )
    try:
        return imports.take_over(store, import_id, "writing")
    except NoSuchImport as problem:
        raise ImportFailed(str(problem)) from None


def _store_rows(
    store: Store,
    path: Path,
    convert: Convert,
    held: Import,
    who: Submitter,
    progress: Callable[[int], None] | None,
) -> None:
    """The second pass: every row not stored yet, in batches, then the import is done."""
    source = _Rows(path)
    batch: list[NewPoint] = []
    size = _Pacing()
    for index, (line, raw) in enumerate(source):
        if index < held.written:
            continue
        try:
            batch.append(_point(convert, raw))
        except UserError as error:
            raise ImportFailed(
                f"{path.name}: line {line} changed after it was checked: {error.message}"
            ) from None
        if len(batch) >= size.rows:
            _store_batch(store, held, batch, who, progress, size)
    if batch:
        _store_batch(store, held, batch, who, progress, size)
    if source.fingerprint != held.fingerprint:
        raise ImportFailed(f"{path.name} changed while it was being imported")
    imports.finish(store, held)


def _store_batch(
    store: Store,
    held: Import,
    batch: list[NewPoint],
    who: Submitter,
    progress: Callable[[int], None] | None,
    size: _Pacing,
) -> None:
    size.wait()
    began = time.monotonic()
    written = imports.write_batch(store, held, batch, who)
    size.took(len(batch), began)
    batch.clear()
    imports.checkpoint(store)
    if progress is not None:
        progress(written)


class _Pacing:
    """How many rows the next batch takes, and when it may take the lock.

    A batch should hold the lock :data:`BATCH_SECONDS`: the size follows the last
    batch's speed (a wait for the lock included), halfway each time so that one slow
    batch does not halve the next. The next batch begins :data:`PAUSE_SECONDS` after
    the last one ended at the earliest.
    """

    def __init__(self) -> None:
        self.rows = FIRST_BATCH
        self._freed = 0.0

    def wait(self) -> None:
        time.sleep(max(0.0, self._freed + PAUSE_SECONDS - time.monotonic()))

    def took(self, rows: int, began: float) -> None:
        self._freed = time.monotonic()
        wanted = rows * BATCH_SECONDS / max(self._freed - began, 1e-4)
        self.rows = int(min(LARGEST_BATCH, max(SMALLEST_BATCH, (self.rows + wanted) / 2)))


def _take_out(store: Store, held: Import, actor: str, error: BaseException) -> None:
    """Undo what the failed import stored, or say how to resume or undo it later."""
    try:
        undo(store, held.id, actor)
    except BaseException:
        stored = imports.get(store, held.id)
        written = stored.written if stored is not None else 0
        cause = str(error) or type(error).__name__
        raise ImportInterrupted(
            f"import #{held.id} of {held.file} stopped ({cause}) with {written:,} of "
            f"{held.rows:,} rows stored, and they could not be taken out: store the rest "
            f"with `scalebot import {held.file} --resume {held.id}`, or take them out "
            f"with `scalebot import --undo {held.id}`"
        ) from error


def undo(store: Store, import_id: int, actor: str) -> Undone:
    """Take out what an unfinished import stored (:func:`knowledge.imports.undo`)."""
    try:
        held = imports.take_over(store, import_id, "undoing")
    except NoSuchImport as problem:
        raise ImportFailed(str(problem)) from None
    return imports.undo(store, held, actor)


def unfinished(store: Store) -> list[Import]:
    """Imports that were interrupted (or are being written right now)."""
    return imports.unfinished(store)


# -- through a core: rows checked as its /submit checks them ------------------------------


def as_submitted(core: SubmitChecks) -> Convert:
    """Turns a row into the point ``/submit`` would store for the same values.

    The row's options are converted and checked by the core's ``/submit`` (its kinds,
    bounds and checks), and the point is built by :func:`bot.submitpoint.submitted_point`,
    as the handler builds it.
    """
    command = core.command(SUBMIT)

    def convert(raw: dict[str, str]) -> NewPoint:
        return submitted_point(**core.convert_options(command, raw))

    return convert


def read_csv(core: SubmitChecks, path: Path) -> list[NewPoint]:
    """Every row of a small CSV file as a point (the curated file), or
    :class:`ImportFailed` naming every bad line."""
    return read_all(path, as_submitted(core))


def import_csv(
    core: SubmitChecks,
    path: Path,
    user: str,
    *,
    resume: int | None = None,
    started: Callable[[Import], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Load a CSV file as approved points: checked whole, stored in short batches.

    All or nothing: a bad row stores nothing, and rows stored before a failure are
    taken out again (see :func:`undo` for an import that could not be, and ``resume``
    to store the rest of it). ``started`` is told the import's id before the first
    batch, ``progress`` how many rows are stored after each.
    """
    who = Submitter(user, Caller(user).platform)
    return run(
        core.store,
        path,
        as_submitted(core),
        who,
        resume=resume,
        started=started,
        progress=progress,
    )
