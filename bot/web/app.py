"""The Datasette instance that serves the ledger: its database, settings and metadata.

Datasette is used as a library: :func:`build` makes an instance in this process over
the bot's own SQLite file, opened read-only (Datasette's ``mode=ro`` for a mutable
file, so it sees every commit as it lands, where ``immutable`` would serve stale
pages), under the name ``ledger``. The metadata gives people titles, column
descriptions, facets and the canned queries; it is built from the knowledge base, so a
new field appears on the pages without editing anything here. What may be read, and
the chart routes, are the plugin's (:mod:`bot.web.plugin`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette.app import Datasette, DatasetteClient
from datasette.database import Database, QueryInterrupted
from datasette.plugins import pm
from markupsafe import escape

from bot.web import errors, plugin, querycaps
from bot.web.community import CommunityFields
from bot.web.links import DATABASE, chart_url, table_url
from bot.web.privacy import table_is_public
from knowledge import records
from knowledge.kb import Library


class Ledger(Database):
    """The ledger as Datasette reads it, with links only between tables it may show.

    A row page counts the rows of other tables that point at it (``audit_log`` and
    ``data_points`` point at a dataset): counting a private table's rows is a read the
    authorizer refuses, so those links are left out unless user ids are shown.
    """

    def __init__(self, datasette: Datasette, path: str, *, show_users: bool) -> None:
        super().__init__(datasette, path=path, is_mutable=True)
        self.show_users = show_users

    async def get_all_foreign_keys(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        every = await super().get_all_foreign_keys()

        def shown(table: str) -> bool:
            return table_is_public(table, show_users=self.show_users)

        return {
            table: {
                "incoming": [fk for fk in keys["incoming"] if shown(fk["other_table"])],
                "outgoing": [fk for fk in keys["outgoing"] if shown(fk["other_table"])],
            }
            for table, keys in every.items()
        }

    @errors.forwards
    async def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        """Datasette's query, with the web view's refusals worded for a visitor, and
        without Datasette's line on stderr for each failing one: a visitor's bad
        address is logged once, by :mod:`bot.web.errors`."""
        kwargs["log_sql_errors"] = False
        try:
            return await super().execute(sql, *args, **kwargs)
        except sqlite3.DatabaseError as error:
            clearer = querycaps.explain(error, sql)
            if clearer is None:
                raise
            raise clearer from None

    async def table_counts(self, limit: int = 10) -> dict[str, int | None]:
        """Row counts of the tables the pages show, for the home and database pages.

        Datasette counts every table; on a private one the authorizer refuses the read
        and Datasette logs an ``ERROR`` line for it (about twenty a view) and then drops
        every count. So only the public tables are counted, each within ``limit`` ms.
        """
        counts: dict[str, int | None] = {}
        for table in await self.table_names():
            if not table_is_public(table, show_users=self.show_users):
                continue
            try:
                found = await self.execute(
                    f"select count(*) from [{table}]", custom_time_limit=limit
                )
                counts[table] = found.rows[0][0]
            except (QueryInterrupted, sqlite3.DatabaseError):
                counts[table] = None
        return counts


POINT_COLUMNS = {
    "id": "The figure's number: #N in chat (/history, /review)",
    "dataset": "The dataset, by its canonical name (the first spelling stored); opens its history",
    "domain": "The research field",
    "value": "The figure; it links to its source",
    "unit": "What is counted (hours, tokens, objects...)",
    "year": "When the dataset first appeared in public",
    "status": "pending (awaiting review), approved or rejected",
    "current": "1 when this is the dataset's current figure in its unit",
    "disputes": "Members' open disputes of this figure",
    "decided_on": "The day it was approved or rejected; a curated figure reads "
    "curated (the project's starter set, which no moderator decided)",
    "origin": "curated (the project's starter set), community or import",
    "source": "Where the figure is stated",
    "source_check": "What the bot found when it read the source: states (it states this "
    "figure), differs (it states other figures in this unit), absent (no figure in this "
    "unit), unreachable (could not be read) or refused (may not be read); empty if never "
    "checked",
    "source_figures": "The figures the source states in this unit, as printed there",
    "note": "What the submitter noted (lower bound, how it was counted...)",
    "dataset_id": "The dataset's row in the datasets table",
}
#: The columns the canned queries show first, in the views' order.
_FIGURE_COLUMNS = "dataset, domain, value, unit, year"
#: A figure's source check as the views show it (migration 0012_source_checks).
_CHECK_COLUMNS = "source_check, source_figures"


def _described(*names: str) -> dict[str, str]:
    """The descriptions of ``names``, in the order a view has them."""
    return {name: POINT_COLUMNS[name] for name in names}


FIGURES_VIEW = _described(
    "dataset",
    "domain",
    "value",
    "unit",
    "year",
    "status",
    "current",
    "decided_on",
    "disputes",
    "source",
    "source_check",
    "source_figures",
    "note",
    "origin",
    "id",
    "dataset_id",
)
CURRENT_VIEW = {k: v for k, v in FIGURES_VIEW.items() if k not in ("status", "current")}


def _current_by_field() -> dict[str, Any]:
    return {
        "title": "Current figures per dataset and unit",
        "description": "Each dataset's newest approved figure in every unit it is counted "
        "in, largest first within a unit. field: a field's slug (video, llm, 3d...), or "
        "empty for every field.",
        "sql": f"SELECT {_FIGURE_COLUMNS}, decided_on, disputes, source, {_CHECK_COLUMNS}, "
        "note, origin, id\nFROM current_figures\nWHERE :field = '' OR domain = :field\n"
        "ORDER BY domain, unit, value DESC",
        "hide_sql": True,
    }


def _pending_review() -> dict[str, Any]:
    return {
        "title": "Pending review",
        "description": "Figures members submitted that no moderator has decided yet, "
        "oldest first, with what the bot found at each source. Moderators decide in chat: "
        "/review.",
        "sql": f"SELECT {_FIGURE_COLUMNS}, disputes, source, {_CHECK_COLUMNS}, note, id\n"
        "FROM figures\n"
        "WHERE status = 'pending'\nORDER BY id",
        "hide_sql": True,
    }


def _dataset_history() -> dict[str, Any]:
    return {
        "title": "History of a dataset",
        "description": "Every figure of one dataset, unit by unit, oldest first, with "
        "its status and the day it was decided. name: the dataset's name, in any case "
        "(a name merged into another finds that one).",
        "sql": f"SELECT {_FIGURE_COLUMNS}, status, current, decided_on, disputes, source, "
        f"{_CHECK_COLUMNS}, note, origin, id\nFROM figures\nWHERE dataset_id IN (\n"
        "  SELECT COALESCE(merged_into, id) FROM datasets WHERE name = :name COLLATE NOCASE\n"
        ")\nORDER BY domain, unit, year, id",
        "hide_sql": True,
    }


def _growth_record(library: Library) -> dict[str, Any]:
    """The record frontier by the one growth rule (:mod:`knowledge.records`), as a query."""
    fields = " · ".join(
        f'<a href="?{escape(urlencode({"field": slug}))}">{escape(slug)}</a> '
        f'(<a href="{escape(chart_url("", slug))}">chart</a>)'
        for slug in sorted(library.domains)
    )
    headline_units = {slug: domain.headline_unit for slug, domain in library.domains.items()}
    return {
        "title": "Growth record of a field",
        "description_html": "<p>The figures that set a new record for a field's largest "
        "dataset in its headline unit, year by year, and how many times the record before "
        "each one is. Each dataset counts with its current figure (a corrected figure "
        "replaces the old one), as in the bot's /trend and the charts. "
        f"field: {fields}.</p>",
        "hide_sql": True,
        "sql": records.growth_record_sql(headline_units),
    }


def metadata(library: Library) -> dict[str, Any]:
    """Titles, descriptions, facets and canned queries, with each field's links.

    Datasette puts ``description_html`` into the page as it is, so every name in it is
    escaped here: a moderator may name a field ``<img src=x onerror=...>``.
    """
    fields = " · ".join(
        f'<a href="{escape(table_url("", slug))}">{escape(domain.name)}</a>'
        for slug, domain in sorted(library.domains.items())
    )
    queries = " · ".join(
        f'<a href="/{DATABASE}/{name}">{title}</a>'
        for name, title in (
            ("pending_review", "pending review"),
            ("dataset_history", "a dataset's history"),
            ("growth_record", "a field's growth record"),
            ("current_by_field", "current figures per dataset and unit"),
        )
    )
    return {
        "title": "scalebot: the community ledger of AI dataset sizes",
        "description_html": (
            "<p>How much training data each AI field has, figure by figure, each with its "
            "source: the curated starter set and what members submitted in chat and "
            "moderators reviewed. Read-only.</p>"
            f"<p>Current figures by field: {fields}.</p>"
            f"<p>Queries: {queries}.</p>"
            '<p><a href="/-/charts">Charts</a> of how fast each field\'s largest dataset '
            "grows.</p>"
        ),
        "databases": {
            DATABASE: {
                "title": "Ledger",
                "description": "Dataset sizes by field, with sources, statuses and decisions.",
                "tables": {
                    "current_figures": {
                        "title": "Current figures",
                        "description": "Each dataset's current figure in every unit it is "
                        "counted in: its newest approved one. Sorted by field, unit, then "
                        "largest first; each figure links to its source.",
                        "facets": ["domain", "unit", "year"],
                        "columns": CURRENT_VIEW,
                    },
                    "figures": {
                        "title": "Every figure",
                        "description": "Every figure ever submitted, with its status: "
                        "pending, approved or rejected. Each figure links to its source.",
                        "facets": ["domain", "unit", "status", "year"],
                        "columns": FIGURES_VIEW,
                    },
                    "datasets": {
                        "title": "Datasets",
                        "description": "One row per dataset of a field, named as it was "
                        "first stored; merged_into points at the dataset a duplicate name "
                        "was merged into.",
                        "facets": ["domain"],
                        "columns": {
                            "name": "The canonical name",
                            "key": "The name without case, spaces or punctuation",
                            "measures": "How many units it has a current figure in",
                            "rank": "Its current figure in the field's headline unit",
                            "latest_year": "The newest year among its current figures",
                        },
                    },
                },
                "queries": {
                    "current_by_field": _current_by_field(),
                    "pending_review": _pending_review(),
                    "dataset_history": _dataset_history(),
                    "growth_record": _growth_record(library),
                },
            }
        },
    }


def settings(*, allow_sql: bool) -> dict[str, Any]:
    """Datasette's settings: nothing to download, no SQL of the visitor's unless allowed."""
    return {
        "allow_download": False,
        "default_allow_sql": allow_sql,
        # Facets are configured per page; suggesting more costs a query per column.
        "suggest_facets": False,
    }


def build(
    path: str | Path,
    library: Library,
    *,
    show_users: bool = False,
    allow_sql: bool = False,
) -> Datasette:
    """A Datasette serving the ledger at ``path`` read-only as ``ledger``.

    Call ``await datasette.invoke_startup()`` before serving it (the service does).
    """
    if pm.get_plugin(plugin.NAME) is None:
        pm.register(plugin, name=plugin.NAME)
    if pm.get_plugin(errors.NAME) is None:
        pm.register(errors, name=errors.NAME)
    datasette = Datasette(
        files=[],
        # The metadata comes from the plugin (``get_metadata``), made again when a field
        # is added; Datasette's own copy would win over it and never change.
        metadata={},
        settings=settings(allow_sql=allow_sql),
        cors=False,
    )
    # With no files Datasette adds an empty in-memory database: not part of this site.
    datasette.remove_database("_memory")
    resolved = str(Path(path).resolve())
    datasette.add_database(Ledger(datasette, resolved, show_users=show_users), name=DATABASE)
    site = plugin.Site(
        library,
        show_users=show_users,
        allow_sql=allow_sql,
        community=CommunityFields(Path(resolved)),
        describe=metadata,
    )
    plugin.adopt(datasette, site)
    # Datasette made its internal client (``datasette.client``) from its app before the
    # plugin knew this instance: make it again, with the chart routes and the guard.
    datasette.client = DatasetteClient(datasette)
    return datasette
