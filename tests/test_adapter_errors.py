"""A failure inside an adapter: the user gets the core's plain words, the log the traceback.

Before, Discord's tree error handler sent ``str(error)`` to the user ("Command 'scale'
raised an exception: ServerDisconnectedError..."), and Slack had no handler at all. Here
the adapter's own path fails (the runner raises, as a broken connection would), through
the real discord.py and slack-bolt on the fakes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runner import AsyncCore
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.payloads import slash_command
from tests.fakes.loop import STEP_TIMEOUT
from tests.slack_stack import SLACK_MEMBER, SlackStack, slack_stack

SECRET = "ServerDisconnectedError: token=xoxb-leak"
GENERIC = "Something went wrong on our side"


@pytest.fixture
def broken_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every answer the adapters wait for fails with an error the user must not see."""

    async def fail(self: AsyncCore, work: object, budget: float | None = None) -> None:
        getattr(work, "close", lambda: None)()  # the coroutine will never run
        raise ConnectionError(SECRET)

    monkeypatch.setattr(AsyncCore, "within", fail)


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path) as stack:
        yield stack


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


def test_discord_tells_the_user_plainly_and_logs_the_traceback(
    discord: DiscordStack, broken_runner: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.discord.tree"):
        callback = discord.interact(slash_command("scale", {"domain": "video"})).json
    shown = json.dumps(callback["data"])
    assert GENERIC in shown
    assert "ServerDisconnected" not in shown and "xoxb" not in shown
    assert callback["data"]["flags"] & (1 << 6), "only the user sees it"
    (record,) = [r for r in caplog.records if "/scale failed" in r.getMessage()]
    assert record.exc_info is not None and SECRET in str(record.exc_info[1])


def test_slack_tells_the_user_plainly_and_logs_the_traceback(
    slack: SlackStack, broken_runner: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.slack.app"):
        answer = slack.sender.command("/scale", "video", user=SLACK_MEMBER)
    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert GENERIC in body["text"] and "ServerDisconnected" not in json.dumps(body)
    (record,) = [r for r in caplog.records if "/scale failed" in r.getMessage()]
    assert record.exc_info is not None and SECRET in str(record.exc_info[1])


def test_slack_refusing_a_response_url_post_is_logged(
    slack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    """A response URL refuses with an HTTP status and Bolt raises nothing: it must be seen.

    Slack allows a response URL five uses in 30 minutes; past that, or with a body it will
    not show, the reply is lost, and before this only the user noticed (nothing came).
    """
    slack.api.refused_responses["pressed"] = (404, "expired_url")
    with caplog.at_level(logging.WARNING, logger="bot.slack.app"):
        answer = slack.sender.button(
            "scalebot:run:scale", SLACK_MEMBER, "pressed", value="/scale video"
        )
        assert answer.status == 200
        logged = slack.loop.run(_until_logged(caplog, "response URL"))
    assert logged, "no warning logged"
    (record,) = [r for r in caplog.records if "response URL" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "HTTP 404 expired_url" in record.getMessage()


async def _until_logged(caplog: pytest.LogCaptureFixture, words: str) -> bool:
    """Whether a log line with ``words`` appears within the step timeout (bounded wait)."""
    for _ in range(int(STEP_TIMEOUT / 0.05)):
        if any(words in r.getMessage() for r in caplog.records):
            return True
        await asyncio.sleep(0.05)
    return False
