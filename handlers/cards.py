"""How a figure awaiting a moderator is shown: in ``/review`` and on the review channels.

A pending figure comes with what a moderator weighs before approving it: the dataset's
current figure in that unit and the change, and marks for what deserves a second look
(lower than the current figure, a name like another dataset's, a source already cited,
open disputes, a source that states another figure), and what the bot found when it read
the figure's source (its check, worded by :mod:`handlers.checkwords`). A disputed
approved figure comes with the members' reasons and the figure a withdrawal would make
current again. Each has the buttons that decide it, which are the moderators' typed
commands: Approve / Reject for a pending figure, Keep (``/approve``, with an optional
note) / Withdraw (``/reject``, with a reason) for a disputed one. The queue, a channel
card and a typed command therefore decide alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.phrasing import capitalized, counted
from bot.reply import Action, Reply, ReplyField
from handlers.checkwords import check_line
from handlers.context import FigureContext, figure_context
from handlers.present import amount, moment, point_line, source
from knowledge.ledger.values import DataPoint, Flag
from knowledge.sourcecheck import SourceCheck
from knowledge.store import Store

#: Reasons shown per disputed figure; the count says how many members flagged it.
REASONS_SHOWN = 3


@dataclass(frozen=True)
class Dispute:
    """A flagged figure with what a moderator needs to decide it."""

    point: DataPoint
    #: The oldest open flags (at most :data:`REASONS_SHOWN`); ``point.disputes`` counts all.
    flags: list[Flag]
    #: What becomes current if the figure is withdrawn (None: nothing current changes).
    fallback: DataPoint | None
    #: The latest check of its source, None when it was never checked.
    check: SourceCheck | None = None


def dispute_of(
    store: Store, point: DataPoint, checks: Mapping[int, SourceCheck] | None = None
) -> Dispute:
    """The open flags of ``point``, the figure its withdrawal would make current, and its
    source's check (from ``checks``, a page's read at once, when given)."""
    check = checks.get(point.id) if checks is not None else store.checks.of(point.id)
    flags = store.queue.open_flags(point.id, REASONS_SHOWN)
    return Dispute(point, flags, store.reads.next_current(point), check)


def _year(point: DataPoint) -> str:
    return f" ({point.year})" if point.year else ""


def reasons(flags: list[Flag], disputes: int) -> list[str]:
    """``Flagged by two members:`` and one line per reason, with who gave it."""
    if not disputes:
        return []
    lines = [f"Flagged by {counted(disputes, 'member')}:"]
    lines += [f"• {flag.reason} ({flag.user})" for flag in flags]
    if disputes > len(flags):
        lines.append(f"• and {disputes - len(flags)} more")
    return lines


def pending_entry(context: FigureContext, flags: list[Flag] | None = None) -> ReplyField:
    """One pending figure: as typed, against the current figure, marks, what its source
    was found to state, the source, who."""
    point = context.point
    lines = [
        f"{amount(point)}{_year(point)}, typed as “{point.quantity_text}”",
        capitalized(context.against_current()),
    ]
    marks = context.marks()
    if marks:
        lines.append("Check: " + "; ".join(marks))
    lines.append(check_line(context.check, point))
    if context.confirmations:
        lines.append(f"Confirmed by {counted(context.confirmations, 'member')}")
    lines += reasons(flags or [], point.disputes)
    lines += [f"Source: {point.source_url}", f"By {point.submitted_by}"]
    if point.note:
        lines.append(f"Note: {point.note}")
    return ReplyField(
        name=f"#{point.id} · {point.domain} · {point.dataset}",
        value="\n".join(lines),
        inline=False,
    )


def disputed_entry(dispute: Dispute) -> ReplyField:
    """One disputed approved figure: the figure, its approval, the reasons, the fallback."""
    point = dispute.point
    approved = f"approved by {point.reviewed_by} on {moment(point.reviewed_at)}"
    lines = [f"{amount(point)}{_year(point)}, {approved}"]
    lines += reasons(dispute.flags, point.disputes)
    if dispute.check is not None:  # a curated figure, never checked, has no line
        lines.append(check_line(dispute.check, point))
    if dispute.fallback is not None:
        lines.append(f"If withdrawn: {point_line(dispute.fallback, with_id=True)} is current again")
    elif point.is_current:
        lines.append(f"If withdrawn: {point.dataset} has no other figure in {point.unit}")
    lines += [f"Source: {point.source_url}", f"By {point.submitted_by}"]
    return ReplyField(
        name=f"#{point.id} · {point.domain} · {point.dataset} · disputed ({point.disputes})",
        value="\n".join(lines),
        inline=False,
    )


def decisions(point: DataPoint) -> list[Action]:
    """A pending point's Approve and Reject buttons (Reject asks for its reason first)."""
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


def dispute_decisions(point: DataPoint) -> list[Action]:
    """A disputed figure's Keep and Withdraw buttons: Keep asks for an optional note,
    Withdraw for the reason the submitter will read."""
    return [
        Action(
            id=f"keep:{point.id}",
            label=f"Keep #{point.id}",
            command=f"/approve {point.id}",
            style="primary",
            needs_reason=True,
        ),
        Action(
            id=f"withdraw:{point.id}",
            label=f"Withdraw #{point.id}",
            command=f"/reject {point.id}",
            style="danger",
            needs_reason=True,
        ),
    ]


def review_card(context: FigureContext) -> Reply:
    """A new pending point, posted to the review channels with its context and buttons.

    Public: it goes to a channel the deployment chose for its moderators, and pressing a
    button there still passes the core's moderator check. Drawn again, with the check of
    the point's source, when that check is done (the card is then edited in place).
    """
    point = context.point
    check = None if context.check is None else context.check.as_data()
    return Reply(
        title=f"New data point #{point.id} to review",
        summary=f"Submitted from {point.platform}. Approve with /approve {point.id} [NOTE], "
        f"reject with /reject {point.id} REASON.",
        fields=[pending_entry(context)],
        actions=decisions(point),
        citations=[source(point)],
        domain=point.domain,
        data={"id": point.id, "status": point.status, "check": check},
    )


def dispute_card(store: Store, point: DataPoint, flagger: str, reason: str) -> Reply:
    """A new dispute, posted to the review channels: the figure, every open reason, and
    the buttons that decide it (Keep / Withdraw if approved, Approve / Reject if pending).
    """
    said = f"{flagger} disputes #{point.id}, {point.dataset}'s {amount(point)}: “{reason}”."
    if point.status == "approved":
        title = f"Data point #{point.id} disputed ({point.disputes})"
        how = (
            f"Keep it with /approve {point.id} [NOTE], which clears its flags, or withdraw "
            f"it with /reject {point.id} REASON."
        )
        fields = [disputed_entry(dispute_of(store, point))]
        actions = dispute_decisions(point)
    else:
        title = f"Pending data point #{point.id} flagged ({point.disputes})"
        how = f"Approve with /approve {point.id} [NOTE], reject with /reject {point.id} REASON."
        flags = store.queue.open_flags(point.id, REASONS_SHOWN)
        fields = [pending_entry(figure_context(store, point), flags)]
        actions = decisions(point)
    return Reply(
        title=title,
        summary=f"{said} {how}",
        fields=fields,
        actions=actions,
        citations=[source(point)],
        domain=point.domain,
        data={"id": point.id, "status": point.status, "disputes": point.disputes},
    )
