"""``/approve ID [NOTE]``: a moderator accepts a pending point, or keeps a disputed one."""

from __future__ import annotations

from bot import kinds
from bot.commands import Command, Option, Permission, Request
from bot.reply import Reply
from handlers import options
from handlers.decide import decide


def approve(request: Request, id: int, note: str | None) -> Reply:
    return decide(request, id, "approve", note)


COMMAND = Command(
    name="approve",
    order=90,
    description="Moderators: approve a pending data point, or keep a disputed one",
    handler=approve,
    example="/approve 12 checked against the paper",
    permission=Permission.MODERATOR,
    options=(
        options.point_id(),
        Option(
            "note",
            kinds.Text(max_length=500),
            "Optional note for the record",
            required=False,
            greedy=True,
        ),
    ),
)
