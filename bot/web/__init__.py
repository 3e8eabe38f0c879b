"""The web view: the ledger served read-only by Datasette, used as a library in-process.

``links`` builds the URLs chat replies point at and imports nothing heavy, so handlers
may use it; ``app`` (the Datasette instance and its metadata), ``privacy`` (what may be
read), ``plugin`` (permissions, chart routes, cells) and ``service`` (serving it on the
bot's event loop) import Datasette and are loaded only by ``scalebot web`` and
``scalebot run all``.
"""

from __future__ import annotations


class WebUnavailable(Exception):
    """The web view could not start (its port is taken, say); the message says why."""
