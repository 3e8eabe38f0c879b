"""Discord's deliverer of notices: review cards to the review channel, outcomes by DM.

A card goes to ``SCALEBOT_DISCORD_REVIEW_CHANNEL`` as the same embeds and buttons as
``/review`` draws; the buttons are the adapter's persistent ones, so pressing them in
the channel runs the command through the core like any other press. A notice for a
Discord user goes to a direct message (``POST /users/@me/channels``, then the message).
Discord refusing either (a channel the bot cannot see, a member who does not accept
direct messages) is one warning in the log; the command behind it stays done.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord

from bot.config import Settings
from bot.discord.components import action_view
from bot.discord.connection import intents, point_at_servers
from bot.discord.embeds import render_embeds
from bot.notices import Notice, platform_of

log = logging.getLogger(__name__)
#: What Discord or the way to it may answer instead of success.
REFUSALS = (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError, OSError)
NO_MENTIONS = discord.AllowedMentions.none()


class DiscordNotices:
    """Delivers notices through one logged-in discord.py client (REST is enough)."""

    platform = "discord"

    def __init__(self, client: discord.Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def deliver(self, notice: Notice) -> None:
        recipient = notice.recipient
        if recipient is None:
            channel_id = self.settings.discord_review_channel
            if channel_id is not None:
                channel = self.client.get_partial_messageable(channel_id)
                await self._post(notice, channel, f"the review channel {channel_id}")
        elif platform_of(recipient) == self.platform:
            await self._tell(notice, recipient.partition(":")[2])

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

    async def _post(self, notice: Notice, channel: discord.abc.Messageable, where: str) -> None:
        messages = render_embeds(notice.message)
        view = action_view(notice.message.actions)
        try:
            for number, embeds in enumerate(messages):
                extra: dict[str, Any] = {}
                if view is not None and number == len(messages) - 1:
                    extra["view"] = view
                await channel.send(embeds=embeds, allowed_mentions=NO_MENTIONS, **extra)
        except REFUSALS as error:
            _failed(notice, where, error)


def _failed(notice: Notice, where: str, error: object) -> None:
    """One line, without a traceback: the platform said no, nothing of ours broke."""
    log.warning(
        "discord: could not post the notice about #%d to %s: %s", notice.point_id, where, error
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
