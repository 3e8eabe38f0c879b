"""``/confirm ID``: a member vouches that a figure's source states it.

Confirmations are how members who checked a source say so, once each, and never for
their own figure. With ``SCALEBOT_AUTO_APPROVE_CONFIRMATIONS=N`` the Nth one approves a
pending point as a moderator would (the audit log names the confirmations as its
approver), and its submitter hears of it the same way; never a point with an open
dispute, which only a moderator decides (the confirmer is told so). A replayed request
is answered as the first was and counts nothing.
"""

from __future__ import annotations

from bot.commands import Command, Request
from bot.notices import PointDecided
from bot.phrasing import counted, number_word
from bot.reply import Reply, ReplyField
from handlers import options
from handlers.decide import decision_letter
from handlers.present import moment, point_line, source
from handlers.refusals import Refusals, refusals
from knowledge.ledger.values import AUTO_APPROVER, Confirmation, Decision

#: Where members find figures' ids: each dataset's line starts with one.
FIND_IDS = "/datasets video lists figures with their ids"

#: What /confirm says when the ledger refuses it (:mod:`handlers.refusals`).
REFUSALS = Refusals(
    example=FIND_IDS,
    own=lambda id: (
        f"#{id} is your own submission. A confirmation is another member's check of "
        "the source, so it has to come from someone else; nothing was recorded."
    ),
    vouched=lambda id: f"You have already confirmed #{id}; each member counts once.",
    vouched_example=lambda id: f"/flag {id} REASON, if you have since found a problem",
    reviewed=lambda id, earlier: (
        f"#{id} was rejected by {earlier.reviewed_by} on {moment(earlier.reviewed_at)}, "
        "so there is no figure to confirm."
    ),
)


def confirm(request: Request, id: int) -> Reply:
    threshold = request.auto_approve_confirmations
    with refusals(id, REFUSALS):
        confirmed = request.store.vouches.confirm(id, request.user, threshold, request.request_id)
    point = confirmed.point
    if confirmed.auto_approved and not confirmed.replayed:  # a replay's letter went out
        approval = Decision(point, "approve", 0, point.reviewed_at or "")
        request.notify(
            PointDecided(
                point_id=point.id,
                decision="approve",
                submitter=point.submitted_by,
                submitter_workspace=point.workspace,
                message=decision_letter(approval, AUTO_APPROVER, point.review_note),
            )
        )
    return Reply(
        title=f"Confirmed #{point.id}",
        summary=f"You vouch that the source states {point_line(point)} ({point.domain}). "
        f"{outlook(confirmed, threshold)}",
        fields=[
            ReplyField(name="Confirmations", value=str(confirmed.count)),
            ReplyField(name="Status", value=point.status),
            ReplyField(name="Submitted by", value=point.submitted_by),
        ],
        citations=[source(point)],
        domain=point.domain,
        data={
            "id": point.id,
            "status": point.status,
            "confirmations": confirmed.count,
            "auto_approved": confirmed.auto_approved,
        },
    )


def outlook(confirmed: Confirmation, threshold: int) -> str:
    """What the confirmations amount to now: an approval, how many more, or nothing."""
    point, count = confirmed.point, confirmed.count
    so_far = f"It has {counted(count, 'confirmation')}"
    if confirmed.auto_approved:
        current = (
            f"and is now {point.dataset}'s current figure in {point.unit}"
            if point.is_current
            else f"and a newer figure of {point.dataset} in {point.unit} stays current"
        )
        return f"{so_far}, enough to approve it: it is part of the ledger {current}."
    if point.status == "pending" and threshold and point.disputes:
        return (
            f"{so_far}, but it is disputed ({point.disputes}): confirmations approve only an "
            "undisputed figure, so a moderator decides it, dispute and confirmations together."
        )
    if point.status == "pending" and threshold:
        left = number_word(threshold - count)
        return f"{so_far}; at {threshold} it is approved without a moderator ({left} to go)."
    if point.status == "pending":
        return f"{so_far}; a moderator decides it and will see them."
    return f"{so_far}."


COMMAND = Command(
    name="confirm",
    order=65,
    description="Vouch that a data point's source states its figure (not your own)",
    handler=confirm,
    example="/confirm 12",
    counts_as_submission=True,
    options=(options.point_id(),),
)
