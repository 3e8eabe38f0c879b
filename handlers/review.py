"""``/review``: the moderators' queue of pending points, each with approve/reject actions."""

from __future__ import annotations

from bot.commands import Command, Permission, Request
from bot.reply import Action, Reply, ReplyField
from handlers.present import amount, source

QUEUE_SIZE = 10


def review(request: Request) -> Reply:
    points = request.store.pending(QUEUE_SIZE)
    total = request.store.pending_total()
    if not points:
        return Reply(
            title="Nothing to review",
            summary="The queue is empty.",
            visibility="private",
            data={"pending": 0, "ids": []},
        )
    fields = []
    actions = []
    for point in points:
        year = f" ({point.year})" if point.year else ""
        note = f"\nNote: {point.note}" if point.note else ""
        fields.append(
            ReplyField(
                name=f"#{point.id} · {point.domain} · {point.dataset}",
                value=f"{amount(point)}{year}, typed as “{point.quantity_text}”\n"
                f"Source: {point.source_url}\nBy {point.submitted_by}{note}",
                inline=False,
            )
        )
        actions += [
            Action(
                id=f"approve:{point.id}",
                label=f"Approve #{point.id}",
                command=f"/approve {point.id}",
                style="primary",
            ),
            Action(
                id=f"reject:{point.id}",
                label=f"Reject #{point.id}",
                command=f"/reject {point.id}",
                style="danger",
                needs_reason=True,
            ),
        ]
    shown = f"Showing the oldest {len(points)}" if total > len(points) else "Oldest first"
    return Reply(
        title=f"Review queue: {total} pending",
        summary=f"{shown}. Approve with /approve ID [NOTE], reject with /reject ID REASON.",
        fields=fields,
        actions=actions,
        citations=[source(point) for point in points],
        visibility="private",
        data={"pending": total, "ids": [p.id for p in points]},
    )


COMMAND = Command(
    name="review",
    order=80,
    description="Moderators: the queue of pending data points",
    handler=review,
    example="/review",
    permission=Permission.MODERATOR,
)
