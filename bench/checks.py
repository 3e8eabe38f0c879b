"""Does checking sources delay /submit? Its latency through the runner, checks off and on.

Issue 21's budget: a check never delays a reply, so /submit's p99 with checks on stays
within the run-to-run spread of its p99 with checks off. Both are measured in the same
run, alternating blocks of submissions on the same machine, through ``AsyncCore`` (what
Slack and Discord use): with checks on, every submission's source (a generated paper
page of about 300 KB on a web server on 127.0.0.1, a new address each time so nothing
comes from the day's cache) is fetched and parsed on the checks thread while the next
submissions are answered. It also reports the most fetches the page server saw at once
(the bound is ``bot.sources.checker.MAX_CONCURRENT``) for a burst of submissions.

    python bench/checks.py                  # 3 runs of 4 blocks of 150 submissions
    python bench/checks.py --runs 1 --submissions 100
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.caller import Caller
from bot.config import Settings
from bot.core import Core
from bot.limits import MOST, Limit
from bot.runner import AsyncCore

#: A paragraph like a paper's, with figures in several units.
PARAGRAPH = (
    "We collect 7.1M clips from 230K videos, about 760K hours in total, and caption "
    "each with 12 words on average; the 3,000 held-out clips form the test split. "
)
PAGE = ("<html><body>" + "<p>" + PARAGRAPH * 40 + "</p>" * 1 + "</body></html>") * 40
LIMIT = Limit(MOST, "hour")


class Paper(BaseHTTPRequestHandler):
    """Every path answers the same long page; counts requests in flight."""

    lock = threading.Lock()
    in_flight = 0
    most = 0
    served = 0

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        try:
            body = PAGE.encode()
            time.sleep(0.02)  # a server's think time: lets fetches overlap as they would
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with cls.lock:
                cls.in_flight -= 1
                cls.served += 1

    def log_message(self, format: str, *args: object) -> None:
        pass


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


async def submissions(runner: AsyncCore, base: str, count: int, start: int) -> list[float]:
    """``count`` /submit commands one after another, each one's latency in seconds."""
    caller = Caller("slack:UBENCH", "T1", "C1")
    times = []
    for n in range(start, start + count):
        line = f'/submit video "Checked {n}" {n + 1}.5M hours {base}/paper/{n} 2025'
        began = time.perf_counter()
        reply = await runner.ask(line, caller)
        times.append(time.perf_counter() - began)
        assert reply.kind == "answer", reply.summary
    return times


async def block(settings: Settings, base: str, count: int, start: int) -> list[float]:
    with Core.open(settings=settings) as core:
        runner = AsyncCore(core, cache=False)
        try:
            times = await submissions(runner, base, count, start)
            await runner.settle_checks(120)
        finally:
            runner.close()
    return times


def run(directory: Path, base: str, blocks: int, count: int) -> dict[str, list[float]]:
    """Alternating blocks, checks off then on, each on its own fresh ledger."""
    found: dict[str, list[float]] = {"off": [], "on": []}
    start = 0
    for number in range(blocks):
        for mode in ("off", "on"):
            settings = Settings(
                db=directory / f"{mode}-{number}.db",
                submit_limit=LIMIT,
                command_limit=LIMIT,
                check_sources=mode == "on",
                check_allow_private=True,
            )
            found[mode] += asyncio.run(block(settings, base, count, start))
            start += count
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=2, help="off/on pairs per run")
    parser.add_argument("--submissions", type=int, default=150, help="per block")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Paper)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"page: {len(PAGE) // 1000} KB; {args.blocks} off/on pairs of {args.submissions}")
    ratios = []
    try:
        for number in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="scalebot-bench-checks-") as folder:
                found = run(Path(folder), base, args.blocks, args.submissions)
            off, on = found["off"], found["on"]
            ratio = p99(on) / p99(off)
            ratios.append(ratio)
            print(
                f"run {number + 1}: /submit median off {statistics.median(off) * 1e3:.2f} ms, "
                f"on {statistics.median(on) * 1e3:.2f} ms; p99 off {p99(off) * 1e3:.2f} ms, "
                f"on {p99(on) * 1e3:.2f} ms; p99 on/off {ratio:.2f}x"
            )
    finally:
        server.shutdown()
    print(
        f"p99 on/off, median of {len(ratios)} runs: {statistics.median(ratios):.2f}x; "
        f"pages fetched {Paper.served}; most fetches at once {Paper.most}"
    )


if __name__ == "__main__":
    main()
