"""What ``/approve`` and ``/reject`` share: recording a decision and wording its outcome."""

from __future__ import annotations

from typing import Literal

from bot.commands import Request
from bot.notices import PointDecided
from bot.phrasing import counted
from bot.reply import Reply, ReplyField
from handlers.present import moment, point_line, source
from handlers.refusals import Refusals, refusals
from handlers.review import review
from knowledge.ledger.values import AUTO_APPROVER, Decision

#: How each outcome is titled: a disputed approved figure is kept or withdrawn.
VERBS = {"approve": "Approved", "reject": "Rejected", "keep": "Kept", "withdraw": "Withdrew"}

#: What /approve and /reject say when the ledger refuses them (:mod:`handlers.refusals`).
REFUSALS = Refusals(
    example="/review lists pending ids",
    reviewed=lambda point_id, earlier: (
        f"#{point_id} was already {earlier.status} by {earlier.reviewed_by} "
        f"on {moment(earlier.reviewed_at)}; decisions are final unless it is disputed "
        "(/flag)."
    ),
    reviewed_example="/review",
)


def decide(
    request: Request,
    point_id: int,
    decision: Literal["approve", "reject"],
    note: str | None,
) -> Reply:
    with refusals(point_id, REFUSALS):
        outcome = request.store.reviews.review(point_id, decision, request.user, note)
    point = outcome.point
    verb = VERBS[outcome.outcome]
    fields = [
        ReplyField(name="Decided by", value=f"{request.user} at {moment(outcome.at)}"),
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
        fields.append(
            ReplyField(
                name="Disputes",
                value=f"{counted(outcome.cleared, 'open flag')} answered and closed",
            )
        )
    now = standing(request, outcome)
    if now is not None:
        fields.append(ReplyField(name="Current figure", value=now, inline=False))
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
            submitter_workspace=point.workspace,
            message=decision_letter(outcome, request.user, note),
        )
    )
    if request.pressed and request.in_review_channel:
        # The card everyone in the review channel sees becomes the outcome, buttons gone.
        return decided.model_copy(update={"replace": True})
    return with_queue(decided, review(request)) if request.pressed else decided


def standing(request: Request, outcome: Decision) -> str | None:
    """Where the decision leaves the dataset's current figure in that unit (None: a
    rejected pending point never was current, so it changes nothing there)."""
    point = outcome.point
    where = f"{point.dataset}'s current figure in {point.unit}"
    if outcome.outcome == "reject":
        return None
    if outcome.outcome == "withdraw":
        current = (
            request.store.reads.current_figure(point.dataset_id, point.unit, besides=point.id)
            if point.dataset_id is not None
            else None
        )
        if current is None:
            return f"none now: {point.dataset} has no other approved figure in {point.unit}"
        return f"{point_line(current, with_id=True)} is current again"
    if point.is_current:
        return f"it stays {where}" if outcome.outcome == "keep" else f"this is now {where}"
    return f"a newer approved figure of {point.dataset} in {point.unit} stays current"


def decision_letter(outcome: Decision, decided_by: str, note: str | None) -> Reply:
    """What the submitter is told of a decision: which point, who decided, and why.

    A figure kept or withdrawn after a dispute says so, since its submitter had heard
    it was approved; an approval by members' confirmations names them, not a moderator.
    """
    point = outcome.point
    if decided_by == AUTO_APPROVER:
        who = f"{point.review_note or 'enough confirmations'} from members"
    else:
        who = decided_by
    fields = [ReplyField(name="Decided by", value=f"{who} at {moment(outcome.at)}")]
    if note and decided_by != AUTO_APPROVER:
        label = "Note" if outcome.outcome in ("approve", "keep") else "Reason"
        fields.append(ReplyField(name=label, value=note, inline=False))
    title, said = {
        "approve": ("was approved", "It is now part of the ledger."),
        "reject": (
            "was rejected",
            "It stays out of the ledger; you may submit a corrected figure.",
        ),
        "keep": (
            "was kept after a dispute",
            "A moderator checked the dispute: the figure stays in the ledger, its flags closed.",
        ),
        "withdraw": (
            "was withdrawn after a dispute",
            "It no longer counts as the dataset's figure; you may submit a corrected one.",
        ),
    }[outcome.outcome]
    return Reply(
        title=f"Your data point #{point.id} {title}",
        summary=f"{point_line(point)} in {point.domain}. {said}",
        fields=fields,
        citations=[source(point)],
        visibility="private",
        domain=point.domain,
        data={
            "id": point.id,
            "status": point.status,
            "outcome": outcome.outcome,
            "decided_by": decided_by,
        },
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
