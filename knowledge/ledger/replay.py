"""Request keys: a platform's redelivery of a request is answered, never stored twice.

Slack retries a slash command and Discord may deliver an interaction twice; the key of
a request is looked up and recorded inside the write transaction that acts on it, so
two deliveries, in this process or another, act once between them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from knowledge.ledger.values import (
    Answer,
    Confirmation,
    DataPoint,
    Flagging,
    NewPoint,
    Submission,
    iso,
)

#: How long a request's key is kept: far beyond Slack's five-minute signature window
#: and Discord's redeliveries, short enough that the table stays small.
REQUEST_KEY_RETENTION = timedelta(days=1)
#: Seconds between two clear-outs of expired request keys (each a scan of the table).
REQUEST_KEY_SWEEP_SECONDS = 3600.0


def answer_key(command: str, request_key: str | None) -> str | None:
    """The key a command's answer is kept under: one request id never answers for
    another command (a submission's key is the bare request id, as it always was)."""
    return None if request_key is None else f"/{command} {request_key}"


def earlier_answer(conn: sqlite3.Connection, key: str, kind: type[Answer]) -> Answer | None:
    """The answer a request with ``key`` got, as it was given then; None if it is new."""
    row = conn.execute("SELECT answer FROM request_keys WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    given = json.loads(row[0])
    return kind(**{**given, "point": DataPoint(**given["point"]), "replayed": True})


def answer_text(answer: Confirmation | Flagging) -> str:
    """An answer as kept for a replay (its ``replayed`` flag is the replay's to set)."""
    return json.dumps({k: v for k, v in asdict(answer).items() if k != "replayed"})


def earlier_submission(conn: sqlite3.Connection, key: str) -> Submission | None:
    """The submission a request with ``key`` stored, as a replay; None if it is new."""
    row = conn.execute(
        "SELECT p.id, p.domain, p.dataset, p.quantity_text, p.quantity, p.unit, "
        "p.source_url, p.year, p.note "
        "FROM request_keys AS k JOIN data_points AS p ON p.id = k.point_id "
        "WHERE k.key = ?",
        (key,),
    ).fetchone()
    return Submission(row[0], NewPoint(*row[1:]), replayed=True) if row else None


class RequestKeys:
    """Records requests' keys, and clears out expired ones about once an hour."""

    def __init__(self) -> None:
        #: When the next keyed write clears out expired keys (monotonic seconds).
        self.next_sweep = 0.0

    def remember(
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
        if time.monotonic() >= self.next_sweep:
            cutoff = iso(datetime.now(UTC) - REQUEST_KEY_RETENTION)
            conn.execute("DELETE FROM request_keys WHERE at < ?", (cutoff,))
            self.next_sweep = time.monotonic() + REQUEST_KEY_SWEEP_SECONDS
