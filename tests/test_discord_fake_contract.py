"""The fake Discord refuses what Discord's published spec refuses, over real HTTP.

The fake's REST API (tests/fakes/discord/rest.py) holds every request body to the OpenAPI
spec Discord publishes (vendored in tests/fakes/discord/spec/) plus the documented limits
the spec leaves out, and answers a violation as Discord does: HTTP 400, code 50035, "Invalid
Form Body", and an ``errors`` tree whose path names the field. These tests send broken and
valid bodies to it with a plain HTTP client (and once through discord.py, which must read
the answer as Discord's), then check that the command list the bot really registers, and
the longest button it can make, are accepted.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.commands import Command, Option, OptionType, Request
from bot.core import Core
from bot.discord.client import DiscordAdapter
from bot.discord.tree import schema
from bot.registry import COMMANDS
from bot.reply import ACTION_COMMAND_MAX, Action, Reply
from bot.runner import AsyncCore
from tests.discord_stack import discord_settings, discord_stack
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.contract import SPEC_COMMIT, SPEC_PATH, contract
from tests.fakes.discord.objects import (
    APP_ID,
    CHANNEL_ID,
    MEMBER_ID,
    TOKEN,
    message_object,
    user_object,
)
from tests.fakes.discord.payloads import button, slash_command
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop

SAFE = 2**53 - 1
COMMANDS_PATH = f"/applications/{APP_ID}/commands"
MESSAGES_PATH = f"/channels/{CHANNEL_ID}/messages"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    with BackgroundLoop() as loop:
        server = FakeDiscord()
        loop.run(server.start())
        try:
            yield server
        finally:
            loop.run(server.stop())


def send(
    fake: FakeDiscord, method: str, path: str, body: Any, *, multipart: bool = False
) -> tuple[int, Any]:
    """One request as discord.py makes it (JSON, or multipart with ``payload_json``)."""
    headers = {"Authorization": f"Bot {fake.token}"}
    if multipart:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\n'
            f"Content-Type: application/json\r\n\r\n{json.dumps(body)}\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="files[0]"; '
            f'filename="chart.png"\r\nContent-Type: image/png\r\n\r\nPNG\r\n',
            f"--{boundary}--\r\n",
        ]
        data = "".join(parts).encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(fake.api_url + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=STEP_TIMEOUT) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def refused_at(answer: tuple[int, Any], *path: str) -> list[dict[str, str]]:
    """The ``_errors`` of a 400/50035 answer at ``path`` (the test fails if it is not one)."""
    status, body = answer
    assert status == 400, answer
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body", body
    node = body["errors"]
    for key in path:
        assert key in node, f"no error at {'.'.join(path)}: {body['errors']}"
        node = node[key]
    return node["_errors"]


def row(**button_fields: Any) -> list[dict[str, Any]]:
    return [{"type": 1, "components": [{"type": 2, "style": 1, **button_fields}]}]


def integer_command(max_value: int) -> dict[str, Any]:
    option = {
        "type": 4,
        "name": "id",
        "description": "The data point's number",
        "required": True,
        "min_value": 1,
        "max_value": max_value,
    }
    return {"type": 1, "name": "confirm", "description": "Confirm a figure", "options": [option]}


# -- the four broken bodies of the issue, and their valid twins ---------------------------


def test_an_embed_title_of_300_characters_is_refused(fake: FakeDiscord) -> None:
    answer = send(fake, "POST", MESSAGES_PATH, {"embeds": [{"title": "t" * 300}]})
    assert answer[1]["errors"] == {
        "embeds": {
            "0": {
                "title": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 256 or fewer in length.",
                        }
                    ]
                }
            }
        }
    }
    refused_at(answer, "embeds", "0", "title")
    status, message = send(fake, "POST", MESSAGES_PATH, {"embeds": [{"title": "t" * 256}]})
    assert status == 200 and message["embeds"][0]["title"] == "t" * 256


def test_a_button_label_of_100_characters_is_refused(fake: FakeDiscord) -> None:
    body = {"content": "x", "components": row(label="b" * 100, custom_id="press")}
    (error,) = refused_at(send(fake, "POST", MESSAGES_PATH, body), *_button_path("label"))
    assert error == {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 80 or fewer in length."}
    body = {"content": "x", "components": row(label="b" * 80, custom_id="press")}
    assert send(fake, "POST", MESSAGES_PATH, body)[0] == 200


def test_a_custom_id_of_150_characters_is_refused(fake: FakeDiscord) -> None:
    body = {"content": "x", "components": row(label="Go", custom_id="c" * 150)}
    (error,) = refused_at(send(fake, "POST", MESSAGES_PATH, body), *_button_path("custom_id"))
    assert error == {
        "code": "BASE_TYPE_BAD_LENGTH",
        "message": "Must be between 1 and 100 in length.",
    }
    body = {"content": "x", "components": row(label="Go", custom_id="c" * 100)}
    assert send(fake, "POST", MESSAGES_PATH, body)[0] == 200


def _button_path(field: str) -> tuple[str, ...]:
    return ("components", "0", "components", "0", field)


def test_an_integer_option_bound_of_2_to_the_62_is_refused_whole(fake: FakeDiscord) -> None:
    before = list(fake.commands.get(None, []))
    answer = send(fake, "PUT", COMMANDS_PATH, [integer_command(2**62)])
    assert answer[1]["errors"] == {
        "0": {
            "options": {
                "0": {
                    "max_value": {
                        "_errors": [
                            {
                                "code": "NUMBER_TYPE_MAX",
                                "message": "int value should be less than or equal to "
                                "9007199254740991.",
                            }
                        ]
                    }
                }
            }
        }
    }
    assert fake.commands.get(None, []) == before, "a refused list registers nothing"
    status, stored = send(fake, "PUT", COMMANDS_PATH, [integer_command(SAFE)])
    assert status == 200 and stored[0]["options"][0]["max_value"] == SAFE
    one_past = send(fake, "PUT", COMMANDS_PATH, [integer_command(SAFE + 1)])
    refused_at(one_past, "0", "options", "0", "max_value")


# -- the same rules on every route the bot uses -------------------------------------------


def test_a_reply_in_an_interaction_callback_and_its_followup_are_held_to_the_spec(
    fake: FakeDiscord,
) -> None:
    callback = f"/interactions/{uuid.uuid4().int % 10**18}/tok/callback"
    long_title = {"embeds": [{"title": "t" * 300}]}
    in_callback = send(fake, "POST", callback, {"type": 4, "data": long_title})
    refused_at(in_callback, "data", "embeds", "0", "title")
    refused_at(send(fake, "POST", f"/webhooks/{APP_ID}/tok", long_title), "embeds", "0", "title")
    edit = f"/webhooks/{APP_ID}/tok/messages/@original"
    refused_at(send(fake, "PATCH", edit, long_title, multipart=True), "embeds", "0", "title")
    assert send(fake, "POST", callback, {"type": 5, "data": {"flags": 64}})[0] == 204


def test_a_multipart_upload_is_checked_by_its_payload_json(fake: FakeDiscord) -> None:
    body = {"embeds": [{"title": "t" * 300}], "attachments": [{"id": 0, "filename": "chart.png"}]}
    refused_at(send(fake, "POST", MESSAGES_PATH, body, multipart=True), "embeds", "0", "title")
    body["embeds"] = [{"title": "Chart", "image": {"url": "attachment://chart.png"}}]
    status, message = send(fake, "POST", MESSAGES_PATH, body, multipart=True)
    assert status == 200, message
    assert fake.of(lambda r: r.multipart and r.files == ["chart.png"] and not r.refused)


def test_a_modal_and_autocomplete_answers_keep_their_limits(fake: FakeDiscord) -> None:
    callback = f"/interactions/{uuid.uuid4().int % 10**18}/tok/callback"
    field = {"type": 4, "custom_id": "reason", "style": 1, "label": "Reason"}
    modal = {
        "custom_id": "m",
        "title": "T" * 46,
        "components": [{"type": 1, "components": [field]}],
    }
    refused_at(send(fake, "POST", callback, {"type": 9, "data": modal}), "data", "title")
    modal["title"] = "T" * 45
    assert send(fake, "POST", callback, {"type": 9, "data": modal})[0] == 204
    choices = [{"name": f"c{n}", "value": f"c{n}"} for n in range(26)]
    (error,) = refused_at(
        send(fake, "POST", callback, {"type": 8, "data": {"choices": choices}}), "data", "choices"
    )
    assert error["message"] == "Must be 25 or fewer in length."


def test_nulls_and_snowflakes_are_read_as_discord_reads_them(fake: FakeDiscord) -> None:
    nulls = {"content": "x", "embeds": [{"title": None, "footer": None}], "allowed_mentions": None}
    assert send(fake, "POST", MESSAGES_PATH, nulls)[0] == 200
    for recipient in ("1200000000000000003", 1200000000000000003):
        assert send(fake, "POST", "/users/@me/channels", {"recipient_id": recipient})[0] == 200
    (error, *_) = refused_at(
        send(fake, "POST", "/users/@me/channels", {"recipient_id": "me"}), "recipient_id"
    )
    assert error["code"] == "STRING_TYPE_REGEX"


# -- documented limits the spec does not encode --------------------------------------------


def test_all_embeds_of_a_message_hold_6000_characters(fake: FakeDiscord) -> None:
    body = {"embeds": [{"description": "d" * 3000}, {"description": "d" * 3001}]}
    (error,) = refused_at(send(fake, "POST", MESSAGES_PATH, body), "embeds")
    assert error == {
        "code": "MAX_EMBED_SIZE_EXCEEDED",
        "message": "Embed size exceeds maximum size of 6000",
    }
    body["embeds"][1]["description"] = "d" * 3000
    assert send(fake, "POST", MESSAGES_PATH, body)[0] == 200


def test_command_rules_the_spec_leaves_to_the_docs(fake: FakeDiscord) -> None:
    upper = integer_command(10) | {"name": "Confirm"}
    refused_at(send(fake, "PUT", COMMANDS_PATH, [upper]), "0", "name")
    twice = integer_command(10)
    refused_at(send(fake, "PUT", COMMANDS_PATH, [twice, twice]), "1", "name")
    late = integer_command(10)
    late["options"] = [
        {"type": 3, "name": "note", "description": "A note", "required": False},
        {"type": 3, "name": "reason", "description": "Why", "required": True},
    ]
    refused_at(send(fake, "PUT", COMMANDS_PATH, [late]), "0", "options", "1", "required")
    long_value = integer_command(10)
    long_value["options"] = [
        {
            "type": 3,
            "name": "style",
            "description": "A style",
            "choices": [{"name": "long", "value": "v" * 101}],
        }
    ]
    refused_at(
        send(fake, "PUT", COMMANDS_PATH, [long_value]), "0", "options", "0", "choices", "0", "value"
    )
    huge = {"type": 1, "name": "huge", "description": "d" * 100, "options": []}
    for n in range(25):
        choices = [{"name": f"{n}-{c}-" + "n" * 90, "value": f"{n}{c}"} for c in range(25)]
        huge["options"].append(
            {"type": 3, "name": f"o{n}", "description": "d" * 100, "choices": choices}
        )
    (error,) = refused_at(send(fake, "PUT", COMMANDS_PATH, [huge]), "0")
    assert error["code"] == "APPLICATION_COMMAND_TOO_LARGE"


# -- the contract itself -------------------------------------------------------------------


def test_the_vendored_spec_is_the_noted_commit_and_every_body_schema_resolves() -> None:
    notice = (SPEC_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert SPEC_COMMIT in notice and "discord/discord-api-spec" in notice
    assert "MIT License" in (SPEC_PATH.parent / "LICENSE").read_text(encoding="utf-8")
    checked = contract()
    with_bodies = [op for op in checked.operations if op.bodies]
    assert len(with_bodies) > 50
    for operation in with_bodies:
        for media in operation.bodies:
            # Resolving every $ref of the body: an unresolvable one raises here.
            list(checked.validator(operation, media).iter_errors({}))
    assert checked.operation("PATCH", "/webhooks/1/t/messages/@original").template.endswith(
        "@original"
    )
    assert checked.operation("PATCH", "/channels/1/messages/2").template == (
        "/channels/{channel_id}/messages/{message_id}"
    )


def test_discord_py_reads_the_refusal_as_discords(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)

    async def post() -> discord.HTTPException:
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login(TOKEN)
            channel = client.get_partial_messageable(int(CHANNEL_ID))
            with pytest.raises(discord.HTTPException) as refused:
                await channel.send(embed=discord.Embed(title="t" * 300))
            return refused.value
        finally:
            await client.close()

    with BackgroundLoop() as loop:
        error = loop.run(post())
    assert (error.status, error.code) == (400, 50035)
    assert "In embeds.0.title: Must be 256 or fewer in length." in error.text


# -- what the bot really sends ---------------------------------------------------------------


def test_the_declared_command_list_is_accepted(tmp_path: Path, fake: FakeDiscord) -> None:
    """The reproduction: ``/confirm``'s ``max_value`` of 2**62 had the whole list refused."""
    settings = discord_settings(tmp_path, fake)

    async def sync() -> list[dict[str, Any]]:
        with Core.open(settings=settings) as core:
            async_core = AsyncCore(core)
            adapter = DiscordAdapter(async_core, settings, sync_on_login=False)
            try:
                await adapter.client.login(TOKEN)
                await adapter.sync(force=True)
                return schema(adapter.tree, None)
            finally:
                await adapter.client.close()
                async_core.close()

    saved = discord.http.Route.BASE
    try:
        with BackgroundLoop() as loop:
            sent = loop.run(sync())
    finally:
        discord.http.Route.BASE = saved
    put = fake.of(lambda r: r.method == "PUT" and r.json == sent)
    assert put and put[-1].refused is None, put[-1].refused if put else "no PUT"
    assert sorted(c["name"] for c in fake.commands[None]) == sorted(COMMANDS)


def _echo(request: Request, text: str) -> Reply:
    return Reply(title=f"Echo: {text}")


def _longest(request: Request) -> Reply:
    command = "/echo " + "x" * (ACTION_COMMAND_MAX - len("/echo "))
    return Reply(title="A long button", actions=[Action(id="a", label="Echo", command=command)])


BUTTON_COMMANDS = {
    **COMMANDS,
    "echo": Command(
        name="echo",
        description="Test only: says the text back",
        handler=_echo,
        example="/echo hello",
        options=(Option("text", OptionType.TEXT, "What to say", greedy=True),),
    ),
    "longest": Command(
        name="longest",
        description="Test only: a button with the longest command",
        handler=_longest,
        example="/longest",
    ),
}


def test_the_longest_button_command_fits_its_custom_id_and_runs(tmp_path: Path) -> None:
    """An action's command may be ACTION_COMMAND_MAX long; its custom id must still fit."""
    with discord_stack(tmp_path, commands=BUTTON_COMMANDS) as stack:
        sent = stack.interact(slash_command("longest"))
        assert sent.refused is None, sent.refused
        (shown,) = sent.json["data"]["components"][0]["components"]
        assert len(shown["custom_id"]) <= 100
        pressed = stack.interact(button(shown["custom_id"], label=shown["label"])).json
        assert pressed["data"]["embeds"][0]["title"] == "Echo: " + "x" * (ACTION_COMMAND_MAX - 6)


def test_a_channel_message_edit_is_held_to_the_spec_and_to_the_messages_held(
    fake: FakeDiscord,
) -> None:
    """PATCH /channels/{channel.id}/messages/{message.id}: the body is checked against the
    spec's MessageEditRequestPartial; an id the channel does not hold is 404, Unknown
    Message (10008); a message someone else wrote is 403 (50005)."""
    status, posted = send(fake, "POST", MESSAGES_PATH, {"content": "card"})
    assert status == 200
    edit = f"{MESSAGES_PATH}/{posted['id']}"
    refused_at(
        send(fake, "PATCH", edit, {"embeds": [{"title": "t" * 300}]}), "embeds", "0", "title"
    )
    refused_at(send(fake, "PATCH", edit, {"flags": "urgent"}), "flags")
    refused_at(send(fake, "PATCH", edit, {"embeds": {"title": "t"}}), "embeds")
    refused_at(send(fake, "PATCH", edit, {"components": [{"type": 99}]}), "components", "0")
    assert fake.messages[posted["id"]]["content"] == "card"  # nothing refused was applied

    status, edited = send(fake, "PATCH", edit, {"embeds": [{"title": "checked"}]})
    assert status == 200 and edited["id"] == posted["id"]
    assert fake.messages[posted["id"]]["embeds"] == [{"title": "checked"}]

    for unknown in (
        f"{MESSAGES_PATH}/{int(posted['id']) + 1}",
        f"/channels/1/messages/{posted['id']}",
    ):
        status, answer = send(fake, "PATCH", unknown, {"content": "x"})
        assert (status, answer) == (404, {"message": "Unknown Message", "code": 10008})
    assert send(fake, "DELETE", edit, None)[0] == 204
    status, answer = send(fake, "PATCH", edit, {"content": "x"})
    assert (status, answer["code"]) == (404, 10008)

    foreign = message_object(author=user_object(MEMBER_ID))
    fake.messages[foreign["id"]] = foreign
    status, answer = send(fake, "PATCH", f"{MESSAGES_PATH}/{foreign['id']}", {"content": "x"})
    assert (status, answer["code"]) == (403, 50005)
