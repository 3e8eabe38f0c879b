"""The reply cache: pure commands' replies reused until the ledger changes, never after.

A cached answer that outlives a write would show a wrong figure, so most of these tests
change the ledger from another connection (as the CLI or a second bot would) and check
that the next answer shows it. Through the real Slack adapter on the fake, and on the
cache itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cache import ReplyCache
from bot.commands import Command, Request
from bot.config import Settings
from bot.core import Caller, Core
from bot.registry import COMMANDS
from bot.reply import Reply
from bot.runner import AsyncCore, Timely
from knowledge.ledger.values import NewPoint, Submitter
from knowledge.store import Store
from tests.helpers import chat_caller
from tests.slack_stack import SLACK_MEMBER, SLACK_MODERATOR, SlackStack, slack_stack


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


def pending_line(slack: SlackStack) -> str:
    """The card's "Community ledger" line, as Slack shows it."""
    body = slack.sender.command("/scale", "3d", user=SLACK_MEMBER).json()
    texts = []
    for block in body["blocks"]:
        texts += [
            piece["text"]
            for piece in [block.get("text") or {}, *block.get("fields", [])]
            if "text" in piece
        ]
    return next(text for text in texts if "pending" in text)


def cache_of(slack: SlackStack) -> ReplyCache:
    return slack.service.adapter.core.cache


def test_a_repeated_question_is_served_from_the_cache(slack: SlackStack) -> None:
    first = slack.sender.command("/scale", "video", user=SLACK_MEMBER).json()
    hits = cache_of(slack).hits
    again = slack.sender.command("/scale", "video", user=SLACK_MODERATOR).json()
    assert again == first
    assert cache_of(slack).hits == hits + 1


def test_a_write_by_another_connection_is_seen_at_once(slack: SlackStack, tmp_path: Path) -> None:
    before = pending_line(slack)
    assert "0 data points pending" in before
    pending_line(slack)  # now cached
    # Another process's core (its own connection) stores a submission.
    with Core.open(slack.core.settings.db) as other:
        reply = other.ask(
            '/submit 3d "Cache Buster" 5M objects https://example.org/cb', "console:alice"
        )
        assert reply.kind == "answer", reply.summary
    assert "1 data points pending" in pending_line(slack)


def test_a_write_through_the_bot_itself_is_seen_at_once(slack: SlackStack) -> None:
    pending_line(slack)
    slack.sender.command(
        "/submit", '3d "Own Write" 5M objects https://example.org/ow', user=SLACK_MEMBER
    )
    assert "1 data points pending" in pending_line(slack)


def test_commands_that_depend_on_the_caller_are_never_cached(slack: SlackStack) -> None:
    refused = slack.sender.command("/review", "", user=SLACK_MEMBER).json()
    assert "for moderators" in str(refused["blocks"])
    allowed = slack.sender.command("/review", "", user=SLACK_MODERATOR).json()
    assert "for moderators" not in str(allowed["blocks"])


# -- the cache itself --------------------------------------------------------------------


def test_the_version_moves_with_every_ledger_commit_of_another_connection(tmp_path: Path) -> None:
    writer = Store.open(tmp_path / "v.db")
    cache = ReplyCache(writer.path)
    first = cache.version()
    assert cache.version() == first
    writer.points.submit(
        NewPoint("video", "Version Mover", "5M", 5e6, "hours", "https://example.org/v"),
        Submitter("console:alice", "console"),
    )
    moved = cache.version()
    assert moved != first
    cache.close()
    writer.close()


def test_a_rate_count_is_no_change_of_the_ledger(tmp_path: Path) -> None:
    """Counting commands commits too; it must not throw away every cached reply."""
    writer = Store.open(tmp_path / "v.db")
    cache = ReplyCache(writer.path)
    first = cache.version()
    writer.rates.add_counts("commands", 0, 60, {"slack:U1": 3})
    assert cache.version() == first
    cache.close()
    writer.close()


def test_entries_are_kept_per_version_and_the_oldest_go_first(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path / "c.db", size=2)
    a, b, c = (Reply(title=t) for t in "abc")
    cache.put("a", 1, a)
    cache.put("b", 1, b)
    assert cache.get("a", 1) is not None and cache.get("a", 1).reply is a
    assert cache.get("a", 2) is None, "another version of the ledger"
    cache.put("c", 1, c)  # "b" was used least recently
    assert cache.get("b", 1) is None
    assert cache.get("c", 1) is not None and cache.get("a", 1) is not None
    drawn = []
    kept = cache.get("a", 1)
    assert kept is not None
    assert kept.render("x", lambda r: drawn.append(r) or "drawn") == "drawn"
    assert kept.render("x", lambda r: drawn.append(r) or "again") == "drawn"
    assert drawn == [a], "drawn once per platform"
    cache.close()


def test_an_in_memory_database_is_not_cached() -> None:
    assert not ReplyCache(":memory:").enabled


# -- replies that cannot cross users or surfaces ------------------------------------------


def whoami(request: Request) -> Reply:
    """Declared pure below, yet reads who asks: the bug the core must refuse."""
    return Reply(title=f"You are {request.user}")


WHOAMI_COMMANDS: dict[str, Command] = {
    **COMMANDS,
    "whoami": Command(
        name="whoami",
        description="Test only: a pure command that reads who asks",
        handler=whoami,
        example="/whoami",
        pure=True,
    ),
}


@pytest.mark.parametrize("path", ["typed", "options"])
def test_one_users_reply_is_never_served_to_another(
    settings: Settings, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """A pure command that reads the asker: the second user must not get the first's name.

    Before the fix the cache served "You are slack:U1" to slack:U2; now the handler's
    first reading of ``request.user`` is refused, and nobody gets anyone's answer.
    """
    with Core.open(settings=settings, commands=WHOAMI_COMMANDS) as core:
        runner = AsyncCore(core)
        assert runner.cache.enabled

        async def ask(user: str) -> Reply:
            caller = Caller(user)
            if path == "typed":
                timely = await runner.answer("/whoami", caller)
            else:
                timely = await runner.answer_options("whoami", {}, caller)
            reply = timely.reply if timely.reply is not None else await timely.later
            await asyncio.sleep(0)  # a late reply is kept by a done-callback
            return reply

        async def both() -> tuple[Reply, Reply]:
            return await ask("slack:U1"), await ask("slack:U2")

        with caplog.at_level(logging.ERROR, logger="bot.core"):
            first, second = asyncio.run(both())
        runner.close()
    assert "slack:U1" not in second.model_dump_json(), "slack:U2 was served slack:U1's reply"
    assert first.data.get("error") == second.data.get("error") == "InternalError"
    refused = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert refused and type(refused[0]).__name__ == "PureCommandReadCaller"
    assert "/whoami is declared pure but read request.user" in str(refused[0])


def test_a_surface_with_images_and_one_without_get_their_own_replies(settings: Settings) -> None:
    """The same ``/trend video`` on Slack (a picture) and the terminal (text), one cache."""
    with Core.open(settings=settings) as core:
        runner = AsyncCore(core)
        assert runner.cache.enabled

        async def ask(caller: Caller) -> tuple[Timely, Reply]:
            timely = await runner.answer("/trend video", caller)
            reply = timely.reply if timely.reply is not None else await timely.later
            await asyncio.sleep(0)  # a late reply is kept by a done-callback
            return timely, reply

        async def three() -> list[tuple[Timely, Reply]]:
            terminal = Caller("console:local", local_operator=True)
            callers = (chat_caller("slack:U1"), terminal, chat_caller("slack:U2"))
            return [await ask(caller) for caller in callers]

        (_, on_slack), (_, on_terminal), (again, on_slack_again) = asyncio.run(three())
        runner.close()
    (picture,) = on_slack.attachments
    assert picture.filename.endswith(".png")
    assert on_terminal.attachments == [], "the terminal was served Slack's picture"
    assert on_terminal.preformatted, "the terminal gets the chart as text"
    assert again.kept is not None and on_slack_again is on_slack, "Slack's reply was kept"
