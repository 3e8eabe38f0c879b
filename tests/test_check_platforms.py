"""Source checks on Slack and Discord (issue 21): the real adapters on their fakes, the
cited page on a web server of the test's own on 127.0.0.1.

A Slack member's submission is answered, then its source is read: the review channel's
card is edited in place with the outcome, and the member hears by direct message that
the source states another figure. ``/check`` answers on Slack and on Discord.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.discord_stack import discord_stack
from tests.fakes.discord.payloads import slash_command
from tests.slack_stack import SLACK_MEMBER, slack_stack
from tests.test_check_command import Pages, site  # noqa: F401 - the page server fixture
from tests.test_discord import answer

REVIEW = "C0REVIEW1"
MEMBER = f"slack:{SLACK_MEMBER}"


@pytest.fixture
def checking() -> Iterator[dict[str, object]]:
    yield {"check_sources": True, "check_allow_private": True, "check_timeout": 10}


def test_a_slack_submission_is_checked_and_its_card_edited_in_place(
    tmp_path: Path,
    site: str,  # noqa: F811 - the fixture imported above
    checking: dict[str, object],
) -> None:
    with slack_stack(tmp_path, slack_review_channel=REVIEW, **checking) as stack:
        answered = stack.sender.command(
            "/submit", f"video InternVid 800K hours {site}/paper", user=SLACK_MEMBER
        )
        assert answered.status == 200
        header = answered.json()["blocks"][0]["text"]["text"]
        point = int(header.removeprefix("Submitted #").split()[0])
        runner = stack.service.core
        stack.loop.run(runner.settle_checks(20))
        stack.loop.run(runner.settle())

        (card,) = stack.api.in_channel(REVIEW)  # one card: edited, not posted twice
        blocks = json.dumps(card["blocks"])
        assert f"#{point}" in blocks and "760K hours" in blocks
        assert len(stack.api.of("chat.update")) == 1
        told = [
            call for call in stack.api.of("chat.postMessage") if call.body.get("channel") != REVIEW
        ]
        assert len(told) == 1 and "760K hours" in json.dumps(told[0].body)

        checked = stack.sender.command("/check", str(point), user="UOTHER01")
        body = checked.json()
        if "blocks" not in body:  # acknowledged first; the answer follows
            body = stack.api.wait_for(f"response:cmd{stack.sender.sent}")[0].body
        assert body["response_type"] == "in_channel"
        assert "760K hours" in json.dumps(body["blocks"])
    assert Pages.hits == ["/paper", "/paper"]


def test_check_answers_on_discord(
    tmp_path: Path,
    site: str,  # noqa: F811 - the fixture imported above
    checking: dict[str, object],
) -> None:
    with discord_stack(tmp_path, **checking) as stack:
        submitted = stack.core.ask(f"/submit video InternVid 0.76M hours {site}/paper", "discord:1")
        point = submitted.data["id"]
        message = answer(stack, slash_command("check", {"id": point}))
    shown = json.dumps(message)
    assert f"#{point}" in shown and "760K hours" in shown
    assert "states" in shown.lower()
