"""``/flag ID REASON``: a member disputes a pending or approved figure, saying why.

A flagged approved figure shows as "disputed (N)" wherever it appears and waits in
``/review`` under Disputed until a moderator keeps it (``/approve``) or withdraws it
(``/reject``). Every flag is also posted to the review channels with the figure's card,
pending figures included, so that nobody approves a point a member doubts unawares.
A replayed request (the same Slack trigger or Discord interaction) is answered as the
first was and files nothing, even after a moderator has decided the dispute.
"""

from __future__ import annotations

from bot import kinds
from bot.commands import Command, Option, Request
from bot.notices import PointDisputed
from bot.reply import Reply, ReplyField
from handlers import options
from handlers.cards import dispute_card
from handlers.present import amount, moment, source
from handlers.refusals import Refusals, refusals

REASON_MAX = 300
FIND_IDS = "/datasets video lists figures with their ids"

#: What /flag says when the ledger refuses it (:mod:`handlers.refusals`).
REFUSALS = Refusals(
    example=FIND_IDS,
    vouched=lambda id: (
        f"You already dispute #{id}; your flag stays open until a moderator decides it, "
        "and each member counts once."
    ),
    vouched_example=lambda id: f"/confirm {id}, for a figure you checked and found right",
    reviewed=lambda id, earlier: (
        f"#{id} was rejected by {earlier.reviewed_by} on {moment(earlier.reviewed_at)}; "
        "it is no figure of the ledger, so there is nothing to dispute."
    ),
)


def flag(request: Request, id: int, reason: str) -> Reply:
    with refusals(id, REFUSALS):
        flagged = request.store.vouches.flag(id, request.user, reason, request.request_id)
    # A replay is answered as its first delivery was, from what the store kept of it,
    # and is not posted for review again.
    point, reason = flagged.point, flagged.reason
    if not flagged.replayed:
        request.notify(
            PointDisputed(
                point_id=point.id,
                disputes=flagged.disputes,
                message=dispute_card(request.store, point, request.user, reason),
            )
        )
    if point.status == "approved":
        said = (
            f"It shows as disputed ({flagged.disputes}) wherever it appears, and moderators "
            "see it in /review under Disputed until one keeps or withdraws it."
        )
    else:
        said = (
            f"It is pending, marked disputed ({flagged.disputes}); moderators see your reason "
            "beside it in /review before they decide."
        )
    return Reply(
        title=f"Flagged #{point.id}",
        summary=f"You dispute #{point.id}, {point.dataset}'s {amount(point)} in "
        f"{point.domain}. {said}",
        fields=[
            ReplyField(name="Reason", value=reason, inline=False),
            ReplyField(name="Disputes", value=str(flagged.disputes)),
            ReplyField(name="Status", value=point.status),
        ],
        citations=[source(point)],
        domain=point.domain,
        data={"id": point.id, "status": point.status, "disputes": flagged.disputes},
    )


COMMAND = Command(
    name="flag",
    order=66,
    description="Dispute a pending or approved data point, saying why",
    handler=flag,
    example="/flag 12 the source counts a different split",
    counts_as_submission=True,
    options=(
        options.point_id(),
        Option(
            "reason",
            kinds.Text(max_length=REASON_MAX),
            "What is wrong with the figure, for the moderators",
            greedy=True,
        ),
    ),
)
