"""The Slack adapter end to end: real slack-bolt on 127.0.0.1, signed requests, fake Web API.

Every request goes over HTTP exactly as Slack sends it (form-encoded slash commands,
``payload=`` interactions, JSON events, all signed with the signing secret); every call
the adapter makes back (``views.open``, ``chat.postMessage``, ``response_url``) lands on
a fake Slack Web API that records it.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands import Permission
from bot.registry import COMMANDS
from bot.slack.blocks import render_messages
from tests.fakes.slack_api import BOT_USER, TEAM
from tests.fakes.slack_client import sign
from tests.helpers import assert_blocks_within_limits, block_text
from tests.slack_stack import SLACK_MEMBER, SLACK_MODERATOR, SlackStack, slack_stack

OBJAVERSE = '3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


def submit(slack: SlackStack, text: str = OBJAVERSE, user: str = SLACK_MEMBER) -> int:
    answer = slack.sender.command("/submit", text, user=user)
    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    header = body["blocks"][0]["text"]["text"]
    assert header.startswith("Submitted #")
    return int(header.removeprefix("Submitted #").split()[0])


# -- every command ----------------------------------------------------------------------

#: Each command a member may use -> the text after its name in the example it declares.
COMMAND_TEXT = {
    name: command.example.removeprefix(f"/{name}").strip()
    for name, command in COMMANDS.items()
    if command.permission is Permission.EVERYONE
}


@pytest.mark.parametrize("name", sorted(COMMAND_TEXT))
def test_every_public_command_answers_with_block_kit_within_limits(
    slack: SlackStack, name: str
) -> None:
    answer = slack.sender.command(f"/{name}", COMMAND_TEXT[name])
    assert answer.status == 200
    body = answer.json()
    if "blocks" not in body:
        # A command with a chart acknowledges at once while matplotlib is still to be
        # imported (the process's first chart); its answer follows on the response URL.
        assert body["text"] == "Working on it…"
        body = slack.api.wait_for(f"response:cmd{slack.sender.sent}")[0].body
    assert_blocks_within_limits(body["blocks"])
    assert body["blocks"][0]["type"] == "header"
    expected = slack.core.ask(f"/{name} {COMMAND_TEXT[name]}", f"slack:{SLACK_MODERATOR}")
    if name != "submit":  # a second submission gets the next id
        assert body["blocks"][0]["text"]["text"] == expected.title
    assert body["text"], "fallback text for notifications"
    public = name not in {"submit", "help"} or expected.visibility == "public"
    assert body["response_type"] == ("in_channel" if public else "ephemeral")


def test_domains_resolve_by_alias_and_case(slack: SlackStack) -> None:
    body = slack.sender.command("/scale", "T2V").json()
    assert body["blocks"][0]["text"]["text"] == "Video generation: scale and cost"


def test_scale_card_links_its_sources(slack: SlackStack) -> None:
    body = slack.sender.command("/scale", "video").json()
    text = block_text(body["blocks"])
    assert "millions of hours" in text
    assert "<https://arxiv.org/abs/2307.06942|" in text, "URL citations are links"


def test_errors_are_ephemeral_and_show_an_example(slack: SlackStack) -> None:
    body = slack.sender.command("/scale", "vidoe").json()
    assert body["response_type"] == "ephemeral"
    text = block_text(body["blocks"])
    assert "Did you mean `video`?" in text
    assert "Example: /scale video" in text


def test_umbrella_command_runs_every_command(slack: SlackStack) -> None:
    direct = slack.sender.command("/why", "3d").json()
    umbrella = slack.sender.command("/scalebot", "why 3d").json()
    assert umbrella["blocks"] == direct["blocks"]
    slashed = slack.sender.command("/scalebot", "/datasets 3d").json()
    assert slashed["blocks"][0]["text"]["text"] == "3D: datasets (largest first)"
    empty = slack.sender.command("/scalebot", "").json()
    assert empty["blocks"][0]["text"]["text"] == "scalebot commands"
    unknown = slack.sender.command("/scalebot", "scael video").json()
    assert "Did you mean /scale" in block_text(unknown["blocks"])


def test_long_reply_is_split_never_cut(slack: SlackStack) -> None:
    """A note at its 500-character limit survives whole through the review queue."""
    note = ("sizes " * 82).strip() + " end."
    assert len(note) <= 500
    point = submit(slack, f'{OBJAVERSE} note:"{note}"')
    body = slack.sender.command("/review", "", user=SLACK_MODERATOR).json()
    assert_blocks_within_limits(body["blocks"])
    text = block_text(body["blocks"])
    assert f"#{point}" in text
    assert note in text.replace("\n", " ")


# -- escaping ---------------------------------------------------------------------------


def test_mentions_in_user_text_stay_inert(slack: SlackStack) -> None:
    hostile = "<!channel> <@U0BOSS> <!here> & <https://evil.example|click>"
    point = submit(slack, f'3d "{hostile}" 5M objects https://example.org/p')
    for body in (
        slack.sender.command("/review", "", user=SLACK_MODERATOR).json(),
        slack.sender.command("/approve", str(point), user=SLACK_MODERATOR).json(),
        slack.sender.command("/datasets", "3d").json(),
    ):
        raw = json.dumps(body["blocks"]) + json.dumps(body["text"])
        assert "<!channel>" not in raw and "<!here>" not in raw
        assert "<@U0BOSS>" not in raw
        assert "&lt;!channel&gt;" in raw
        assert "&amp;" in raw


# -- signatures -------------------------------------------------------------------------


def test_forged_signature_is_refused_before_any_handler(slack: SlackStack) -> None:
    body = slack.sender.command_body("/submit", OBJAVERSE)
    stamp = int(time.time())
    forged = sign(body, stamp, secret="not-the-secret")
    answer = slack.sender.post(
        body, "application/x-www-form-urlencoded", timestamp=stamp, signature=forged
    )
    assert answer.status == 401
    assert slack.core.store.queue.pending_total() == 0


def test_stale_timestamp_is_refused(slack: SlackStack) -> None:
    body = slack.sender.command_body("/submit", OBJAVERSE)
    stale = int(time.time()) - 6 * 60
    answer = slack.sender.post(body, "application/x-www-form-urlencoded", timestamp=stale)
    assert answer.status == 401
    assert slack.core.store.queue.pending_total() == 0


def test_tampered_body_is_refused(slack: SlackStack) -> None:
    body = slack.sender.command_body("/submit", OBJAVERSE)
    stamp = int(time.time())
    signature = sign(body, stamp)
    tampered = body.replace(b"10.2M", b"99.9M")
    answer = slack.sender.post(
        tampered, "application/x-www-form-urlencoded", timestamp=stamp, signature=signature
    )
    assert answer.status == 401
    assert slack.core.store.queue.pending_total() == 0


def test_health_endpoint(slack: SlackStack) -> None:
    with urllib.request.urlopen(f"{slack.base_url}/health", timeout=5) as response:
        assert response.status == 200
        assert json.load(response)["status"] == "ok"


# -- mentions ---------------------------------------------------------------------------


def test_app_mention_asks_and_answers_in_thread(slack: SlackStack) -> None:
    answer = slack.sender.event(
        {
            "type": "app_mention",
            "user": SLACK_MEMBER,
            "text": f"<@{BOT_USER}> why does video scale",
            "ts": "1700000000.000100",
            "channel": "C0CHAN1",
            "team": TEAM,
            "event_ts": "1700000000.000100",
        }
    )
    assert answer.status == 200
    (post,) = slack.api.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0CHAN1"
    assert post.body["thread_ts"] == "1700000000.000100"
    assert post.body["blocks"][0]["text"]["text"].startswith("Best matches")
    assert post.token == "xoxb-test-token"


def test_app_mention_with_a_command(slack: SlackStack) -> None:
    slack.sender.event(
        {
            "type": "app_mention",
            "user": SLACK_MEMBER,
            "text": f"<@{BOT_USER}> /scale 3d",
            "ts": "1700000000.000200",
            "channel": "C0CHAN1",
            "team": TEAM,
            "event_ts": "1700000000.000200",
        }
    )
    (post,) = slack.api.wait_for("chat.postMessage")
    assert post.body["blocks"][0]["text"]["text"].startswith("3D")


# -- the submission modal ---------------------------------------------------------------


def open_submit_form(slack: SlackStack, text: str = "") -> dict[str, Any]:
    answer = slack.sender.command("/submit", text)
    assert answer.status == 200
    (call,) = slack.api.wait_for("views.open")
    assert call.body["trigger_id"].startswith("trigger.")
    return call.body["view"]


def test_submit_without_options_opens_the_form(slack: SlackStack) -> None:
    view = open_submit_form(slack)
    assert view["type"] == "modal"
    assert len(view["title"]["text"]) <= 24
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids == [o.name for o in COMMANDS["submit"].options]
    dataset = next(b for b in view["blocks"] if b["block_id"] == "dataset")
    assert dataset["element"]["max_length"] == COMMANDS["submit"].option("dataset").max_length
    assert slack.core.store.queue.pending_total() == 0


def test_partial_submit_prefills_the_form(slack: SlackStack) -> None:
    view = open_submit_form(slack, "video WebVid-10M")
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert by_id["domain"]["element"]["initial_option"]["value"] == "video"
    assert by_id["dataset"]["element"]["initial_value"] == "WebVid-10M"


def test_form_errors_come_back_onto_the_fields(slack: SlackStack) -> None:
    view = open_submit_form(slack)
    values = {
        "domain": "3d",
        "dataset": "Objaverse-XL",
        "quantity": "ten million",
        "unit": "objects",
        "source": "https://arxiv.org/abs/2307.05663",
    }
    answer = slack.sender.view_submission(view, values, SLACK_MEMBER)
    assert answer.status == 200
    body = answer.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"quantity"}
    assert "4.3M" in body["errors"]["quantity"]
    assert slack.core.store.queue.pending_total() == 0

    values |= {"quantity": "10.2M", "source": "ftp://example.org/objaverse"}
    body = slack.sender.view_submission(view, values, SLACK_MEMBER).json()
    assert set(body["errors"]) == {"source"}
    assert slack.core.store.queue.pending_total() == 0


def test_form_round_trip_stores_the_point_and_confirms(slack: SlackStack) -> None:
    view = open_submit_form(slack)
    values = {
        "domain": "3d",
        "dataset": "Objaverse-XL",
        "quantity": "10.2M",
        "unit": "objects",
        "source": "https://arxiv.org/abs/2307.05663",
        "year": "2023",
        "note": "from the paper's abstract",
    }
    answer = slack.sender.view_submission(view, values, SLACK_MEMBER)
    assert answer.status == 200
    assert answer.text in ("", "{}") or "errors" not in answer.json()
    (point,) = slack.core.store.queue.pending()
    assert (point.dataset, point.quantity, point.unit, point.year) == (
        "Objaverse-XL",
        10_200_000,
        "objects",
        2023,
    )
    assert point.submitted_by == f"slack:{SLACK_MEMBER}"
    assert point.platform == "slack"
    assert point.workspace == TEAM
    assert point.channel == "C0CHAN1"
    (confirmation,) = slack.api.wait_for("response:cmd1")
    assert f"Submitted #{point.id}" in confirmation.body["blocks"][0]["text"]["text"]
    assert confirmation.body["response_type"] == "ephemeral"


# -- review buttons ---------------------------------------------------------------------


def test_review_shows_buttons_for_moderators_only(slack: SlackStack) -> None:
    point = submit(slack)
    refused = slack.sender.command("/review", "", user=SLACK_MEMBER).json()
    assert refused["response_type"] == "ephemeral"
    assert "for moderators" in block_text(refused["blocks"])
    queue = slack.sender.command("/review", "", user=SLACK_MODERATOR).json()
    buttons = buttons_of(queue["blocks"])
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (f"scalebot:run:approve:{point}", f"/approve {point}"),
        (f"scalebot:ask:reject:{point}", f"/reject {point}"),
    ]


def buttons_of(blocks: list[dict]) -> list[dict]:
    """Every button of a message, as the adapter rendered it."""
    return [
        element for block in blocks if block["type"] == "actions" for element in block["elements"]
    ]


def review_button(slack: SlackStack, label: str) -> dict:
    """The button labelled ``label`` in the moderator's review queue."""
    queue = slack.sender.command("/review", "", user=SLACK_MODERATOR).json()
    return next(b for b in buttons_of(queue["blocks"]) if b["text"]["text"] == label)


def test_approve_button_by_moderator_updates_the_review_message(slack: SlackStack) -> None:
    point = submit(slack)
    answer = slack.sender.press(review_button(slack, f"Approve #{point}"), SLACK_MODERATOR)
    assert answer.status == 200
    (update,) = slack.api.wait_for("response:review")
    assert update.body["replace_original"] is True
    text = block_text(update.body["blocks"])
    assert f"Approved #{point}" in text
    assert f"slack:{SLACK_MODERATOR}" in text
    assert "Nothing to review" in text
    stored = slack.core.store.reads.get(point)
    assert stored is not None
    assert (stored.status, stored.reviewed_by) == ("approved", f"slack:{SLACK_MODERATOR}")


def test_buttons_are_refused_for_members(slack: SlackStack) -> None:
    point = submit(slack)
    for label in (f"Approve #{point}", f"Reject #{point}"):
        name = label.replace(" #", "-")
        slack.sender.press(review_button(slack, label), SLACK_MEMBER, response_name=name)
        (refusal,) = slack.api.wait_for(f"response:{name}")
        assert refusal.body["replace_original"] is False
        assert "for moderators" in block_text(refusal.body["blocks"])
    assert slack.api.of("views.open") == []
    stored = slack.core.store.reads.get(point)
    assert stored is not None and stored.status == "pending"
    assert [entry.action for entry in slack.core.store.history.audit_log(point)] == ["submit"]


def test_reject_button_asks_for_a_reason_then_updates(slack: SlackStack) -> None:
    point = submit(slack)
    slack.sender.press(review_button(slack, f"Reject #{point}"), SLACK_MODERATOR)
    (call,) = slack.api.wait_for("views.open")
    view = call.body["view"]
    assert view["blocks"][0]["block_id"] == "reason"
    assert view["title"]["text"] == f"Reject #{point}"

    too_long = "x" * 501
    body = slack.sender.view_submission(view, {"reason": too_long}, SLACK_MODERATOR).json()
    assert body["response_action"] == "errors" and "reason" in body["errors"]
    assert slack.core.store.reads.get(point).status == "pending"

    answer = slack.sender.view_submission(
        view, {"reason": "the source counts clips, not objects"}, SLACK_MODERATOR
    )
    assert answer.status == 200
    (update,) = slack.api.wait_for("response:review")
    assert update.body["replace_original"] is True
    assert f"Rejected #{point}" in block_text(update.body["blocks"])
    stored = slack.core.store.reads.get(point)
    assert stored.status == "rejected"
    assert stored.review_note == "the source counts clips, not objects"


def test_a_point_submitted_on_slack_is_seen_on_the_console(slack: SlackStack) -> None:
    point = submit(slack)
    slack.sender.command("/approve", str(point), user=SLACK_MODERATOR)
    reply = slack.core.ask("/datasets 3d", "console:alice")
    assert any("Objaverse-XL" in item for item in reply.items)


# -- confirmations and disputes ----------------------------------------------------------


def test_confirm_counts_another_members_word_once(slack: SlackStack) -> None:
    point = submit(slack)
    own = slack.sender.command("/confirm", str(point), user=SLACK_MEMBER).json()
    assert own["response_type"] == "ephemeral"
    assert "Your own figure" in block_text(own["blocks"])
    confirmed = slack.sender.command("/confirm", str(point), user=SLACK_MODERATOR).json()
    assert confirmed["response_type"] == "in_channel"
    assert_blocks_within_limits(confirmed["blocks"])
    assert f"Confirmed #{point}" in block_text(confirmed["blocks"])
    again = slack.sender.command("/confirm", str(point), user=SLACK_MODERATOR).json()
    assert "Already counted" in block_text(again["blocks"])
    assert slack.core.store.queue.confirmations(point) == 1


def test_auto_approval_by_confirmations_on_slack(tmp_path: Path) -> None:
    with slack_stack(tmp_path, auto_approve_confirmations=1) as stack:
        point = submit(stack)
        body = stack.sender.command("/confirm", str(point), user="UOTHER01").json()
        assert "enough to approve it" in block_text(body["blocks"])
        stored = stack.core.store.reads.get(point)
        assert stored is not None and stored.status == "approved"
        assert stack.core.store.history.audit_log(point)[-1].action == "auto-approve"


def largest_3d(slack: SlackStack) -> int:
    point = slack.core.store.reads.largest("3d", "objects")
    assert point is not None
    return point.id


def test_a_flagged_figure_reads_disputed_and_waits_under_disputed(slack: SlackStack) -> None:
    top = largest_3d(slack)
    flagged = slack.sender.command("/flag", f"{top} the page counts renders").json()
    assert flagged["response_type"] == "in_channel"
    assert f"Flagged #{top}" in block_text(flagged["blocks"])
    for command, text in (("/scale", "3d"), ("/datasets", "3d")):
        body = slack.sender.command(command, text).json()
        assert "(disputed (1))" in block_text(body["blocks"]), command

    queue = slack.sender.command("/review", "", user=SLACK_MODERATOR).json()
    assert_blocks_within_limits(queue["blocks"])
    text = block_text(queue["blocks"])
    assert "*Disputed*" in text and "the page counts renders" in text
    assert [(b["action_id"], b["value"]) for b in buttons_of(queue["blocks"])] == [
        (f"scalebot:ask:keep:{top}", f"/approve {top}"),
        (f"scalebot:ask:withdraw:{top}", f"/reject {top}"),
    ]


def test_the_withdraw_button_asks_why_and_the_previous_figure_is_current(
    slack: SlackStack,
) -> None:
    before = largest_3d(slack)
    newer = submit(slack, '3d "Objaverse-XL" 40M objects https://example.org/newer year:2026')
    slack.sender.command("/approve", str(newer), user=SLACK_MODERATOR)
    slack.sender.command("/flag", f"{newer} the page counts scenes")
    slack.sender.press(review_button(slack, f"Withdraw #{newer}"), SLACK_MODERATOR)
    (call,) = slack.api.wait_for("views.open")
    view = call.body["view"]
    assert view["title"]["text"] == f"Withdraw #{newer}"
    assert view["blocks"][0]["block_id"] == "reason"
    slack.sender.view_submission(view, {"reason": "it counts scenes"}, SLACK_MODERATOR)
    (update,) = slack.api.wait_for("response:review")
    assert update.body["replace_original"] is True
    text = block_text(update.body["blocks"])
    assert f"Withdrew #{newer}" in text and "is current again" in text
    assert largest_3d(slack) == before


def test_the_keep_button_asks_for_a_note_and_clears_the_flags(slack: SlackStack) -> None:
    top = largest_3d(slack)
    slack.sender.command("/flag", f"{top} the page counts renders")
    slack.sender.press(review_button(slack, f"Keep #{top}"), SLACK_MODERATOR)
    (call,) = slack.api.wait_for("views.open")
    view = call.body["view"]
    assert view["blocks"][0]["block_id"] == "note" and view["blocks"][0]["optional"] is True
    slack.sender.view_submission(view, {}, SLACK_MODERATOR)  # the note left empty
    (update,) = slack.api.wait_for("response:review")
    assert f"Kept #{top}" in block_text(update.body["blocks"])
    stored = slack.core.store.reads.get(top)
    assert stored is not None and (stored.status, stored.disputes) == ("approved", 0)
    kept = slack.core.store.history.audit_log(top)[-1]
    assert (kept.action, kept.details) == ("keep", {"note": None, "cleared": 1})


def test_a_full_queue_with_disputes_stays_within_block_kits_limits(slack: SlackStack) -> None:
    note = ("sizes " * 82).strip() + " end."
    for n in range(12):
        submit(slack, f'3d "Queued {n}" {n + 1}M objects https://example.org/q{n} note:"{note}"')
    for point in slack.core.store.reads.largest_in_unit("3d", "objects", 5):
        reason = ("renders " * 36).strip()
        slack.sender.command("/flag", f"{point.id} {reason}")
    answer = slack.sender.command("/review", "", user=SLACK_MODERATOR).json()
    drawn = render_messages(slack.core.ask("/review", f"slack:{SLACK_MODERATOR}"))
    rest = drawn[1:] and slack.api.wait_for(f"response:cmd{slack.sender.sent}", len(drawn) - 1)
    messages = [answer, *(call.body for call in rest)]
    assert len(messages) == len(drawn)
    for message in messages:
        assert_blocks_within_limits(message["blocks"])
    buttons = [b for message in messages for b in buttons_of(message["blocks"])]
    assert len(buttons) == 20
    assert sum("keep:" in b["action_id"] for b in buttons) == 4


# -- Socket Mode ------------------------------------------------------------------------


def test_socket_mode_answers_a_slash_command_over_the_websocket(tmp_path: Path) -> None:
    """With SLACK_APP_TOKEN set, the app dials the apps.connections.open URL instead."""
    with slack_stack(tmp_path, slack_app_token="xapp-1-test") as stack:
        assert stack.service.transport == "socket-mode"
        stack.loop.run(stack.api.wait_for_socket())
        (opened,) = stack.api.of("apps.connections.open")
        assert opened.token == "xapp-1-test"
        payload = {
            "team_id": TEAM,
            "channel_id": "C0CHAN1",
            "user_id": SLACK_MEMBER,
            "command": "/datasets",
            "text": "3d",
            "response_url": stack.api.response_url("socket"),
            "trigger_id": "trigger.socket",
        }
        answer = stack.loop.run(stack.api.envelope("slash_commands", payload))
        assert answer["payload"]["response_type"] == "in_channel"
        assert answer["payload"]["blocks"][0]["text"]["text"] == "3D: datasets (largest first)"
