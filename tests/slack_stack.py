"""The real Slack adapter on 127.0.0.1, wired to a fake Slack Web API, for tests.

The fake refuses what Slack refuses (``tests/fakes/slack_contract.py``); a test that
made the adapter send anything Slack would refuse fails when its stack closes, so every
test on this stack is also a test of Slack's contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.commands import Command
from bot.config import Settings
from bot.core import Core
from bot.runner import AsyncCore
from bot.slack.serve import EVENTS_PATH, SlackService
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender

SLACK_MODERATOR = "UMOD0001"
SLACK_MEMBER = "UMEMBER1"


@dataclass
class SlackStack:
    api: FakeSlackAPI
    service: SlackService
    sender: SlackSender
    core: Core
    loop: BackgroundLoop

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}"

    def assert_nothing_refused(self) -> None:
        """Nothing the adapter sent, through the Web API or in an answer, breaks Slack's rules."""
        self.api.assert_nothing_refused()
        refused = self.sender.refusals
        assert not refused, "Slack would refuse the adapter's answers:\n" + "\n".join(refused)


@contextmanager
def slack_stack(
    tmp_path: Path, commands: dict[str, Command] | None = None, **overrides: object
) -> Iterator[SlackStack]:
    """The adapter on a fake Slack; ``commands`` replaces the registry's (a test's own)."""
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(
            db=tmp_path / "slack.db",
            moderators=frozenset({f"slack:{SLACK_MODERATOR}"}),
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api.url,
            slack_host="127.0.0.1",
            slack_port=0,
            **overrides,
        )
        core = Core.open(settings=settings, commands=commands)
        async_core = AsyncCore(core)
        service = SlackService(async_core, settings)
        try:
            loop.run(service.start())
            sender = SlackSender(
                f"http://127.0.0.1:{service.port}{EVENTS_PATH}", api.response_url("")
            )
            stack = SlackStack(api, service, sender, core, loop)
            yield stack
            # Only after the test passed: a failure of its own is the one to report.
            stack.assert_nothing_refused()
        finally:
            # As bot/serve.py stops: notices already on their way arrive first (a delivery
            # caught mid-request by the fake's shutdown would hold it for a minute).
            loop.run(async_core.settle())
            loop.run(service.stop())
            loop.run(api.stop())
            async_core.close()
            core.close()
