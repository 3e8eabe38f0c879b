"""Charts on the platforms, through the real slack-bolt and discord.py against the fakes.

Slack: the PNG goes up with ``files_upload_v2`` into the channel the command came from;
a channel the app is not in refuses it, and the user is told (only them) how to invite
the app, with the chart as text. Discord: the PNG goes with the answer and shows inside
its embed. The first chart of a process is deferred at once on both, so the import of
matplotlib never eats into the platforms' 3 seconds.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import bot.charts
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.payloads import slash_command
from tests.fakes.discord.recorder import Request
from tests.fakes.loop import STEP_TIMEOUT
from tests.fakes.slack_api import BOT_NAME, Call
from tests.slack_stack import SlackStack, slack_stack

CHANNEL_MESSAGE, DEFERRED = 4, 5


def picture(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process that has drawn no chart yet (whatever earlier tests drew)."""
    monkeypatch.setattr(bot.charts, "loaded", lambda: False)


# -- Slack ----------------------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


def slack_answer(slack: SlackStack, command: str, text: str, **options: Any) -> dict[str, Any]:
    """The answer to a slash command: in the acknowledgement, or on its response URL."""
    body = slack.sender.command(command, text, **options).json()
    if "blocks" in body:
        return body
    assert body["text"] == "Working on it…"
    return slack.api.wait_for(f"response:cmd{slack.sender.sent}")[0].body


def test_slack_uploads_the_chart_into_the_channel(slack: SlackStack) -> None:
    answer = slack_answer(slack, "/trend", "3d", channel="C0RESEARCH")
    assert answer["response_type"] == "in_channel"
    assert answer["blocks"][0]["text"]["text"] == "3D: how fast the record grows (objects)"
    (asked,) = slack.api.wait_for("files.getUploadURLExternal")
    assert asked.body["filename"] == "trend-3d-objects.png"
    assert "Objaverse-XL 10.2M (2023)" in asked.body["alt_txt"]
    (done,) = slack.api.wait_for("files.completeUploadExternal")
    assert done.body["channel_id"] == "C0RESEARCH"
    ((name, png),) = slack.api.files.values()
    assert name == "trend-3d-objects.png"
    assert picture(png).size == (960, 540)
    assert int(asked.body["length"]) == len(png)


def test_slack_compare_uploads_one_chart_of_every_field(slack: SlackStack) -> None:
    answer = slack_answer(slack, "/compare", "3d llm video")
    assert answer["blocks"][0]["text"]["text"] == "3D vs LLMs vs Video generation"
    slack.api.wait_for("files.completeUploadExternal")
    ((name, png),) = slack.api.files.values()
    assert name == "compare-3d-llm-video.png"
    assert picture(png).size == (960, 540)


def note_on(slack: SlackStack, name: str) -> Call:
    """The message on response URL ``name`` that tells how to invite the app (bounded wait)."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        calls = slack.api.of(name)
        note = next((c for c in calls if "/invite" in c.body.get("text", "")), None)
        if note is not None:
            return note
        time.sleep(0.02)
    raise AssertionError(f"nobody was told how to invite the app; {name} got {calls}")


def test_a_channel_without_the_app_gets_how_to_invite_it_and_the_text_chart(
    slack: SlackStack,
) -> None:
    slack.api.refused_channels["C0LOCKED"] = "not_in_channel"
    answer = slack_answer(slack, "/trend", "video", channel="C0LOCKED")
    # The answer itself still reaches the channel: Slack takes it from a slash command.
    assert answer["blocks"][0]["text"]["text"].startswith("Video generation: how fast")
    note = note_on(slack, f"response:cmd{slack.sender.sent}")
    assert note.body["response_type"] == "ephemeral"
    text = note.body["text"]
    assert "I can't post files in <#C0LOCKED>" in text
    assert f"/invite @{BOT_NAME}" in text
    assert "InternVid" in text and "█" in text and "bars: log scale" in text
    code = [b for b in note.body["blocks"] if b["text"]["text"].startswith("```")]
    assert code and "InternVid" in code[0]["text"]["text"]


def test_a_private_channel_the_app_cannot_see_is_told_the_same(slack: SlackStack) -> None:
    slack.api.refused_channels["G0HIDDEN"] = "channel_not_found"
    slack_answer(slack, "/trend", "llm", channel="G0HIDDEN")
    note = note_on(slack, f"response:cmd{slack.sender.sent}")
    assert "<#G0HIDDEN>" in note.body["text"] and "DCLM-Pool" in note.body["text"]


def test_slack_acknowledges_at_once_when_the_first_chart_is_still_to_be_drawn(
    slack: SlackStack, cold: None
) -> None:
    body = slack.sender.command("/trend", "image").json()
    assert body == {"text": "Working on it…", "response_type": "ephemeral"}
    (later,) = slack.api.wait_for(f"response:cmd{slack.sender.sent}")
    assert later.body["response_type"] == "in_channel"
    assert later.body["blocks"][0]["text"]["text"].startswith("Image generation")
    slack.api.wait_for("files.completeUploadExternal")
    assert [name for name, _ in slack.api.files.values()] == ["trend-image-image-text-pairs.png"]


# -- Discord --------------------------------------------------------------------------------


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path) as stack:
        yield stack


def discord_answer(discord: DiscordStack, payload: dict[str, Any]) -> Request:
    """The request that carries the answer: the callback, or the edit after a deferral."""
    callback = discord.interact(payload)
    if callback.json["type"] == DEFERRED:
        route = rf"^PATCH /webhooks/\d+/{payload['token']}/messages/@original$"
        return discord.fake.wait_for(route)[0]
    assert callback.json["type"] == CHANNEL_MESSAGE
    return callback


def message_of(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = request.json
    found: dict[str, Any] = body.get("data", body)
    return found


def test_discord_attaches_the_chart_and_shows_it_in_the_embed(discord: DiscordStack) -> None:
    sent = discord_answer(discord, slash_command("trend", {"domain": "llm"}))
    assert sent.files == ["trend-llm-tokens.png"]
    assert picture(sent.contents[0]).size == (960, 540)
    message = message_of(sent)
    embed = message["embeds"][0]
    assert embed["title"] == "LLMs: how fast the record grows (tokens)"
    assert embed["image"]["url"] == "attachment://trend-llm-tokens.png"
    (attached,) = message["attachments"]
    assert "DCLM-Pool 240T (2024)" in attached["description"]
    assert message["allowed_mentions"] == {"parse": []}


def test_discord_compare_attaches_one_chart(discord: DiscordStack) -> None:
    payload = slash_command("compare", {"first": "video", "second": "self-driving"})
    sent = discord_answer(discord, payload)
    assert sent.files == ["compare-video-self-driving.png"]
    assert picture(sent.contents[0]).size == (960, 540)
    fields = json.dumps(message_of(sent)["embeds"], ensure_ascii=False)
    assert "Record growth (×/yr)" in fields


def test_discord_defers_at_once_when_the_first_chart_is_still_to_be_drawn(
    discord: DiscordStack, cold: None
) -> None:
    payload = slash_command("trend", {"domain": "robotics"})
    callback = discord.interact(payload)
    assert callback.json["type"] == DEFERRED
    (edited,) = discord.fake.wait_for(
        rf"^PATCH /webhooks/\d+/{payload['token']}/messages/@original$"
    )
    assert edited.files == ["trend-robotics-trajectories.png"]
    assert picture(edited.contents[0]).size == (960, 540)
