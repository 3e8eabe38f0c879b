"""How a Discord client connects: the intents it asks for and the servers it talks to.

Shared by the running adapter (:mod:`bot.discord.client`) and the one-off deliveries of
notices (:mod:`bot.discord.notices`), which must not import the adapter.
"""

from __future__ import annotations

import discord
import yarl

from bot.config import Settings


def intents() -> discord.Intents:
    """The minimum: guilds (for the command tree) and messages that mention the bot.

    No privileged intent: Discord delivers a message's content to a bot it mentions
    even without the Message Content intent.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    return wanted


def point_at_servers(settings: Settings) -> None:
    """``DISCORD_API_URL`` and ``DISCORD_GATEWAY_URL``: Discord-compatible servers, tests."""
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
