"""The Datasette plugin shipped in the project: privacy, the chart routes, linked figures.

Datasette's plugin manager is one per process, so these hooks are registered once and
answer only for instances :func:`adopt` was told about (those :func:`bot.web.app.build`
makes); any other Datasette in the process is left alone.

- ``permission_allowed``: only the public tables and views can be viewed (by page, JSON,
  CSV, row or facet), the visitor's own SQL only when allowed, no debug pages.
- ``prepare_connection``: SQLite's authorizer on every ledger connection
  (:mod:`bot.web.privacy`), so no query reads a private column or writes anything, and
  the caps on a value's and a result's size (:mod:`bot.web.querycaps`).
- ``asgi_wrapper``: Datasette's introspection pages (``/-/metadata``, ``/-/settings``,
  ``/-/databases`` with its file paths, ...) answer 404; assets and charts stay. CSV
  downloads go out with every cell safe for a spreadsheet (:mod:`bot.web.csvguard`).
- ``register_routes``: ``/-/charts`` (a page of every field's chart),
  ``/-/charts/DOMAIN.png`` and ``/-/charts/compare.png?fields=a,b``.
- ``render_cell``: every figure links to its source; a dataset's name to its history; a
  curated figure's decision day reads ``curated``.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import NotFound, Request, Response
from markupsafe import Markup, escape

from bot.web import csvguard, links, querycaps
from bot.web.charts import ChartCache, draw_comparison, draw_trend, trend_inputs
from bot.web.community import CommunityFields
from bot.web.privacy import protect, table_is_public
from knowledge.kb import Library
from knowledge.quantity import format_quantity

NAME = "scalebot-web"

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


@dataclass
class Site:
    """One instance's fields (the essay's, and those moderators add), its privacy rule
    and its charts."""

    library: Library
    show_users: bool = False
    allow_sql: bool = False
    charts: ChartCache = field(default_factory=ChartCache)
    #: The ledger's community fields, followed as the bot adds them (None: none followed).
    community: CommunityFields | None = None
    #: Titles, descriptions, facets and canned queries for a set of fields.
    describe: Callable[[Library], dict[str, Any]] | None = None
    _described: tuple[tuple[str, ...], dict[str, Any]] | None = None

    def fields(self) -> Library:
        """The library with every community field the ledger holds by now."""
        if self.community is not None:
            self.community.follow(self.library)
        return self.library

    def metadata(self) -> dict[str, Any]:
        """Datasette's metadata for the fields served now, made again when one is added:
        the home page lists every field and the growth record knows each one's unit."""
        if self.describe is None:
            return {}
        library = self.fields()
        slugs = tuple(sorted(library.domains))
        if self._described is None or self._described[0] != slugs:
            self._described = (slugs, self.describe(library))
        return self._described[1]


_SITES: weakref.WeakKeyDictionary[Datasette, Site] = weakref.WeakKeyDictionary()

#: What stays reachable under ``/-/``: Datasette's assets, our style sheet and charts.
_OPEN_UNDER_DASH = ("/-/static/", "/-/static-plugins/", "/-/charts/")
STYLE_PATH = "/-/scalebot.css"
_OPEN_PAGES = ("/-/charts", STYLE_PATH)

#: Column descriptions side by side in two columns, so the rows start near the top; a
#: note keeps a readable width; a source shows without its scheme.
_STYLE = """
dl.column-descriptions {
  display: grid; grid-template-columns: repeat(2, max-content minmax(10em, 1fr));
  gap: 0.15em 0.8em; font-size: 0.85em; margin: 0.4em 0 1em;
}
dl.column-descriptions dt { font-weight: 600; }
dl.column-descriptions dd { margin: 0; padding: 0; color: #555; }
td.col-note { min-width: 16em; }
td.col-source { min-width: 14em; max-width: 22em; overflow-wrap: anywhere; }
td.col-value { text-align: right; white-space: nowrap; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e8eaed; }
"""


def adopt(datasette: Datasette, site: Site) -> None:
    """Let these hooks answer for ``datasette``, serving ``site``."""
    _SITES[datasette] = site


def site_of(datasette: Datasette) -> Site | None:
    return _SITES.get(datasette)


@hookimpl
def get_metadata(
    datasette: Datasette, key: str | None, database: str | None, table: str | None
) -> dict[str, Any] | None:
    """Our instances' metadata, which follows the fields moderators add while it runs."""
    site = site_of(datasette)
    return site.metadata() if site is not None else None


# -- privacy -----------------------------------------------------------------------------


@hookimpl(trylast=True)
def permission_allowed(
    datasette: Datasette, actor: dict | None, action: str, resource: Any
) -> bool | None:
    """The last word (``trylast``) on what an instance of ours shows; None elsewhere."""
    site = site_of(datasette)
    if site is None:
        return None
    if action == "view-table":
        database, table = resource
        if database == links.DATABASE:
            return table_is_public(table, show_users=site.show_users)
        return False
    if action == "execute-sql":
        return site.allow_sql and resource == links.DATABASE
    if action == "view-database":
        return resource == links.DATABASE
    if action in ("permissions-debug", "debug-menu"):
        return False
    return None


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Datasette) -> None:
    site = site_of(datasette)
    if site is not None and database == links.DATABASE:
        protect(conn, show_users=site.show_users)
        querycaps.cap(conn)


def _path(scope: MutableMapping[str, Any]) -> str:
    """The path as Datasette routes it: the raw bytes when the server gives them."""
    raw = scope.get("raw_path")
    path = raw.decode("ascii", "replace") if raw else scope.get("path", "")
    return path.partition("?")[0]


def _hidden(path: str) -> bool:
    if not path.startswith("/-/"):
        return False
    return not (path in _OPEN_PAGES or path.startswith(_OPEN_UNDER_DASH))


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[ASGIApp], ASGIApp] | None:
    if site_of(datasette) is None:
        return None

    def wrap(app: ASGIApp) -> ASGIApp:
        async def guarded(
            scope: MutableMapping[str, Any],
            receive: Callable[[], Awaitable[Any]],
            send: Callable[[Any], Awaitable[None]],
        ) -> None:
            if scope.get("type") == "http":
                path = _path(scope)
                if _hidden(path):
                    await Response.text("Not found", status=404).asgi_send(send)
                    return
                if csvguard.is_csv_path(path):
                    send = csvguard.safe_cells(send)
            await app(scope, receive, send)

        return guarded

    return wrap


# -- pages -------------------------------------------------------------------------------


@hookimpl
def extra_css_urls(datasette: Datasette) -> list[str]:
    return [STYLE_PATH] if site_of(datasette) is not None else []


async def _style() -> Response:
    return Response(_STYLE, content_type="text/css", headers={"cache-control": "max-age=3600"})


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Datasette
) -> Markup | None:
    """A figure as ``760K`` linked to its source; a dataset's name linked to its history;
    a curated figure's decision day as ``curated``. Every string from the ledger is
    escaped: names, notes and sources are what members typed."""
    if database != links.DATABASE or site_of(datasette) is None:
        return None
    keys = row.keys() if hasattr(row, "keys") else ()
    if column == "value" and "source" in keys and isinstance(value, int | float):
        source = row["source"]
        shown = escape(format_quantity(float(value)))
        exact = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
        if not _linkable(source):
            return Markup(f'<span title="{exact}">{shown}</span>')
        return Markup(f'<a href="{escape(source)}" title="{exact} (source)">{shown}</a>')
    if column == "dataset" and isinstance(value, str) and "value" in keys:
        return Markup(f'<a href="{escape(links.history_url("", value))}">{escape(value)}</a>')
    if column == "source" and _linkable(value):
        address = str(value).split("://", 1)[1]
        return Markup(f'<a href="{escape(value)}">{escape(address)}</a>')
    if column == "decided_on" and value is None and "origin" in keys and row["origin"] == "curated":
        return Markup(f'<span class="curated" title="{CURATED_TITLE}">curated</span>')
    return None


#: What a curated figure's decision day says instead of a date.
CURATED_TITLE = "From the project's curated starter set: approved by the seed, not by a moderator"


def _linkable(source: object) -> bool:
    """Only web addresses become links (submissions are checked; this keeps pages safe)."""
    return isinstance(source, str) and source.startswith(("http://", "https://"))


_CHARTS_PAGE = """{% extends "base.html" %}
{% block title %}Charts: how fast each field's data grows{% endblock %}
{% block content %}
<h1>How fast each field's largest dataset grows</h1>
<p>Each field's current approved figures in its headline unit, the records among them
and the fitted rate with its 90% interval: the same charts as the bot's chat replies.
The records as a table: <a href="{{ urls.database("ledger") }}/growth_record">growth record</a>.</p>
<figure id="compare">
  <img src="/-/charts/compare.png" alt="{{ compare_alt }}" width="960" height="540">
  <figcaption>Every field's record as a multiple of its first.</figcaption>
</figure>
{% for chart in charts %}
<figure id="{{ chart.slug }}">
  <h2>{{ chart.name }}</h2>
  <img src="/-/charts/{{ chart.slug }}.png" alt="{{ chart.alt }}" width="960" height="540"
       loading="lazy">
  <figcaption><a href="{{ chart.table }}">Current figures</a> ·
  <a href="{{ chart.record }}">growth record</a></figcaption>
</figure>
{% endfor %}
{% endblock %}
"""


async def _charts_page(request: Request, datasette: Datasette) -> Response:
    site = _site(datasette)
    db = datasette.get_database(links.DATABASE)
    charts = []
    for slug, domain in sorted(site.fields().domains.items()):
        inputs = await trend_inputs(db, domain)
        charts.append(
            {
                "slug": slug,
                "name": domain.name,
                "alt": f"{domain.name}: {len(inputs.figures)} current figures in "
                f"{inputs.unit or 'no unit yet'}, the record frontier and its fitted growth",
                "table": links.table_url("", slug),
                "record": f"/{links.DATABASE}/growth_record?field={slug}",
            }
        )
    template = datasette.jinja_env.from_string(_CHARTS_PAGE)
    html = await datasette.render_template(
        template,
        {"charts": charts, "compare_alt": "Every field's record relative to its first"},
        request=request,
    )
    return Response.html(html)


async def _trend_png(request: Request, datasette: Datasette) -> Response:
    site = _site(datasette)
    domain = site.fields().resolve(request.url_vars["domain"])
    if domain is None:
        raise NotFound("No field is called that")
    db = datasette.get_database(links.DATABASE)
    inputs = await trend_inputs(db, domain)
    chart = await site.charts.get(domain.slug, inputs, lambda: draw_trend(domain, inputs))
    return _png(chart.png)


async def _compare_png(request: Request, datasette: Datasette) -> Response:
    site = _site(datasette)
    asked = [name for name in request.args.get("fields", "").split(",") if name.strip()]
    library = site.fields()
    domains = [library.resolve(name) for name in asked] or list(library.domains.values())
    if any(domain is None for domain in domains):
        raise NotFound("No field is called that")
    # Each field once, in the order asked: a long repeated list costs no more than one.
    unique = list({domain.slug: domain for domain in domains if domain}.values())
    db = datasette.get_database(links.DATABASE)
    fields = [(domain, await trend_inputs(db, domain)) for domain in unique]
    key = "compare:" + ",".join(domain.slug for domain, _ in fields)
    inputs = tuple((domain.slug, read) for domain, read in fields)
    chart = await site.charts.get(key, inputs, lambda: draw_comparison(fields))
    return _png(chart.png)


def _png(data: bytes) -> Response:
    # A minute in browsers' caches; the ledger's next approval shows up after that.
    return Response(data, content_type="image/png", headers={"cache-control": "max-age=60"})


def _site(datasette: Datasette) -> Site:
    site = site_of(datasette)
    if site is None:  # the routes are registered only for adopted instances
        raise NotFound("Not found")
    return site


@hookimpl
def register_routes(datasette: Datasette) -> list[tuple[str, Any]]:
    if site_of(datasette) is None:
        return []
    return [
        (r"^/-/scalebot\.css$", _style),
        (r"^/-/charts/?$", _charts_page),
        (r"^/-/charts/compare\.png$", _compare_png),
        (r"^/-/charts/(?P<domain>[^/]+)\.png$", _trend_png),
    ]
