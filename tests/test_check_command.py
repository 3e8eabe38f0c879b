"""Source checks as the core runs them (issue 21, items 1 and 3): after /submit's reply,
and on demand with /check, on the terminal's core and under the asyncio runner.

The cited pages come from a plain web server of the test's own on 127.0.0.1, reached
with ``SCALEBOT_CHECK_ALLOW_PRIVATE=1`` as the issue says tests do; the fetch, the
parser and the ledger are the real ones.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from bot.caller import Caller
from bot.cli import cli
from bot.config import Settings
from bot.core import Core
from bot.notices import PointChecked, SourceDiffers
from bot.runner import AsyncCore
from tests.helpers import MODERATOR

ABSTRACT = (
    "<html><body><h1>InternVid</h1><p>We present InternVid, a video-centric dataset. "
    "It holds 7 million videos lasting nearly 760K hours, with detailed "
    "descriptions.</p></body></html>"
)
NO_FIGURE = "<html><body><p>A dataset of videos with captions.</p></body></html>"
#: Seconds the slow page takes to answer: long beside a reply, short for a test.
SLOW = 3.0
MEMBER = "slack:U0MEMBER"


class Pages(BaseHTTPRequestHandler):
    """/paper states 760K hours, /plain states no hours, /slow answers after SLOW s."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        if self.path.startswith("/slow"):
            time.sleep(SLOW)
        body = {"/plain": NO_FIGURE}.get(self.path, ABSTRACT).encode()
        if self.path == "/gone":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    """The base address of a web server on 127.0.0.1 (stopped after the test)."""
    Pages.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def checking(tmp_path: Path, **more: object) -> Settings:
    return Settings(
        db=tmp_path / "scalebot.db",
        moderators=frozenset({MODERATOR}),
        check_sources=True,
        check_allow_private=True,
        check_timeout=10,
        **more,
    )


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    with Core.open(settings=checking(tmp_path)) as opened:
        yield opened


def submit(core: Core, source: str, figure: str = "800K", user: str = MEMBER) -> int:
    reply = core.ask(f"/submit video InternVid {figure} hours {source}", user)
    assert reply.kind != "error", reply.as_text()
    return int(reply.data["id"])


def test_a_submission_is_answered_before_its_source_is_read(core: Core, site: str) -> None:
    point = submit(core, f"{site}/paper")
    assert Pages.hits == [], "the reply came before any fetch"
    finished = core.run_due_checks()
    assert [job.point_id for job, _ in finished] == [point]
    assert Pages.hits == ["/paper"]
    stored = core.store.checks.of(point)
    assert stored is not None and stored.status == "differs"
    assert stored.figures[0].printed.endswith("760K hours")
    assert "760K hours" in stored.figures[0].sentence


def test_the_first_check_redraws_the_card_and_tells_a_submitter_whose_source_differs(
    core: Core, site: str
) -> None:
    point = submit(core, f"{site}/paper")
    core.take_notices()  # the first card, already tested elsewhere
    core.run_due_checks()
    notices = core.take_notices()
    card = next(n for n in notices if isinstance(n, PointChecked))
    assert card.point_id == point and card.recipient is None
    assert "760K" in card.message.as_text()
    told = next(n for n in notices if isinstance(n, SourceDiffers))
    assert told.recipient == MEMBER
    assert "760K hours" in told.message.as_text()


def test_a_source_that_states_the_figure_tells_the_submitter_nothing(core: Core, site: str) -> None:
    submit(core, f"{site}/paper", figure="760K")
    core.take_notices()
    core.run_due_checks()
    notices = core.take_notices()
    assert [type(n) for n in notices] == [PointChecked]
    assert "states" in notices[0].message.as_text()


@pytest.mark.parametrize(
    ("path", "status"), [("/paper", "differs"), ("/plain", "absent"), ("/gone", "unreachable")]
)
def test_check_reads_the_source_again_and_answers_with_the_outcome(
    core: Core, site: str, path: str, status: str
) -> None:
    point = submit(core, f"{site}{path}")
    core.run_due_checks()
    reply = core.ask(f"/check {point}", "discord:42")  # anyone may run it
    assert reply.kind != "error", reply.as_text()
    assert reply.data["check"]["status"] == status
    assert Pages.hits == [path, path], "/check fetched afresh, past the day's cache"
    assert core.store.checks.of(point).status == status  # type: ignore[union-attr]


def test_check_of_a_figure_whose_source_states_it(core: Core, site: str) -> None:
    point = submit(core, f"{site}/paper", figure="0.76M")
    reply = core.ask(f"/check {point}")
    assert reply.data["check"]["status"] == "states"
    assert reply.data["check"]["figures"][0]["printed"].endswith("760K hours")


@pytest.mark.parametrize("address", ["http://127.0.0.1/paper", "http://10.0.0.7/paper"])
def test_a_private_address_is_refused_unless_allowed(tmp_path: Path, address: str) -> None:
    settings = checking(tmp_path).model_copy(update={"check_allow_private": False})
    with Core.open(settings=settings) as core:
        point = submit(core, address)
        reply = core.ask(f"/check {point}")
    assert reply.data["check"]["status"] == "refused"
    assert address.split("/")[2] in reply.data["check"]["reason"]


def test_check_of_no_such_point_says_so(core: Core) -> None:
    reply = core.ask("/check 99999")
    assert reply.kind == "error"
    assert "no data point #99999" in reply.as_text()


def test_checks_off_start_nothing_and_check_says_so(tmp_path: Path, site: str) -> None:
    settings = checking(tmp_path).model_copy(update={"check_sources": False})
    with Core.open(settings=settings) as core:
        point = submit(core, f"{site}/paper")
        assert core.run_due_checks() == []
        reply = core.ask(f"/check {point}")
    assert reply.kind != "error"
    assert "SCALEBOT_CHECK_SOURCES=0" in reply.as_text()
    assert f"#{point} has not been checked" in reply.as_text()
    assert reply.data["check"] is None
    assert Pages.hits == []


def test_scalebot_ask_checks_after_printing_and_check_prints_the_status(
    tmp_path: Path, site: str
) -> None:
    env = {
        "SCALEBOT_DB": str(tmp_path / "scalebot.db"),
        "SCALEBOT_CHECK_SOURCES": "1",
        "SCALEBOT_CHECK_ALLOW_PRIVATE": "1",
    }
    runner = CliRunner()
    submitted = runner.invoke(
        cli,
        ["ask", f"/submit video InternVid 800K hours {site}/paper", "--as", MEMBER, "--json"],
        env=env,
    )
    assert submitted.exit_code == 0, submitted.output
    point = json.loads(submitted.stdout)["data"]["id"]
    assert Pages.hits == ["/paper"], "checked before the process ended"
    checked = runner.invoke(cli, ["ask", f"/check {point}", "--json"], env=env)
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["data"]["check"]["status"] == "differs"


def caller(user: str) -> Caller:
    return Caller(user, "T1", "C1")


def test_under_the_runner_a_check_frees_the_core_for_other_commands(core: Core, site: str) -> None:
    point = submit(core, f"{site}/slow")
    core.checks.take()  # this test is about /check alone

    async def scenario() -> tuple[float, float, str]:
        runner = AsyncCore(core, cache=False)
        try:
            started = time.monotonic()
            checking = asyncio.ensure_future(runner.ask(f"/check {point}", caller(MEMBER)))
            await asyncio.sleep(0.2)  # the fetch has begun
            other = await asyncio.wait_for(runner.ask("/scale video", caller("slack:U2")), 10)
            other_at = time.monotonic() - started
            checked = await asyncio.wait_for(checking, 20)
            assert other.kind != "error"
            return other_at, time.monotonic() - started, checked.data["check"]["status"]
        finally:
            runner.close()

    other_at, checked_at, status = asyncio.run(scenario())
    assert status == "differs"
    assert other_at < SLOW <= checked_at, (other_at, checked_at)


def test_under_the_runner_a_submission_is_answered_then_checked(core: Core, site: str) -> None:
    async def scenario() -> tuple[float, int]:
        runner = AsyncCore(core, cache=False)
        try:
            started = time.monotonic()
            reply = await asyncio.wait_for(
                runner.ask(f"/submit video InternVid 800K hours {site}/slow", caller(MEMBER)), 10
            )
            answered = time.monotonic() - started
            await runner.settle_checks(20)
            return answered, int(reply.data["id"])
        finally:
            runner.close()

    answered, point = asyncio.run(scenario())
    assert answered < SLOW, "the reply did not wait for the slow source"
    stored = core.store.checks.of(point)
    assert stored is not None and stored.status == "differs"


def test_a_start_checks_the_pending_figures_never_checked(tmp_path: Path, site: str) -> None:
    """Submitted while checks were off: the next start with checks on catches them up."""
    off = checking(tmp_path).model_copy(update={"check_sources": False})
    with Core.open(settings=off) as core:
        points = [submit(core, f"{site}/paper"), submit(core, f"{site}/plain")]
        core.ask(f"/reject {points[1]} not a dataset", MODERATOR)
        unchecked_approved = submit(core, f"{site}/paper", figure="760K")
        core.ask(f"/approve {unchecked_approved}", MODERATOR)

    async def start() -> int:
        with Core.open(settings=checking(tmp_path)) as core:
            runner = AsyncCore(core)
            try:
                started = await runner.catch_up_checks()
                await runner.settle_checks(20)
                return started
            finally:
                runner.close()

    assert asyncio.run(start()) == 1, "only the pending figure"
    with Core.open(settings=checking(tmp_path)) as core:
        stored = core.store.checks.of(points[0])
        assert stored is not None and stored.status == "differs"
        assert core.store.checks.of(points[1]) is None
        assert core.store.checks.of(unchecked_approved) is None
    assert Pages.hits == ["/paper"]
