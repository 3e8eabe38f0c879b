"""What ``/approve`` and ``/reject`` share: recording a decision and wording its outcome."""

from __future__ import annotations

from typing import Literal

from bot.commands import Request
from bot.errors import Conflict, NotFound
from bot.notices import PointDecided
from bot.reply import Reply, ReplyField
from handlers.present import moment, point_line, source
from handlers.review import review
from knowledge.store import AlreadyReviewed, DataPoint, PointNotFound

#: How each outcome is titled: a disputed approved figure is kept or withdrawn.
VERBS = {"approve": "Approved", "reject": "Rejected", "keep": "Kept", "withdraw": "Withdrew"}


def decide(
    request: Request,
    point_id: int,
    decision: Literal["approve", "reject"],
    note: str | None,
) -> Reply:
    try:
        outcome = request.store.review(point_id, decision, request.user, note)
    except PointNotFound:
        raise NotFound(
            f"There is no data point #{point_id}.", example="/review lists pending ids"
        ) from None
    except AlreadyReviewed as error:
        earlier = error.point
        raise Conflict(
            f"#{point_id} was already {earlier.status} by {earlier.reviewed_by} "
            f"on {moment(earlier.reviewed_at)}; decisions are final unless it is disputed "
            "(/flag).",
            example="/review",
        ) from None
    point = outcome.point
    verb = VERBS[outcome.outcome]
    fields = [
        ReplyField(
            name="Decided by",
            value=request.user
            if outcome.outcome == "keep"  # the figure keeps its first approval's record
            else f"{point.reviewed_by} at {point.reviewed_at}",
        ),
        ReplyField(name="Submitted by", value=point.submitted_by),
    ]
    if note:
        fields.append(
            ReplyField(
                name="Note" if decision == "approve" else "Reason",
                value=note,
                inline=False,
            )
        )
    if outcome.cleared:
        fields.append(ReplyField(name="Disputes", value=f"{outcome.cleared} answered and closed"))
    if outcome.outcome in ("approve", "keep"):
        fields.append(
            ReplyField(
                name="Current figure",
                value=f"this is now {point.dataset}'s current figure in {point.unit}"
                if point.is_current
                else f"a newer approved figure of {point.dataset} in {point.unit} stays current",
                inline=False,
            )
        )
    elif outcome.outcome == "withdraw":
        current = (
            request.store.current_figure(point.dataset_id, point.unit, besides=point.id)
            if point.dataset_id is not None
            else None
        )
        fields.append(
            ReplyField(
                name="Current figure",
                value=f"{point_line(current)} is current again" if current else "none now",
                inline=False,
            )
        )
    decided = Reply(
        title=f"{verb} #{point.id}",
        summary=f"{point_line(point)} in {point.domain}.",
        fields=fields,
        citations=[source(point)],
        domain=point.domain,
        data={
            "id": point.id,
            "status": point.status,
            "outcome": outcome.outcome,
            "reviewed_by": point.reviewed_by,
        },
    )
    request.notify(
        PointDecided(
            point_id=point.id,
            decision=decision,
            submitter=point.submitted_by,
            message=decision_letter(point),
        )
    )
    if request.pressed and request.in_review_channel:
        # The card everyone in the review channel sees becomes the outcome, buttons gone.
        return decided.model_copy(update={"replace": True})
    return with_queue(decided, review(request)) if request.pressed else decided


def decision_letter(point: DataPoint) -> Reply:
    """What the submitter is told of the decision: which point, who decided, and why."""
    approved = point.status == "approved"
    fields = [
        ReplyField(name="Decided by", value=f"{point.reviewed_by} at {moment(point.reviewed_at)}")
    ]
    if point.review_note:
        fields.append(
            ReplyField(name="Note" if approved else "Reason", value=point.review_note, inline=False)
        )
    outcome = (
        "It is now part of the ledger."
        if approved
        else "It stays out of the ledger; you may submit a corrected figure."
    )
    return Reply(
        title=f"Your data point #{point.id} was {point.status}",
        summary=f"{point_line(point)} in {point.domain}. {outcome}",
        fields=fields,
        citations=[source(point)],
        visibility="private",
        domain=point.domain,
        data={"id": point.id, "status": point.status, "reviewed_by": point.reviewed_by},
    )


def with_queue(decided: Reply, queue: Reply) -> Reply:
    """A decision made from the queue's button, shown in the queue's place, refreshed.

    The moderator keeps working down the same message: what was decided, then what is
    still pending, with its buttons.
    """
    return decided.model_copy(
        update={
            "fields": [
                *decided.fields,
                ReplyField(name=queue.title, value=queue.summary, inline=False),
                *queue.fields,
            ],
            "actions": queue.actions,
            "citations": [*decided.citations, *queue.citations],
            "visibility": "private",
            "replace": True,
            "data": {**decided.data, "queue": queue.data},
        }
    )
