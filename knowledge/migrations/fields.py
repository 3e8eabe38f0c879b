"""Community fields (``/domain add``) and the index ``/trend`` reads records from."""

from __future__ import annotations

from sqlite_utils import Database


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
