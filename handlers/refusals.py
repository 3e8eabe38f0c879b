"""The ledger's refusals as users read them: one translation for every command on a point.

``/confirm``, ``/flag``, ``/approve`` and ``/reject`` act on a point by id, and the ledger
refuses them for the same few reasons (no such point, already decided, the member's own
figure, already counted). Which user error each refusal becomes, and the sentence for a
missing point, are decided here once; each command supplies only its own words for the
rest (:class:`Refusals`), since "already decided" means something else to a confirmation
than to a moderator's decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.errors import AlreadyCounted, Conflict, NotFound, OwnFigure, UserError
from knowledge.ledger.errors import (
    AlreadyReviewed,
    AlreadyVouched,
    LedgerError,
    OwnPoint,
    PointNotFound,
)
from knowledge.ledger.values import DataPoint


@dataclass(frozen=True)
class Refusals:
    """What one command says when the ledger refuses it, beyond what all of them share.

    ``reviewed`` words a point already decided (``AlreadyReviewed``) from the point as
    stored; ``own`` and ``vouched`` word a member's own figure and a second word on one
    (None: the command is never refused so). Every refusal shows ``example`` unless it
    has its own.
    """

    #: Where members find ids: the example under "There is no data point #N.".
    example: str
    reviewed: Callable[[int, DataPoint], str]
    reviewed_example: str | None = None
    own: Callable[[int], str] | None = None
    vouched: Callable[[int], str] | None = None
    vouched_example: Callable[[int], str] | None = None


def translate(error: LedgerError, point_id: int, said: Refusals) -> UserError | None:
    """The user error the ledger's ``error`` on point ``point_id`` becomes for a command
    that words its refusals as ``said``; None when the command has no words for it."""
    if isinstance(error, PointNotFound):
        return NotFound(f"There is no data point #{point_id}.", example=said.example)
    if isinstance(error, OwnPoint) and said.own is not None:
        return OwnFigure(said.own(point_id), example=said.example)
    if isinstance(error, AlreadyVouched) and said.vouched is not None:
        example = said.vouched_example(point_id) if said.vouched_example else said.example
        return AlreadyCounted(said.vouched(point_id), example=example)
    if isinstance(error, AlreadyReviewed):
        return Conflict(
            said.reviewed(point_id, error.point), example=said.reviewed_example or said.example
        )
    return None


@contextmanager
def refusals(point_id: int, said: Refusals) -> Iterator[None]:
    """Inside, a refusal of the ledger on point ``point_id`` leaves as its user error."""
    try:
        yield
    except LedgerError as error:
        answer = translate(error, point_id, said)
        if answer is None:
            raise
        raise answer from None
