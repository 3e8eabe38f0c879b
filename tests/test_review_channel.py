"""The review channels: every new pending point is posted there with its buttons, and its
submitter hears the decision.

Handlers record notices (a card for the review channels, a letter for the submitter);
the core collects them and the running platforms deliver them after the reply. The
end-to-end tests run what ``scalebot run all`` runs: the real Slack and Discord adapters
on one event loop around one core, against the fake Slack Web API and the fake Discord.
A point submitted on one platform is posted to both review channels; a button pressed
there decides it; the submitter gets a direct message on their own platform; a platform
refusing a delivery is one warning in the log, and the submission or decision stands.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.core import Caller, Core
from bot.courier import deliver_now
from bot.discord.client import DiscordService
from bot.notices import PointDecided, PointPending
from bot.runner import AsyncCore
from bot.slack.serve import EVENTS_PATH, SlackService
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.objects import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    MEMBER_ID,
    MODERATOR_ID,
    TOKEN,
)
from tests.fakes.discord.payloads import button, modal_submit, option, slash_command
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.helpers import MEMBER, MODERATOR, clear_settings_env

SLACK_REVIEW = "C0REVIEW1"
SLACK_MODERATOR = "UMOD0001"
SLACK_MEMBER = "UMEMBER1"
#: The fake Discord's one text channel is the review channel, so a button pressed on a
#: card there comes from it, as Discord would send it.
DISCORD_REVIEW = CHANNEL_ID
UPDATE_MESSAGE = 7
CHANNEL_MESSAGE = 4
MODAL = 9
SUBMIT_TEXT = '3d "Channel Objects" 12M objects https://example.org/channel year:2025'


def submit_line(name: str) -> str:
    return f'/submit 3d "{name}" 12M objects https://example.org/{name.replace(" ", "-")}'


# -- the notices commands record -----------------------------------------------------------


def test_a_submission_records_a_review_card(core: Core) -> None:
    reply = core.ask(submit_line("Card Set") + ' note:"a note for reviewers"', MEMBER)
    point_id = reply.data["id"]
    (notice,) = core.take_notices()
    assert isinstance(notice, PointPending)
    assert notice.point_id == point_id and notice.recipient is None
    card = notice.message
    assert card.title == f"New data point #{point_id} to review"
    text = card.as_text()
    assert "Card Set" in text and MEMBER in text and "a note for reviewers" in text
    assert [(a.command, a.needs_reason) for a in card.actions] == [
        (f"/approve {point_id}", False),
        (f"/reject {point_id}", True),
    ]
    assert core.take_notices() == []


def test_no_card_for_a_replayed_or_refused_submission(core: Core) -> None:
    first = core.ask(submit_line("Once"), "slack:U1", request_id="slack:trigger:1")
    assert len(core.take_notices()) == 1
    again = core.ask(submit_line("Once"), "slack:U1", request_id="slack:trigger:1")
    assert again.data["id"] == first.data["id"]
    assert core.take_notices() == []
    assert core.ask("/submit 3d Broken 12M objects not-a-link", MEMBER).kind == "error"
    assert core.take_notices() == []


@pytest.mark.parametrize(
    ("command", "status", "label", "said"),
    [
        ("/approve {id} matches the paper", "approved", "Note", "matches the paper"),
        ("/reject {id} counts scenes, not objects", "rejected", "Reason", "counts scenes"),
    ],
)
def test_a_decision_records_a_letter_to_the_submitter(
    core: Core, command: str, status: str, label: str, said: str
) -> None:
    point_id = core.ask(submit_line("Decided Set"), "slack:U1").data["id"]
    core.take_notices()
    assert core.ask(command.format(id=point_id), MODERATOR).kind == "answer"
    (notice,) = core.take_notices()
    assert isinstance(notice, PointDecided)
    assert notice.recipient == "slack:U1" and notice.point_id == point_id
    letter = notice.message
    assert letter.title == f"Your data point #{point_id} was {status}"
    fields = {field.name: field.value for field in letter.fields}
    assert fields["Decided by"].startswith(MODERATOR)
    assert said in fields[label]


def test_no_letter_for_a_refused_or_repeated_decision(core: Core) -> None:
    point_id = core.ask(submit_line("Kept Set"), "slack:U1").data["id"]
    core.take_notices()
    assert core.ask(f"/approve {point_id}", MEMBER).data["error"] == "NotAllowed"
    assert core.take_notices() == []
    core.ask(f"/approve {point_id}", MODERATOR)
    core.take_notices()
    assert core.ask(f"/reject {point_id} late", MODERATOR).data["error"] == "Conflict"
    assert core.take_notices() == []


def test_a_press_in_the_review_channel_replaces_the_card_with_the_outcome(
    tmp_path: Path,
) -> None:
    settings = Settings(
        db=tmp_path / "r.db", moderators="slack:UMOD", slack_review_channel=SLACK_REVIEW
    )
    with Core.open(settings=settings) as core:
        first = core.ask(submit_line("First"), "slack:U1").data["id"]
        second = core.ask(submit_line("Second"), "slack:U1").data["id"]
        in_channel = Caller("slack:UMOD", workspace="T1", channel=SLACK_REVIEW)
        decided = core.press(f"/approve {first}", in_channel)
        assert decided.replace and decided.visibility == "public"
        assert decided.actions == [] and f"#{second}" not in decided.as_text()
        # From the queue (any other channel) the refreshed queue follows the decision.
        elsewhere = Caller("slack:UMOD", workspace="T1", channel="C0OTHER")
        queued = core.press(f"/approve {second}", elsewhere)
        assert queued.replace and queued.visibility == "private"
        assert queued.data["queue"] == {
            "pending": 0,
            "ids": [],
            "disputed": 0,
            "disputed_ids": [],
            "checks": [],
        }


@pytest.mark.parametrize(
    ("field", "value", "variable"),
    [
        ("slack_review_channel", "#reviews", "SCALEBOT_SLACK_REVIEW_CHANNEL"),
        ("slack_review_channel", "reviews", "SCALEBOT_SLACK_REVIEW_CHANNEL"),
    ],
)
def test_a_review_channel_name_is_refused_for_an_id(field: str, value: str, variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings(**{field: value})


def test_review_channels_are_read_per_platform() -> None:
    settings = Settings(slack_review_channel="C0123ABC", discord_review_channel="1300")
    assert settings.review_channel("slack") == "C0123ABC"
    assert settings.review_channel("discord") == "1300"
    assert settings.review_channel("console") is None
    with pytest.raises(ValueError, match="discord_review_channel"):
        Settings(discord_review_channel="general")


# -- Slack and Discord on one loop around one core (``scalebot run all``) -----------------


@dataclass
class Both:
    loop: BackgroundLoop
    discord: FakeDiscord
    slack: FakeSlackAPI
    sender: SlackSender
    core: Core
    async_core: AsyncCore

    def settle(self) -> None:
        """Until every notice on its way has been delivered or refused (bounded)."""
        self.loop.run(self.async_core.settle())

    def interact(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Dispatch an interaction on Discord and return the bot's callback body."""
        self.loop.run(self.discord.dispatch("INTERACTION_CREATE", payload))
        found = self.discord.wait_for(rf"^/interactions/{payload['id']}/[^/]+/callback$")
        return found[0].json

    def discord_cards(self, count: int = 1) -> list[dict[str, Any]]:
        """The messages posted to the Discord review channel, once there are ``count``."""
        posted = self.discord.wait_for(f"POST /channels/{DISCORD_REVIEW}/messages$", count)
        return [request.json for request in posted]

    def slack_posts(self, channel: str, count: int = 1) -> list[dict[str, Any]]:
        """``chat.postMessage`` bodies to ``channel``, once there are ``count`` (bounded)."""
        self.slack.wait_for("chat.postMessage", 1)
        posts: list[dict[str, Any]] = []
        for attempt in range(count, count + 20):
            calls = self.slack.wait_for("chat.postMessage", attempt)
            posts = [call.body for call in calls if call.body.get("channel") == channel]
            if len(posts) >= count:
                return posts
        raise AssertionError(f"fewer than {count} posts to {channel}")


@pytest.fixture
def both(tmp_path: Path) -> Iterator[Both]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with BackgroundLoop() as loop:
        fake_discord = FakeDiscord()
        fake_slack = FakeSlackAPI()
        loop.run(fake_discord.start())
        loop.run(fake_slack.start())
        settings = Settings(
            db=tmp_path / "both.db",
            moderators=frozenset({f"discord:{MODERATOR_ID}", f"slack:{SLACK_MODERATOR}"}),
            discord_token=TOKEN,
            discord_api_url=fake_discord.api_url,
            discord_gateway_url=fake_discord.gateway_url,
            discord_review_channel=int(DISCORD_REVIEW),
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_slack.url,
            slack_host="127.0.0.1",
            slack_port=0,
            slack_review_channel=SLACK_REVIEW,
            # Points no test confirms stay pending; the confirmation tests need two.
            auto_approve_confirmations=2,
        )
        core = Core.open(settings=settings)
        async_core = AsyncCore(core)
        services = [DiscordService(async_core, settings), SlackService(async_core, settings)]
        started: list[DiscordService | SlackService] = []
        try:
            for service in services:
                loop.run(service.start())
                started.append(service)
            loop.run(fake_discord.wait_connected())
            slack_service = services[1]
            assert isinstance(slack_service, SlackService)
            sender = SlackSender(
                f"http://127.0.0.1:{slack_service.port}{EVENTS_PATH}", fake_slack.response_url("")
            )
            yield Both(loop, fake_discord, fake_slack, sender, core, async_core)
            # The cards and notices sent on the way are held to Discord's published spec.
            loop.run(async_core.settle())
            fake_discord.assert_contract_kept()
            # Slack would have taken all the adapter sent.
            fake_slack.assert_nothing_refused()
            assert sender.refusals == []
        finally:
            loop.run(async_core.settle())
            for service in reversed(started):
                loop.run(service.stop())
            async_core.close()
            core.close()
            loop.run(fake_slack.stop())
            loop.run(fake_discord.stop())
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def slack_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for block in blocks if block["type"] == "actions" for e in block["elements"]]


def discord_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components", []) for c in row["components"]]


def stored_message(fake: FakeDiscord, custom_id: str) -> dict[str, Any]:
    """The message the fake holds that carries the button ``custom_id``."""
    for message in list(fake.messages.values()):
        if any(b.get("custom_id") == custom_id for b in discord_buttons(message)):
            return message
    raise AssertionError(f"no stored message with the button {custom_id}")


def test_a_slack_submission_is_posted_to_both_channels_and_decided_on_discord(
    both: Both,
) -> None:
    answer = both.sender.command("/submit", SUBMIT_TEXT, user=SLACK_MEMBER)
    assert answer.status == 200
    shown = json.dumps(answer.json())
    point_id = int(shown.split("Submitted #", 1)[1].split(" ", 1)[0])

    (slack_card,) = both.slack_posts(SLACK_REVIEW)
    assert f"New data point #{point_id} to review" in json.dumps(slack_card["blocks"])
    values = [b["value"] for b in slack_buttons(slack_card["blocks"])]
    assert values == [f"/approve {point_id}", f"/reject {point_id}"]

    (discord_card,) = both.discord_cards()
    assert f"#{point_id}" in json.dumps(discord_card["embeds"])
    assert discord_card["allowed_mentions"] == {"parse": []}
    ids = [b["custom_id"] for b in discord_buttons(discord_card)]
    approve = f"scalebot:run:/approve {point_id}"
    assert ids == [approve, f"scalebot:ask:/reject {point_id}"]

    # A moderator presses Approve on the card in the Discord review channel.
    message = stored_message(both.discord, approve)
    callback = both.interact(button(approve, message, user_id=MODERATOR_ID))
    assert callback["type"] == UPDATE_MESSAGE
    assert f"Approved #{point_id}" in json.dumps(callback["data"]["embeds"])
    assert callback["data"]["components"] == []  # the card's buttons are gone
    point = both.core.store.reads.get(point_id)
    assert point is not None and point.status == "approved"
    assert point.reviewed_by == f"discord:{MODERATOR_ID}"

    # The Slack submitter is told, in a direct message with the bot.
    (opened,) = both.slack.wait_for("conversations.open")
    assert opened.body == {"users": SLACK_MEMBER}, opened.body
    (letter,) = both.slack_posts(f"D{SLACK_MEMBER}")
    said = json.dumps(letter["blocks"])
    assert f"Your data point #{point_id} was approved" in said
    assert f"discord:{MODERATOR_ID}" in said


def test_a_discord_submission_is_rejected_in_the_slack_channel_and_the_submitter_told(
    both: Both,
) -> None:
    options = [
        option("domain", "3d"),
        option("dataset", "Discord Objects"),
        option("quantity", "12M"),
        option("unit", "objects"),
        option("source", "https://example.org/discord-objects"),
    ]
    callback = both.interact(slash_command("submit", options, user_id=MEMBER_ID))
    assert callback["type"] == CHANNEL_MESSAGE
    point_id = callback["data"]["embeds"][0]["title"].split("#", 1)[1].split(" ", 1)[0]

    assert f"#{point_id}" in json.dumps(both.discord_cards()[0]["embeds"])
    (slack_card,) = both.slack_posts(SLACK_REVIEW)
    reject = next(
        b for b in slack_buttons(slack_card["blocks"]) if b["value"] == f"/reject {point_id}"
    )

    both.sender.press(reject, SLACK_MODERATOR, response_name="card", channel=SLACK_REVIEW)
    (opened,) = both.slack.wait_for("views.open")
    view = opened.body["view"]
    both.sender.view_submission(view, {"reason": "the page counts scenes"}, SLACK_MODERATOR)
    (update,) = both.slack.wait_for("response:card")
    assert update.body["replace_original"] is True
    assert f"Rejected #{point_id}" in json.dumps(update.body["blocks"])
    point = both.core.store.reads.get(int(point_id))
    assert point is not None and point.status == "rejected"

    (dm,) = both.discord.wait_for("POST /users/@me/channels$")
    assert dm.json["recipient_id"] in (MEMBER_ID, int(MEMBER_ID))
    (letter,) = both.discord.wait_for(f"POST /channels/{DM_CHANNEL_ID}/messages$")
    said = json.dumps(letter.json["embeds"])
    assert f"Your data point #{point_id} was rejected" in said
    assert "the page counts scenes" in said and f"slack:{SLACK_MODERATOR}" in said


def _warnings_about(caplog: pytest.LogCaptureFixture, point_id: int) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and f"#{point_id}" in record.getMessage()
    ]


@pytest.mark.parametrize("refusing", ["slack", "discord"])
def test_a_refused_review_post_is_logged_once_and_the_submission_stands(
    both: Both, caplog: pytest.LogCaptureFixture, refusing: str
) -> None:
    caplog.set_level(logging.WARNING)
    if refusing == "slack":
        both.slack.refused_channels[SLACK_REVIEW] = "channel_not_found"
    else:
        both.discord.rest.refused_channels[DISCORD_REVIEW] = (404, 10003, "Unknown Channel")
    answer = both.sender.command("/submit", SUBMIT_TEXT, user=SLACK_MEMBER)
    assert answer.status == 200 and "Submitted #" in json.dumps(answer.json())
    point_id = int(json.dumps(answer.json()).split("Submitted #", 1)[1].split(" ", 1)[0])
    assert both.core.store.reads.get(point_id).status == "pending"

    # Each platform was asked; the one that did not refuse shows the card.
    both.discord_cards()
    (slack_post,) = both.slack.wait_for("chat.postMessage")
    both.settle()
    (warning,) = _warnings_about(caplog, point_id)
    said = warning.getMessage()
    assert said.startswith(f"{refusing}: could not post the notice about #{point_id}")
    assert ("channel_not_found" if refusing == "slack" else "Unknown Channel") in said
    assert warning.exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if refusing == "discord":
        assert f"/approve {point_id}" in json.dumps(slack_post.body["blocks"])


def test_a_member_who_blocks_direct_messages_is_logged_once_and_the_decision_stands(
    both: Both, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    both.discord.rest.refused_channels[DM_CHANNEL_ID] = (
        403,
        50007,
        "Cannot send messages to this user",
    )
    point_id = both.core.ask(submit_line("Blocked DMs"), f"discord:{MEMBER_ID}").data["id"]
    both.core.take_notices()  # asked on the core directly: no platform delivers these

    answer = both.sender.command("/approve", str(point_id), user=SLACK_MODERATOR)
    assert answer.status == 200
    assert f"Approved #{point_id}" in json.dumps(answer.json())
    both.discord.wait_for(f"POST /channels/{DM_CHANNEL_ID}/messages$")
    both.settle()
    assert both.core.store.reads.get(point_id).status == "approved"
    (warning,) = _warnings_about(caplog, point_id)
    assert "discord" in warning.getMessage() and "direct message" in warning.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- disputes and confirmations in the review channels --------------------------------------


def test_a_dispute_is_posted_to_both_channels_and_withdrawn_there(both: Both) -> None:
    """A Discord member's figure, approved on Slack, flagged on Slack, withdrawn on Discord."""
    point_id = both.core.ask(submit_line("Disputed Set"), f"discord:{MEMBER_ID}").data["id"]
    both.core.take_notices()  # asked on the core directly: its card is not this test's
    both.sender.command("/approve", str(point_id), user=SLACK_MODERATOR)
    both.discord.wait_for(f"POST /channels/{DM_CHANNEL_ID}/messages$")  # told: approved

    flagged = both.sender.command("/flag", f"{point_id} the page counts scenes", user=SLACK_MEMBER)
    assert f"Flagged #{point_id}" in json.dumps(flagged.json())
    (slack_card,) = both.slack_posts(SLACK_REVIEW)
    said = json.dumps(slack_card["blocks"])
    assert f"Data point #{point_id} disputed (1)" in said and "the page counts scenes" in said
    assert [(b["action_id"], b["value"]) for b in slack_buttons(slack_card["blocks"])] == [
        (f"scalebot:ask:keep:{point_id}", f"/approve {point_id}"),
        (f"scalebot:ask:withdraw:{point_id}", f"/reject {point_id}"),
    ]
    (discord_card,) = both.discord_cards()
    keep, withdraw = f"scalebot:ask:/approve {point_id}", f"scalebot:ask:/reject {point_id}"
    assert [b["custom_id"] for b in discord_buttons(discord_card)] == [keep, withdraw]
    assert discord_card["allowed_mentions"] == {"parse": []}

    # A moderator presses Withdraw on the card in the Discord review channel.
    message = stored_message(both.discord, keep)
    modal = both.interact(button(withdraw, message, user_id=MODERATOR_ID))
    assert modal["type"] == MODAL
    callback = both.interact(
        modal_submit(
            modal["data"]["custom_id"],
            {"reason": "the page counts scenes, not objects"},
            user_id=MODERATOR_ID,
            message=message,
        )
    )
    assert callback["type"] == UPDATE_MESSAGE
    assert f"Withdrew #{point_id}" in json.dumps(callback["data"]["embeds"])
    assert callback["data"]["components"] == []
    point = both.core.store.reads.get(point_id)
    assert point is not None and (point.status, point.disputes) == ("rejected", 0)

    letters = both.discord.wait_for(f"POST /channels/{DM_CHANNEL_ID}/messages$", 2)
    said = json.dumps(letters[-1].json["embeds"])
    assert f"Your data point #{point_id} was withdrawn after a dispute" in said
    assert "the page counts scenes, not objects" in said


def test_a_flagged_pending_point_is_posted_with_approve_and_reject(both: Both) -> None:
    point_id = both.core.ask(submit_line("Doubted Set"), "slack:UOTHER01").data["id"]
    both.core.take_notices()
    payload = slash_command(
        "flag", [option("id", point_id), option("reason", "a blog post")], user_id=MEMBER_ID
    )
    callback = both.interact(payload)
    assert callback["type"] == CHANNEL_MESSAGE
    (card,) = both.discord_cards()
    assert f"Pending data point #{point_id} flagged (1)" in json.dumps(card["embeds"])
    ids = [b["custom_id"] for b in discord_buttons(card)]
    assert ids == [f"scalebot:run:/approve {point_id}", f"scalebot:ask:/reject {point_id}"]
    (slack_card,) = both.slack_posts(SLACK_REVIEW)
    assert "a blog post" in json.dumps(slack_card["blocks"])


def test_confirmations_on_slack_approve_a_discord_members_point(both: Both) -> None:
    point_id = both.core.ask(submit_line("Vouched Set"), f"discord:{MEMBER_ID}").data["id"]
    both.core.take_notices()
    first = both.sender.command("/confirm", str(point_id), user=SLACK_MEMBER).json()
    assert "one to go" in json.dumps(first)
    second = both.sender.command("/confirm", str(point_id), user=SLACK_MODERATOR).json()
    assert "enough to approve it" in json.dumps(second)
    point = both.core.store.reads.get(point_id)
    assert point is not None and point.status == "approved"
    (letter,) = both.discord.wait_for(f"POST /channels/{DM_CHANNEL_ID}/messages$")
    said = json.dumps(letter.json["embeds"])
    assert f"Your data point #{point_id} was approved" in said
    assert "2 confirmations from members" in said


# -- the terminal: ``scalebot ask`` delivers through the platforms' APIs -------------------


@pytest.fixture
def fakes() -> Iterator[tuple[BackgroundLoop, FakeDiscord, FakeSlackAPI]]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with BackgroundLoop() as loop:
        fake_discord, fake_slack = FakeDiscord(), FakeSlackAPI()
        loop.run(fake_discord.start())
        loop.run(fake_slack.start())
        try:
            yield loop, fake_discord, fake_slack
            fake_discord.assert_contract_kept()
            fake_slack.assert_nothing_refused()
        finally:
            loop.run(fake_slack.stop())
            loop.run(fake_discord.stop())
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def test_the_console_posts_cards_and_tells_a_slack_submitter(
    fakes: tuple[BackgroundLoop, FakeDiscord, FakeSlackAPI],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _, fake_discord, fake_slack = fakes
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SCALEBOT_MODERATORS": "console:mod",
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_URL": fake_discord.api_url,
        "SLACK_BOT_TOKEN": "xoxb-console-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "SCALEBOT_SLACK_REVIEW_CHANNEL": SLACK_REVIEW,
        "SCALEBOT_DISCORD_REVIEW_CHANNEL": DISCORD_REVIEW,
    }.items():
        monkeypatch.setenv(name, value)
    db = str(tmp_path / "console.db")

    def ask(text: str, user: str) -> str:
        result = CliRunner().invoke(cli, ["--db", db, "ask", text, "--as", user])
        assert result.exit_code == 0, result.output
        return result.output

    submitted = ask(submit_line("Console Set"), "alice")
    point_id = int(submitted.split("Submitted #", 1)[1].split(" ", 1)[0])
    # Delivered before the command returned: no wait needed, and nothing more will come.
    slack_cards = [c.body for c in fake_slack.of("chat.postMessage")]
    assert [c["channel"] for c in slack_cards] == [SLACK_REVIEW]
    assert f"/approve {point_id}" in json.dumps(slack_cards[0]["blocks"])
    (discord_card,) = fake_discord.of(f"POST /channels/{DISCORD_REVIEW}/messages$")
    assert f"scalebot:run:/approve {point_id}" in json.dumps(discord_card.json["components"])

    # A console submitter is not messaged when their point is decided ...
    ask(f"/approve {point_id}", "mod")
    assert fake_slack.of("conversations.open") == []
    assert fake_discord.of("POST /users/@me/channels$") == []

    # ... a Slack member is, even when the moderator decides at the terminal.
    store_core = Core.open(settings=Settings(db=tmp_path / "console.db"))
    try:
        slack_point = store_core.ask(submit_line("Slack Set"), f"slack:{SLACK_MEMBER}").data["id"]
    finally:
        store_core.close()
    ask(f"/reject {slack_point} no public source", "mod")
    (opened,) = fake_slack.of("conversations.open")
    assert opened.body == {"users": SLACK_MEMBER}, opened.body
    letters = [
        c.body for c in fake_slack.of("chat.postMessage") if c.body["channel"] != SLACK_REVIEW
    ]
    assert len(letters) == 1 and "no public source" in json.dumps(letters[0]["blocks"])


def test_scalebot_ask_posts_a_dispute_to_the_review_channel(
    fakes: tuple[BackgroundLoop, FakeDiscord, FakeSlackAPI],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _, _, fake_slack = fakes
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-console-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("SCALEBOT_SLACK_REVIEW_CHANNEL", SLACK_REVIEW)
    result = CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "flag.db"), "ask", "/flag 12 counts a different split"],
    )
    assert result.exit_code == 0, result.output
    assert "Flagged #12" in result.output
    (card,) = fake_slack.of("chat.postMessage")
    assert card.body["channel"] == SLACK_REVIEW
    values = [b["value"] for b in slack_buttons(card.body["blocks"])]
    assert values == ["/approve 12", "/reject 12"]
    assert "counts a different split" in json.dumps(card.body["blocks"])


def test_the_piped_console_posts_a_card_after_showing_the_reply(
    fakes: tuple[BackgroundLoop, FakeDiscord, FakeSlackAPI],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _, _, fake_slack = fakes
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-console-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("SCALEBOT_SLACK_REVIEW_CHANNEL", SLACK_REVIEW)
    lines = f"{submit_line('Piped Set')}\n/scale 3d\n"
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "piped.db"), "run", "console", "--as", "alice"], input=lines
    )
    assert result.exit_code == 0, result.output
    point_id = int(result.output.split("Submitted #", 1)[1].split(" ", 1)[0])
    (card,) = fake_slack.of("chat.postMessage")  # one card: /scale announces nothing
    assert card.body["channel"] == SLACK_REVIEW
    assert f"/approve {point_id}" in json.dumps(card.body["blocks"])


def test_the_terminal_gives_up_on_a_platform_that_never_answers(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    """A socket that accepts and never answers: the console waits ``timeout``, not minutes."""
    core.ask(submit_line("Silent Set"), MEMBER)
    notices = core.take_notices()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = Settings(
            slack_bot_token="xoxb-silent",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=f"http://127.0.0.1:{port}/api/",
            slack_review_channel=SLACK_REVIEW,
        )
        started = time.monotonic()
        deliver_now(notices, settings, timeout=0.5)
        assert time.monotonic() - started < 5
    assert any("gave up delivering 1 notice(s) to slack" in r.getMessage() for r in caplog.records)
