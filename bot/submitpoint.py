"""A data point from ``/submit``'s values: the one place its options become a ``NewPoint``.

``/submit`` stores what a chat user typed, ``scalebot import`` and the curated file
store rows checked as ``/submit`` checks its options; both build the point here, so a
figure sent either way is the same point. The parameters are ``/submit``'s options by
name, as its handler receives them once converted.
"""

from __future__ import annotations

from bot.kinds import Quantity
from knowledge.ledger.values import NewPoint
from knowledge.models import AnyDomain


def submitted_point(
    domain: AnyDomain,
    dataset: str,
    quantity: Quantity,
    unit: str,
    source: str,
    year: int | None,
    note: str | None,
) -> NewPoint:
    """The point ``/submit``'s converted values describe (no note is an empty one)."""
    return NewPoint(
        domain=domain.slug,
        dataset=dataset,
        quantity_text=quantity.text,
        quantity=quantity.value,
        unit=unit,
        source_url=source,
        year=year,
        note=note or "",
    )
