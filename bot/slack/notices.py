"""Slack's deliverer of notices: review cards to the review channel, outcomes by DM.

A card is posted with ``chat.postMessage`` to ``SCALEBOT_SLACK_REVIEW_CHANNEL``, as the
same Block Kit (and the same buttons) as ``/review`` draws; its buttons reach the
adapter like any other. Where it went (channel and ``ts``) is kept in the card log
(:mod:`bot.cardlog`), and a notice that replaces the card edits it with ``chat.update``;
a card that was never posted or is gone (``message_not_found``) is posted anew.
A notice for a Slack user goes to a direct message with the bot
(``conversations.open``, then ``chat.postMessage``). Slack refusing either (a channel
the bot is not in, an unknown user, a network failure) is one warning in the log: the
command that caused the notice has been answered already and stays done.

Each post uses the token of the workspace it goes to (:mod:`bot.slack.workspaces`):
installed through OAuth, the review and news channels are the home workspace's, and a
direct message goes through the workspace the point was submitted from.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cardlog import CardLog, CardPlace
from bot.config import Settings
from bot.notices import Notice, platform_of
from bot.slack.blocks import render_messages
from bot.slack.workspaces import OneWorkspace, Workspaces

log = logging.getLogger(__name__)
#: What Slack or the way to it may answer instead of success.
REFUSALS = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError, OSError)
#: Slack's answer to an edit or delete of a message it does not have (any more).
GONE = "message_not_found"


class SlackNotices:
    """Delivers notices through the Web API client of each workspace it posts to."""

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient | Workspaces,
        settings: Settings,
        cards: CardLog | None = None,
    ) -> None:
        #: A bot token's one client, or every installed workspace's.
        self.workspaces: Workspaces = (
            OneWorkspace(client) if isinstance(client, AsyncWebClient) else client
        )
        self.settings = settings
        #: Where this platform's cards went (shared with other processes on the ledger).
        self.cards = cards if cards is not None else CardLog.beside(settings.db)

    async def deliver(self, notice: Notice) -> None:
        recipient = notice.recipient
        if recipient is None and notice.audience == "news":
            news = self.settings.slack_news_channel
            if news is not None and (client := await self.workspaces.client(None)):
                await self._news(client, notice, news)
        elif recipient is None:
            channel = self.settings.slack_review_channel
            if channel is None or not (client := await self.workspaces.client(None)):
                return
            where = f"the review channel {channel}"
            if notice.is_card:
                async with self.cards.one_at_a_time(self.platform, notice.point_id):
                    await self._card(client, notice, channel, where)
            else:
                await self._post(client, notice, channel, where)
        elif platform_of(recipient) == self.platform:
            client = await self.workspaces.client(notice.recipient_workspace)
            if client is not None:
                await self._tell(client, notice, recipient.partition(":")[2])

    async def _card(self, client: AsyncWebClient, notice: Notice, channel: str, where: str) -> None:
        """Post the card (or edit the one posted before, if it replaces it) and record it."""
        place = None
        if notice.replaces_card:
            place = await self.cards.where(self.platform, notice.point_id)
        if place is not None and place.channel == channel:
            try:
                messages = await self._edit(client, notice, place)
            except REFUSALS as error:
                if _error_code(error) != GONE:
                    _failed(notice, where, error, doing="edit the card of")
                    return
                messages = None  # deleted in the channel: posted anew below
            if messages is not None:
                await self.cards.keep(self.platform, notice.point_id, CardPlace(channel, messages))
                return
        posted = await self._post(client, notice, channel, where)
        if posted:
            await self.cards.keep(self.platform, notice.point_id, CardPlace(channel, posted))

    async def _edit(
        self, client: AsyncWebClient, notice: Notice, place: CardPlace
    ) -> tuple[str, ...]:
        """The card's messages edited in place with ``chat.update``; their ts, in order.

        A card drawn as more messages than before gets the extra ones posted after it;
        drawn as fewer, the surplus is deleted. Slack saying the first message is gone
        raises (the caller posts the card anew); a later one gone is posted again.
        """
        kept: list[str] = []
        for number, message in enumerate(render_messages(notice.message)):
            if number < len(place.messages):
                try:
                    await client.chat_update(
                        channel=place.channel, ts=place.messages[number], **message
                    )
                    kept.append(place.messages[number])
                    continue
                except SlackApiError as error:
                    if number == 0 or _error_code(error) != GONE:
                        raise
            posted = await client.chat_postMessage(channel=place.channel, **message)
            kept.append(str(posted["ts"]))
        for ts in place.messages[len(kept) :]:
            try:
                await client.chat_delete(channel=place.channel, ts=ts)
            except SlackApiError as error:
                if _error_code(error) != GONE:
                    raise
        return tuple(kept)

    async def _news(self, client: AsyncWebClient, notice: Notice, channel: str) -> None:
        """The news's messages, then its files, into the news channel."""
        where = f"the news channel {channel}"
        if not await self._post(client, notice, channel, where):
            return
        for attachment in notice.message.attachments:
            try:
                await client.files_upload_v2(
                    channel=channel,
                    content=attachment.data,
                    filename=attachment.filename,
                    title=attachment.filename,
                    alt_txt=attachment.description[:1000] or None,
                )
            except REFUSALS as error:
                _failed(notice, where, error, doing="upload the chart of")
                return

    async def _tell(self, client: AsyncWebClient, notice: Notice, user_id: str) -> None:
        try:
            opened = await client.conversations_open(users=user_id)
        except REFUSALS as error:
            _failed(notice, f"a direct message to {user_id}", error)
            return
        channel = (opened.get("channel") or {}).get("id")
        if not channel:
            _failed(notice, f"a direct message to {user_id}", "no channel in the answer")
            return
        await self._post(client, notice, channel, f"a direct message to {user_id}")

    async def _post(
        self, client: AsyncWebClient, notice: Notice, channel: str, where: str
    ) -> tuple[str, ...]:
        """Post the notice's messages; the ts of those Slack took (all of them, or fewer
        after a refusal, which is logged)."""
        posted: list[str] = []
        try:
            for message in render_messages(notice.message):
                answer = await client.chat_postMessage(channel=channel, **message)
                posted.append(str(answer.get("ts")))
        except REFUSALS as error:
            _failed(notice, where, error)
        return tuple(posted)


def _error_code(error: BaseException) -> Any:
    """Slack's error code (``message_not_found``...) of a refusal, else None."""
    return error.response.get("error") if isinstance(error, SlackApiError) else None


def _failed(notice: Notice, where: str, error: Any, doing: str = "post the notice about") -> None:
    """One line, without a traceback: the platform said no, nothing of ours broke."""
    reason = error.response.get("error") if isinstance(error, SlackApiError) else error
    preposition = "in" if doing.startswith("edit") else "to"
    log.warning(
        "slack: could not %s #%d %s %s: %s", doing, notice.point_id, preposition, where, reason
    )


async def deliver_once(notices: list[Notice], settings: Settings) -> None:
    """Deliver ``notices`` with a client of their own, for a process that runs no Slack app
    (the console, ``scalebot ask``: see :mod:`bot.courier`)."""
    from bot.runner import deliver_safely
    from bot.slack.app import slack_client
    from bot.slack.workspaces import Installed, workspaces_of

    # Without a session of its own, the client opens and closes one for each call.
    workspaces = workspaces_of(settings, slack_client(settings))
    deliverer = SlackNotices(workspaces, settings)
    try:
        for notice in notices:
            await deliver_safely(deliverer, notice)
    finally:
        if isinstance(workspaces, Installed):
            workspaces.close()
