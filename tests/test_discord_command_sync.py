"""Discord takes our command list, and when it does not, the operator reads why in words.

Discord's integer options take ``min_value``/``max_value`` within ±(2**53 - 1), and it
refuses a whole command list with one bound beyond (the data point number once declared
2**62). An :class:`~bot.commands.Option` refuses such a bound when declared, and the
Discord adapter never emits one. When Discord refuses the sync all the same, ``scalebot
run discord`` and ``scalebot discord sync`` stop with exit code 1 and Discord's reason,
naming the command and the option as people call them, never by index alone. The
refusals come from the fake Discord, which holds every body to Discord's published spec.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from click.testing import CliRunner

from bot import kinds
from bot.cli import cli
from bot.commands import SAFE_INTEGER, Command, Option, OptionType, Request
from bot.config import Settings
from bot.core import Core
from bot.discord.client import DiscordAdapter
from bot.discord.refusal import refusal
from bot.discord.tree import schema
from bot.registry import COMMANDS
from bot.reply import Reply
from bot.runner import AsyncCore
from handlers.options import MAX_POINT_ID
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.objects import APP_ID, TOKEN
from tests.fakes.loop import BackgroundLoop
from tests.helpers import ROOT, clear_settings_env, environ_without_settings

#: A process that refuses to start must say so well within this.
EXIT_TIMEOUT = 60.0
INTEGER, NUMBER = 4, 10
LONG_CHOICE = "a" * 101


@pytest.fixture
def fake() -> Iterator[tuple[BackgroundLoop, FakeDiscord]]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with BackgroundLoop() as loop:
        server = FakeDiscord()
        loop.run(server.start())
        try:
            yield loop, server
        finally:
            loop.run(server.stop())
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def _count(request: Request, number: int) -> Reply:
    return Reply(title=f"Counted {number}")


def _pick(request: Request, style: str) -> Reply:
    return Reply(title=f"Picked {style}")


#: An integer option with no bounds declared: the adapter still bounds it for Discord.
UNBOUNDED = Command(
    name="count",
    description="Test only: any whole number",
    handler=_count,
    example="/count 3",
    options=(Option("number", OptionType.INTEGER, "Any whole number"),),
)
#: A declaration Discord refuses: a choice's name (and value) beyond 100 characters.
REFUSED = Command(
    name="pick",
    description="Test only: a choice too long for Discord",
    handler=_pick,
    example="/pick a",
    options=(
        Option(
            "style",
            kinds.Choice(label="drawing style", choices=(LONG_CHOICE,), max_length=120),
            "How it is drawn",
        ),
    ),
)


def discord_schema(commands: dict[str, Command], tmp_path: Path) -> list[dict[str, Any]]:
    """What a sync of ``commands`` would PUT, built by the real adapter."""
    settings = Settings(db=tmp_path / "schema.db", discord_token=TOKEN)

    async def build() -> list[dict[str, Any]]:
        with Core.open(settings=settings, commands=commands) as core:
            async_core = AsyncCore(core)
            try:
                adapter = DiscordAdapter(async_core, settings, sync_on_login=False)
                return schema(adapter.tree, None)
            finally:
                async_core.close()

    with BackgroundLoop() as loop:
        return loop.run(build())


def integer_bounds(options: list[dict[str, Any]]) -> Iterator[tuple[str, int]]:
    for option in options:
        if option["type"] in (INTEGER, NUMBER):
            for key in ("min_value", "max_value"):
                if option.get(key) is not None:
                    yield f"{option['name']}.{key}", option[key]
        yield from integer_bounds(option.get("options", []))


# -- the bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bounds",
    [{"max_value": 2**62}, {"min_value": -(2**53)}, {"max_value": SAFE_INTEGER + 1}],
)
def test_an_option_bound_beyond_2_to_the_53_is_refused_when_declared(
    bounds: dict[str, int],
) -> None:
    with pytest.raises(ValueError, match=r"option 'id': the bound -?\d+ lies outside"):
        Option("id", kinds.WholeNumber(**bounds), "A number")


def test_an_option_whose_bounds_cross_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="min_value 5 is above max_value 4"):
        Option("id", kinds.WholeNumber(min_value=5, max_value=4), "A number")


def test_every_integer_bound_sent_to_discord_is_within_2_to_the_53(tmp_path: Path) -> None:
    sent = discord_schema({**COMMANDS, "count": UNBOUNDED}, tmp_path)
    bounds = {
        f"/{command['name']} {where}": value
        for command in sent
        for where, value in integer_bounds(command.get("options", []))
    }
    assert bounds["/confirm id.max_value"] == MAX_POINT_ID == 2**53 - 1
    outside = {where: value for where, value in bounds.items() if abs(value) > 2**53 - 1}
    assert not outside, outside
    # An option that declares no bounds gets the widest Discord takes, not ±2**53.
    assert bounds["/count number.min_value"] == -(2**53 - 1)
    assert bounds["/count number.max_value"] == 2**53 - 1


# -- the refusal, in words -------------------------------------------------------------------


def put_refused(
    fake: tuple[BackgroundLoop, FakeDiscord], sent: list[dict[str, Any]]
) -> discord.HTTPException:
    """Discord's answer to ``sent`` as discord.py raises it (PUT to the fake)."""
    loop, server = fake
    discord.http.Route.BASE = server.api_url

    async def put() -> discord.HTTPException:
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(TOKEN)
            with pytest.raises(discord.HTTPException) as refused:
                await client.http.bulk_upsert_global_commands(int(APP_ID), payload=sent)
            return refused.value
        finally:
            await client.close()

    return loop.run(put())


def test_the_2_to_the_62_bound_is_told_by_command_and_option(
    fake: tuple[BackgroundLoop, FakeDiscord], tmp_path: Path
) -> None:
    """The list as it was sent before the fix, with Discord's answer to it."""
    sent = discord_schema(COMMANDS, tmp_path)
    confirm = next(command for command in sent if command["name"] == "confirm")
    confirm["options"][0]["max_value"] = 2**62
    error = put_refused(fake, sent)
    assert str(refusal(error, sent, COMMANDS)) == (
        'Discord refused the command list: /confirm, option "id" (data point number): '
        "max_value: int value should be less than or equal to 9007199254740991."
    )


def test_several_faults_are_told_one_a_line(
    fake: tuple[BackgroundLoop, FakeDiscord], tmp_path: Path
) -> None:
    sent = discord_schema(COMMANDS, tmp_path)
    for command in sent:
        if command["name"] in ("confirm", "flag"):
            command["options"][0]["max_value"] = 2**62
        if command["name"] == "scale":
            command["description"] = "d" * 101
    told = str(refusal(put_refused(fake, sent), sent, COMMANDS))
    assert told.splitlines() == [
        "Discord refused the command list:",
        "- /scale: description: Must be 100 or fewer in length.",
        '- /confirm, option "id" (data point number): max_value: int value should be less '
        "than or equal to 9007199254740991.",
        '- /flag, option "id" (data point number): max_value: int value should be less '
        "than or equal to 9007199254740991.",
    ]


REFUSED_WORDS = [
    "Discord refused the command list:",
    '- /pick, option "style" (drawing style): choices.0.name: Must be between 1 and 100 in length.',
    '- /pick, option "style" (drawing style): choices.0.value: Must be 100 or fewer in length.',
]


def test_discord_sync_stops_with_the_refusal_in_words(
    fake: tuple[BackgroundLoop, FakeDiscord],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.registry

    _, server = fake
    monkeypatch.chdir(tmp_path)
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_DB", str(tmp_path / "sync.db"))
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", server.api_url)
    monkeypatch.setattr(bot.registry, "COMMANDS", {**COMMANDS, "pick": REFUSED})
    result = CliRunner().invoke(cli, ["discord", "sync"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "synced" not in result.output
    assert result.output.splitlines()[:3] == ["Error: " + REFUSED_WORDS[0], *REFUSED_WORDS[1:]]
    (put,) = server.of(r"^PUT /applications/")
    assert put.refused is not None and server.commands == {}, "nothing was registered"


#: ``scalebot run discord`` in a process of its own, with ``/pick`` added to the registry.
RUN_WITH_PICK = """
import sys
import bot.registry
from tests.test_discord_command_sync import REFUSED
bot.registry.COMMANDS = {**bot.registry.COMMANDS, "pick": REFUSED}
from bot.cli import main
sys.argv = ["scalebot", "run", "discord"]
main()
"""


@pytest.mark.slow
def test_run_discord_stops_with_the_refusal_in_words(
    fake: tuple[BackgroundLoop, FakeDiscord], tmp_path: Path
) -> None:
    _, server = fake
    env = {
        **environ_without_settings(),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_URL": server.api_url,
        "DISCORD_GATEWAY_URL": server.gateway_url,
        "SCALEBOT_DB": str(tmp_path / "run.db"),
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN_WITH_PICK],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=EXIT_TIMEOUT,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "Unclosed" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    start = lines.index("Error: " + REFUSED_WORDS[0])
    assert lines[start + 1 : start + 3] == REFUSED_WORDS[1:]
    assert server.of(r"^PUT /applications/")[-1].refused is not None
    assert not server.gateway_queries, "it stopped before connecting to the gateway"
    assert os.path.exists(tmp_path / "run.db")
