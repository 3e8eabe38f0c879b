"""The adapters know no command: a command that exists only in this test works everywhere.

``/chart`` is declared with ``form=True`` (what it lacks is asked in a form), answers
with a PNG attachment and a button whose action needs a reason; ``/retitle``, which the
button runs, answers a press by replacing the message. Neither is registered in
``bot.registry``, and no adapter file names either: Slack, Discord and the console
serve them from their declarations and replies alone, through the real slack-bolt and
discord.py against the fakes on 127.0.0.1.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import kinds
from bot.cli import cli
from bot.commands import Command, Option, OptionType, Request
from bot.core import Core
from bot.registry import COMMANDS
from bot.reply import Action, Attachment, Reply
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.objects import MODERATOR_ID
from tests.fakes.discord.payloads import button, modal_submit, slash_command
from tests.slack_stack import SLACK_MEMBER, SlackStack, slack_stack

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = [*(ROOT / "bot" / "slack").glob("*.py"), *(ROOT / "bot" / "discord").glob("*.py")]

CHANNEL_MESSAGE, UPDATE_MESSAGE, MODAL = 4, 7, 9
DICT_KEY_LINE = re.compile(r"""^\s*["']\w+["']\s*:.*$""", re.MULTILINE)


def tiny_png() -> bytes:
    """A valid one-pixel PNG, made here so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = tiny_png()


def chart(request: Request, topic: str, colour: str, caption: str | None) -> Reply:
    return Reply(
        title=f"Chart of {topic} in {colour}",
        summary=caption or "No caption.",
        attachments=[Attachment(filename="chart.png", data=PNG, description=f"{topic} chart")],
        actions=[
            Action(
                id=f"retitle:{topic}",
                label=f"Retitle {topic}",
                command=f"/retitle {topic}",
                needs_reason=True,
            )
        ],
    )


def retitle(request: Request, topic: str, title: str) -> Reply:
    return Reply(
        title=f"{topic} is now called “{title}”",
        summary="pressed" if request.pressed else "typed",
        replace=request.pressed,
    )


TEST_COMMANDS: dict[str, Command] = {
    **COMMANDS,
    "chart": Command(
        name="chart",
        description="Test only: a chart with a button",
        handler=chart,
        example="/chart video red",
        form=True,
        options=(
            Option("topic", kinds.Text(label="topic"), "What the chart is of"),
            Option("colour", kinds.Text(label="colour"), "Its colour"),
            Option("caption", OptionType.TEXT, "A caption", required=False, greedy=True),
        ),
    ),
    "retitle": Command(
        name="retitle",
        description="Test only: a new title",
        handler=retitle,
        example="/retitle video Videos",
        options=(
            Option("topic", kinds.Text(label="topic"), "What is retitled"),
            Option("title", kinds.Text(label="title"), "The new title", greedy=True),
        ),
    ),
}


def test_no_adapter_names_a_command() -> None:
    """The proof is only worth something if the adapters really know none of these."""
    assert ADAPTERS
    for path in ADAPTERS:
        # Lines that open with a dict key are payload syntax (a Slack modal's "submit":).
        text = DICT_KEY_LINE.sub("", path.read_text(encoding="utf-8"))
        for name in ("chart", "retitle", "submit", "review", "reject", "approve"):
            assert not re.search(rf"""["'/]{name}["']""", text), (path.name, name)


# -- Slack --------------------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path, commands=TEST_COMMANDS) as stack:
        yield stack


def slack_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_slack_form_attachment_and_button_with_a_reason(slack: SlackStack) -> None:
    # A command declared with a form, lacking options: the form opens with its fields.
    assert slack.sender.command("/chart", "video").status == 200
    (opened,) = slack.api.wait_for("views.open")
    view = opened.body["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["topic", "colour", "caption"]
    assert view["blocks"][0]["element"]["initial_value"] == "video"

    # Sent: the reply comes through the command's response URL, the PNG as a file.
    values = {"topic": "video", "colour": "red", "caption": "hours by year"}
    assert slack.sender.view_submission(view, values, SLACK_MEMBER).status == 200
    (reply,) = slack.api.wait_for("response:cmd1")
    assert "Chart of video in red" in reply.body["text"]
    slack.api.wait_for("files.completeUploadExternal")
    assert [bytes_ for name, bytes_ in slack.api.files.values()] == [PNG]
    (pressed_button,) = slack_buttons(reply.body["blocks"])
    assert pressed_button["value"] == "/retitle video"

    # The button asks for what /retitle lacks (its title) in a one-field form first.
    slack.sender.press(pressed_button, SLACK_MEMBER, response_name="chart")
    opened = slack.api.wait_for("views.open", 2)[-1]
    reason = opened.body["view"]
    assert [b["block_id"] for b in reason["blocks"]] == ["title"]
    assert reason["title"]["text"] == "Retitle video"
    answer = slack.sender.view_submission(reason, {"title": "Moving pictures"}, SLACK_MEMBER)
    assert answer.status == 200

    # /retitle says its reply replaces the message the button was on.
    (update,) = slack.api.wait_for("response:chart")
    assert update.body["replace_original"] is True
    assert "video is now called “Moving pictures”" in update.body["text"]


# -- Discord ------------------------------------------------------------------------------


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path, commands=TEST_COMMANDS) as stack:
        yield stack


def test_discord_form_attachment_and_button_with_a_reason(discord: DiscordStack) -> None:
    registered = discord.fake.of(r"^PUT /applications/\d+/commands$")[-1].json
    chart_schema = next(c for c in registered if c["name"] == "chart")
    required = [o["name"] for o in chart_schema["options"] if o.get("required")]
    assert required == ["topic"], "a form command needs only its first option on Discord"

    # Only the topic given: the form asks for the rest.
    callback = discord.interact(slash_command("chart", {"topic": "video"})).json
    assert callback["type"] == MODAL
    modal = callback["data"]
    asked = [row["components"][0]["custom_id"] for row in modal["components"]]
    assert asked == ["colour", "caption"]

    sent = discord.interact(modal_submit(modal["custom_id"], {"colour": "red"}))
    assert sent.json["type"] == CHANNEL_MESSAGE
    assert sent.files == ["chart.png"]
    embed = sent.json["data"]["embeds"][0]
    assert embed["title"] == "Chart of video in red"
    assert embed["image"]["url"] == "attachment://chart.png"
    (shown,) = [c for row in sent.json["data"]["components"] for c in row["components"]]
    assert shown["custom_id"] == "scalebot:ask:/retitle video"

    # Pressing it asks for the title, then the answer replaces the message.
    asked_reason = discord.interact(
        button(shown["custom_id"], user_id=MODERATOR_ID, label=shown["label"])
    ).json
    assert asked_reason["type"] == MODAL
    assert asked_reason["data"]["title"] == "Retitle video"
    message = discord.fake.messages[next(iter(discord.fake.messages))]
    done = discord.interact(
        modal_submit(
            asked_reason["data"]["custom_id"],
            {"title": "Moving pictures"},
            user_id=MODERATOR_ID,
            message=message,
        )
    ).json
    assert done["type"] == UPDATE_MESSAGE
    assert "Moving pictures" in done["data"]["embeds"][0]["title"]


# -- console ------------------------------------------------------------------------------


def test_console_saves_the_attachment_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.registry

    monkeypatch.setattr(bot.registry, "COMMANDS", TEST_COMMANDS)
    database = tmp_path / "lab.db"
    result = CliRunner().invoke(cli, ["--db", str(database), "ask", "/chart video red"])
    assert result.exit_code == 0, result.output
    assert "Attachments:\n- chart.png: video chart" in result.output
    assert "[Retitle video] /retitle video …" in result.output
    saved = tmp_path / "lab-files" / "chart.png"
    assert saved.read_bytes() == PNG
    assert f"Saved chart.png ({len(PNG)} bytes) to {saved}" in result.output


def test_the_test_commands_run_through_the_core(tmp_path: Path) -> None:
    with Core.open(tmp_path / "x.db", commands=TEST_COMMANDS) as core:
        assert core.form_fields(TEST_COMMANDS["chart"], {"topic": "a"})
        assert core.reason_option("/retitle video").name == "title"
        pressed = core.press("/retitle video", core_caller(), "New")
        assert pressed.replace and pressed.summary == "pressed"
        typed = core.ask("/retitle video New")
        assert not typed.replace and typed.summary == "typed"


def core_caller() -> Any:
    from bot.core import Caller

    return Caller("console:alice")
