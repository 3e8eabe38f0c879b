"""Slack's deliverer of notices: review cards to the review channel, outcomes by DM.

A card is posted with ``chat.postMessage`` to ``SCALEBOT_SLACK_REVIEW_CHANNEL``, as the
same Block Kit (and the same buttons) as ``/review`` draws; its buttons reach the
adapter like any other. A notice for a Slack user goes to a direct message with the bot
(``conversations.open``, then ``chat.postMessage``). Slack refusing either (a channel
the bot is not in, an unknown user, a network failure) is one warning in the log: the
command that caused the notice has been answered already and stays done.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.notices import Notice, platform_of
from bot.slack.blocks import render_messages

log = logging.getLogger(__name__)
#: What Slack or the way to it may answer instead of success.
REFUSALS = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


class SlackNotices:
    """Delivers notices through one Slack Web API client."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def deliver(self, notice: Notice) -> None:
        recipient = notice.recipient
        if recipient is None:
            channel = self.settings.slack_review_channel
            if channel is not None:
                await self._post(notice, channel, f"the review channel {channel}")
        elif platform_of(recipient) == self.platform:
            await self._tell(notice, recipient.partition(":")[2])

    async def _tell(self, notice: Notice, user_id: str) -> None:
        try:
            opened = await self.client.conversations_open(users=user_id)
        except REFUSALS as error:
            _failed(notice, f"a direct message to {user_id}", error)
            return
        channel = (opened.get("channel") or {}).get("id")
        if not channel:
            _failed(notice, f"a direct message to {user_id}", "no channel in the answer")
            return
        await self._post(notice, channel, f"a direct message to {user_id}")

    async def _post(self, notice: Notice, channel: str, where: str) -> None:
        try:
            for message in render_messages(notice.message):
                await self.client.chat_postMessage(channel=channel, **message)
        except REFUSALS as error:
            _failed(notice, where, error)


def _failed(notice: Notice, where: str, error: Any) -> None:
    """One line, without a traceback: the platform said no, nothing of ours broke."""
    reason = error.response.get("error") if isinstance(error, SlackApiError) else error
    log.warning(
        "slack: could not post the notice about #%d to %s: %s", notice.point_id, where, reason
    )


async def deliver_once(notices: list[Notice], settings: Settings) -> None:
    """Deliver ``notices`` with a client of their own, for a process that runs no Slack app
    (the console, ``scalebot ask``: see :mod:`bot.courier`)."""
    from bot.runner import deliver_safely
    from bot.slack.app import slack_client

    # Without a session of its own, the client opens and closes one for each call.
    deliverer = SlackNotices(slack_client(settings), settings)
    for notice in notices:
        await deliver_safely(deliverer, notice)
