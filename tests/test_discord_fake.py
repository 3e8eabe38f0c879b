"""The fake Discord (tests/fakes/discord/) against a bare, real discord.py client.

No scalebot code here: a plain ``discord.Client`` with one ``/ping`` command logs in over
REST, runs a gateway session (zlib-stream, heartbeats, READY + GUILD_CREATE), syncs its
commands, answers interactions built by tests/fakes/discord/payloads.py, reconnects when
the fake drops the socket, and closes. This proves the fixture before the adapter uses it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
import yarl
from discord import app_commands

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.objects import (
    APP_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    TOKEN,
)
from tests.fakes.discord.payloads import autocomplete, button, modal_submit, option, slash_command
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop


@dataclass
class BareBot:
    fake: FakeDiscord
    client: discord.Client
    tree: app_commands.CommandTree
    loop: BackgroundLoop
    #: What the command handlers saw, one dict per invocation.
    seen: list[dict[str, Any]] = field(default_factory=list)
    ready_count: int = 0

    def run(self, coroutine: Any) -> Any:
        return self.loop.run(coroutine)

    def wait_until(self, check: Callable[[], bool], what: str) -> None:
        """Poll ``check`` (bounded by STEP_TIMEOUT) while the bot works on its loop."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.01)

    def handled(self, count: int = 1) -> list[dict[str, Any]]:
        """What the handlers saw, once ``count`` invocations have finished."""
        self.wait_until(
            lambda: len(self.seen) >= count and all("response_message" in s for s in self.seen),
            f"{count} handled command(s)",
        )
        return self.seen


def _build(bot_seen: list[dict[str, Any]]) -> tuple[discord.Client, app_commands.CommandTree]:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.2)
    tree = app_commands.CommandTree(client)

    @tree.command(description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        bot_seen.append(
            {
                "user_id": interaction.user.id,
                "is_member": isinstance(interaction.user, discord.Member),
                "guild_id": interaction.guild_id,
                "channel_id": interaction.channel_id,
            }
        )
        sent = await interaction.response.send_message("pong")
        assert sent is not None
        bot_seen[-1]["response_message"] = getattr(sent.resource, "content", None)

    @tree.command(description="Defers, follows up, edits the original")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        followup = await interaction.followup.send("part two", wait=True)
        original = await interaction.edit_original_response(content="done")
        bot_seen.append(
            {
                "followup": followup.content,
                "original": original.content,
                "response_message": original.content,
            }
        )

    async def complete_unit(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        units = ["images", "image-text pairs", "tokens"]
        return [app_commands.Choice(name=u, value=u) for u in units if u.startswith(current)]

    @tree.command(description="Echoes a unit")
    @app_commands.autocomplete(unit=complete_unit)
    async def pick(interaction: discord.Interaction, unit: str, count: int = 1) -> None:
        bot_seen.append({"unit": unit, "count": count, "response_message": unit})
        await interaction.response.send_message(f"{count} {unit}")

    class Reason(discord.ui.Modal, title="Why?"):
        reason: discord.ui.TextInput[Reason] = discord.ui.TextInput(
            label="Reason", custom_id="reason"
        )

        def __init__(self) -> None:
            super().__init__(custom_id="reason-modal", timeout=STEP_TIMEOUT)

        async def on_submit(self, interaction: discord.Interaction) -> None:
            bot_seen.append(
                {
                    "reason": self.reason.value,
                    "user_id": interaction.user.id,
                    "response_message": "thanks",
                }
            )
            await interaction.response.send_message("thanks", ephemeral=True)

    @tree.command(description="Asks why")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Reason())

    class Approve(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Approve", custom_id="approve:7")
        async def approve(
            self, interaction: discord.Interaction, button: discord.ui.Button[Approve]
        ) -> None:
            assert interaction.message is not None
            bot_seen.append(
                {
                    "pressed_on": interaction.message.id,
                    "by": interaction.user.id,
                    "response_message": "approved",
                }
            )
            await interaction.response.edit_message(content="approved", view=None)

    client.add_view(Approve())  # persistent: answers any message carrying approve:7
    return client, tree


class _Problems(logging.Handler):
    """Collects what discord.py logs at WARNING and above (it logs, not raises, errors in
    handlers and in parsing gateway events)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "voice will NOT be supported" not in record.getMessage():  # optional extras
            self.records.append(record)

    def messages(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in self.records]


@contextmanager
def discord_problems() -> Iterator[_Problems]:
    problems = _Problems()
    logger = logging.getLogger("discord")
    logger.addHandler(problems)
    try:
        yield problems
    finally:
        logger.removeHandler(problems)


@contextmanager
def bare_bot() -> Iterator[BareBot]:
    with BackgroundLoop() as loop:
        fake = FakeDiscord()
        loop.run(fake.start())
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = fake.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        seen: list[dict[str, Any]] = []

        async def build() -> tuple[discord.Client, app_commands.CommandTree]:
            return _build(seen)

        client, tree = loop.run(build())
        bot = BareBot(fake, client, tree, loop, seen)

        @client.event
        async def on_ready() -> None:
            bot.ready_count += 1

        running: Future[None] = asyncio.run_coroutine_threadsafe(client.start(TOKEN), loop.loop)
        try:
            loop.run(asyncio.wait_for(client.wait_until_ready(), STEP_TIMEOUT))
            yield bot
        finally:
            loop.run(client.close())
            running.result(STEP_TIMEOUT)
            loop.run(fake.stop())
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@pytest.fixture
def bot() -> Iterator[BareBot]:
    with discord_problems() as problems, bare_bot() as running:
        yield running
        running.fake.assert_contract_kept()
    assert problems.messages() == []


def test_login_and_gateway_session(bot: BareBot) -> None:
    fake, client = bot.fake, bot.client
    assert [r.path for r in fake.of("^GET ")][:2] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.of("/users/@me")[0].headers["Authorization"] == f"Bot {TOKEN}"
    # discord.py asked for zlib-stream transport compression and the fake honoured it.
    assert fake.gateway_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert fake.identify_count == 1
    identify = fake.wait_for_gateway(lambda m: m.get("op") == 2)[0]
    assert identify["d"]["token"] == TOKEN
    assert identify["d"]["intents"] == discord.Intents.default().value
    # READY and GUILD_CREATE were understood.
    assert client.user is not None and str(client.user.id) == APP_ID
    assert client.application_id == int(APP_ID)
    guild = client.get_guild(int(GUILD_ID))
    assert guild is not None and not guild.unavailable
    assert guild.get_channel(int(CHANNEL_ID)) is not None
    assert guild.default_role.id == int(GUILD_ID)
    assert bot.ready_count == 1


def test_heartbeat_is_acknowledged(bot: BareBot) -> None:
    # discord.py beats right after HELLO; the ACK gives it a finite latency.
    bot.fake.wait_for_gateway(lambda m: m.get("op") == 1)
    bot.wait_until(lambda: math.isfinite(bot.client.latency), "a HEARTBEAT_ACK")
    assert bot.client.latency < STEP_TIMEOUT


def test_sync_uploads_the_schema_and_get_returns_it(bot: BareBot) -> None:
    names = ["ping", "slow", "pick", "form"]
    synced = bot.run(bot.tree.sync())
    assert [c.name for c in synced] == names
    put = bot.fake.wait_for(f"^PUT /applications/{APP_ID}/commands$")
    schema = {c["name"]: c for c in put[0].json}
    assert list(schema) == names
    assert schema["ping"]["description"] == "Answers pong"
    unit, count = schema["pick"]["options"]
    assert (unit["name"], unit["type"], unit["required"], unit["autocomplete"]) == (
        "unit",
        3,
        True,
        True,
    )
    assert (count["name"], count["type"], count["required"]) == ("count", 4, False)
    # discord.py parsed the answer: ids assigned, options kept.
    pick = next(c for c in synced if c.name == "pick")
    assert pick.id > 0 and [o.name for o in pick.options] == ["unit", "count"]
    fetched = bot.run(bot.tree.fetch_commands())
    assert [(c.name, c.id) for c in fetched] == [(c.name, c.id) for c in synced]
    # A guild sync is stored apart from the global one.
    bot.run(bot.tree.sync(guild=discord.Object(int(GUILD_ID))))
    assert bot.fake.commands[GUILD_ID] == []
    assert [c["name"] for c in bot.fake.commands[None]] == names


def test_slash_command_in_guild_gets_an_answer(bot: BareBot) -> None:
    payload = slash_command("ping", user_id=MODERATOR_ID)
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", payload))
    [callback] = bot.fake.wait_for(r"/callback$")
    assert callback.path == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "pong"
    assert bot.handled() == [
        {
            "user_id": int(MODERATOR_ID),
            "is_member": True,
            "guild_id": int(GUILD_ID),
            "channel_id": int(CHANNEL_ID),
            "response_message": "pong",
        }
    ]


def test_slash_command_in_dm_gets_an_answer(bot: BareBot) -> None:
    payload = slash_command("ping", guild=False)
    assert "guild_id" not in payload and "member" not in payload
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", payload))
    [callback] = bot.fake.wait_for(r"/callback$")
    assert callback.json["data"]["content"] == "pong"
    assert bot.handled() == [
        {
            "user_id": int(MEMBER_ID),
            "is_member": False,
            "guild_id": None,
            "channel_id": int(DM_CHANNEL_ID),
            "response_message": "pong",
        }
    ]


def test_defer_followup_and_edit_original(bot: BareBot) -> None:
    payload = slash_command("slow")
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", payload))
    [seen] = bot.handled()
    assert seen["followup"] == "part two" and seen["original"] == "done"
    [callback] = bot.fake.of("/callback$")
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    [followup] = bot.fake.of(f"^POST /webhooks/{APP_ID}/{payload['token']}$")
    assert followup.json["content"] == "part two"
    [edit] = bot.fake.of(f"^PATCH /webhooks/{APP_ID}/{payload['token']}/messages/@original$")
    assert edit.json["content"] == "done"


def test_autocomplete_then_command_with_options(bot: BareBot) -> None:
    asked = autocomplete("pick", {"count": 3, "unit": "ima"}, focused="unit")
    assert asked["type"] == 4 and asked["data"]["options"][1]["focused"] is True
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", asked))
    [callback] = bot.fake.wait_for("/callback$")
    assert callback.json["type"] == 8
    assert [c["value"] for c in callback.json["data"]["choices"]] == [
        "images",
        "image-text pairs",
    ]
    chosen = slash_command("pick", [option("unit", "tokens"), option("count", 3)])
    assert chosen["data"]["options"][1]["type"] == 4
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", chosen))
    assert bot.handled() == [{"unit": "tokens", "count": 3, "response_message": "tokens"}]
    assert bot.fake.wait_for("/callback$", 2)[1].json["data"]["content"] == "3 tokens"


@pytest.mark.parametrize("labels", [False, True])
def test_modal_round_trip(bot: BareBot, labels: bool) -> None:
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", slash_command("form")))
    [shown] = bot.fake.wait_for("/callback$")
    assert shown.json["type"] == 9 and shown.json["data"]["custom_id"] == "reason-modal"
    rows = shown.json["data"]["components"]
    assert "reason" in str(rows)
    submitted = modal_submit("reason-modal", {"reason": "it is big"}, labels=labels)
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", submitted))
    assert bot.handled() == [
        {"reason": "it is big", "user_id": int(MEMBER_ID), "response_message": "thanks"}
    ]
    answer = bot.fake.wait_for("/callback$", 2)[1]
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] == 64


def test_button_press_edits_its_message(bot: BareBot) -> None:
    payload = button("approve:7", user_id=MODERATOR_ID)
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", payload))
    assert bot.handled() == [
        {
            "pressed_on": int(payload["message"]["id"]),
            "by": int(MODERATOR_ID),
            "response_message": "approved",
        }
    ]
    [callback] = bot.fake.wait_for("/callback$")
    assert callback.json["type"] == 7
    assert callback.json["data"]["content"] == "approved"
    assert callback.json["data"]["components"] == []
    assert bot.fake.messages[payload["message"]["id"]]["content"] == "approved"


def test_dropped_connection_resumes_without_a_new_ready(bot: BareBot) -> None:
    bot.run(bot.fake.drop_connection())
    bot.run(bot.fake.wait_for_resume())
    bot.run(bot.fake.wait_connected())
    assert bot.fake.identify_count == 1 and bot.ready_count == 1
    assert len(bot.fake.gateway_queries) == 2
    # The resumed session still carries interactions.
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", slash_command("ping")))
    assert bot.handled()[0]["response_message"] == "pong"


def test_invalidated_session_identifies_again_and_fires_ready_again(bot: BareBot) -> None:
    # discord.py sleeps 5 s before every non-initial IDENTIFY (Client.before_identify_hook);
    # skip the wait, but check it was asked for.
    hooked: list[bool] = []

    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        hooked.append(initial)

    bot.client.before_identify_hook = no_wait  # type: ignore[method-assign]
    bot.run(bot.fake.drop_connection(resume=False))
    bot.run(bot.fake.wait_for_identify(2))
    bot.wait_until(lambda: bot.ready_count == 2, "a second on_ready")
    assert hooked == [False]
    bot.run(bot.fake.wait_connected())
    bot.run(bot.fake.dispatch("INTERACTION_CREATE", slash_command("ping", guild=False)))
    assert bot.handled()[0]["response_message"] == "pong"


def test_close_ends_the_session_quickly() -> None:
    started = time.monotonic()
    with discord_problems() as problems, bare_bot() as running:
        fake = running.fake
    assert fake.identify_count == 1
    assert problems.messages() == []
    assert time.monotonic() - started < STEP_TIMEOUT
