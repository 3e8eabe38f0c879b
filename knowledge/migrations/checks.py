"""Source checks: what a point's cited source was found to state, kept with the point.

One row per point, its latest check (a check done again replaces it); the check itself
(:class:`knowledge.sourcecheck.SourceCheck`) is kept whole as JSON in ``data``, and what
a query sorts or filters on beside it: the status, when, and the addresses.
"""

from __future__ import annotations

from sqlite_utils import Database


def source_checks(db: Database) -> None:
    """The ``source_checks`` table, and the public views with each figure's check.

    - ``status`` is one of the five a check ends in, held by a CHECK as the points'
      statuses are; ``data`` is ``SourceCheck.as_data()``; ``found`` the figures the
      source states in the point's unit, as printed there (``760K hours; 7,100 hours``),
      the text the web view shows. It is written with the check, so the views read one
      short column by the primary key rather than parse JSON for every row.
    - ``idx_pending_queue`` already lists pending points by id; a catch-up of unchecked
      ones reads it and probes this table's primary key per point.
    - ``figures`` and ``current_figures`` gain ``source_check`` (the status; empty when
      never checked) and ``source_figures`` (``found``), each a scalar subquery by the
      primary key, so a count or facet that does not name them does not read the table.
      The views are otherwise those of ``0010_curated_not_decided``, column for column.

    Statements run one by one, inside the migration's transaction.
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
        (SELECT c.status FROM source_checks AS c WHERE c.point_id = p.id) AS source_check,
        (SELECT c.found FROM source_checks AS c WHERE c.point_id = p.id) AS source_figures,
        p.note AS note,
        p.origin AS origin,
        p.id AS id,
        p.dataset_id AS dataset_id
    FROM data_points AS p
    """
    status = "\n        p.status AS status,\n        p.is_current AS current,"
    statements = [
        """
        CREATE TABLE source_checks (
            point_id INTEGER PRIMARY KEY REFERENCES data_points (id),
            status TEXT NOT NULL
                CHECK (status IN ('states', 'differs', 'absent', 'unreachable', 'refused')),
            checked_at TEXT NOT NULL,
            url TEXT NOT NULL,
            read_url TEXT NOT NULL DEFAULT '',
            found TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}'
        )
        """,
        "DROP VIEW figures",
        "DROP VIEW current_figures",
        "CREATE VIEW figures AS SELECT" + columns.format(status=status),
        "CREATE VIEW current_figures AS SELECT"
        + columns.format(status="")
        + "WHERE p.status = 'approved' AND p.is_current = 1",
    ]
    for statement in statements:
        db.execute(statement)
