"""The web view's pages as URLs, for chat replies that point at them.

Built from ``SCALEBOT_WEB_URL`` (the public base URL), so a reply links to the page a
reader would open next: a field's figures as a filtered table, a dataset's history, a
field's chart. Plain string work, importable from handlers without loading Datasette.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

#: The name Datasette serves the ledger under; part of every page's path.
DATABASE = "ledger"


def table_url(base: str, domain: str) -> str:
    """The current figures of one field: the ``current_figures`` view filtered to it."""
    return f"{base}/{DATABASE}/current_figures?{urlencode({'domain': domain})}"


def history_url(base: str, dataset: str) -> str:
    """Every figure of a dataset: the ``dataset_history`` canned query, by its name."""
    return f"{base}/{DATABASE}/dataset_history?{urlencode({'name': dataset})}"


def chart_url(base: str, domain: str) -> str:
    """A field's growth chart (the PNG the bot's own renderer draws)."""
    return f"{base}/-/charts/{quote(domain, safe='')}.png"


def compare_chart_url(base: str, domains: Sequence[str]) -> str:
    """The chart of several fields' records side by side."""
    return f"{base}/-/charts/compare.png?{urlencode({'fields': ','.join(domains)})}"
