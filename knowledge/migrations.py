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


@migrations(name="0005_datasets")
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


@migrations(name="0007_community_domains")
def community_domains(db: Database) -> None:
    """Fields moderators add (``/domain add``), and the index ``/trend`` reads records from.

    - ``domains`` holds a community field's slug, name, unit and colour, who added it and
      when; nothing the essay would say, so nothing of the kind can be shown for it.
    - ``domain_names`` holds every name a community field answers to, by the key names
      are compared with (case, hyphens and spacing ignored): two fields added at once in
      two processes cannot both take one name. The essay's names live in its files and
      are checked before the write.
    - ``idx_record_by_year`` orders a field's current dated figures in a unit by year,
      the largest of a year first: the record of each year is one seek, so ``/trend``
      reads as many entries as its field has years, however large the ledger grows.
    """
    statements = [
        """
        CREATE TABLE domains (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',
            headline_unit TEXT,
            colour TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE domain_names (
            key TEXT PRIMARY KEY,
            slug TEXT NOT NULL REFERENCES domains (slug)
        ) WITHOUT ROWID
        """,
        """
        CREATE INDEX idx_record_by_year
            ON data_points (domain, unit, year, quantity DESC)
            WHERE status = 'approved' AND is_current = 1 AND year IS NOT NULL
        """,
    ]
    for statement in statements:
        db.execute(statement)


@migrations(name="0008_public_views")
def public_views(db: Database) -> None:
    """What anyone may read of the ledger, as two views over the points.

    ``figures`` is every point with its status; ``current_figures`` each dataset's
    current figure per unit. Both name each dataset canonically and leave out every
    platform user id (who submitted, who reviewed), the workspace and channel, and the
    moderator's note: the web view (``bot/web``) publishes these views. Columns are
    named one by one, so a column added to ``data_points`` later stays private until a
    new view names it.

    A field's page counts its current figures and facets them by unit and year. The
    dataset's name is a scalar subquery rather than a join, so SQLite can leave it out
    of a count, and ``idx_current_by_unit`` gains ``year`` as its last column, so the
    count and every facet read that partial index alone (a count went from 50 ms to
    1 ms at 100k points). Approvals write the same index entries as before.
    """
    columns = """
        COALESCE((SELECT d.name FROM datasets AS d WHERE d.id = p.dataset_id), p.dataset)
            AS dataset,
        p.domain AS domain,
        p.quantity AS value,
        p.unit AS unit,
        p.year AS year,{status}
        substr(p.reviewed_at, 1, 10) AS decided_on,
        p.disputes AS disputes,
        p.source_url AS source,
        p.note AS note,
        p.origin AS origin,
        p.id AS id,
        p.dataset_id AS dataset_id
    FROM data_points AS p
    """
    status = "\n        p.status AS status,\n        p.is_current AS current,"
    statements = [
        "CREATE VIEW figures AS SELECT" + columns.format(status=status),
        "CREATE VIEW current_figures AS SELECT"
        + columns.format(status="")
        + "WHERE p.status = 'approved' AND p.is_current = 1",
        "DROP INDEX idx_current_by_unit",
        """
        CREATE INDEX idx_current_by_unit
            ON data_points (domain, unit, quantity DESC, year)
            WHERE status = 'approved' AND is_current = 1
        """,
    ]
    for statement in statements:
        db.execute(statement)


@migrations(name="0009_request_answers")
def remember_request_answers(db: Database) -> None:
    """What a ``/flag`` or ``/confirm`` answered, kept with its request's key.

    A replay of either (the same Slack trigger, the same Discord interaction) is
    answered with the first answer and writes nothing, as a submission's replay is.
    Unlike a submission, their answer cannot be read back from the point later (a
    moderator may have cleared the dispute, more members confirmed), so the first
    answer is stored as it was given. NULL for a submission. A column of an existing
    table: adding it rewrites nothing, however many keys the table holds.
    """
    db.execute("ALTER TABLE request_keys ADD COLUMN answer TEXT")


@migrations(name="0010_curated_not_decided")
def curated_not_decided(db: Database) -> None:
    """The public views give a curated figure no decision day.

    A curated figure is approved by the seed, not by a moderator: its ``reviewed_at`` is
    the moment the database was made (or the new edition loaded), which the web view
    showed as the day it was "decided". Its ``decided_on`` is now empty and its ``origin``
    says ``curated``; a curated figure a later edition withdrew keeps the day it left.
    The views are otherwise those of ``0008_public_views``, column for column.
    """
    columns = """
        COALESCE((SELECT d.name FROM datasets AS d WHERE d.id = p.dataset_id), p.dataset)
            AS dataset,
        p.domain AS domain,
        p.quantity AS value,
        p.unit AS unit,
        p.year AS year,{status}
        CASE WHEN p.origin = 'curated' AND p.status = 'approved' THEN NULL
            ELSE substr(p.reviewed_at, 1, 10) END AS decided_on,
        p.disputes AS disputes,
        p.source_url AS source,
        p.note AS note,
        p.origin AS origin,
        p.id AS id,
        p.dataset_id AS dataset_id
    FROM data_points AS p
    """
    status = "\n        p.status AS status,\n        p.is_current AS current,"
    statements = [
        "DROP VIEW figures",
        "DROP VIEW current_figures",
        "CREATE VIEW figures AS SELECT" + columns.format(status=status),
        "CREATE VIEW current_figures AS SELECT"
        + columns.format(status="")
        + "WHERE p.status = 'approved' AND p.is_current = 1",
    ]
    for statement in statements:
        db.execute(statement)


@migrations(name="0011_imports")
def imports_in_batches(db: Database) -> None:
    """Bulk imports written in short transactions, each one resumable and undoable.

    - ``imports`` holds one row per ``scalebot import``: the file's name and SHA-256,
      how many rows it has and how many are stored, who imported it and the time every
      one of its points carries. ``state`` is ``writing`` until its last batch is
      stored (``done``), or ``undoing``/``undone`` once its points are being taken out;
      ``owner`` names the process writing it, so a ``--resume`` or ``--undo`` from
      another process takes it over and the first one stops at its next batch.
    - ``import_batches`` holds, per committed batch, the range of point ids (and of
      dataset ids) it created: each batch is one transaction, so its ids are
      consecutive, and undoing reads exactly what was stored.

    Neither table is public: the web view reads only the views and tables it names.
    """
    for statement in (
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            rows INTEGER NOT NULL CHECK (rows >= 0),
            written INTEGER NOT NULL DEFAULT 0 CHECK (written >= 0),
            state TEXT NOT NULL CHECK (state IN ('writing', 'done', 'undoing', 'undone')),
            owner TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE import_batches (
            import_id INTEGER NOT NULL REFERENCES imports (id),
            first_point INTEGER NOT NULL,
            last_point INTEGER NOT NULL,
            first_dataset INTEGER,
            last_dataset INTEGER,
            PRIMARY KEY (import_id, first_point)
        ) WITHOUT ROWID
        """,
    ):
        db.execute(statement)
