"""Error pages that cost one line at most: a visitor's bad address is a 4xx, never a 500.

Datasette's own handler (``datasette/handle_exception.py``) prints each error with rich,
local variables and all: tens of kilobytes of log and up to a second of CPU for a 404,
on whatever loop serves the pages. It also answers 500 for addresses it cannot read
(``_timelimit=abc``, ``_next=abc``, ``_sort=`` a column the page lacks, a view's row page)
and fails outright when rich finds no exception in flight (``//x``, ``/.env``).

For the instances :func:`bot.web.plugin.adopt` knows, a hook wrapper puts this module's
answer in place of every handler's (the default one only returns a function that would
print, so dropping it prints nothing). What a visitor's address caused answers its 4xx
and logs one DEBUG line; a fault in this project's own code (a frame of ``bot`` or
``knowledge`` in the traceback) still answers 500, with one ERROR line naming the
exception and where it was raised (the whole traceback at DEBUG).
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import traceback
import warnings
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Base400, Request, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from bot.web.plugin import site_of

#: The plugin's name in Datasette's plugin manager (one per process).
NAME = "scalebot-web-errors"

log = logging.getLogger(__name__)

# Datasette runs a table page's facets together; when the address breaks one, the others
# are never awaited and Python would print a warning for each, on the first such page.
warnings.filterwarnings(
    "ignore",
    message=r"coroutine '(\w+Facet\.facet_results|TableView\._data_traced\..*)' was never awaited",
    category=RuntimeWarning,
)

#: Where this project's code lives: a fault raised through it is ours, not the visitor's.
_BOT = Path(__file__).resolve().parent.parent
_OWN_CODE = (str(_BOT), str(_BOT.parent / "knowledge"))
#: Functions of ours that only forward a call to Datasette (see :func:`forwards`).
_FORWARDERS: set[CodeType] = set()
F = TypeVar("F", bound=Callable[..., Any])
#: What Datasette's own code raises when an address's options do not parse or do not fit
#: the page (``int("abc")``, ``json.loads`` of ``_through=``, SQLite refusing a value).
_UNREADABLE = (ValueError, TypeError, LookupError, ArithmeticError, sqlite3.Error)
#: How the SQLite authorizer (:mod:`bot.web.privacy`) words a refused read.
_REFUSED = ("prohibited", "not authorized")
#: Datasette's words for a 404 that say nothing to a visitor.
_VAGUE = ("", "404", "Database not found")
#: How a correct address reads, shown beside an option the page could not read.
_EXAMPLE = "?_sort=year&_size=50"


@dataclass(frozen=True)
class Answer:
    """What a visitor is told: a status, a title (None: "Error N") and a message."""

    status: int
    message: str | Markup
    title: str | None = None


@functools.lru_cache(maxsize=512)
def _real(filename: str) -> str:
    return os.path.realpath(filename)


def forwards(function: F) -> F:
    """Mark ``function`` as only handing a call on to Datasette (``Ledger.execute``):
    its frame in a traceback does not make the fault this project's."""
    _FORWARDERS.add(function.__code__)
    return function


def _our_fault(exception: BaseException) -> bool:
    """True when this project's code is among the frames that raised.

    Datasette's table view failing on ``json.loads("abc")`` for ``_through=abc``, or
    SQLite's authorizer refusing a column, passes through none of our code: the
    address is at fault. A chart route of ours, or a ``render_cell`` hook, failing is
    our fault, whatever library it failed in.
    """
    tb = exception.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code not in _FORWARDERS and _real(code.co_filename).startswith(_OWN_CODE):
            return True
        tb = tb.tb_next
    return False


def _options(request: Request) -> str:
    """The address's query, as the visitor typed it, shortened for a message."""
    query = request.query_string
    return (query[:120] + "…") if len(query) > 120 else query


def _row_page(request: Request) -> tuple[str, str] | None:
    """``(table, key)`` when the address is a row's page (``/ledger/figures/59``)."""
    try:
        route = request.url_vars
    except (KeyError, AttributeError):
        return None
    if "pks" in route and "table" in route:
        return str(route["table"]), str(route["pks"])
    return None


def answer(request: Request, exception: BaseException) -> Answer:
    """The status and words for ``exception``, raised while serving ``request``."""
    if isinstance(exception, Base400):
        message = str(exception.args[0]) if exception.args else ""
        if exception.status == 404 and message in _VAGUE:
            message = f"Nothing is at {request.path}: the ledger's pages start at /"
            return Answer(404, message, "Not found")
        return Answer(exception.status, message)
    if isinstance(exception, DatasetteError):
        message = Markup(exception.message) if exception.message_is_html else exception.message
        status = exception.status if 400 <= exception.status < 500 else 400
        return Answer(status, message, exception.title)
    if not isinstance(exception, _UNREADABLE) or _our_fault(exception):
        return Answer(500, "The web view failed on this page; the log says why.")
    refused = isinstance(exception, sqlite3.DatabaseError) and any(
        word in str(exception) for word in _REFUSED
    )
    row = _row_page(request)
    if row is not None:
        table, key = row
        return Answer(
            404,
            f"No page for row {key} of {table}: a view's rows have no pages of their own. "
            f"Filter the view instead, for example /{request.url_vars.get('database', '')}"
            f"/{table}?id={key}",
            "Not found",
        )
    if refused:
        return Answer(
            400,
            "This page does not show that: the web view reads only the public columns. "
            f"The page without its options: {request.path}",
            "Not shown",
        )
    return Answer(
        400,
        f"This page cannot read the options in its address ({_options(request)}). "
        f"Options read like {_EXAMPLE}; the page without them: {request.path}",
        "Bad request",
    )


def _logged(request: Request, exception: BaseException, result: Answer) -> None:
    """One line: DEBUG for a visitor's address, ERROR (with where) for our own fault."""
    where = f"{request.method} {request.path}"
    if result.status < 500:
        log.debug("web: %d for %s: %s", result.status, where, type(exception).__name__)
        return
    last = traceback.extract_tb(exception.__traceback__)[-1:]
    at = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
    log.error("web: 500 for %s: %s: %s%s", where, type(exception).__name__, exception, at)
    log.debug("web: the traceback of that 500", exc_info=exception)


async def respond(datasette: Datasette, request: Request, exception: BaseException) -> Response:
    """The error page (or JSON, for a ``.json`` address), as Datasette's would be."""
    result = answer(request, exception)
    _logged(request, exception, result)
    info: dict[str, Any] = {
        "ok": False,
        "error": result.message,
        "status": result.status,
        "title": result.title,
    }
    if request.path.split("?")[0].endswith(".json"):
        return Response.json(info, status=result.status)
    template = datasette.jinja_env.select_template([f"{result.status}.html", "error.html"])
    html = await template.render_async(
        dict(
            info,
            urls=datasette.urls,
            app_css_hash=datasette.app_css_hash(),
            menu_links=lambda: [],
        )
    )
    return Response.html(html, status=result.status)


@hookimpl(hookwrapper=True)
def handle_exception(
    datasette: Datasette, request: Request, exception: BaseException
) -> Generator[None, Any, None]:
    """For our instances, this module's answer in place of every handler's."""
    outcome = yield
    if site_of(datasette) is None:
        return

    def ours() -> Awaitable[Response]:
        return respond(datasette, request, exception)

    replacement: list[Callable[[], Awaitable[Response]]] = [ours]
    outcome.force_result(replacement)
