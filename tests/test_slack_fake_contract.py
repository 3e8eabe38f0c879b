"""The fake Slack refuses what Slack refuses, through real HTTP and the real slack_sdk client.

Every Slack test in the suite relies on this: the fake checks each ``blocks`` and ``view``
(``tests/fakes/slack_contract.py``) and ``slack_stack`` fails a test whose adapter sent
anything refused. Here each rule is shown to bite, answered as Slack answers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.reply import Action, Reply, ReplyField
from bot.slack.blocks import render_messages
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_contract import answer_errors


@pytest.fixture
def api() -> Iterator[FakeSlackAPI]:
    with BackgroundLoop() as loop:
        fake = FakeSlackAPI()
        loop.run(fake.start())
        try:
            yield fake
        finally:
            loop.run(fake.stop())


@pytest.fixture
def client(api: FakeSlackAPI) -> WebClient:
    return WebClient(token="xoxb-test-token", base_url=api.url, timeout=int(STEP_TIMEOUT))


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str = "Approve #1", action_id: str = "scalebot:run:a", value: str = "/x") -> Any:
    element = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    return {"type": "actions", "elements": [element]}


def modal(title: str = "/submit", **changes: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "scalebot_form",
        "title": plain(title),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": plain("Reason"),
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 300},
            }
        ],
    }
    return {**view, **changes}


VALID = [{"type": "header", "text": plain("Video")}, section("*Scale* 4.3M hours"), button()]

#: One broken message each (over a documented limit by one), and what the refusal names.
BROKEN_MESSAGES = {
    "button label of 100 (limit 75)": ([button(label="b" * 100)], "75"),
    "section text of 3,001 (limit 3,000)": ([section("s" * 3001)], "3001"),
    "header of 151 (limit 150)": ([{"type": "header", "text": plain("h" * 151)}], "150"),
    "action_id of 256 (limit 255)": ([button(action_id="a" * 256)], "255"),
    "button value of 2,001 (limit 2,000)": ([button(value="v" * 2001)], "2000"),
    "block_id of 256 (limit 255)": ([{**section("x"), "block_id": "b" * 256}], "255"),
    "51 blocks (limit 50)": ([section("x")] * 51, "no more than 50 items allowed"),
    "11 context elements (limit 10)": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "10",
    ),
    "11 section fields (limit 10)": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "10",
    ),
    "a section field of 2,001 (limit 2,000)": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "must be less than 2001 characters",
    ),
    "an empty section text": ([section("")], "must be more than 0 characters"),
    "a mrkdwn header": (
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "plain_text",
    ),
    "an unknown block type": ([{"type": "sectoin", "text": plain("x")}], "unsupported type"),
    "a null value": ([{**section("x"), "block_id": None}], "null"),
}


@pytest.mark.parametrize("method", ["chat_postMessage", "chat_postEphemeral", "chat_update"])
@pytest.mark.parametrize("case", sorted(BROKEN_MESSAGES))
def test_broken_blocks_are_refused_as_slack_does(
    api: FakeSlackAPI, client: WebClient, method: str, case: str
) -> None:
    blocks, named = BROKEN_MESSAGES[case]
    with pytest.raises(SlackApiError) as refused:
        getattr(client, method)(channel="C1", user="U1", ts="1.0", blocks=blocks, text="t")
    answer = refused.value.response
    assert answer.status_code == 200
    assert answer["ok"] is False and answer["error"] == "invalid_blocks"
    assert any(named in error and "[json-pointer:/blocks" in error for error in answer["errors"])
    messages = answer["response_metadata"]["messages"]
    assert messages == [f"[ERROR] {error}" for error in answer["errors"]]
    assert api.calls == [] and len(api.refusals) == 1


def test_a_valid_message_passes(api: FakeSlackAPI, client: WebClient) -> None:
    answer = client.chat_postMessage(channel="C1", blocks=VALID, text="Video: 4.3M hours")
    assert answer["ok"] is True
    assert [call.method for call in api.calls] == ["chat.postMessage"]
    assert api.refusals == []


def test_every_message_of_a_rendered_reply_passes(api: FakeSlackAPI, client: WebClient) -> None:
    """The renderer's own output, long enough to need several messages, is all taken."""
    reply = Reply(
        title="A title " * 30,
        summary="word " * 2000,
        fields=[ReplyField(name=f"n{i}", value="v " * 1500, inline=False) for i in range(60)],
        actions=[
            Action(id=f"a{i}", label="Approve " * 20, command=f"/approve {i}") for i in range(30)
        ],
    )
    messages = render_messages(reply)
    assert len(messages) > 1
    for message in messages:
        client.chat_postMessage(channel="C1", **message)
    assert api.refusals == [] and len(api.calls) == len(messages)


def test_blocks_without_a_top_level_text_are_refused(api: FakeSlackAPI, client: WebClient) -> None:
    """Slack only warns of this (and so does slack_sdk); the fake refuses it outright."""
    with pytest.warns(UserWarning, match="text"), pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", blocks=VALID)
    assert refused.value.response["error"] == "invalid_arguments"
    assert (
        "missing required field: text" in refused.value.response["response_metadata"]["messages"][0]
    )


@pytest.mark.parametrize(
    ("view", "named"),
    [
        (modal(title="t" * 25), "title"),
        (modal(submit=plain("s" * 25)), "submit"),
        (modal(close=plain("c" * 25)), "close"),
        (modal(blocks=[section("x")] * 101), "100"),
        (modal(private_metadata="m" * 3001), "private_metadata"),
        ({k: v for k, v in modal().items() if k != "submit"}, "submit"),
        (modal(blocks=[{**modal()["blocks"][0], "label": plain("l" * 2001)}]), "label"),
    ],
)
@pytest.mark.parametrize("method", ["views_open", "views_push"])
def test_a_broken_modal_is_refused_as_invalid_arguments(
    api: FakeSlackAPI, client: WebClient, method: str, view: dict[str, Any], named: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        getattr(client, method)(trigger_id="trigger.1", view=view)
    answer = refused.value.response
    assert answer["error"] == "invalid_arguments"
    messages = answer["response_metadata"]["messages"]
    assert messages[0] == "[ERROR] failed to match all allowed schemas [json-pointer:/view]"
    assert any(named in m and "[json-pointer:/view" in m for m in messages[1:]), messages
    assert api.calls == []


def test_a_valid_modal_opens_and_a_missing_argument_is_refused(
    api: FakeSlackAPI, client: WebClient
) -> None:
    assert client.views_open(trigger_id="trigger.1", view=modal())["ok"] is True
    assert client.views_update(view_id="V1", view=modal())["ok"] is True
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="", view=modal())
    messages = refused.value.response["response_metadata"]["messages"]
    assert refused.value.response["error"] == "invalid_arguments"
    assert messages == ["[ERROR] missing required field: trigger_id or interactivity_pointer"]


def test_a_response_url_refuses_as_an_incoming_webhook_does(api: FakeSlackAPI) -> None:
    webhook = WebhookClient(api.response_url("cmd1"), timeout=int(STEP_TIMEOUT))
    broken = webhook.send(text="t", blocks=[section("s" * 3001)])
    assert (broken.status_code, broken.body) == (400, "invalid_blocks")
    untitled = webhook.send(blocks=VALID)
    assert (untitled.status_code, untitled.body) == (400, "no_text")
    fine = webhook.send(text="Video: 4.3M hours", blocks=VALID, response_type="ephemeral")
    assert fine.status_code == 200
    assert [call.method for call in api.calls] == ["response:cmd1"]
    assert len(api.refusals) == 2


def test_an_acknowledgement_is_held_to_the_same_rules() -> None:
    """What the adapter answers in the HTTP response is checked as Slack checks it."""
    assert answer_errors({"text": "t", "blocks": VALID, "response_type": "ephemeral"}) == []
    assert answer_errors({"text": "t", "blocks": [button(label="b" * 100)]})
    assert answer_errors({"blocks": VALID})
    assert answer_errors({"response_action": "update", "view": modal(title="t" * 25)})
    assert answer_errors({"response_action": "errors", "errors": {"reason": "Too short"}}) == []


# -- chat.update and chat.delete act on the messages the fake holds --------------------------


def test_chat_update_edits_a_posted_message_as_slack_documents(
    api: FakeSlackAPI, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C1", blocks=VALID, text="Video: 4.3M hours")
    edited_blocks = [section("Video: *4.5M* hours")]
    answer = client.chat_update(
        channel="C1", ts=posted["ts"], blocks=edited_blocks, text="Video: 4.5M hours"
    )
    assert answer["ok"] is True
    assert (answer["channel"], answer["ts"], answer["text"]) == (
        "C1",
        posted["ts"],
        "Video: 4.5M hours",
    )
    assert answer["message"]["blocks"] == edited_blocks
    (held,) = api.in_channel("C1")
    assert (held["ts"], held["text"], held["blocks"]) == (
        posted["ts"],
        "Video: 4.5M hours",
        edited_blocks,
    )
    again = client.chat_postMessage(channel="C1", text="another")
    assert float(again["ts"]) > float(posted["ts"])  # every ts is new
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ok"] is True
    assert [m["ts"] for m in api.in_channel("C1")] == [again["ts"]]
    assert api.refusals == []


def test_chat_update_of_an_unknown_or_deleted_ts_is_message_not_found(
    api: FakeSlackAPI, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C1", text="soon gone")
    for ts, channel in (("1.000001", "C1"), (posted["ts"], "C2")):
        with pytest.raises(SlackApiError) as missing:
            client.chat_update(channel=channel, ts=ts, text="t")
        assert missing.value.response["error"] == "message_not_found"
    client.chat_delete(channel="C1", ts=posted["ts"])
    for call in (client.chat_update, client.chat_delete):
        with pytest.raises(SlackApiError) as gone:
            call(channel="C1", ts=posted["ts"], text="t")
        assert gone.value.response["error"] == "message_not_found"


def test_another_users_message_cannot_be_updated_or_deleted(
    api: FakeSlackAPI, client: WebClient
) -> None:
    theirs = api.keep({"channel": "C1", "text": "a member's message"}, "UOTHER01")
    with pytest.raises(SlackApiError) as update:
        client.chat_update(channel="C1", ts=theirs, text="t")
    assert update.value.response["error"] == "cant_update_message"
    with pytest.raises(SlackApiError) as delete:
        client.chat_delete(channel="C1", ts=theirs)
    assert delete.value.response["error"] == "cant_delete_message"
    assert api.in_channel("C1")[0]["text"] == "a member's message"


@pytest.mark.parametrize(
    ("method", "body", "missing"),
    [
        ("chat.update", {"channel": "C1", "text": "t"}, "ts"),
        ("chat.update", {"ts": "1.000001", "text": "t"}, "channel"),
        ("chat.delete", {"channel": "C1"}, "ts"),
    ],
)
def test_chat_update_and_delete_without_channel_or_ts_are_refused(
    api: FakeSlackAPI, client: WebClient, method: str, body: dict[str, Any], missing: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call(method, json=body)
    answer = refused.value.response
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [f"[ERROR] missing required field: {missing}"]
    assert api.calls == [] and len(api.refusals) == 1
