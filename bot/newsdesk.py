"""The news desk: record announcements from the outbox, and the weekly digest, posted once.

A decision that makes (or unmakes) a field's record leaves a row in the ledger's news
outbox in the decision's own transaction (``store.news``). The desk is a small loop on
the runner's event loop that drains it: claim the unsent rows (a lease in SQLite, so two
processes on one database never post the same one), render each as a
:class:`~bot.notices.NewsPost` on the core's thread, hand it to every running platform's
deliverer (each posts to its news channel), then mark it sent. It runs after every
decision (the desk listens to the runner's notices like a platform, and a
:class:`~bot.notices.PointDecided` nudges it) and every :data:`POLL` seconds, so a row left by a
process that stopped between the decision and the post, or by the console, goes out
too. A process killed after posting and before marking is the one case of a repeat:
the lease lapses and the row is posted again. A platform that refuses a post (the bot
is not in the channel) logs one warning and the row is marked sent all the same: a
retry would post it twice where the other platform took it. A row older than
:data:`STALE` is marked sent unposted (a news channel set long after the decisions).

The digest: at ``SCALEBOT_DIGEST_AT`` in ``SCALEBOT_DIGEST_TZ``, the ISO week that ended
before it is due. Its period is claimed in SQLite (one claimer across processes) and
posted unless the week was quiet. Only the latest due period is ever claimed: after
downtime, one catch-up digest, never a backlog. A claim not marked sent within
:data:`DIGEST_LEASE` (its claimer died) may be taken over, so a week's digest is not lost
with the process that claimed it; as with announcements, a process killed between the
post and its mark is the one case of a repeat.

Handlers word the posts; the runtime reaches them only through the core
(:attr:`bot.core.Core.news`, which the registry fills). Time comes from an injectable
clock, so tests move it without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import DigestAt
from bot.notices import NewsPost, Notice, PointDecided
from knowledge.digest import iso_week
from knowledge.ledger.values import iso

if TYPE_CHECKING:
    from bot.core import Core
    from bot.runner import AsyncCore
    from knowledge.ledger.values import NewsItem

log = logging.getLogger(__name__)

#: Seconds between two looks at the outbox and the digest's schedule.
POLL = 30.0
#: Rows claimed at a time, and how long a claim holds before another process may retry.
BATCH = 20
LEASE = 300.0
#: How long a digest's claim holds: a claimer that died before marking it sent (killed
#: mid-post, its machine lost) leaves the week to another process after this long.
DIGEST_LEASE = 900.0
#: Claims in one drain at most (BATCH each): a flood waits for the next turn.
ROUNDS = 10
#: An announcement older than this is stale news: marked sent without a post (a news
#: channel set long after the decisions must not flood it with old records).
STALE = timedelta(days=7)
#: Seconds a stop waits for the turn under way (a post, its mark).
STOP_GRACE = 10.0
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def owner_id() -> str:
    """This process, as the claims name it: host, pid and a random part (a restart differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# -- the schedule: pure functions of a moment ----------------------------------------------


def due_period(now: datetime, at: DigestAt, zone: ZoneInfo) -> str:
    """The latest week whose digest is due at ``now``.

    A week's digest is due at the first ``at`` (weekday and time, in ``zone``) after the
    week ends: with ``mon 09:00``, week 48's on the Monday of week 49 at nine. Before that
    moment in week 49, week 47's is the latest due.
    """
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    send = datetime.combine(monday + timedelta(days=at.weekday), at.at, tzinfo=zone)
    ended = monday - timedelta(days=7 if local >= send else 14)
    return iso_week(ended)


def next_send(now: datetime, at: DigestAt, zone: ZoneInfo) -> datetime:
    """The next moment a digest becomes due after ``now`` (for ``scalebot doctor``, logs)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    send = datetime.combine(monday + timedelta(days=at.weekday), at.at, tzinfo=zone)
    return send if local < send else send + timedelta(days=7)


# -- on the core's thread: claims and wording -----------------------------------------------


def announcement_post(core: Core, item: NewsItem) -> NewsPost:
    """The outbox row ``item`` worded for the news channels, its chart as a PNG."""
    reply = core.news.announcement(
        core.store, item, True, library=core.library, web_url=core.settings.web_url
    )
    return NewsPost(point_id=item.point_id, message=reply, about=f"{item.kind} #{item.point_id}")


def claim_due_digest(core: Core, now: datetime, owner: str) -> str | None:
    """The due period, claimed for ``owner``; None when it is not ours to send.

    Not ours: the digest is off, a later period was already claimed, this one is
    claimed under a live lease or sent (by this process or another), or another
    claimer won it just now.
    """
    settings = core.settings
    if not settings.digest_weekly:
        return None
    period = due_period(now, settings.digest_at, settings.digest_zone)
    last = core.store.news.last_digest()
    if last is not None and last > period:
        return None
    if not core.store.news.claim_digest(period, owner, iso(now), DIGEST_LEASE):
        return None
    return period


def digest_post(core: Core, period: str) -> NewsPost | None:
    """The digest of ``period`` for the news channels; None for a quiet week."""
    from knowledge.digest import week_bounds, week_facts

    start, end = week_bounds(period, core.settings.digest_zone)
    facts = week_facts(core.store, start, end, domains=tuple(core.library.domains.values()))
    if facts.quiet:
        return None
    reply = core.news.digest(
        core.store, facts, True, period, library=core.library, web_url=core.settings.web_url
    )
    return NewsPost(point_id=0, message=reply, about=f"digest {period}")


def send_pending_news(
    core: Core, now: datetime, deliver: Callable[[list[Notice]], None], owner: str | None = None
) -> int:
    """The outbox drained from a process without a desk (the console after a decision):
    claimed, posted with ``deliver`` (the courier's one-off clients), marked sent. How
    many were posted."""
    owner = owner or owner_id()
    stale = iso(now - STALE)
    posted = 0
    for _ in range(ROUNDS):
        items = core.store.news.claim(owner, iso(now), LEASE, BATCH)
        if not items:
            break
        fresh = [item for item in items if item.created_at >= stale]
        if fresh:
            deliver([announcement_post(core, item) for item in fresh])
        for item in items:
            core.store.news.sent(item.id, iso(now))
        posted += len(fresh)
    return posted


def send_due_digest(
    core: Core, now: datetime, deliver: Callable[[list[Notice]], None], owner: str | None = None
) -> str:
    """``scalebot digest --send``: the due digest claimed, posted with ``deliver`` and
    marked sent; what happened, in one line."""
    if not core.settings.digest_weekly:
        return "The digest is off (SCALEBOT_DIGEST=off, or no news channel is set); nothing sent."
    period = claim_due_digest(core, now, owner or owner_id())
    if period is None:
        due = due_period(now, core.settings.digest_at, core.settings.digest_zone)
        return f"The digest of {due} was sent already; nothing sent."
    post = digest_post(core, period)
    if post is not None:
        deliver([post])
    core.store.news.digest_sent(period, iso(now))
    if post is None:
        return f"{period} was a quiet week (nothing approved, no new record); nothing posted."
    return f"Sent the digest of {period} to {', '.join(core.settings.news_platforms())}."


# -- the loop -------------------------------------------------------------------------------


class NewsDesk:
    """Drains the news outbox and keeps the digest's schedule, on the runner's loop.

    It listens to the runner's notices as a platform's deliverer does (``platform`` and
    :meth:`deliver`), only to hear of decisions: it delivers nothing itself.
    """

    platform = "news"

    def __init__(
        self,
        core: AsyncCore,
        clock: Clock = utc_now,
        poll: float = POLL,
        owner: str | None = None,
    ) -> None:
        self.core = core
        self.clock = clock
        self.poll = poll
        self.owner = owner or owner_id()
        self._nudged = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def nudge(self) -> None:
        """Look at the outbox now, not at the next poll."""
        self._nudged.set()

    async def deliver(self, notice: Notice) -> None:
        """A call's notice, as the runner hands it to every listener: a decision nudges."""
        if isinstance(notice, PointDecided):
            self.nudge()

    async def start(self) -> None:
        self.core.listen(self)
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Let the turn under way finish (a post marked sent is not posted again after a
        restart), for :data:`STOP_GRACE` seconds at most; then stop."""
        self.core.unlisten(self)
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._nudged.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
        except TimeoutError:
            log.warning("news: the turn under way did not end within %.0f s", STOP_GRACE)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping:
            self._nudged.clear()
            try:
                await self.turn()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("news: this turn failed; the next one retries")
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._nudged.wait(), self.poll)

    async def turn(self) -> tuple[int, str | None]:
        """One look: the outbox drained, then the digest if one is due. What was posted."""
        sent = await self.drain()
        digest = await self.digest()
        return sent, digest

    async def drain(self) -> int:
        """Post every unsent announcement this process can claim; how many were posted."""
        core, news = self.core, self.core.core.store.news
        posted = 0
        for _ in range(ROUNDS):
            now = iso(self.clock())
            items = await core.call(news.claim, self.owner, now, LEASE, BATCH)
            if not items:
                break
            stale = iso(self.clock() - STALE)
            for item in items:
                if item.created_at < stale:
                    log.info("news: %s #%d is stale news; not posted", item.kind, item.point_id)
                else:
                    post = await core.call(announcement_post, core.core, item)
                    await asyncio.gather(*core.announce([post]))
                    posted += 1
                await core.call(news.sent, item.id, iso(self.clock()))
        return posted

    async def digest(self) -> str | None:
        """The due digest, if it is ours to send: the period posted, else None."""
        core = self.core
        now = self.clock()
        period = await core.call(claim_due_digest, core.core, now, self.owner)
        if period is None:
            return None
        post = await core.call(digest_post, core.core, period)
        if post is not None:
            await asyncio.gather(*core.announce([post]))
        await core.call(core.core.store.news.digest_sent, period, iso(self.clock()))
        log.info("news: digest of %s %s", period, "posted" if post else "quiet, not posted")
        return period if post is not None else None
