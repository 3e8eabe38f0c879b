"""``/reject ID REASON``: a moderator turns down a pending point, or withdraws a disputed
one, saying why."""

from __future__ import annotations

from bot import kinds
from bot.commands import Command, Option, Permission, Request
from bot.reply import Reply
from handlers import options
from handlers.decide import decide


def reject(request: Request, id: int, reason: str) -> Reply:
    return decide(request, id, "reject", reason)


COMMAND = Command(
    name="reject",
    order=95,
    description="Moderators: reject a pending data point or withdraw a disputed one, saying why",
    handler=reject,
    example="/reject 12 the source counts clips, not hours",
    permission=Permission.MODERATOR,
    options=(
        options.point_id(),
        Option(
            "reason",
            kinds.Text(max_length=500),
            "Why, for the submitter and the record",
            greedy=True,
        ),
    ),
)
