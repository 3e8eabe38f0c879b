"""CSV cells a spreadsheet reads as text: the one rule for every CSV the project writes.

Pending figures are public, so anyone can make a dataset name or a note that a
spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``) when
someone opens a CSV download. Spreadsheets start a formula at a cell beginning with
``=``, ``+``, ``-`` or ``@``, and some skip a leading tab or carriage return first, so
such a cell is written with a ``'`` in front, which makes it text (OWASP's advice for
CSV injection). Used by ``scalebot export --format csv`` and the web view's CSV
downloads (:mod:`bot.web.csvguard`); JSON stays exact.

Two choices, and why:

- **A number is left alone.** A cell whose whole text is a decimal number (``-5``,
  ``+1.5``, ``-2.5e-3``) runs nothing in any spreadsheet; it is read as that number, so
  prefixing it would only turn a number into text. Our numeric columns (values, years,
  ids) are written by Python as such numbers, and a text cell that is exactly a number
  is treated the same, so the rule needs no column types and reads the same on every
  path. OWASP prefixes every such cell; ours differs only where nothing can run.
- **It can be undone.** The prefix is added to a cell whose text, after any ``'`` it
  already starts with, begins a formula, and :func:`from_csv_cell` removes exactly one
  such ``'``: so ``scalebot import`` of an export gives back the names and notes as
  they were typed (``=x`` is exported as ``'=x``, ``'=x`` as ``''=x``), and a cell that
  begins no formula (``'Tis``) is written and read as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: What a spreadsheet starts a formula with, or skips before one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain decimal number: read as a number, never as a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _starts_formula(text: str) -> bool:
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_STARTS) and _NUMBER.fullmatch(rest) is None


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell: a text that would start a formula gets a ``'`` in front.

    Anything that is not a string (numbers, None) is returned as it is.
    """
    if isinstance(value, str) and _starts_formula(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_cell` of each value of a row."""
    return [csv_cell(value) for value in values]


def from_csv_cell(text: str) -> str:
    """The text :func:`csv_cell` was given for ``text``: one ``'`` it added is removed."""
    if text.startswith("'") and _starts_formula(text):
        return text[1:]
    return text
