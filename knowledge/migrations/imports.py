"""Bulk imports in batches, each resumable and undoable."""

from __future__ import annotations

from sqlite_utils import Database


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
