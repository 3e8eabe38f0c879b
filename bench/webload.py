"""Slack's acknowledgements under ``scalebot run all`` while visitors hammer its web view.

Starts the real ``scalebot run all`` (Slack over HTTP against the tests' fake Slack Web
API, the web view on a port) on a ledger of N generated points (``bench/core.py``'s),
then sends signed ``/scale video`` slash commands on a keep-alive connection, block by
block, alternating:

* quiet: nothing else reaches the bot;
* loaded: a separate process runs 8 clients fetching error pages (404, 403, 400: the
  addresses a scanner sends) and 2 fetching heavy pages (a full table page with
  facets, 1,000 rows as JSON, the charts page), each as fast as it is answered.

Blocks alternate so both kinds see the machine at the same moments. The visitors'
process runs at nice 10: on a deployment they are other machines, here they share the
bench's cores with the bot (the web view's own process is at nice 10 by design). It prints the
median and p99 acknowledgement of each kind, their ratio, the web requests served
under load and what the bot logged. Target: loaded p99 under 1 s and at most 1.5x the
quiet p99.

    python bench/webload.py [--points 20000] [--commands 300] [--blocks 6]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.slack.serve import EVENTS_PATH  # noqa: E402
from tests.fakes.loop import BackgroundLoop  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender, signed_headers  # noqa: E402

TARGET_P99 = 1.0
TARGET_RATIO = 1.5
#: The addresses a scanner or a curious visitor sends: each answers 404, 403 or 400.
ERROR_PAGES = [
    "/wp-login.php",
    "/.env",
    "/ledger/figures?_where=1",
    "/ledger/figures?_facet=x",
    "/ledger/figures?_sort=nope",
    "/ledger/figures?_timelimit=abc",
    "/ledger/figures?_next=abc",
    "/ledger/figures?_facet_array=note",
    "/ledger/figures/59",
]
#: Pages that cost the web view the most to make.
HEAVY_PAGES = [
    "/ledger/figures?_size=max",
    "/ledger/figures.json?_size=max&_facet=unit",
    "/-/charts",
    "/ledger/current_figures?_size=max",
]
#: No phase may run longer than this, whatever happens.
DEADLINE = 600.0
#: The visitors' CPU priority below the bench's (``nice``): they stand for other machines.
VISITORS_NICENESS = 10
#: Pause between two slash commands: members type them, they do not stream them.
GAP = 0.01


def web_bench():  # type: ignore[no-untyped-def]
    """``bench/web.py`` as a module: its loader of ``bench/core.py``'s generated ledger."""
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- the visitors (a process of their own, so they share no interpreter with the timing) -----


def hammer(base: str, errors: int, heavy: int) -> None:
    """Fetch pages with ``errors`` + ``heavy`` clients until stdin closes; print the counts."""
    os.nice(VISITORS_NICENESS)
    host, port = base.split("//", 1)[1].rstrip("/").split(":")
    stop = threading.Event()
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def client(pages: list[str], offset: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        ends = time.monotonic() + DEADLINE
        n = offset
        while not stop.is_set() and time.monotonic() < ends:
            try:
                connection.request("GET", pages[n % len(pages)])
                response = connection.getresponse()
                response.read()
                key = str(response.status)
            except (OSError, http.client.HTTPException) as error:
                key = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
            with lock:
                counts[key] = counts.get(key, 0) + 1
            n += 1

    clients = [threading.Thread(target=client, args=(ERROR_PAGES, i)) for i in range(errors)]
    clients += [threading.Thread(target=client, args=(HEAVY_PAGES, i)) for i in range(heavy)]
    for thread in clients:
        thread.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the bench closes it
    stop.set()
    for thread in clients:
        thread.join(90)
    print(json.dumps(counts), flush=True)


class Visitors:
    """The hammering process, started and stopped around a loaded block."""

    def __init__(self, base: str, errors: int, heavy: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--hammer", base, str(errors), str(heavy)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the visitors' process did not start")

    def stop(self) -> dict[str, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        out = self.process.stdout.read()
        self.process.wait(timeout=120)
        counts: dict[str, int] = json.loads(out.strip().splitlines()[-1])
        return counts


# -- the bot -------------------------------------------------------------------------------


def start_bot(
    directory: Path, api_url: str, slack_port: int, web_port: int, log: Path
) -> subprocess.Popen[bytes]:
    """``scalebot run all`` on the ledger in ``directory``, Slack and the web view on."""
    # No setting of this shell's (a token, another port) reaches the bot: only these.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SCALEBOT_", "SLACK_", "DISCORD_"))
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "SCALEBOT_DB": str(directory / "ledger.db"),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "SCALEBOT_SLACK_HOST": "127.0.0.1",
            "SCALEBOT_SLACK_PORT": str(slack_port),
            "SCALEBOT_WEB_HOST": "127.0.0.1",
            "SCALEBOT_WEB_PORT": str(web_port),
            # One member sends thousands of commands: a limit no run reaches, so each
            # command is counted (as in production) and none refused.
            "SCALEBOT_COMMAND_LIMIT": "1000000000/minute",
            "SCALEBOT_LOG_LEVEL": "INFO",
        }
    )
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "all"],
            cwd=directory,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def wait_for_page(port: int, path: str) -> None:
    ends = time.monotonic() + DEADLINE
    while time.monotonic() < ends:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"port {port} never served {path}")


class Slack:
    """Signed ``/scale video`` commands on one keep-alive connection, each timed."""

    def __init__(self, port: int, response_base: str) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", response_base)

    def ready(self) -> None:
        ends = time.monotonic() + DEADLINE
        while time.monotonic() < ends:
            try:
                self.ack()
                return
            except (OSError, http.client.HTTPException, RuntimeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                time.sleep(0.2)
        raise SystemExit("Slack's endpoint never acknowledged a command")

    def ack(self) -> float:
        body = self.sender.command_body("/scale", "video")
        headers = signed_headers(body)
        started = time.perf_counter()
        self.connection.request("POST", EVENTS_PATH, body, headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200 or not payload:
            raise RuntimeError(f"command failed: {response.status} {payload[:200]!r}")
        return elapsed

    def block(self, commands: int) -> list[float]:
        waits = []
        for _ in range(commands):
            waits.append(self.ack())
            time.sleep(GAP)
        return waits


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000, help="generated ledger points")
    parser.add_argument("--commands", type=int, default=300, help="slash commands per block")
    parser.add_argument("--blocks", type=int, default=6, help="blocks, quiet and loaded in turn")
    parser.add_argument("--error-clients", type=int, default=8)
    parser.add_argument("--heavy-clients", type=int, default=2)
    parser.add_argument("--hammer", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hammer:
        base, errors, heavy = args.hammer
        hammer(base, int(errors), int(heavy))
        return

    with tempfile.TemporaryDirectory(prefix="scalebot-bench-webload-") as folder:
        directory = Path(folder)
        began = time.perf_counter()
        with Core.open(settings=Settings(db=directory / "ledger.db")) as core:
            web_bench().bench_core().load(core, args.points)
        print(f"{args.points:,} generated points, built in {time.perf_counter() - began:.1f} s")
        with BackgroundLoop() as loop:
            api = FakeSlackAPI()
            loop.run(api.start())
            slack_port, web_port = free_port(), free_port()
            log = directory / "scalebot.log"
            bot = start_bot(directory, api.url, slack_port, web_port, log)
            try:
                wait_for_page(web_port, "/")
                slack = Slack(slack_port, api.response_url(""))
                slack.ready()
                slack.block(50)  # warm up
                for page in HEAVY_PAGES:  # draw the charts once, as a running site has
                    wait_for_page(web_port, page)
                samples: dict[str, list[float]] = {"quiet": [], "loaded": []}
                served: dict[str, int] = {}
                logged_before = log.stat().st_size
                for n in range(args.blocks):
                    if n % 2 == 0:
                        samples["quiet"] += slack.block(args.commands)
                        continue
                    visitors = Visitors(
                        f"http://127.0.0.1:{web_port}", args.error_clients, args.heavy_clients
                    )
                    time.sleep(0.5)  # the visitors are at full speed
                    began = time.perf_counter()
                    samples["loaded"] += slack.block(args.commands)
                    seconds = time.perf_counter() - began
                    for key, count in visitors.stop().items():
                        served[key] = served.get(key, 0) + count
                    served["seconds"] = served.get("seconds", 0) + round(seconds)
                logged = log.stat().st_size - logged_before
            finally:
                bot.send_signal(signal.SIGINT)
                try:
                    bot.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait(timeout=10)
                loop.run(api.stop())
    report(samples, served, logged, args)


def report(
    samples: dict[str, list[float]],
    served: dict[str, int],
    logged: int,
    args: argparse.Namespace,
) -> None:
    print(
        f"signed /scale video over loopback HTTP to `scalebot run all`, {len(samples['quiet'])} "
        f"quiet and {len(samples['loaded'])} under load ({args.error_clients} clients on error "
        f"pages, {args.heavy_clients} on heavy pages), ms\n"
    )
    print("| acknowledgement | median | p99 | max |")
    print("|---|---:|---:|---:|")
    for name, values in samples.items():
        print(
            f"| {name} | {statistics.median(values) * 1000:.1f} | {p99(values) * 1000:.1f} "
            f"| {max(values) * 1000:.1f} |"
        )
    seconds = max(1, served.pop("seconds", 1))
    pages = sum(served.values())
    print(
        f"\nweb pages served under load: {pages:,} ({pages / seconds:.0f}/s; by status "
        f"{dict(sorted(served.items()))}); the bot's log grew by {logged:,} bytes meanwhile"
    )
    loaded, quiet = p99(samples["loaded"]), p99(samples["quiet"])
    ratio = loaded / quiet
    verdict = "meets" if loaded < TARGET_P99 and ratio <= TARGET_RATIO else "MISSES"
    print(
        f"p99 loaded / quiet: {ratio:.2f}x; loaded p99 {loaded * 1000:.1f} ms "
        f"(target: under {TARGET_P99 * 1000:.0f} ms and at most {TARGET_RATIO}x): {verdict}"
    )


if __name__ == "__main__":
    main()
