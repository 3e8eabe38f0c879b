"""``metadata.json``: the web view's titles, descriptions, facets and queries for a snapshot.

``datasette --immutable ledger.db --metadata metadata.json`` then serves the snapshot
with the web view's own words: each table's title, column descriptions and facets,
and the canned queries. Three queries read the snapshot's tables as they read the
ledger's views (their SQL is the web view's, :mod:`bot.web.app`); the growth record
is read from ``growth_records``, which holds that query's answer for every field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import escape

from bot.publish.tables import FIELDS, GROWTH_RECORDS, Table
from bot.web import app
from bot.web.links import DATABASE, table_url
from knowledge.kb import Library

#: The web view's queries that read only tables a snapshot holds, by name.
SAME_QUERIES = ("current_by_field", "pending_review", "dataset_history")


def _table(table: Table, facets: list[str]) -> dict[str, Any]:
    return {
        "title": table.title,
        "description": table.description,
        "facets": facets,
        "columns": {column.name: column.description for column in table.columns},
    }


def _growth_record(library: Library) -> dict[str, Any]:
    fields = " · ".join(
        f'<a href="?{escape(urlencode({"field": slug}))}">{escape(slug)}</a>'
        for slug in sorted(library.domains)
    )
    return {
        "title": "Growth record of a field",
        "description_html": "<p>The figures that set a new record for a field's largest "
        "dataset in its headline unit, year by year, and how many times the record before "
        f"each one is. field: {fields}.</p>",
        "hide_sql": True,
        "sql": "SELECT year, dataset, value, unit, times_previous, source, id\n"
        "FROM growth_records\nWHERE domain = :field\nORDER BY year",
    }


def metadata(library: Library, created: str) -> dict[str, Any]:
    """Datasette's metadata for a snapshot of the ledger as of ``created``."""
    served = app.metadata(library)["databases"][DATABASE]
    fields = " · ".join(
        f'<a href="{escape(table_url("", slug))}">{escape(domain.name)}</a>'
        for slug, domain in sorted(library.domains.items())
    )
    queries = {name: served["queries"][name] for name in SAME_QUERIES}
    queries["growth_record"] = _growth_record(library)
    tables = dict(served["tables"])
    tables[GROWTH_RECORDS.name] = _table(GROWTH_RECORDS, ["domain", "unit"])
    tables[FIELDS.name] = _table(FIELDS, [])
    return {
        "title": "scalebot: the community ledger of AI dataset sizes (snapshot)",
        "description_html": (
            "<p>A read-only snapshot of the public ledger as of "
            f"{escape(created)}: every figure with its source, the curated starter set "
            "and what members submitted and moderators reviewed. The growth charts are "
            "PNG files beside this database (charts/).</p>"
            f"<p>Current figures by field: {fields}.</p>"
        ),
        "databases": {
            DATABASE: {
                "title": served["title"],
                "description": served["description"],
                "tables": tables,
                "queries": queries,
            }
        },
    }
