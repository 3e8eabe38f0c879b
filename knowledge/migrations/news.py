"""News: the outbox of announcements a decision owes the news channels, and the digests.

An approval that sets a field's record, or a withdrawal that lowers it, writes a row
to ``news_outbox`` in the decision's own transaction (a transactional outbox): the
decision and its announcement are stored together or not at all, and a sender that
dies between claiming and posting leaves the row to be claimed again when its lease
ends. ``digests`` holds one row per weekly period, inserted by whoever claims it
first, so two processes on one file send one digest.
"""

from __future__ import annotations

from sqlite_utils import Database


def news_outbox_and_digests(db: Database) -> None:
    """The ``news_outbox`` and ``digests`` tables.

    - ``news_outbox``: ``kind`` is ``record`` or ``correction``, ``decision`` what
      caused it (``approve``: a moderator; ``confirmations``: the Nth ``/confirm``;
      ``withdraw``: a disputed figure rejected; ``correct``: kept for a correction made
      by other means), ``facts`` the announcement's figures as JSON, written with the
      decision so a post made later says what was true then. ``claimed_by`` and
      ``claimed_at`` are a sender's lease, ``sent_at`` is set once it posted.
    - ``idx_news_unsent`` lists the rows not yet sent, by id: a sender's claim and the
      pending count read it, however many sent rows the table keeps.
    - ``digests``: ``period`` is an ISO week (``2026-W48``), which sorts as text.
    - ``idx_decided_by_time`` lists community figures approved, by field and when: a
      week's digest finds the fields by a skip (one seek a field) and counts and reads
      each field's approvals of the week as one range, so its cost follows the week's
      approvals, not the ledger's size. Partial: a submission (pending), an import and
      the curated seed write no entry.

    Statements run one by one, inside the migration's transaction.
    """
    statements = [
        """
        CREATE TABLE news_outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('record', 'correction')),
            point_id INTEGER NOT NULL REFERENCES data_points (id),
            domain TEXT NOT NULL,
            unit TEXT NOT NULL,
            decision TEXT NOT NULL
                CHECK (decision IN ('approve', 'confirmations', 'withdraw', 'correct')),
            created_at TEXT NOT NULL,
            facts TEXT NOT NULL DEFAULT '{}',
            claimed_by TEXT,
            claimed_at TEXT,
            sent_at TEXT
        )
        """,
        "CREATE INDEX idx_news_unsent ON news_outbox (id) WHERE sent_at IS NULL",
        """
        CREATE INDEX idx_decided_by_time ON data_points (domain, reviewed_at)
            WHERE status = 'approved' AND origin = 'community'
        """,
        """
        CREATE TABLE digests (
            period TEXT PRIMARY KEY,
            claimed_by TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            sent_at TEXT
        ) WITHOUT ROWID
        """,
    ]
    for statement in statements:
        db.execute(statement)


#: What a field's records are read from: an approved figure's value, year, unit, field,
#: dataset (and its name), and whether it is current. A change to any of them in an
#: approved figure (or a figure becoming or ceasing to be approved) moves its field's
#: version.
_RECORD_COLUMNS = "status, is_current, quantity, year, unit, domain, dataset_id, dataset"


def _bump(domain: str) -> str:
    return (
        f"INSERT INTO records_version (domain, version) VALUES ({domain}, 1) "
        "ON CONFLICT (domain) DO UPDATE SET version = version + 1;"
    )


def records_version(db: Database) -> None:
    """``records_version``: one counter per field that moves only when the figures its
    records are read from change, kept by triggers so that no write path can forget it.

    The ledger's own version moves at every write (a submission, a check, a flag, a
    command count), which is right for replies; a digest's fastest-growing field fits
    every field's records, and each field's fit need only be made again when one of its
    approved figures changes (an approval, a withdrawal, an import, the curated seed, a
    merge). A submission, pending, writes nothing here.

    Statements run one by one, inside the migration's transaction.
    """
    statements = [
        """
        CREATE TABLE records_version (
            domain TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        f"""
        CREATE TRIGGER records_moved_by_insert AFTER INSERT ON data_points
        WHEN NEW.status = 'approved' BEGIN {_bump("NEW.domain")} END
        """,
        f"""
        CREATE TRIGGER records_moved_by_update AFTER UPDATE OF {_RECORD_COLUMNS}
        ON data_points WHEN OLD.status = 'approved' OR NEW.status = 'approved'
        BEGIN {_bump("OLD.domain")} {_bump("NEW.domain")} END
        """,
        f"""
        CREATE TRIGGER records_moved_by_delete AFTER DELETE ON data_points
        WHEN OLD.status = 'approved' BEGIN {_bump("OLD.domain")} END
        """,
        f"""
        CREATE TRIGGER records_renamed AFTER UPDATE OF name, domain ON datasets
        BEGIN {_bump("OLD.domain")} {_bump("NEW.domain")} END
        """,
        f"""
        CREATE TRIGGER records_dataset_gone AFTER DELETE ON datasets
        BEGIN {_bump("OLD.domain")} END
        """,
    ]
    for statement in statements:
        db.execute(statement)


def records_version_seeded(db: Database) -> None:
    """A ``records_version`` row for every field with an approved figure, and the
    counter moved by when and by whom a figure was approved too.

    The counter's triggers add a field's row at the first change of its approved
    figures after ``0014_records_version``; a field untouched since then had none. A
    digest finds the fields with approvals by their rows (one short table instead of a
    skip through the index) and keeps each field's count of a week's community
    approvals until its version moves, so every such field needs a row (seeded here at
    version 1, kept by the triggers after), and a change to an approved figure's
    ``reviewed_at`` or ``origin`` must move it as well.

    Statements run one by one, inside the migration's transaction.
    """
    statements = [
        "INSERT OR IGNORE INTO records_version (domain, version) "
        "SELECT DISTINCT domain, 1 FROM data_points WHERE status = 'approved'",
        "DROP TRIGGER records_moved_by_update",
        f"""
        CREATE TRIGGER records_moved_by_update
        AFTER UPDATE OF {_RECORD_COLUMNS}, reviewed_at, origin ON data_points
        WHEN OLD.status = 'approved' OR NEW.status = 'approved'
        BEGIN {_bump("OLD.domain")} {_bump("NEW.domain")} END
        """,
    ]
    for statement in statements:
        db.execute(statement)
