"""The schema of the SQLite database, as ordered, named sqlite-utils migrations.

Each migration runs once per database and is recorded in ``_sqlite_migrations``; a new
column or index is a new function appended here, never an edit of an applied one.

Every index below serves a query in :mod:`knowledge.store`; the partial indexes on
``status = 'approved' AND is_current = 1`` keep the card, compare and datasets queries
at a handful of page reads however many points the ledger holds.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("scalebot")


@migrations(name="0001_ledger")
def create_ledger(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE data_points (
            id INTEGER PRIMARY KEY,
            domain TEXT NOT NULL,
            dataset TEXT NOT NULL,
            dataset_key TEXT NOT NULL,
            quantity_text TEXT NOT NULL,
            quantity REAL NOT NULL CHECK (quantity > 0 AND quantity < 1e18),
            unit TEXT NOT NULL,
            year INTEGER,
            source_url TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            origin TEXT NOT NULL CHECK (origin IN ('community', 'curated', 'import')),
            is_current INTEGER NOT NULL DEFAULT 0,
            submitted_by TEXT NOT NULL,
            platform TEXT NOT NULL,
            workspace TEXT,
            channel TEXT,
            submitted_at TEXT NOT NULL,
            reviewed_by TEXT,
            reviewed_at TEXT,
            review_note TEXT
        );
        CREATE INDEX idx_current_by_unit
            ON data_points (domain, unit, quantity DESC)
            WHERE status = 'approved' AND is_current = 1;
        CREATE INDEX idx_current_by_size
            ON data_points (domain, quantity DESC, id)
            WHERE status = 'approved' AND is_current = 1;
        CREATE INDEX idx_current_by_year
            ON data_points (domain, year DESC, reviewed_at DESC, id DESC)
            WHERE status = 'approved' AND is_current = 1;
        CREATE INDEX idx_pending_queue
            ON data_points (id) WHERE status = 'pending';
        CREATE INDEX idx_dataset_history
            ON data_points (domain, dataset_key, status);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL
                CHECK (action IN ('submit', 'import', 'seed', 'approve', 'reject')),
            data_point_id INTEGER NOT NULL REFERENCES data_points (id),
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_audit_point ON audit_log (data_point_id, id);

        -- Counters kept in the same transaction as every write, so that the card can
        -- show "3 pending" without counting rows.
        CREATE TABLE domain_counts (
            domain TEXT PRIMARY KEY,
            pending INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),
            datasets INTEGER NOT NULL DEFAULT 0 CHECK (datasets >= 0)
        );

        CREATE TABLE claims (
            id TEXT PRIMARY KEY,
            domain TEXT,
            position INTEGER NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL
        );
        CREATE TABLE kb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )
    db.table("claims").enable_fts(
        ["text", "section"], fts_version="FTS5", create_triggers=True, tokenize="porter"
    )
    db.table("data_points").enable_fts(
        ["dataset", "note", "domain", "unit"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="porter",
    )


@migrations(name="0002_search_approved_points_only")
def search_approved_points_only(db: Database) -> None:
    """Index only approved points: pending ones are never searched, and indexing them
    cost every submission a full-text segment write (about 70 µs of 180 per commit).

    The index reads its content through a view of the approved points, so a ``rebuild``
    can never pull pending or rejected rows back in; the triggers keep it in step as a
    point is approved (or, for completeness, edited or deleted).
    """
    db.executescript(
        """
        DROP TRIGGER data_points_ai;
        DROP TRIGGER data_points_ad;
        DROP TRIGGER data_points_au;
        DROP TABLE data_points_fts;

        CREATE VIEW searchable_points AS
            SELECT id, dataset, note, domain, unit FROM data_points
            WHERE status = 'approved';
        CREATE VIRTUAL TABLE data_points_fts USING fts5 (
            dataset, note, domain, unit,
            content = 'searchable_points', content_rowid = 'id', tokenize = 'porter'
        );
        CREATE TRIGGER data_points_ai AFTER INSERT ON data_points
        WHEN new.status = 'approved' BEGIN
            INSERT INTO data_points_fts (rowid, dataset, note, domain, unit)
            VALUES (new.id, new.dataset, new.note, new.domain, new.unit);
        END;
        CREATE TRIGGER data_points_ad AFTER DELETE ON data_points
        WHEN old.status = 'approved' BEGIN
            INSERT INTO data_points_fts (data_points_fts, rowid, dataset, note, domain, unit)
            VALUES ('delete', old.id, old.dataset, old.note, old.domain, old.unit);
        END;
        CREATE TRIGGER data_points_au_unindex
            AFTER UPDATE OF status, dataset, note, domain, unit ON data_points
        WHEN old.status = 'approved' BEGIN
            INSERT INTO data_points_fts (data_points_fts, rowid, dataset, note, domain, unit)
            VALUES ('delete', old.id, old.dataset, old.note, old.domain, old.unit);
        END;
        CREATE TRIGGER data_points_au_index
            AFTER UPDATE OF status, dataset, note, domain, unit ON data_points
        WHEN new.status = 'approved' BEGIN
            INSERT INTO data_points_fts (rowid, dataset, note, domain, unit)
            VALUES (new.id, new.dataset, new.note, new.domain, new.unit);
        END;
        INSERT INTO data_points_fts (data_points_fts) VALUES ('rebuild');
        """
    )


@migrations(name="0003_dataset_names")
def index_dataset_names(db: Database) -> None:
    """Dataset-name completion (``/submit 3d Objav``) reads names by key prefix.

    Only current approved points are indexed, one entry per dataset, in key order: a
    completion reads about as many entries (and rows) as it returns, within a domain or
    across all of them, however long the ledger's history grows.
    """
    db.executescript(
        """
        CREATE INDEX idx_current_by_name
            ON data_points (domain, dataset_key)
            WHERE status = 'approved' AND is_current = 1;
        CREATE INDEX idx_current_names
            ON data_points (dataset_key)
            WHERE status = 'approved' AND is_current = 1;
        """
    )


@migrations(name="0004_request_keys")
def remember_request_keys(db: Database) -> None:
    """Which platform request stored which point, so a replay is answered, not stored.

    Slack accepts a signed request again for five minutes and Discord may deliver an
    interaction twice; each row ties such a request's key to the point it stored, in
    the same transaction as the point. Rows are needed only for as long as a request
    can come back, so the store deletes those older than a day, about once an hour.
    ``at`` has no index: the table holds a day of submissions, an hourly scan of it
    costs less than keeping an index on every submission. The statement runs alone
    (not as a script) so it stays inside the migration's transaction.
    """
    db.execute(
        """
        CREATE TABLE request_keys (
            key TEXT PRIMARY KEY,
            point_id INTEGER NOT NULL REFERENCES data_points (id),
            at TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )


# 0005 is left free: a migration written beside this one takes it.


@migrations(name="0006_rate_limits")
def count_rate_limits(db: Database) -> None:
    """Rate-limit counts per user, kind of request and window, and the ledger's version.

    ``rate_counts`` is read and written by its primary key (one user's count in one
    window); ``expires`` is indexed for the hourly deletion of ended windows.

    Counting a command is a commit that changes nothing a reply shows, so the reply
    cache must not take it for a change of the ledger (``PRAGMA data_version`` moves
    with every commit): every other write raises ``ledger_version``, which the cache
    reads when ``data_version`` has moved. Statements run one by one, inside the
    migration's transaction.
    """
    for statement in (
        """
        CREATE TABLE rate_counts (
            user TEXT NOT NULL,
            scope TEXT NOT NULL,
            window_start INTEGER NOT NULL,
            count INTEGER NOT NULL CHECK (count >= 0),
            expires INTEGER NOT NULL,
            PRIMARY KEY (user, scope, window_start)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX idx_rate_counts_expires ON rate_counts (expires)",
        """
        CREATE TABLE ledger_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        )
        """,
        "INSERT INTO ledger_version (id, version) VALUES (1, 0)",
    ):
        db.execute(statement)
