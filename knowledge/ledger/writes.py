"""Write transactions, the rate charge they pay, and the audit log they keep.

Every write starts with ``BEGIN IMMEDIATE``, so two processes never both
read-then-upgrade and deadlock into "database is locked"; whatever fails inside, nothing
of it stays, and a storage error leaves as the :class:`StorageFault` it stands for. A
command declared as a submission is charged inside the transaction that stores it
(:meth:`Writer.charging`), atomic with what it counts.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from knowledge import rates
from knowledge.ledger.faults import LedgerReadOnly, storage_fault
from knowledge.rates import Charge


def audit(
    conn: sqlite3.Connection,
    at: str,
    actor: str,
    action: str,
    point_id: int | None,
    details: dict[str, Any],
    dataset_id: int | None = None,
) -> None:
    """Record an action in the audit log, inside ``conn``'s transaction."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, data_point_id, dataset_id, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (at, actor, action, point_id, dataset_id, json.dumps(details, sort_keys=True)),
    )


class Writer:
    """The one way into a write transaction on the store's connection.

    ``read_only`` is None, or why SQLite cannot write the file: every write then raises
    :class:`LedgerReadOnly` before it begins.
    """

    def __init__(
        self, conn: sqlite3.Connection, path: str, read_only: str | None, busy_timeout_ms: int
    ) -> None:
        self.conn = conn
        self.path = path
        self.read_only = read_only
        self.busy_timeout_ms = busy_timeout_ms
        #: Ledger changes this store committed: ``PRAGMA data_version`` counts only other
        #: connections' commits, so the version is reread after these.
        self.writes = 0
        #: When the next rate count deletes ended windows' rows (monotonic seconds).
        self.next_rate_sweep = 0.0
        #: What the next write of a command declared as a submission must count.
        self._charge: Charge | None = None
        #: Whether the current transaction counted ``_charge`` already.
        self._spent = False

    @contextmanager
    def faults(self) -> Iterator[None]:
        """SQLite's storage errors within, raised as the :class:`StorageFault` each stands for."""
        try:
            yield
        except sqlite3.Error as error:
            fault = self.fault(error)
            if fault is error:
                raise
            raise fault from error

    def fault(self, error: sqlite3.Error) -> Exception:
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

        The fault translation is written out here rather than through :meth:`faults`:
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
                    self.writes += 1
            except BaseException:
                self._spent = False
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            fault = self.fault(error)
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
        self.sweep_rates(conn, charge.window)

    def sweep_rates(self, conn: sqlite3.Connection, window: int) -> None:
        """About once an hour, delete the rate counts of windows that ended."""
        if time.monotonic() >= self.next_rate_sweep:
            rates.sweep(conn, window)
            self.next_rate_sweep = time.monotonic() + rates.SWEEP_SECONDS
