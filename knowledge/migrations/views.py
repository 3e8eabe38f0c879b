"""The public views the web view publishes (``figures``, ``current_figures``).

Each migration writes its views out in full: an applied migration is never edited, so
a later view is a new migration, never a change to the text an earlier one ran.
"""

from __future__ import annotations

from sqlite_utils import Database


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
