"""``run all``'s web view does not share fate with chat: its own process, stopped with the bot.

The services start as ``scalebot run all`` starts them (:func:`bot.serve.serve`, Slack
over HTTP against the fake Slack API, the web view on a port), on a background loop.
A web view that does not answer at all (its process stopped with SIGSTOP) and one
hammered with error pages are what a slow or abusive visitor can do at worst; Slack's
acknowledgements must not wait for either.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core import Core
from bot.limits import MOST, Limit
from bot.serve import Service, serve
from bot.slack.serve import EVENTS_PATH
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="POSIX signals"),
]

#: Slack gives up on an acknowledgement after 3 s.
SLACK_LIMIT = 3.0
#: A start spawns the web view's interpreter (Datasette, the knowledge base).
START = 90.0


@dataclass
class RunAll:
    sender: SlackSender
    web: Any

    @property
    def web_url(self) -> str:
        return str(self.web.url)


@contextmanager
def run_all(tmp_path: Path) -> Iterator[RunAll]:
    """Slack and the web view as ``scalebot run all`` serves them, until the block ends."""
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(
            db=tmp_path / "scalebot.db",
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api.url,
            slack_host="127.0.0.1",
            slack_port=0,
            web_host="127.0.0.1",
            web_port=0,
            command_limit=Limit(MOST, "minute"),
        )
        core = Core.open(settings=settings)
        stop = asyncio.Event()
        ready = threading.Event()
        started: list[Service] = []

        def on_ready(services: Sequence[Service]) -> None:
            started.extend(services)
            ready.set()

        running = asyncio.run_coroutine_threadsafe(
            serve(["slack", "web"], core, settings, stop, on_ready), loop.loop
        )
        try:
            if not ready.wait(START):
                running.result(1)  # raises what stopped the start, if anything
                raise AssertionError(f"run all did not start within {START} s")
            slack = next(s for s in started if s.name == "slack")
            web = next(s for s in started if s.name == "web")
            port = slack.port  # type: ignore[attr-defined]
            sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", api.response_url(""))
            yield RunAll(sender, web)
        finally:
            loop.loop.call_soon_threadsafe(stop.set)
            running.result(30)
            loop.run(api.stop())
            core.close()


def status_of(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


def acknowledged(sender: SlackSender) -> float:
    """Seconds until Slack's ``/scale video`` is acknowledged (it must be, with 200)."""
    started = time.perf_counter()
    answer = sender.command("/scale", "video")
    elapsed = time.perf_counter() - started
    assert answer.status == 200, answer
    return elapsed


def test_a_stalled_web_view_does_not_delay_a_slack_acknowledgement(tmp_path: Path) -> None:
    with run_all(tmp_path) as bot:
        pid = getattr(bot.web, "pid", None)
        assert pid is not None and pid != os.getpid(), "the web view runs in the bot's process"
        assert bot.web.settings.slack_bot_token is None  # it faces visitors: no chat secrets
        assert status_of(bot.web_url) == 200
        acknowledged(bot.sender)  # the first command warms the reply cache
        os.kill(pid, signal.SIGSTOP)  # a web view that answers nothing, at any length
        try:
            waits = [acknowledged(bot.sender) for _ in range(5)]
        finally:
            os.kill(pid, signal.SIGCONT)
        assert max(waits) < 1.0, waits
        assert status_of(bot.web_url) == 200  # and it serves again once it runs
    # The bot stopped: so did its web view.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(bot.web_url, timeout=5)


ERROR_PAGES = [
    "wp-login.php",
    "ledger/figures?_where=1",
    "ledger/figures?_facet=x",
    "ledger/figures?_sort=nope",
    "ledger/figures/59",
    "ledger/figures?_timelimit=abc",
]


def test_error_pages_hammered_do_not_push_acknowledgements_past_slack_s_limit(
    tmp_path: Path,
) -> None:
    """The issue's reproduction: 8 clients on error pages while 11 commands arrive."""
    with run_all(tmp_path) as bot:
        done = threading.Event()
        served: list[int] = []

        def hammer(offset: int) -> None:
            for n in range(2000):  # bounded; ``done`` ends it sooner
                if done.is_set():
                    return
                path = ERROR_PAGES[(offset + n) % len(ERROR_PAGES)]
                served.append(status_of(bot.web_url + path, timeout=SLACK_LIMIT * 5))

        acknowledged(bot.sender)
        clients = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(8)]
        for client in clients:
            client.start()
        try:
            time.sleep(1.0)
            waits = []
            for _ in range(11):
                waits.append(acknowledged(bot.sender))
                time.sleep(0.2)
        finally:
            done.set()
            for client in clients:
                client.join(30)
    assert max(waits) < SLACK_LIMIT, [f"{wait:.2f}" for wait in waits]
    assert served and all(400 <= status < 500 for status in served), sorted(set(served))
    print(f"{len(served)} error pages; acknowledgements {[f'{w:.3f}' for w in waits]} s")
