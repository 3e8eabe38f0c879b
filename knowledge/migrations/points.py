"""The first schema: points, the audit log, the counters, claims; their search and names.

Every index here serves a query of :mod:`knowledge.ledger`; the partial indexes on
``status = 'approved' AND is_current = 1`` keep the card, compare and datasets queries
at a handful of page reads however many points the ledger holds.
"""

from __future__ import annotations

from sqlite_utils import Database


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
