"""``scalebot publish OUT_DIR``: the public ledger as files any static host can serve.

One read of the ledger, in one transaction (every file agrees with every other), on a
connection that carries the web view's privacy rule; then, in a folder beside OUT_DIR
swapped in when complete (:mod:`bot.publish.folder`):

- ``ledger.db``: the public tables as a SQLite file, for ``datasette --immutable``;
- ``metadata.json``: the web view's titles, facets and canned queries for Datasette;
- ``TABLE.csv`` and ``TABLE.json`` for each table (:mod:`bot.publish.tables`);
- ``charts/FIELD.png`` for every field and ``charts/all_fields.png``: the web view's
  charts, read by the same functions and drawn by the same renderer;
- ``datapackage.json``: the Frictionless descriptor (:mod:`bot.publish.package`).

Nothing in it depends on the time or the machine of the run: ``created`` is the time of
the ledger's last change, so one ledger gives the same bytes in every file.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.publish import files, folder, package, site
from bot.publish.package import Written
from bot.publish.tables import COMPARE_CHART, FIGURES, Rows, chart_path, read_tables
from bot.web.charts import TrendInputs, draw_comparison, draw_trend, read_trend
from bot.web.privacy import protect
from knowledge.kb import Library
from knowledge.models import AnyDomain
from knowledge.store import Store

DATABASE_FILE = "ledger.db"
METADATA_FILE = "metadata.json"

#: Every time the ledger stamps a change with: the latest is the snapshot's ``created``.
_LAST_CHANGE = """
SELECT MAX(t) FROM (
    SELECT MAX(at) AS t FROM audit_log
    UNION ALL SELECT MAX(submitted_at) FROM data_points
    UNION ALL SELECT MAX(reviewed_at) FROM data_points
    UNION ALL SELECT MAX(created_at) FROM datasets
    UNION ALL SELECT MAX(latest_at) FROM datasets
    UNION ALL SELECT MAX(checked_at) FROM source_checks
    UNION ALL SELECT MAX(added_at) FROM domains
)
"""


@dataclass(frozen=True)
class Published:
    """What a run wrote: the folder, when the ledger last changed, the counts, the files."""

    out_dir: Path
    created: str
    counts: dict[str, int]
    files: int


@dataclass(frozen=True)
class _Read:
    created: str
    tables: list[Rows]
    charts: list[tuple[AnyDomain, TrendInputs]]


def publish(store: Store, library: Library, out_dir: Path) -> Published:
    """Write the snapshot of ``store``'s ledger (fields from ``library``) to ``out_dir``.

    Raises :class:`bot.publish.folder.FolderRefused` for an OUT_DIR it may not replace.
    """
    folder.check_target(out_dir)
    with _public_reads(store) as (conn, created):
        read = _Read(
            created,
            read_tables(conn, library),
            [(domain, read_trend(conn, domain)) for _, domain in sorted(library.domains.items())],
        )
    counts = _counts(read)
    written: list[Written] = []
    folder.replace(out_dir, lambda into: written.extend(_write(into, read, library, counts)))
    return Published(out_dir, created, counts, len(written) + 1)


@contextmanager
def _public_reads(store: Store) -> Iterator[tuple[sqlite3.Connection, str]]:
    """A connection reading one state of the ledger under the web view's rule, and the
    time of that state's last change (read before the rule is put on)."""
    conn = store.connect_again()
    try:
        conn.execute("BEGIN")
        row = conn.execute(_LAST_CHANGE).fetchone()
        protect(conn, show_users=False)
        yield conn, _utc(row[0] if row else None)
    finally:
        conn.set_authorizer(None)
        conn.rollback()
        conn.close()


def _utc(stamp: str | None) -> str:
    """``stamp`` (ISO 8601) as RFC 3339 UTC to the second, as the descriptor wants it."""
    if not stamp:
        return "1970-01-01T00:00:00Z"
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counts(read: _Read) -> dict[str, int]:
    figures = next(rows for rows in read.tables if rows.table is FIGURES)
    status = FIGURES.names.index("status")
    by_status = Counter(row[status] for row in figures.rows)
    counts = {rows.table.name: len(rows.rows) for rows in read.tables}
    for name in ("approved", "pending", "rejected"):
        counts[name] = by_status.get(name, 0)
    counts["charts"] = len(read.charts) + 1
    return counts


def _write(into: Path, read: _Read, library: Library, counts: dict[str, int]) -> list[Written]:
    """Every file of the snapshot into ``into``, the descriptor last."""
    written = [
        Written(
            DATABASE_FILE,
            "ledger-sqlite",
            "The public ledger as SQLite",
            "Every table below in one SQLite file: serve it with "
            "`datasette --immutable ledger.db --metadata metadata.json`.",
            "sqlite",
            "application/vnd.sqlite3",
        ),
        Written(
            METADATA_FILE,
            "datasette-metadata",
            "Datasette metadata",
            "Titles, column descriptions, facets and canned queries for ledger.db.",
            "json",
            "application/json",
        ),
    ]
    files.write_sqlite(into / DATABASE_FILE, read.tables)
    described = site.metadata(library, read.created)
    (into / METADATA_FILE).write_text(
        json.dumps(described, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for rows in read.tables:
        table = rows.table
        for kind, write, mediatype in (
            ("csv", files.write_csv, "text/csv"),
            ("json", files.write_json, "application/json"),
        ):
            path = f"{table.name}.{kind}"
            write(into / path, rows)
            written.append(
                Written(
                    path,
                    f"{table.name.replace('_', '-')}-{kind}",
                    table.title,
                    table.description,
                    kind,
                    mediatype,
                    table,
                    len(rows.rows),
                )
            )
    written.extend(_charts(into, read))
    package.write_descriptor(into, package.descriptor(into, written, read.created, counts))
    return written


def _charts(into: Path, read: _Read) -> list[Written]:
    written = []
    for domain, inputs in read.charts:
        chart = draw_trend(domain, inputs)
        files.write_bytes(into / chart_path(domain.slug), chart.png)
        written.append(
            Written(
                chart_path(domain.slug),
                f"chart-{domain.slug}",
                domain.name,
                chart.alt,
                "png",
                "image/png",
            )
        )
    compared = draw_comparison(read.charts)
    files.write_bytes(into / COMPARE_CHART, compared.png)
    written.append(
        Written(
            COMPARE_CHART, "chart-compare", "Every field compared", compared.alt, "png", "image/png"
        )
    )
    return written
