"""Discord's deliverer of notices: review cards to the review channel, outcomes by DM.

A card goes to ``SCALEBOT_DISCORD_REVIEW_CHANNEL`` as the same embeds and buttons as
``/review`` draws; the buttons are the adapter's persistent ones, so pressing them in
the channel runs the command through the core like any other press. Where it went is
kept in the card log (:mod:`bot.cardlog`), and a notice that replaces the card edits
the message (``PATCH /channels/{id}/messages/{id}``); a card never posted, or gone
(404, Unknown Message), is posted anew. A notice for a
Discord user goes to a direct message (``POST /users/@me/channels``, then the message).
Discord refusing either (a channel the bot cannot see, a member who does not accept
direct messages) is one warning in the log; the command behind it stays done.

News (:class:`~bot.notices.NewsPost`) goes to ``SCALEBOT_DISCORD_NEWS_CHANNEL``, its
chart uploaded with the first message and shown in its first embed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord

from bot.cardlog import CardLog, CardPlace
from bot.config import Settings
from bot.discord.components import action_view
from bot.discord.connection import intents, point_at_servers
from bot.discord.embeds import files_of, render_embeds, rendered
from bot.notices import Notice, platform_of

log = logging.getLogger(__name__)
#: What Discord or the way to it may answer instead of success.
REFUSALS = (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError, OSError)
NO_MENTIONS = discord.AllowedMentions.none()
#: Discord's code for a message it does not have (any more).
UNKNOWN_MESSAGE = 10008


class DiscordNotices:
    """Delivers notices through one logged-in discord.py client (REST is enough)."""

    platform = "discord"

    def __init__(
        self, client: discord.Client, settings: Settings, cards: CardLog | None = None
    ) -> None:
        self.client = client
        self.settings = settings
        #: Where this platform's cards went (shared with other processes on the ledger).
        self.cards = cards if cards is not None else CardLog.beside(settings.db)

    async def deliver(self, notice: Notice) -> None:
        recipient = notice.recipient
        if recipient is None and notice.audience == "news":
            news = self.settings.discord_news_channel
            if news is not None:
                where = f"the news channel {news}"
                await self._post(notice, self.client.get_partial_messageable(news), where)
        elif recipient is None:
            channel_id = self.settings.discord_review_channel
            if channel_id is None:
                return
            channel = self.client.get_partial_messageable(channel_id)
            where = f"the review channel {channel_id}"
            if notice.is_card:
                async with self.cards.one_at_a_time(self.platform, notice.point_id):
                    await self._card(notice, channel, where)
            else:
                await self._post(notice, channel, where)
        elif platform_of(recipient) == self.platform:
            await self._tell(notice, recipient.partition(":")[2])

    async def _card(self, notice: Notice, channel: discord.PartialMessageable, where: str) -> None:
        """Post the card (or edit the one posted before, if it replaces it) and record it."""
        place = None
        if notice.replaces_card:
            place = await self.cards.where(self.platform, notice.point_id)
        if place is not None and place.channel == str(channel.id):
            try:
                messages = await self._edit(notice, channel, place)
            except REFUSALS as error:
                if not _gone(error):
                    _failed(notice, where, error, doing="edit the card of")
                    return
                messages = None  # deleted in the channel: posted anew below
            if messages is not None:
                kept = CardPlace(place.channel, messages)
                await self.cards.keep(self.platform, notice.point_id, kept)
                return
        posted = await self._post(notice, channel, where)
        if posted:
            kept = CardPlace(str(channel.id), posted)
            await self.cards.keep(self.platform, notice.point_id, kept)

    async def _edit(
        self, notice: Notice, channel: discord.PartialMessageable, place: CardPlace
    ) -> tuple[str, ...]:
        """The card's messages edited in place; their ids, in order.

        Drawn as more messages than before, the extra ones are posted after it; as fewer,
        the surplus is deleted. The buttons stay on the last message (an earlier one
        loses them). Discord saying the first message is gone raises (the caller posts
        the card anew); a later one gone is posted again.
        """
        messages = render_embeds(notice.message)
        kept: list[str] = []
        for number, embeds in enumerate(messages):
            last = number == len(messages) - 1
            view = action_view(notice.message.actions) if last else None
            if number < len(place.messages):
                message = channel.get_partial_message(int(place.messages[number]))
                try:
                    await message.edit(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)
                    kept.append(place.messages[number])
                    continue
                except discord.NotFound as error:
                    if number == 0 or not _gone(error):
                        raise
            extra: dict[str, Any] = {"view": view} if view is not None else {}
            sent = await channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS, **extra)
            kept.append(str(sent.id))
        for message_id in place.messages[len(kept) :]:
            try:
                await channel.get_partial_message(int(message_id)).delete()
            except discord.NotFound as error:
                if not _gone(error):
                    raise
        return tuple(kept)

    async def _tell(self, notice: Notice, user_id: str) -> None:
        where = f"a direct message to {user_id}"
        if not user_id.isdigit():
            _failed(notice, where, "not a Discord user id")
            return
        try:
            channel = await self.client.create_dm(discord.Object(int(user_id)))
        except REFUSALS as error:
            _failed(notice, where, error)
            return
        await self._post(notice, channel, where)

    async def _post(
        self, notice: Notice, channel: discord.abc.Messageable, where: str
    ) -> tuple[str, ...]:
        """Send the notice's messages; the ids of those Discord took (all of them, or
        fewer after a refusal, which is logged). Its files go with the first message."""
        messages = rendered(notice.message)
        view = action_view(notice.message.actions)
        posted: list[str] = []
        try:
            for number, embeds in enumerate(messages):
                extra: dict[str, Any] = {}
                if view is not None and number == len(messages) - 1:
                    extra["view"] = view
                if number == 0 and notice.message.attachments:
                    extra["files"] = files_of(notice.message)
                sent = await channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS, **extra)
                posted.append(str(sent.id))
        except REFUSALS as error:
            _failed(notice, where, error)
        return tuple(posted)


def _gone(error: BaseException) -> bool:
    """Whether Discord answered that the message is not there (404, Unknown Message)."""
    return isinstance(error, discord.NotFound) and error.code == UNKNOWN_MESSAGE


def _failed(
    notice: Notice, where: str, error: object, doing: str = "post the notice about"
) -> None:
    """One line, without a traceback: the platform said no, nothing of ours broke."""
    preposition = "in" if doing.startswith("edit") else "to"
    log.warning(
        "discord: could not %s #%d %s %s: %s", doing, notice.point_id, preposition, where, error
    )


async def deliver_once(notices: list[Notice], settings: Settings) -> None:
    """Deliver ``notices`` over REST with a client logged in for them alone (no gateway),
    for a process that runs no Discord bot (the console, ``scalebot ask``: see
    :mod:`bot.courier`)."""
    from bot.runner import deliver_safely

    point_at_servers(settings)
    token = settings.discord_token
    assert token is not None, "only configured platforms are asked to deliver"
    client = discord.Client(intents=intents())
    try:
        try:
            await client.login(token.get_secret_value())
        except REFUSALS as error:
            log.warning(
                "discord: could not log in to deliver %d notice(s): %s", len(notices), error
            )
            return
        deliverer = DiscordNotices(client, settings)
        for notice in notices:
            await deliver_safely(deliverer, notice)
    finally:
        await client.close()
