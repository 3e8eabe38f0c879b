"""Datasets as things with an identity, several measures and a history; confirmations,
flags and the wider audit log."""

from __future__ import annotations

from sqlite_utils import Database


def datasets_with_measures(db: Database) -> None:
    """A dataset is a thing with an identity, several measures and a history.

    Until now the ledger held rows: the newest approved row of a name was "the" figure,
    so approving InternVid's 234M clips made its 760K hours stop counting. Now:

    - ``datasets`` gives each dataset of a domain one canonical name, found again by its
      key (case, spaces and punctuation ignored); a merged dataset points at the one it
      was merged into, so its spelling keeps finding it.
    - A point belongs to a dataset, and ``is_current`` marks the newest approved figure
      **per dataset and unit**: a figure in clips never replaces the one in hours.
    - Each dataset row keeps what listing it needs (how many current measures, its
      figure in the domain's headline unit to sort by, its newest year), so
      ``/datasets`` reads one index of datasets, not every point.
    - Members vouch for figures (``confirmations``) or dispute them (``flags``); a
      point's open disputes are counted on the point, for cheap marks everywhere.
    - The audit log takes the new actions, and rows about a whole dataset (a merge).

    Existing points are grouped into datasets by their normalised names, every point,
    decision and audit row kept. Each statement runs on its own (no script), so the
    whole migration stays inside its transaction.
    """
    statements = [
        """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            domain TEXT NOT NULL,
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            merged_into INTEGER REFERENCES datasets (id),
            created_at TEXT NOT NULL,
            measures INTEGER NOT NULL DEFAULT 0,
            rank REAL,
            latest_year INTEGER,
            latest_at TEXT
        )
        """,
        "CREATE UNIQUE INDEX idx_datasets_key ON datasets (domain, key)",
        # A name given without its field (/history InternVid) is looked up in every field.
        "CREATE INDEX idx_datasets_by_key ON datasets (key)",
        """
        CREATE INDEX idx_datasets_by_size
            ON datasets (domain, rank DESC, latest_year DESC, latest_at DESC, id)
            WHERE measures > 0 AND merged_into IS NULL
        """,
        """
        CREATE INDEX idx_datasets_by_year
            ON datasets (domain, latest_year DESC, latest_at DESC, id DESC)
            WHERE measures > 0 AND merged_into IS NULL
        """,
        "ALTER TABLE data_points ADD COLUMN dataset_id INTEGER REFERENCES datasets (id)",
        "ALTER TABLE data_points ADD COLUMN disputes INTEGER NOT NULL DEFAULT 0",
        # One dataset per normalised name, named as its first approved point spells it
        # (else its first point), created when its first point was.
        """
        INSERT INTO datasets (domain, name, key, created_at)
        SELECT domain,
               (SELECT q.dataset FROM data_points AS q
                 WHERE q.domain = p.domain AND q.dataset_key = p.dataset_key
                 ORDER BY q.status != 'approved', q.id LIMIT 1),
               dataset_key, MIN(submitted_at)
          FROM data_points AS p
         GROUP BY domain, dataset_key
        """,
        """
        UPDATE data_points SET dataset_id = (
            SELECT d.id FROM datasets AS d
             WHERE d.domain = data_points.domain AND d.key = data_points.dataset_key
        )
        """,
        "UPDATE data_points SET is_current = 0 WHERE is_current != 0",
        """
        UPDATE data_points SET is_current = 1 WHERE id IN (
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY dataset_id, unit
                    ORDER BY year DESC NULLS LAST, reviewed_at DESC, id DESC
                ) AS newest
                FROM data_points WHERE status = 'approved'
            ) WHERE newest = 1
        )
        """,
        # A dataset's history, unit by unit in year order; and its current figures, kept
        # in a partial index that only an approval writes to.
        "CREATE INDEX idx_points_by_dataset ON data_points (dataset_id, unit, year, id)",
        """
        CREATE INDEX idx_current_by_dataset ON data_points (dataset_id, unit)
            WHERE status = 'approved' AND is_current = 1
        """,
        "DROP INDEX idx_dataset_history",
        "CREATE INDEX idx_points_by_source ON data_points (source_url)",
        # What listing a dataset needs; its rank (the headline-unit figure) depends on
        # the knowledge base, so the store fills it in when it opens the file.
        """
        UPDATE datasets SET
            measures = (SELECT COUNT(*) FROM data_points AS p
                         WHERE p.dataset_id = datasets.id
                           AND p.status = 'approved' AND p.is_current = 1),
            latest_year = (SELECT MAX(p.year) FROM data_points AS p
                            WHERE p.dataset_id = datasets.id
                              AND p.status = 'approved' AND p.is_current = 1),
            latest_at = (SELECT MAX(p.reviewed_at) FROM data_points AS p
                          WHERE p.dataset_id = datasets.id
                            AND p.status = 'approved' AND p.is_current = 1)
        """,
        """
        UPDATE domain_counts SET datasets = (
            SELECT COUNT(*) FROM datasets AS d
             WHERE d.domain = domain_counts.domain AND d.measures > 0
        )
        """,
        # Listing and name completion go through ``datasets`` now; these served the old
        # one-row-per-name list and would only cost every approval a write.
        "DROP INDEX idx_current_by_size",
        "DROP INDEX idx_current_by_year",
        "DROP INDEX idx_current_by_name",
        "DROP INDEX idx_current_names",
        """
        CREATE INDEX idx_datasets_names ON datasets (key)
            WHERE measures > 0 AND merged_into IS NULL
        """,
        "CREATE INDEX idx_disputed ON data_points (id) WHERE disputes > 0",
        """
        CREATE TABLE confirmations (
            point_id INTEGER NOT NULL REFERENCES data_points (id),
            user TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (point_id, user)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE flags (
            id INTEGER PRIMARY KEY,
            point_id INTEGER NOT NULL REFERENCES data_points (id),
            user TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL,
            cleared_at TEXT,
            cleared_by TEXT
        )
        """,
        "CREATE INDEX idx_open_flags ON flags (point_id, user) WHERE cleared_at IS NULL",
        # The audit log: any action, and rows about a whole dataset (merges).
        """
        CREATE TABLE audit_log_new (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            data_point_id INTEGER REFERENCES data_points (id),
            dataset_id INTEGER REFERENCES datasets (id),
            details TEXT NOT NULL DEFAULT '{}'
        )
        """,
        """
        INSERT INTO audit_log_new (id, at, actor, action, data_point_id, details)
        SELECT id, at, actor, action, data_point_id, details FROM audit_log
        """,
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log_new RENAME TO audit_log",
        "CREATE INDEX idx_audit_point ON audit_log (data_point_id, id)",
        "CREATE INDEX idx_audit_dataset ON audit_log (dataset_id, id)",
    ]
    for statement in statements:
        db.execute(statement)
