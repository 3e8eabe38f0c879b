"""Slack adapter latency: signed ``/scale video`` over loopback HTTP, ours vs a bare Bolt app.

Both apps run the same slack-bolt stack (signature check, authorization, listener
dispatch) behind the same aiohttp route; the bare app's listener acks a static text,
ours asks the core and renders Block Kit. Requests alternate between the two on
keep-alive connections, so both see the same machine at the same moment. The ratio of
the p99s is the adapter's cost over Bolt's own floor (target: at most 1.3x).

A third row is ours with metrics on (``SCALEBOT_METRICS_PORT``: every command counted
and timed, bot/metrics.py), alternating with the others on the same adapter: metrics
may add at most 5% to the p99.

    python bench/slack.py [--requests 3000] [--warmup 300]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.core import Core
from bot.limits import MOST, Limit
from bot.metrics import Metrics
from bot.reply import Reply
from bot.runner import AsyncCore
from bot.slack.app import slack_client
from bot.slack.serve import EVENTS_PATH, SlackService
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender, signed_headers

TARGET_RATIO = 1.3
#: What metrics may add to our p99.
METRICS_BUDGET = 0.05
COMMAND_LIMIT = Limit(MOST, "minute")


def bare_app(settings: Settings) -> web.Application:
    """The floor: the same Bolt configuration whose listener acks a fixed text."""
    bolt = AsyncApp(
        client=slack_client(settings),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    @bolt.command("/scale")
    async def scale(ack) -> None:
        await ack(text="Video generation: millions of hours of video")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post(EVENTS_PATH, events)
    return app


async def serve_bare(settings: Settings) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(bare_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


class Client:
    """One keep-alive connection sending signed slash commands."""

    def __init__(self, port: int, response_base: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", response_base)

    def scale(self) -> int:
        body = self.sender.command_body("/scale", "video")
        headers = signed_headers(body)
        started = time.perf_counter_ns()
        self.connection.request("POST", EVENTS_PATH, body, headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter_ns() - started
        if response.status != 200 or not payload:
            raise RuntimeError(f"request failed: {response.status} {payload[:200]!r}")
        return elapsed


def percentile(samples: list[int], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="answer every request afresh: the cost of a question's first asking",
    )
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory, BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(
            db=Path(directory) / "bench.db",
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api.url,
            slack_host="127.0.0.1",
            slack_port=0,
            # One member sends thousands of commands a minute: a limit no run reaches,
            # so each command is counted (as in production) and none refused.
            command_limit=COMMAND_LIMIT,
        )
        core = Core.open(settings=settings)
        async_core = AsyncCore(core, cache=not args.no_cache)
        ours = SlackService(async_core, settings)
        loop.run(ours.start())
        bare_runner, bare_port = loop.run(serve_bare(settings))
        assert ours.port is not None
        clients = {
            "scalebot": Client(ours.port, api.response_url("")),
            "scalebot, metrics on": Client(ours.port, api.response_url("")),
            "bare Bolt": Client(bare_port, api.response_url("")),
        }
        metrics = Metrics(async_core.commands)
        samples: dict[str, list[int]] = {name: [] for name in clients}
        order = list(clients.items())
        for turn in range(args.warmup + args.requests):
            # On and off swap places each turn: neither always follows the other.
            order[0], order[1] = order[1], order[0]
            for name, client in order:
                # Between requests (the client waits for each answer), so each is all on
                # or all off.
                async_core.metrics = metrics if name == "scalebot, metrics on" else None
                elapsed = client.scale()
                if turn >= args.warmup:
                    samples[name].append(elapsed)
        async_core.metrics = None
        loop.run(ours.stop())
        loop.run(bare_runner.cleanup())
        loop.run(api.stop())
        async_core.close()
        core.close()

    cached = "every answer afresh" if args.no_cache else "repeats answered from the reply cache"
    print(
        f"signed /scale video over loopback HTTP, {args.requests} requests each ({cached}; "
        f"command limit {COMMAND_LIMIT}, so every command is counted and none refused), µs\n"
    )
    print("| app | median | p99 |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values) / 1000
        print(f"| {name} | {median:.0f} | {percentile(values, 0.99):.0f} |")
    ratio = percentile(samples["scalebot"], 0.99) / percentile(samples["bare Bolt"], 0.99)
    median_ratio = statistics.median(samples["scalebot"]) / statistics.median(samples["bare Bolt"])
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(
        f"\nratio scalebot / bare Bolt: median {median_ratio:.2f}x, p99 {ratio:.2f}x "
        f"({verdict} the {TARGET_RATIO}x target)"
    )
    on = percentile(samples["scalebot, metrics on"], 0.99)
    off = percentile(samples["scalebot"], 0.99)
    cost = on / off - 1
    verdict = "within" if cost <= METRICS_BUDGET else "over"
    print(
        f"metrics on / off: p99 {on:.0f} / {off:.0f} µs, {cost:+.1%} "
        f"({verdict} the +{METRICS_BUDGET:.0%} budget)"
    )
    print(f"recording one command (counter and histogram): {recording_cost():.1f} µs")


def recording_cost(calls: int = 100_000) -> float:
    """µs per :meth:`Metrics.command`, the whole of what metrics add to a command."""
    metrics = Metrics(["scale"])
    reply = Reply(title="Video generation")
    started = time.perf_counter()
    for _ in range(calls):
        metrics.command("scale", "slack", reply, 0.002)
    return (time.perf_counter() - started) / calls * 1e6


if __name__ == "__main__":
    main()
