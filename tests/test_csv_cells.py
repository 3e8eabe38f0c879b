"""The one CSV rule (``bot/csvcells.py``) and the filter that applies it to Datasette's CSV.

The reproductions through ``scalebot export`` and the running web view are in
``test_csv_formulas.py``; these check the rule cell by cell, that every text reads back
as it was, and that the web's filter rewrites whole cells however Datasette's messages
split them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.csvcells import FORMULA_STARTS, csv_cell, from_csv_cell
from bot.web.csvguard import safe_cells

# -- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("-", "'-"),
        ("-inf", "'-inf"),
        # Numbers, as text or as numbers, are read as numbers: nothing runs.
        ("-5", "-5"),
        ("+1.5", "+1.5"),
        ("-2.5e-3", "-2.5e-3"),
        ("-.5", "-.5"),
        (-5, -5),
        (-2.5, -2.5),
        (None, None),
        # What starts no formula is written as it is.
        ("InternVid", "InternVid"),
        ("", ""),
        (" =1", " =1"),
        ("a=1", "a=1"),
        ("'Tis", "'Tis"),
        # A cell that already starts with the prefix gets one more, to be read back.
        ("'=1+2", "''=1+2"),
        ("''@x", "'''@x"),
        ("'-5", "'-5"),
    ],
)
def test_the_rule(value: object, cell: object) -> None:
    assert csv_cell(value) == cell
    if isinstance(value, str):
        assert from_csv_cell(str(cell)) == value


@given(st.text())
def test_every_text_reads_back_and_starts_no_formula(text: str) -> None:
    cell = csv_cell(text)
    assert from_csv_cell(cell) == text
    if cell.startswith(FORMULA_STARTS):
        # Only a plain number may start so: a spreadsheet reads it as that number.
        assert re.fullmatch(r"[+-][0-9.eE+-]+", cell), cell
        float(cell)


# -- the response filter, message by message ------------------------------------------------


def sent_body(messages: list[dict[str, Any]], content_type: bytes = b"text/plain") -> bytes:
    """What the filter sends for ``messages`` of a 200 response (through a recording send)."""
    out: list[MutableMapping[str, Any]] = []

    async def record(message: MutableMapping[str, Any]) -> None:
        out.append(message)

    async def run() -> None:
        send = safe_cells(record)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", content_type + b"; charset=utf-8")],
            }
        )
        for message in messages:
            await send({"type": "http.response.body", **message})

    asyncio.run(run())
    assert out[0]["type"] == "http.response.start"
    return b"".join(m.get("body", b"") for m in out[1:])


def test_a_cell_split_across_messages_is_rewritten_whole() -> None:
    chunks = [b'name,note\r\n"=a', b' b",x\r\n"line one\r\n', b'=two",@y\r\n', b"-3,=z"]
    body = sent_body([{"body": chunk, "more_body": True} for chunk in chunks] + [{"body": b""}])
    assert list(csv.reader(io.StringIO(body.decode(), newline=""))) == [
        ["name", "note"],
        ["'=a b", "x"],
        ["line one\r\n=two", "'@y"],
        ["-3", "'=z"],
    ]


def test_a_character_split_across_messages_survives() -> None:
    encoded = "=é,1\r\n".encode()
    body = sent_body([{"body": encoded[:2], "more_body": True}, {"body": encoded[2:]}])
    assert body.decode() == "'=é,1\r\n"


def test_html_passes_untouched() -> None:
    page = b"<p>=1+2</p>"
    assert sent_body([{"body": page}], content_type=b"text/html") == page
