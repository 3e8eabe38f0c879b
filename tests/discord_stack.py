"""The real Discord adapter, logged in to a fake Discord on 127.0.0.1, for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

from bot.commands import Command
from bot.config import Settings
from bot.core import Core
from bot.discord.client import DiscordService
from bot.runner import AsyncCore
from tests.fakes.discord import FakeDiscord, Request
from tests.fakes.discord.objects import MODERATOR_ID, TOKEN
from tests.fakes.loop import BackgroundLoop

EPHEMERAL = 1 << 6


@dataclass
class DiscordStack:
    fake: FakeDiscord
    service: DiscordService
    core: Core
    loop: BackgroundLoop

    def interact(self, payload: dict[str, Any]) -> Request:
        """Dispatch an INTERACTION_CREATE and return the bot's callback to it."""
        self.loop.run(self.fake.dispatch("INTERACTION_CREATE", payload))
        found = self.fake.wait_for(rf"^/interactions/{payload['id']}/[^/]+/callback$")
        return found[0]

    def followups(self, payload: dict[str, Any], count: int) -> list[Request]:
        """The bot's follow-up messages to an interaction, once there are ``count``."""
        return self.fake.wait_for(rf"^/webhooks/[0-9]+/{payload['token']}$", count)


@contextmanager
def running_discord(
    settings: Settings, loop: BackgroundLoop, core: Core, *, cache: bool = True
) -> Iterator[DiscordService]:
    """A DiscordService started on ``loop`` and stopped (and URLs restored) after."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async_core = AsyncCore(core, cache=cache)
    service = DiscordService(async_core, settings)
    try:
        loop.run(service.start())
        yield service
    finally:
        loop.run(async_core.settle())  # as bot/serve.py stops: deliveries finish first
        loop.run(service.stop())
        async_core.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def discord_settings(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "db": tmp_path / "discord.db",
        "moderators": frozenset({f"discord:{MODERATOR_ID}"}),
        "discord_token": TOKEN,
        "discord_api_url": fake.api_url,
        "discord_gateway_url": fake.gateway_url,
        **overrides,
    }
    return Settings(**values)


@contextmanager
def discord_stack(
    tmp_path: Path, commands: dict[str, Command] | None = None, **overrides: Any
) -> Iterator[DiscordStack]:
    """The adapter on a fake Discord; ``commands`` replaces the registry's (a test's own)."""
    with BackgroundLoop() as loop:
        fake = FakeDiscord()
        loop.run(fake.start())
        settings = discord_settings(tmp_path, fake, **overrides)
        core = Core.open(settings=settings, commands=commands)
        try:
            with running_discord(settings, loop, core) as service:
                loop.run(fake.wait_connected())
                yield DiscordStack(fake, service, core, loop)
            # Every test on the stack is a contract test: nothing the bot sent (a reply, an
            # edit, a notice) may be a body Discord's published spec refuses.
            fake.assert_contract_kept()
        finally:
            core.close()
            loop.run(fake.stop())
