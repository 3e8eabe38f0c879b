"""Parsing the quantities people type: ``4.3M``, ``5.85B``, ``10 million``, ``4,300,000``.

Parsing goes through :class:`decimal.Decimal` so that ``10.2M`` becomes exactly
10,200,000 rather than a float that prints as 10200000.000000002.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

#: Quantities at or above this are refused: no dataset is that large, and a bound keeps
#: every stored figure exactly representable and every sort meaningful.
MAX_QUANTITY = Decimal("1e18")
MAX_QUANTITY_TEXT = 40

_MULTIPLIERS: dict[str, Decimal] = {
    "k": Decimal(10) ** 3,
    "thousand": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "mio": Decimal(10) ** 6,
    "million": Decimal(10) ** 6,
    "millions": Decimal(10) ** 6,
    "b": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "billion": Decimal(10) ** 9,
    "billions": Decimal(10) ** 9,
    "t": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
    "trillion": Decimal(10) ** 12,
    "trillions": Decimal(10) ** 12,
}
MULTIPLIER_WORDS = frozenset(w for w in _MULTIPLIERS if len(w) > 2)
#: The same table, read-only, for readers of other text (``knowledge/figures_in_text.py``)
#: so that "234M" means one thing whether typed at the bot or printed in a paper.
MULTIPLIERS: Mapping[str, Decimal] = MappingProxyType(_MULTIPLIERS)

_PATTERN = re.compile(
    r"""^\s*
    (?P<number>
        \d{1,3}(?:,\d{3})+(?:\.\d+)?     # 4,300,000 or 1,234.5
      | \d+(?:\.\d*)?(?:[eE][+-]?\d+)?   # 4.3  800  1.2e9
      | \.\d+(?:[eE][+-]?\d+)?           # .5
    )
    \s*(?P<suffix>[a-zA-Z]+)?
    \s*\+?\s*$""",
    re.VERBOSE,
)


class QuantityError(ValueError):
    """The text is not a quantity we accept; the message says why."""


def parse_quantity(text: str) -> float:
    """The value of a quantity as typed, or :class:`QuantityError` saying what is wrong."""
    if len(text) > MAX_QUANTITY_TEXT:
        raise QuantityError(f"is longer than {MAX_QUANTITY_TEXT} characters")
    match = _PATTERN.match(text)
    if not match:
        if _PATTERN.match(text.strip().removeprefix("-")):
            raise QuantityError("must be a positive number")
        raise QuantityError("is not a number")
    try:
        value = Decimal(match["number"].replace(",", ""))
    except InvalidOperation as error:
        raise QuantityError("is not a number") from error
    suffix = match["suffix"]
    if suffix:
        multiplier = _MULTIPLIERS.get(suffix.casefold())
        if multiplier is None:
            raise QuantityError(f"has an unknown suffix {suffix!r} (use k, M, B or T)")
        try:
            value *= multiplier
        except ArithmeticError as error:  # decimal.Overflow on absurd exponents
            raise QuantityError("must be below 1e18") from error
    if not value.is_finite() or value <= 0:
        raise QuantityError("must be a positive number")
    if value >= MAX_QUANTITY:
        raise QuantityError("must be below 1e18")
    # Validate the value as it will be stored: 999999999999999999 is below the limit as a
    # decimal but rounds up to 1e18 as a float, which the ledger's CHECK refuses.
    result = float(value)
    if not math.isfinite(result) or result <= 0:
        raise QuantityError("must be a positive number")
    if result >= float(MAX_QUANTITY):
        raise QuantityError("must be below 1e18")
    return result


def format_quantity(value: float) -> str:
    """A short human figure: 4300000 -> ``4.3M``, 5850000000 -> ``5.85B``, 570 -> ``570``."""
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= threshold:
            scaled = value / threshold
            return f"{scaled:.3g}{suffix}" if scaled < 1000 else f"{scaled:,.0f}{suffix}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.3g}"
