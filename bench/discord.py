"""Discord adapter latency: ``/scale video`` through a fake gateway, ours vs a bare discord.py bot.

Both bots are real discord.py clients, each connected to its own fake gateway
(tests/fakes/discord/) on the same event loop. The bare bot's ``/scale`` command
answers a static text; ours asks the core and renders embeds. A sample is the time from
just before the fake sends INTERACTION_CREATE to the moment the bot's interaction-callback
POST reaches the fake's handler. Requests alternate between the two bots, and each waits for
the previous command to finish, so both see the same machine at the same moment. The
ratio of the p99s is the adapter's cost over discord.py's own floor (target: at most 1.3x).

discord.py builds a request's URL from the class-wide ``Route.BASE`` when it creates the
route, so the two bots cannot have separate REST servers in one process: both post their
callbacks to the same fake (scalebot's); only the gateways are separate.

    python bench/discord.py [--requests 2000] [--warmup 200]
"""

# ruff: noqa: E402 (this file's name shadows the discord package: sys.path is fixed first)
from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path, and this file (discord.py)
# would shadow the discord package: drop the folder, put the repo root in its place.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import discord
import yarl
from aiohttp import web
from discord import app_commands

from bot.core import Core
from bot.limits import MOST, Limit
from tests.discord_stack import discord_settings, running_discord
from tests.fakes.discord import FakeDiscord, Request
from tests.fakes.discord.objects import TOKEN
from tests.fakes.discord.payloads import slash_command
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop

TARGET_RATIO = 1.3
COMMAND_LIMIT = Limit(MOST, "minute")
STATIC_ANSWER = "Video generation: millions of hours of video"
CALLBACK = re.compile(r"^/interactions/([0-9]+)/[^/]+/callback$")


class TimedDiscord(FakeDiscord):
    """A fake Discord that stamps each interaction callback as it arrives.

    The stamp is taken when the request reaches the fake's handler (before it reads the
    body, so a larger reply is not charged for the fake's own JSON parsing); the future
    resolves once the request is recorded, with the stamp and the recorded request.
    """

    def __init__(self) -> None:
        # No contract checks here: they belong to the tests, and would be charged to the bots.
        super().__init__(validate=False)
        #: Interaction id -> future resolved with (``perf_counter_ns()``, the callback).
        self.waiting: dict[str, asyncio.Future[tuple[int, Request]]] = {}
        self._arrived: dict[str, int] = {}

    async def _api(self, request: web.Request) -> web.StreamResponse:
        stamp = time.perf_counter_ns()
        match = CALLBACK.match("/" + request.match_info["tail"])
        if match and request.method == "POST":
            self._arrived[match.group(1)] = stamp
        return await super()._api(request)

    def _record(self, request: Request) -> None:
        super()._record(request)
        match = CALLBACK.match(request.path)
        if match and request.method == "POST":
            stamp = self._arrived.pop(match.group(1), time.perf_counter_ns())
            future = self.waiting.pop(match.group(1), None)
            if future is not None and not future.done():
                future.set_result((stamp, request))


def bare_client() -> discord.Client:
    """The floor: a plain discord.py client whose ``/scale`` answers a fixed text."""
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.2)
    tree = app_commands.CommandTree(client)

    @tree.command(description="How the largest datasets of a domain have grown")
    async def scale(interaction: discord.Interaction, domain: str) -> None:
        await interaction.response.send_message(STATIC_ANSWER)

    return client


class Bot:
    """One bot under test: the gateway it listens on and the client that answers."""

    def __init__(
        self,
        gateway: FakeDiscord,
        rest: TimedDiscord,
        client: discord.Client,
        expect: Callable[[dict[str, Any]], bool],
    ) -> None:
        self.gateway = gateway
        self.rest = rest
        self.client = client
        #: Whether a callback body is the answer this bot should give (not an error).
        self.expect = expect

    async def scale(self) -> int:
        """Nanoseconds from INTERACTION_CREATE to the callback POST; waits for the command."""
        payload: dict[str, Any] = slash_command("scale", {"domain": "video"})
        interaction_id = str(payload["id"])
        loop = asyncio.get_running_loop()
        called_back: asyncio.Future[tuple[int, Request]] = loop.create_future()
        self.rest.waiting[interaction_id] = called_back
        # The command's end (the callback's answer parsed): the next request starts after it.
        completed = asyncio.ensure_future(
            self.client.wait_for(
                "app_command_completion",
                check=lambda interaction, command: str(interaction.id) == interaction_id,
                timeout=STEP_TIMEOUT,
            )
        )
        started = time.perf_counter_ns()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        stamp, callback = await asyncio.wait_for(called_back, STEP_TIMEOUT)
        await completed
        if not self.expect(callback.json or {}):
            raise RuntimeError(f"unexpected answer: {str(callback.json)[:300]}")
        return stamp - started


def answers_scale(body: dict[str, Any]) -> bool:
    """Our ``/scale video``: a message (type 4) whose first embed is the video domain."""
    embeds = (body.get("data") or {}).get("embeds") or []
    return body.get("type") == 4 and bool(embeds) and "Video" in embeds[0].get("title", "")


def answers_static(body: dict[str, Any]) -> bool:
    return body.get("type") == 4 and (body.get("data") or {}).get("content") == STATIC_ANSWER


async def connect_bare(client: discord.Client, fake: FakeDiscord) -> asyncio.Task[None]:
    await client.login(TOKEN)
    task = asyncio.ensure_future(client.connect(reconnect=True))
    await fake.wait_connected()
    return task


async def stop_bare(client: discord.Client, task: asyncio.Task[None]) -> None:
    await client.close()
    await asyncio.gather(task, return_exceptions=True)


def percentile(samples: list[int], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="answer every request afresh: the cost of a question's first asking",
    )
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    logging.getLogger("discord").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as directory, BackgroundLoop() as loop:
        rest, bare_gateway = TimedDiscord(), TimedDiscord()
        loop.run(rest.start())
        loop.run(bare_gateway.start())
        # One member sends thousands of commands a minute: a limit no run reaches, so
        # each command is counted (as in production) and none refused.
        settings = discord_settings(Path(directory), rest, command_limit=COMMAND_LIMIT)
        core = Core.open(settings=settings)
        # running_discord points Route.BASE and the gateway at ``rest`` and restores both.
        with running_discord(settings, loop, core, cache=not args.no_cache) as service:
            loop.run(rest.wait_connected())
            # The bare bot: its own gateway, the same REST base (see the module docstring).
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(bare_gateway.gateway_url)
            client = bare_client()
            task = loop.run(connect_bare(client, bare_gateway))
            bots = {
                "scalebot": Bot(rest, rest, service.client, answers_scale),
                "bare discord.py": Bot(bare_gateway, rest, client, answers_static),
            }
            samples: dict[str, list[int]] = {name: [] for name in bots}
            for _ in range(args.warmup):
                for bot in bots.values():
                    loop.run(bot.scale())
            for _ in range(args.requests):
                for name, bot in bots.items():
                    samples[name].append(loop.run(bot.scale()))
            loop.run(stop_bare(client, task))
        core.close()
        loop.run(bare_gateway.stop())
        loop.run(rest.stop())

    cached = "every answer afresh" if args.no_cache else "repeats answered from the reply cache"
    print(
        f"/scale video, INTERACTION_CREATE to callback POST, {args.requests} requests each "
        f"({cached}; command limit {COMMAND_LIMIT}, so every command is counted and none "
        "refused), µs\n"
    )
    print("| bot | median | p99 |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values) / 1000
        print(f"| {name} | {median:.0f} | {percentile(values, 0.99):.0f} |")
    bare = samples["bare discord.py"]
    ratio = percentile(samples["scalebot"], 0.99) / percentile(bare, 0.99)
    median_ratio = statistics.median(samples["scalebot"]) / statistics.median(bare)
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(
        f"\nratio scalebot / bare discord.py: median {median_ratio:.2f}x, p99 {ratio:.2f}x "
        f"({verdict} the {TARGET_RATIO}x target)"
    )


if __name__ == "__main__":
    main()
