"""``/review``: the moderators' queue: pending points, then disputed approved figures.

Each pending point shows what it changes, what deserves a second look and what its
source was found to state (a source that states another figure is marked, and counted
in the summary, as disputes are); each disputed figure shows why members dispute it;
every one has the buttons that decide it (see :mod:`handlers.cards`, which also draws
the review channels' cards).

One reply holds at most :data:`QUEUE_SIZE` entries of two buttons each, inside
Discord's 25 buttons a message. When both halves are long, the disputed figures keep
:data:`DISPUTED_SHARE` of the places: a published figure under dispute should not wait
behind a long queue of new submissions.
"""

from __future__ import annotations

from typing import Any

from bot.commands import Command, Permission, Request
from bot.phrasing import counted, number_word
from bot.reply import Reply, ReplyField
from handlers.cards import (
    REASONS_SHOWN,
    decisions,
    dispute_decisions,
    dispute_of,
    disputed_entry,
    pending_entry,
)
from handlers.context import figure_context
from handlers.present import source
from knowledge.ledger.values import DataPoint
from knowledge.sourcecheck import SourceCheck

QUEUE_SIZE = 10
DISPUTED_SHARE = 4


def shares(pending: list[DataPoint], disputed: list[DataPoint]) -> tuple[int, int]:
    """How many pending points and disputed figures one reply shows."""
    shown_disputed = min(len(disputed), max(DISPUTED_SHARE, QUEUE_SIZE - len(pending)))
    return min(len(pending), QUEUE_SIZE - shown_disputed), shown_disputed


def review(request: Request) -> Reply:
    store = request.store
    pending_total, disputed_total = store.queue.pending_total(), store.queue.disputed_total()
    pending, disputed = store.queue.pending(QUEUE_SIZE), store.queue.disputed(QUEUE_SIZE)
    pending_shown, disputed_shown = shares(pending, disputed)
    pending, disputed = pending[:pending_shown], disputed[:disputed_shown]
    checks = store.checks.of_points([p.id for p in [*pending, *disputed]])
    data = {
        "pending": pending_total,
        "ids": [p.id for p in pending],
        "disputed": disputed_total,
        "disputed_ids": [p.id for p in disputed],
        # Each shown pending point's check, in the order of ``ids`` (None: not checked).
        "checks": [_data(checks.get(p.id)) for p in pending],
    }
    if not pending and not disputed:
        return Reply(
            title="Nothing to review",
            summary="The queue is empty and no figure is disputed.",
            visibility="private",
            data=data,
        )
    fields = [
        pending_entry(
            figure_context(store, point, checks=checks),
            store.queue.open_flags(point.id, REASONS_SHOWN) if point.disputes else None,
        )
        for point in pending
    ]
    actions = [action for point in pending for action in decisions(point)]
    if disputed:
        more = f"; the oldest {len(disputed)} here" if disputed_total > len(disputed) else ""
        fields.append(
            ReplyField(
                name="Disputed",
                value=f"{counted(disputed_total, 'approved figure')} disputed by members{more}. "
                "Keep one with /approve ID [NOTE] (its flags are cleared), or withdraw it with "
                "/reject ID REASON (the figure before it is current again).",
                inline=False,
            )
        )
        fields += [disputed_entry(dispute_of(store, point, checks)) for point in disputed]
        actions += [action for point in disputed for action in dispute_decisions(point)]
    if not pending:
        shown = "Nothing pending"
    elif pending_total > len(pending):
        shown = f"Pending: the oldest {len(pending)}"
    else:
        shown = "Pending: oldest first"
    differ = sum(1 for p in pending if (c := checks.get(p.id)) and c.status == "differs")
    if differ:
        shown += f"; {_differ(differ)}"
    title = f"Review queue: {pending_total} pending"
    if disputed_total:
        title += f", {disputed_total} disputed"
    return Reply(
        title=title,
        summary=f"{shown}. Approve with /approve ID [NOTE], reject with /reject ID REASON.",
        fields=fields,
        actions=actions,
        citations=[source(point) for point in [*pending, *disputed]],
        visibility="private",
        data=data,
    )


def _data(check: SourceCheck | None) -> dict[str, Any] | None:
    return None if check is None else check.as_data()


def _differ(count: int) -> str:
    """``the source of one states another figure`` (of the pending figures shown)."""
    if count == 1:
        return "the source of one states another figure"
    return f"the sources of {number_word(count)} state other figures"


COMMAND = Command(
    name="review",
    order=80,
    description="Moderators: pending data points and disputed figures, to decide",
    handler=review,
    example="/review",
    permission=Permission.MODERATOR,
)
