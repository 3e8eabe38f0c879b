"""``/review``: the moderators' queue of pending points, each with approve/reject actions.

The same entry (the point's details, its Approve and Reject buttons) is also the card
posted to the review channels when a point is submitted (:func:`review_card`), so a
moderator decides the same way from the queue, the channel or a typed command.
"""

from __future__ import annotations

from bot.commands import Command, Permission, Request
from bot.reply import Action, Reply, ReplyField
from handlers.present import amount, source
from knowledge.store import DataPoint

QUEUE_SIZE = 10


def entry(point: DataPoint) -> ReplyField:
    """One pending point as moderators see it: figure, how it was typed, source, who."""
    year = f" ({point.year})" if point.year else ""
    note = f"\nNote: {point.note}" if point.note else ""
    return ReplyField(
        name=f"#{point.id} · {point.domain} · {point.dataset}",
        value=f"{amount(point)}{year}, typed as “{point.quantity_text}”\n"
        f"Source: {point.source_url}\nBy {point.submitted_by}{note}",
        inline=False,
    )


def decisions(point: DataPoint) -> list[Action]:
    """The point's Approve and Reject buttons (Reject asks for its reason first)."""
    return [
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


def review_card(point: DataPoint) -> Reply:
    """A new pending point, posted to the review channels with its buttons.

    Public: it goes to a channel the deployment chose for its moderators, and pressing a
    button there still passes the core's moderator check.
    """
    return Reply(
        title=f"New data point #{point.id} to review",
        summary=f"Submitted from {point.platform}. Approve with /approve {point.id} [NOTE], "
        f"reject with /reject {point.id} REASON.",
        fields=[entry(point)],
        actions=decisions(point),
        citations=[source(point)],
        domain=point.domain,
        data={"id": point.id, "status": point.status},
    )


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
    shown = f"Showing the oldest {len(points)}" if total > len(points) else "Oldest first"
    return Reply(
        title=f"Review queue: {total} pending",
        summary=f"{shown}. Approve with /approve ID [NOTE], reject with /reject ID REASON.",
        fields=[entry(point) for point in points],
        actions=[action for point in points for action in decisions(point)],
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
