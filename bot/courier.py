"""Notices from a process that serves no chat platform: the console and ``scalebot ask``.

``scalebot run all`` delivers notices through the clients it already runs. The
terminal has none, yet a point submitted there should reach the review channels, and
a Slack member whose point a moderator approves at the terminal should hear of it. So
for each command that leaves notices, this opens the platform clients it needs (the
Slack Web API with the bot token; Discord over REST, no gateway), delivers, and closes
them. Nothing happens, and nothing is opened, when no notice concerns a configured
platform. Failures are logged like any platform's and never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.notices import Notice, PointDecided, platform_of

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
#: Seconds the console waits for its notices to go out, every platform together.
DELIVERY_TIMEOUT = 15.0


def platforms_needed(notices: list[Notice], settings: Settings) -> list[str]:
    """The configured platforms that have something to deliver among ``notices``."""
    needed = []
    for platform in settings.configured_platforms():
        for notice in notices:
            recipient = notice.recipient
            if recipient is None and notice.audience == "news":
                if settings.news_channel(platform) is not None:
                    needed.append(platform)
                    break
            elif recipient is None and settings.review_channel(platform) is not None:
                needed.append(platform)
                break
            if recipient is not None and platform_of(recipient) == platform:
                needed.append(platform)
                break
    return needed


def after_reply(core: Core, tell: Callable[[str], None] | None = None) -> None:
    """What follows a reply at the terminal: its notices, then the source checks it asked
    for (each recorded, ``tell`` given one line per outcome), then their notices.

    The reply is on screen before any page is fetched; the next prompt waits for the
    checks, which are bounded by ``SCALEBOT_CHECK_TIMEOUT``.
    """
    notices = core.take_notices()
    deliver_now(notices, core.settings)
    if core.settings.news_platforms() and any(isinstance(n, PointDecided) for n in notices):
        # No desk runs here: a decision's news goes out now (a running bot's desk would
        # take it otherwise, within its poll; the claim keeps it to one post).
        from bot.newsdesk import send_pending_news, utc_now

        send_pending_news(core, utc_now(), lambda posts: deliver_now(posts, core.settings))
    finished = core.run_due_checks()
    for job, outcome in finished:
        if tell is not None:
            tell(
                f"Source check of #{job.point_id}: {outcome.status}. "
                f"/check {job.point_id} shows what the source states."
            )
    if finished:
        deliver_now(core.take_notices(), core.settings)


def deliver_now(
    notices: list[Notice], settings: Settings, timeout: float = DELIVERY_TIMEOUT
) -> None:
    """Deliver ``notices`` before returning, giving up (with a warning) after ``timeout``.

    The terminal waits for this after showing the reply; an unreachable platform must
    not hold it for the minutes a client's own timeouts allow.
    """
    platforms = platforms_needed(notices, settings)
    if platforms:
        asyncio.run(_deliver_within(notices, settings, platforms, timeout))


async def _deliver_within(
    notices: list[Notice], settings: Settings, platforms: list[str], timeout: float
) -> None:
    try:
        await asyncio.wait_for(_deliver_all(notices, settings, platforms), timeout)
    except TimeoutError:
        log.warning(
            "gave up delivering %d notice(s) to %s after %.0f s",
            len(notices),
            " and ".join(platforms),
            timeout,
        )


async def _deliver_all(notices: list[Notice], settings: Settings, platforms: list[str]) -> None:
    from bot.serve import deliver_once  # the adapters, imported only when there is news

    for platform in platforms:
        await deliver_once(platform, notices, settings)
