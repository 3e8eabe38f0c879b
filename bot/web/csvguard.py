"""The web view's CSV downloads, with every cell made safe for a spreadsheet.

Datasette writes its CSV (``/ledger/figures.csv``, a canned query's, a visitor's SQL
as ``/ledger.csv?sql=...``) itself and offers no hook for a cell's text, so this sits
where the response leaves: it reads the CSV Datasette streams, puts each cell through
the project's one rule (:func:`bot.csvcells.csv_cell`, as ``scalebot export`` does) and
writes it again in the same dialect. Only responses to a ``.csv`` path that are CSV
(``text/plain`` or ``text/csv``, status 200) are touched; JSON and HTML pass as they are.

Datasette sends a row per message, but nothing here relies on it: text is held until
it ends a line outside quotes (an even number of ``"`` so far), so a cell that spans
messages or lines is rewritten whole.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bot.csvcells import csv_row

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_CSV_TYPES = (b"text/plain", b"text/csv")


def is_csv_path(path: str) -> bool:
    """Whether Datasette answers ``path`` (without its query) in its CSV format."""
    return path.endswith(".csv")


def rewrite(text: str) -> str:
    """``text``, whole CSV records in Datasette's dialect, with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(csv_row(row))
    return out.getvalue()


def safe_cells(send: Send) -> Send:
    """``send`` for one response, rewriting its CSV body's cells (see the module)."""
    active = False
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    held: list[str] = []
    odd_quotes = False

    async def guarded(message: MutableMapping[str, Any]) -> None:
        nonlocal active, odd_quotes
        if message["type"] == "http.response.start":
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            active = message.get("status") == 200 and kind.startswith(_CSV_TYPES)
            if active:  # the body's length changes: let the server frame it
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                message = {**message, "headers": headers}
            await send(message)
            return
        if not active or message["type"] != "http.response.body":
            await send(message)
            return
        more = bool(message.get("more_body", False))
        text = decoder.decode(bytes(message.get("body", b"")), final=not more)
        held.append(text)
        odd_quotes ^= text.count('"') % 2 == 1
        whole = "".join(held)
        if more and (odd_quotes or not whole.endswith("\n")):
            held[:] = [whole]
            return
        held.clear()
        body = rewrite(whole).encode("utf-8") if whole else b""
        await send({**message, "body": body})

    return guarded
