"""``/reject ID REASON``: a moderator turns down a pending point, or withdraws a disputed
one, saying why."""

from __future__ import annotations

from bot.commands import Command, Option, OptionType, Permission, Request
from bot.reply import Reply
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
        Option(
            "id",
            OptionType.INTEGER,
            "The data point's number, e.g. 12",
            label="data point number",
            min_value=1,
            max_value=2**62,
            max_length=24,
        ),
        Option(
            "reason",
            OptionType.TEXT,
            "Why, for the submitter and the record",
            max_length=500,
            greedy=True,
        ),
    ),
)
