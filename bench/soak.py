"""Soak test: ``scalebot run all`` under a steady mixed load, figures per minute, a verdict.

Starts the real ``scalebot run all`` as a subprocess on a fresh ledger (the curated seed
plus ``--points`` generated points from ``bench/core.py``'s loader) with every surface
on: Slack over HTTP (signed requests; its Web API and response URLs are the tests' fake,
through ``SLACK_API_URL``), Discord against the tests' fake gateway and REST API
(``DISCORD_API_URL``, ``DISCORD_GATEWAY_URL``) and the web view (``SCALEBOT_WEB_PORT``),
all on 127.0.0.1. Source checks are on, against pages served here.

For ``--minutes`` it sends ``--rate`` requests a second (at most ``--concurrency`` chat
commands and as many web pages at a time; a tick whose kind has all its places busy is
skipped and counted as shed): read commands,
web pages and canned queries, and submitted points' lives (submit, confirm, flag,
approve or reject by a moderator), over Slack and Discord (``bench/soakload.py`` says
what and how each answer is judged). Before the clock starts, each read and page is
asked once, so the first minute is a running bot's, not a cold one's.

Every minute it reports requests, the p50/p99 latency of chat replies and of web pages,
errors (a wrong or error reply, a failed request, a page not 200, a line the bot logs
at ERROR, an unclean exit), and the bot's processes (the
bot and its children: the web view, the source checker): RSS and open file descriptors,
and the WAL file's size. Then the verdict against the issue's targets
(``bench/soakreport.py``), exit status 0 when every judged target holds, 1 otherwise.
It stops by itself, and stops the bot (SIGTERM, then SIGKILL after a grace) and the
fakes however it ends (Ctrl-C, SIGTERM, an exception).

    python bench/soak.py [--minutes 10] [--rate 20] [--concurrency 8] [--points 10000]
                         [--json FILE]
"""

# ruff: noqa: E402 (the path is fixed before the imports that need it)
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.util
import json
import logging
import math
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path, and bench/discord.py
# would shadow the discord package: drop the folder, put the repo root in its place.
_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))

import aiohttp

from bench.soakbot import OUTLIVE, Bot, bot_env
from bench.soakfakes import SoakDiscord, SoakSlackAPI, SourcePages
from bench.soakload import PAGES, TIMEOUT, Load, Result, Targets, reads
from bench.soakreport import (
    Window,
    by_request,
    passed,
    row,
    table,
    verdict,
)
from bot.config import Settings
from bot.core import Core

#: Seconds the bot has to serve every surface after it starts.
START_TIMEOUT = 120.0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def seed(directory: Path, points: int) -> float:
    """A fresh ledger: the curated seed, and ``points`` generated points; seconds taken."""
    began = time.perf_counter()
    with Core.open(settings=Settings(db=directory / "ledger.db", moderators=frozenset())) as core:
        if points:
            spec = importlib.util.spec_from_file_location("bench_core", ROOT / "bench" / "core.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.load(core, points)
    return time.perf_counter() - began


# -- the run -------------------------------------------------------------------------------


async def ready(
    session: aiohttp.ClientSession, bot: Bot, discord: SoakDiscord, ports: dict[str, int]
) -> None:
    """Until the web view and Slack's endpoint answer and Discord's gateway session is live."""
    ends = time.monotonic() + START_TIMEOUT
    for url in (
        f"http://127.0.0.1:{ports['web']}/",
        f"http://127.0.0.1:{ports['slack']}/health",
    ):
        while True:
            if bot.process.poll() is not None:
                raise SystemExit(f"the bot exited ({bot.process.returncode}) while starting")
            if time.monotonic() > ends:
                raise SystemExit(f"the bot did not serve {url} within {START_TIMEOUT:g} s")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    await discord.wait_connected(max(1.0, ends - time.monotonic()))


async def warm_up(load: Load) -> list[Result]:
    """Each read on each platform and each page once, before the clock starts."""
    results = []
    for ask in reads():
        for transport in ("slack", "discord"):
            results.append(await load.command(ask, transport))
    for path in PAGES:
        results.append(await load.page(path))
    return results


@dataclasses.dataclass
class Run:
    """The windows of one soak as they fill."""

    began: float
    window_seconds: float
    count: int

    def __post_init__(self) -> None:
        self.windows = [Window(i) for i in range(self.count)]
        self.messages: Counter[str] = Counter()
        #: Latencies by kind of request ("slack /scale", "web /-/charts"), the whole run.
        self.by_name: dict[str, list[float]] = {}

    def at(self, stamp: float) -> Window:
        index = int((stamp - self.began) // self.window_seconds)
        return self.windows[min(max(index, 0), self.count - 1)]

    def record(self, result: Result, stamp: float) -> None:
        window = self.at(stamp)
        window.requests[result.transport] += 1
        if result.error is not None:
            window.errors[result.name] += 1
            self.messages[result.error[:400]] += 1
        elif result.refused is not None:
            window.refused[result.refused] += 1
        elif result.seconds is not None:
            kind = "web" if result.transport == "web" else "chat"
            window.latencies[kind].append(result.seconds)
            self.by_name.setdefault(result.name, []).append(result.seconds)

    def error(self, kind: str, message: str, stamp: float) -> None:
        self.at(stamp).errors[kind] += 1
        self.messages[message[:400]] += 1


async def drive(load: Load, run: Run, bot: Bot, rate: float, concurrency: int, ends: float) -> None:
    """Send ``rate`` requests a second until ``ends``, at most ``concurrency`` at a time."""
    tasks: dict[str, set[asyncio.Task[None]]] = {"chat": set(), "web": set()}
    try:
        await _ticks(load, run, bot, rate, concurrency, ends, tasks)
        left = tasks["chat"] | tasks["web"]
        if left:
            await asyncio.wait(left, timeout=TIMEOUT + 5)
    finally:
        for task in tasks["chat"] | tasks["web"]:
            task.cancel()
        tidy(load.targets)


async def _ticks(
    load: Load,
    run: Run,
    bot: Bot,
    rate: float,
    concurrency: int,
    ends: float,
    tasks: dict[str, set[asyncio.Task[None]]],
) -> None:
    """The load's clock: one request a tick, none when ``concurrency`` of its kind are in
    flight (chat and web pages apart, so slow pages never hold chat's load back)."""
    interval = 1.0 / rate
    tick = time.perf_counter()
    tidied = tick

    async def one(kind: str) -> None:
        result = await load.step(kind)
        run.record(result, time.perf_counter())

    shown = 0
    while (now := time.perf_counter()) < ends:
        if run.at(now).index > shown:
            progress(run.windows[shown])
            shown += 1
        if bot.process.poll() is not None:
            run.error("bot", f"the bot exited ({bot.process.returncode}) during the run", now)
            break
        if now - tick > 1.0:  # the soak itself stalled: those ticks are lost, not burst
            run.at(now).shed += int((now - tick) / interval)
            tick = now
        if tick > now:
            await asyncio.sleep(tick - now)
        tick += interval
        kind = load.choose()
        flying = tasks["web" if kind == "web" else "chat"]
        if len(flying) >= concurrency:
            run.at(time.perf_counter()).shed += 1
            continue
        task = asyncio.create_task(one(kind))
        flying.add(task)
        task.add_done_callback(flying.discard)
        if now - tidied > 5.0:
            tidied = now
            tidy(load.targets)


def progress(window: Window) -> None:
    """One line as a window ends, so a long run shows it is alive."""
    print(
        f"  window {window.index + 1}: {sum(window.requests.values())} requests, "
        f"{sum(window.errors.values())} errors",
        flush=True,
    )


def tidy(targets: Targets) -> None:
    """Trim the fakes' state, so they answer as fast in the last minute as in the first."""
    targets.discord.trim()
    targets.slack.trim()


async def soak(directory: Path, args: argparse.Namespace) -> tuple[Run, dict[str, Any]]:
    slack, discord, pages = SoakSlackAPI(), SoakDiscord(), SourcePages()
    ports = {"slack": free_port(), "web": free_port()}
    started: list[Any] = []
    bot: Bot | None = None
    facts: dict[str, Any] = {}
    try:
        for fake in (slack, discord, pages):
            await fake.start()
            started.append(fake)
        bot = Bot(directory, bot_env(directory, slack, discord, ports))
        connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
        async with aiohttp.ClientSession(connector=connector) as session:
            began = time.perf_counter()
            await ready(session, bot, discord, ports)
            facts["start_seconds"] = round(time.perf_counter() - began, 2)
            print(
                f"the bot (pid {bot.process.pid}) serves Slack, Discord and the web view "
                f"(ready in {facts['start_seconds']} s); warming up",
                flush=True,
            )
            load = Load(Targets(ports["slack"], ports["web"], slack, discord, pages, session))
            began = time.perf_counter()
            warm = await warm_up(load)
            facts["warm_up_seconds"] = round(time.perf_counter() - began, 2)
            print(
                f"warm-up answered in {facts['warm_up_seconds']} s; "
                f"{args.minutes:g} min of load starts",
                flush=True,
            )
            facts["warm_up_errors"] = [r.error for r in warm if r.error]
            seconds = args.minutes * 60
            count = max(1, math.ceil(seconds / args.window - 1e-9))
            run = Run(time.perf_counter(), args.window, count)
            for message in facts["warm_up_errors"]:
                run.error("warm-up", message, run.began)
            await drive(load, run, bot, args.rate, args.concurrency, run.began + seconds)
            facts["ran_seconds"] = round(time.perf_counter() - run.began, 1)
    finally:
        # The bot closes its connections to the fakes as it stops: no traceback for that.
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
        # In a thread: the fakes on this loop answer the bot while it stops (Discord's close).
        code = await asyncio.to_thread(bot.stop) if bot is not None else None
        if bot is not None:
            print(
                f"the bot stopped in {bot.stop_seconds:.1f} s after SIGTERM, exit status "
                f"{code}{' (killed after the grace)' if bot.killed else ''}",
                flush=True,
            )
        for fake in reversed(started):
            await fake.stop()
    assert bot is not None
    ended = time.perf_counter()
    if code != 0:
        run.error("bot", f"the bot's exit status after SIGTERM was {code}, not 0", ended)
    for line in bot.outlived:
        run.error("bot", f"a child of the bot's outlived it by {OUTLIVE:g} s: {line}", ended)
    for stamp, line in bot.errors:
        run.error("bot log at ERROR", f"bot log: {line}", stamp)
    for taken in bot.samples:
        if taken.at >= run.began:
            run.at(taken.at).samples.append(taken)
    facts |= {
        "bot_cpu_seconds": round(bot.samples[-1].cpu_seconds, 1) if bot.samples else None,
        "soak_cpu_seconds": round(time.process_time(), 1),
        "slack_api_calls": dict(slack.methods),
        "discord_api_calls": dict(discord.methods),
        "source_pages_served": pages.served,
        "processes_seen": len(bot.seen),
        "pids": sorted(bot.seen),
        "outlived": bot.outlived,
    }
    return run, facts


# -- the command line ----------------------------------------------------------------------


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests a second in all")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="requests in flight at most, chat and web pages each (default 8)",
    )
    parser.add_argument(
        "--points", type=int, default=10_000, help="generated points on top of the curated seed"
    )
    parser.add_argument(
        "--window", type=float, default=60.0, help="seconds per reported window (default 60)"
    )
    parser.add_argument("--json", type=Path, help="write the per-window table and verdict here")
    parser.add_argument("--log", type=Path, help="copy the bot's output (stdout and stderr) here")
    args = parser.parse_args(argv)
    for name in ("minutes", "rate", "window"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be above 0 (example: --minutes 1)")
    if args.concurrency < 1 or args.points < 0:
        parser.error("--concurrency must be at least 1 and --points at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="scalebot-soak-") as folder:
        directory = Path(folder)
        seeded = seed(directory, args.points)
        print(
            f"ledger: the curated seed and {args.points:,} generated points "
            f"(built in {seeded:.1f} s)",
            flush=True,
        )
        try:
            run, facts = asyncio.run(_main(directory, args))
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("interrupted: the bot and the fakes are stopped; no verdict", flush=True)
            return 130
        finally:
            if args.log is not None and (directory / "scalebot.log").exists():
                shutil.copyfile(directory / "scalebot.log", args.log)
    rows = [
        row(window, min(args.window, args.minutes * 60 - args.window * window.index))
        for window in run.windows
    ]
    checks = verdict(rows)
    report(args, rows, checks, run, facts)
    if args.json is not None:
        document = {
            "command": "python bench/soak.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "settings": {k: str(v) for k, v in vars(args).items()},
            "windows": rows,
            "verdict": [dataclasses.asdict(check) for check in checks],
            "passed": passed(checks),
            "errors": dict(run.messages.most_common(50)),
            "by_request": by_request(run.by_name),
            "facts": facts,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0 if passed(checks) else 1


async def _main(directory: Path, args: argparse.Namespace) -> tuple[Run, dict[str, Any]]:
    """The soak as the main task; SIGTERM cancels it as Ctrl-C does, so ``finally`` runs."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await soak(directory, args)


def report(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    checks: list[Any],
    run: Run,
    facts: dict[str, Any],
) -> None:
    print(
        f"`scalebot run all` (Slack over HTTP, Discord on the fake gateway, the web view) "
        f"for {args.minutes:g} min at {args.rate:g} requests/s, at most {args.concurrency} chat "
        f"commands and as many pages in flight; started in {facts.get('start_seconds')} s\n"
    )
    print(table(rows, args.window))
    shed = sum(r["shed"] for r in rows)
    refused: Counter[str] = Counter()
    for r in rows:
        refused.update(r["refused_by_kind"])
    by_transport: Counter[str] = Counter()
    for r in rows:
        by_transport.update(r["by_transport"])
    print(
        f"\nrequests by transport {dict(by_transport)}; ticks shed at the concurrency cap: "
        f"{shed}; source pages served {facts.get('source_pages_served')}; processes "
        f"(the bot and its children) seen {facts.get('processes_seen')}; expected "
        f"refusals (not errors) {dict(refused) or 0}"
    )
    slowest = list(by_request(run.by_name).items())[:8]
    print(
        "\nslowest requests by p99 (count, p50 / p99 ms): "
        + "; ".join(
            f"{name} {s['count']}, {s['p50_ms']:.1f} / {s['p99_ms']:.1f}" for name, s in slowest
        )
    )
    print(
        f"CPU seconds: the bot and its children {facts.get('bot_cpu_seconds')}, "
        f"this soak's process {facts.get('soak_cpu_seconds')}"
    )
    if run.messages:
        print("\nerrors (most frequent first):")
        for message, count in run.messages.most_common(20):
            print(f"  {count} x {message}")
    print("\nverdict:")
    for check in checks:
        mark = {True: "meets", False: "MISSES", None: "-"}[check.ok]
        print(f"  {check.name}: {check.measured} (target {check.target}): {mark}")
    print("PASS" if passed(checks) else "FAIL", flush=True)


if __name__ == "__main__":
    sys.exit(main())
