"""The Discord adapter end to end: real discord.py against a fake Discord on 127.0.0.1.

Interactions are dispatched through the fake gateway exactly as Discord shapes them;
assertions are on what the bot sent back over REST (interaction callbacks, follow-ups,
the synced schema), and on the database.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord.embeds import rendered
from tests.discord_stack import (
    EPHEMERAL,
    DiscordStack,
    discord_settings,
    discord_stack,
    running_discord,
)
from tests.fakes.discord.markdown import live_masked_links, rendered_markdown, shown_as
from tests.fakes.discord.objects import (
    APP_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    message_object,
    user_object,
)
from tests.fakes.discord.payloads import (
    autocomplete,
    button,
    modal_submit,
    option,
    slash_command,
)
from tests.helpers import assert_embeds_within_limits

CHANNEL_MESSAGE = 4
DEFERRED = 5
AUTOCOMPLETE_RESULT = 8
MODAL = 9
UPDATE_MESSAGE = 7
NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path_factory.mktemp("discord")) as running:
        yield running


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[DiscordStack]:
    """A stack of its own, for tests that change the ledger."""
    with discord_stack(tmp_path) as running:
        yield running


def assert_message_within_limits(message: dict[str, Any]) -> None:
    assert_embeds_within_limits(message.get("embeds", []))
    assert message["allowed_mentions"] == {"parse": []}


def answer(stack: DiscordStack, payload: dict[str, Any]) -> dict[str, Any]:
    """The message an interaction is answered with: in the callback, or after a deferral.

    A command with a chart defers at once while matplotlib is still to be imported (the
    first chart of a process), then edits its answer in; either way it is one message.
    """
    callback = stack.interact(payload).json
    if callback["type"] == DEFERRED:
        edited = stack.fake.wait_for(
            rf"^PATCH /webhooks/\d+/{payload['token']}/messages/@original$"
        )
        assert_message_within_limits(edited[0].json)
        return edited[0].json
    assert callback["type"] == CHANNEL_MESSAGE, callback
    assert_message_within_limits(callback["data"])
    return callback["data"]


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message["embeds"], ensure_ascii=False)


# -- schema --------------------------------------------------------------------------------


def test_commands_are_synced_once_with_a_valid_schema(stack: DiscordStack) -> None:
    puts = stack.fake.of(r"^PUT /applications/\d+/commands$")
    assert len(puts) == 1
    commands = puts[0].json
    assert {c["name"] for c in commands} == set(stack.core.commands)
    for command in commands:
        assert NAME.match(command["name"]) and command["name"] == command["name"].lower()
        assert 1 <= len(command["description"]) <= 100
        options = command.get("options", [])
        assert len(options) <= 25
        required = [o.get("required", False) for o in options]
        assert required == sorted(required, reverse=True), "required options come first"
        for opt in options:
            assert NAME.match(opt["name"]) and 1 <= len(opt["description"]) <= 100
            assert len(opt.get("choices", [])) <= 25
        assert len(json.dumps(command)) <= 8000
    by_name = {c["name"]: c for c in commands}
    domain = next(o for o in by_name["scale"]["options"] if o["name"] == "domain")
    assert domain["type"] == 3 and domain["autocomplete"] is True and domain["required"]
    submit = by_name["submit"]["options"]
    assert [o["name"] for o in submit if o.get("required")] == ["domain"]


def test_a_restart_with_the_same_schema_does_not_sync_again(
    fresh: DiscordStack, tmp_path: Path
) -> None:
    before = len(fresh.fake.of(r"^PUT /applications/"))
    fresh.loop.run(fresh.service.stop())
    settings = discord_settings(tmp_path, fresh.fake)
    with running_discord(settings, fresh.loop, fresh.core) as second:
        fresh.loop.run(fresh.fake.wait_connected())
        assert second.adapter.synced == 0
        reply = answer(fresh, slash_command("scale", {"domain": "llm"}))
        assert "LLM" in reply["embeds"][0]["title"]
    assert len(fresh.fake.of(r"^PUT /applications/")) == before
    assert len(fresh.fake.of(r"^GET /applications/\d+/commands$")) == 2


def test_a_gateway_reconnect_does_not_sync(stack: DiscordStack) -> None:
    gets = len(stack.fake.of(r"^GET /applications/\d+/commands$"))
    puts = len(stack.fake.of(r"^PUT /applications/"))
    resumes = stack.fake.resume_count
    stack.loop.run(stack.fake.drop_connection())
    stack.loop.run(stack.fake.wait_for_resume(resumes + 1))
    stack.loop.run(stack.fake.wait_connected())
    assert len(stack.fake.of(r"^GET /applications/\d+/commands$")) == gets
    assert len(stack.fake.of(r"^PUT /applications/")) == puts
    reply = answer(stack, slash_command("domains"))
    assert "video" in text_of(reply)


# -- commands ------------------------------------------------------------------------------


def test_scale_answers_with_a_domain_embed(stack: DiscordStack) -> None:
    reply = answer(stack, slash_command("scale", {"domain": "video"}))
    first = reply["embeds"][0]
    assert "Video" in first["title"]
    assert first["color"] == int(stack.core.library.resolve("video").colour.lstrip("#"), 16)
    assert "The Scaling Template" in first["footer"]["text"]
    assert not reply.get("flags", 0) & EPHEMERAL


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("compare", {"first": "3d", "second": "llm"}, "3D"),
        ("domains", {}, "self-driving"),
        ("why", {}, "Scaling Template"),
        ("why", {"domain": "3d"}, "3D"),
        ("ask", {"question": "why does 3d lack data"}, "3D"),
        ("datasets", {"domain": "video", "sort": "newest"}, "Panda-70M"),
        ("datasets", {"domain": "llm", "page": 1}, "FineWeb"),
        ("help", {}, "/submit"),
        ("help", {"command": "compare"}, "/compare"),
    ],
)
def test_every_read_command_answers_in_an_embed(
    stack: DiscordStack, name: str, options: dict[str, Any], expected: str
) -> None:
    reply = answer(stack, slash_command(name, options))
    assert expected in text_of(reply)


def test_a_command_works_in_a_dm(stack: DiscordStack) -> None:
    reply = answer(stack, slash_command("scale", {"domain": "3d"}, guild=False))
    assert "3D" in reply["embeds"][0]["title"]


def test_an_unknown_domain_is_a_private_error_with_a_suggestion(stack: DiscordStack) -> None:
    reply = answer(stack, slash_command("scale", {"domain": "vidoe"}))
    assert reply["flags"] & EPHEMERAL
    assert "video" in text_of(reply) and "Example" in text_of(reply)


def test_domain_autocomplete_offers_matching_domains(stack: DiscordStack) -> None:
    callback = stack.interact(autocomplete("scale", {"domain": "vi"}, focused="domain")).json
    assert callback["type"] == AUTOCOMPLETE_RESULT
    values = [c["value"] for c in callback["data"]["choices"]]
    assert values[0] == "video"
    assert all(len(c["name"]) <= 100 for c in callback["data"]["choices"])
    everything = stack.interact(autocomplete("compare", {"first": ""}, focused="first")).json
    assert len(everything["data"]["choices"]) == len(stack.core.library.domains)


def test_unit_autocomplete_offers_canonical_units(stack: DiscordStack) -> None:
    payload = autocomplete(
        "submit", [option("domain", "3d"), option("unit", "obj")], focused="unit"
    )
    callback = stack.interact(payload).json
    assert [c["value"] for c in callback["data"]["choices"]] == ["objects"]


def test_dataset_autocomplete_offers_ledger_names_of_the_domain(stack: DiscordStack) -> None:
    payload = autocomplete(
        "submit", [option("domain", "3d"), option("dataset", "objav")], focused="dataset"
    )
    callback = stack.interact(payload).json
    assert [c["value"] for c in callback["data"]["choices"]] == ["Objaverse 1.0", "Objaverse-XL"]
    elsewhere = autocomplete(
        "submit", [option("domain", "llm"), option("dataset", "objav")], focused="dataset"
    )
    assert stack.interact(elsewhere).json["data"]["choices"] == []


def test_domain_autocomplete_finds_aliases(stack: DiscordStack) -> None:
    payload = autocomplete("scale", {"domain": "gauss"}, focused="domain")
    choices = stack.interact(payload).json["data"]["choices"]
    assert [c["value"] for c in choices] == ["gaussian splatting"]
    assert "3D" in choices[0]["name"]


# -- submissions ---------------------------------------------------------------------------

FULL_SUBMISSION = {
    "domain": "3d",
    "dataset": "Objaverse-XXL",
    "quantity": "20M",
    "unit": "objects",
    "source": "https://example.org/objaverse-xxl",
    "year": 2025,
}


def test_a_submission_given_inline_needs_no_modal(fresh: DiscordStack) -> None:
    reply = answer(fresh, slash_command("submit", FULL_SUBMISSION))
    found = re.search(r"#(\d+)", text_of(reply))
    assert found
    point = fresh.core.store.reads.get(int(found[1]))
    assert point is not None and point.status == "pending"
    assert point.submitted_by == f"discord:{MEMBER_ID}" and point.platform == "discord"
    assert point.dataset == "Objaverse-XXL" and point.quantity == 20_000_000


def test_a_partial_submission_opens_a_modal_for_what_is_missing(fresh: DiscordStack) -> None:
    callback = fresh.interact(slash_command("submit", {"domain": "video", "unit": "hours"})).json
    assert callback["type"] == MODAL
    modal = callback["data"]
    assert len(modal["title"]) <= 45
    inputs = [row["components"][0] for row in modal["components"]]
    ids = [i["custom_id"] for i in inputs]
    assert ids == ["dataset", "quantity", "source", "year", "note"]
    assert all(len(i["label"]) <= 45 for i in inputs)

    values = {
        "dataset": "Lab Clips",
        "quantity": "1.5M",
        "source": "https://example.org/lab-clips",
        "year": "2024",
        "note": "",
    }
    reply = answer(fresh, modal_submit(modal["custom_id"], values))
    found = re.search(r"#(\d+)", text_of(reply))
    assert found
    point = fresh.core.store.reads.get(int(found[1]))
    assert point is not None
    assert (point.domain, point.unit, point.quantity, point.year) == (
        "video",
        "hours",
        1_500_000,
        2024,
    )


def test_an_invalid_modal_keeps_what_was_typed_and_stores_nothing(fresh: DiscordStack) -> None:
    callback = fresh.interact(slash_command("submit", {"domain": "video"})).json
    modal = callback["data"]
    before = fresh.core.store.reads.totals().get("pending", 0)
    values = {
        "dataset": "Lab Clips",
        "quantity": "lots",
        "unit": "hours",
        "source": "https://example.org/lab-clips",
        "year": "",
    }
    reply = answer(fresh, modal_submit(modal["custom_id"], values))
    assert reply["flags"] & EPHEMERAL
    shown = text_of(reply)
    assert "quantity" in shown and "lots" in shown and "Lab Clips" in shown
    assert "https://example.org/lab-clips" in shown
    assert fresh.core.store.reads.totals().get("pending", 0) == before


def test_mentions_in_submitted_text_stay_inert(fresh: DiscordStack) -> None:
    sneaky = {**FULL_SUBMISSION, "dataset": "@everyone <@&1500000000000000001> set"}
    answer(fresh, slash_command("submit", sneaky))
    reply = answer(fresh, slash_command("review", user_id=MODERATOR_ID))
    shown = text_of(reply)
    assert "@\u200beveryone" in shown and "@\u200b&1500000000000000001" in shown
    assert "@everyone" not in shown


#: Issue 19: discord.py's own escape left the second masked link on a line live.
TWO_LINKS = "[a](https://example.org) [Official](https://evil.example)"


def assert_no_live_link(message: dict[str, Any]) -> None:
    for embed in message["embeds"]:
        for shown in rendered_markdown(embed):
            assert live_masked_links(shown) == [], shown


def test_masked_links_in_names_and_reasons_are_text_in_review(fresh: DiscordStack) -> None:
    submitted = answer(fresh, slash_command("submit", {**FULL_SUBMISSION, "dataset": TWO_LINKS}))
    top = _largest_3d(fresh)
    flagged = answer(fresh, slash_command("flag", {"id": top, "reason": TWO_LINKS}))
    queue = answer(fresh, slash_command("review", user_id=MODERATOR_ID))
    for message in (submitted, flagged, queue):
        assert_no_live_link(message)
    # Shown as typed: both labels and both addresses are there to read.
    shown = [shown_as(text) for embed in queue["embeds"] for text in rendered_markdown(embed)]
    assert sum(TWO_LINKS in text for text in shown) == 2, shown


# -- review --------------------------------------------------------------------------------


def _submit(stack: DiscordStack, dataset: str) -> int:
    reply = answer(stack, slash_command("submit", {**FULL_SUBMISSION, "dataset": dataset}))
    found = re.search(r"#(\d+)", text_of(reply))
    assert found
    return int(found[1])


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components", []) for c in row["components"]]


def test_review_lists_pending_points_with_buttons_for_moderators(fresh: DiscordStack) -> None:
    point_id = _submit(fresh, "Queue Set")
    reply = answer(fresh, slash_command("review", user_id=MODERATOR_ID))
    assert reply["flags"] & EPHEMERAL
    ids = [b["custom_id"] for b in _buttons(reply)]
    assert f"scalebot:run:/approve {point_id}" in ids
    assert f"scalebot:ask:/reject {point_id}" in ids
    assert all(len(b["label"]) <= 80 and len(b["custom_id"]) <= 100 for b in _buttons(reply))


def review_button(stack: DiscordStack, label: str) -> str:
    """The custom id of the button labelled ``label`` in the moderator's review queue."""
    reply = answer(stack, slash_command("review", user_id=MODERATOR_ID))
    return next(b["custom_id"] for b in _buttons(reply) if b["label"] == label)


def test_review_is_refused_to_members(fresh: DiscordStack) -> None:
    reply = answer(fresh, slash_command("review", user_id=MEMBER_ID))
    assert reply["flags"] & EPHEMERAL
    assert "moderator" in text_of(reply).lower()
    assert not _buttons(reply)


def test_a_moderator_approves_with_the_button(fresh: DiscordStack) -> None:
    point_id = _submit(fresh, "Approve Me")
    pressed = review_button(fresh, f"Approve #{point_id}")
    callback = fresh.interact(button(pressed, user_id=MODERATOR_ID)).json
    assert callback["type"] == UPDATE_MESSAGE
    shown = json.dumps(callback["data"]["embeds"])
    assert "Decided by" in shown and MODERATOR_ID in shown
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    point = fresh.core.store.reads.get(point_id)
    assert point is not None and point.status == "approved"
    assert point.reviewed_by == f"discord:{MODERATOR_ID}"


def test_a_member_pressing_approve_is_refused_and_nothing_changes(fresh: DiscordStack) -> None:
    point_id = _submit(fresh, "Not Yours")
    pressed = review_button(fresh, f"Approve #{point_id}")
    reply = answer(fresh, button(pressed, user_id=MEMBER_ID))
    assert reply["flags"] & EPHEMERAL and "moderator" in text_of(reply).lower()
    point = fresh.core.store.reads.get(point_id)
    assert point is not None and point.status == "pending"


def test_reject_asks_for_a_reason_then_records_it(fresh: DiscordStack) -> None:
    point_id = _submit(fresh, "Reject Me")
    pressed = review_button(fresh, f"Reject #{point_id}")
    callback = fresh.interact(
        button(pressed, user_id=MODERATOR_ID, label=f"Reject #{point_id}")
    ).json
    assert callback["type"] == MODAL
    modal = callback["data"]
    assert modal["title"] == f"Reject #{point_id}"
    done = fresh.interact(
        modal_submit(modal["custom_id"], {"reason": "source is a blog"}, user_id=MODERATOR_ID)
    ).json
    assert done["type"] in (UPDATE_MESSAGE, CHANNEL_MESSAGE)
    point = fresh.core.store.reads.get(point_id)
    assert point is not None and point.status == "rejected"
    assert point.review_note == "source is a blog"


def test_review_buttons_survive_a_restart(fresh: DiscordStack, tmp_path: Path) -> None:
    """A button from a message posted before the restart still decides its point."""
    point_id = _submit(fresh, "Old Button")
    pressed = review_button(fresh, f"Approve #{point_id}")
    fresh.loop.run(fresh.service.stop())
    settings = discord_settings(tmp_path, fresh.fake)
    with running_discord(settings, fresh.loop, fresh.core):
        fresh.loop.run(fresh.fake.wait_connected())
        callback = fresh.interact(button(pressed, user_id=MODERATOR_ID)).json
        assert callback["type"] == UPDATE_MESSAGE
    point = fresh.core.store.reads.get(point_id)
    assert point is not None and point.status == "approved"


def test_every_message_carries_no_mentions(fresh: DiscordStack) -> None:
    answer(fresh, slash_command("scale", {"domain": "llm"}))
    answer(fresh, slash_command("why", {}))
    for request in fresh.fake.of(r"/callback$"):
        body = request.json or {}
        if body.get("type") in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            assert body["data"]["allowed_mentions"] == {"parse": []}


def test_the_bot_user_is_the_application(stack: DiscordStack) -> None:
    assert stack.service.client.application_id == int(APP_ID)


# -- confirmations and disputes ------------------------------------------------------------


def _largest_3d(stack: DiscordStack) -> int:
    point = stack.core.store.reads.largest("3d", "objects")
    assert point is not None
    return point.id


def test_confirm_is_refused_for_your_own_point_and_counted_for_others(fresh: DiscordStack) -> None:
    point_id = _submit(fresh, "Confirmed Set")
    own = answer(fresh, slash_command("confirm", {"id": point_id}))
    assert own["flags"] & EPHEMERAL and "Your own figure" in text_of(own)
    vouched = answer(fresh, slash_command("confirm", {"id": point_id}, user_id=MODERATOR_ID))
    assert not vouched.get("flags", 0) & EPHEMERAL
    assert f"Confirmed #{point_id}" in text_of(vouched)
    again = answer(fresh, slash_command("confirm", {"id": point_id}, user_id=MODERATOR_ID))
    assert again["flags"] & EPHEMERAL and "Already counted" in text_of(again)


def test_a_flag_shows_disputed_and_the_queue_offers_keep_and_withdraw(fresh: DiscordStack) -> None:
    top = _largest_3d(fresh)
    flagged = answer(fresh, slash_command("flag", {"id": top, "reason": "counts renders"}))
    assert f"Flagged #{top}" in text_of(flagged)
    for name in ("scale", "datasets"):
        assert "(disputed (1))" in text_of(answer(fresh, slash_command(name, {"domain": "3d"})))
    queue = answer(fresh, slash_command("review", user_id=MODERATOR_ID))
    assert '"name": "Disputed"' in text_of(queue) and "counts renders" in text_of(queue)
    assert [(b["label"], b["custom_id"]) for b in _buttons(queue)] == [
        (f"Keep #{top}", f"scalebot:ask:/approve {top}"),
        (f"Withdraw #{top}", f"scalebot:ask:/reject {top}"),
    ]


def test_keep_asks_for_an_optional_note_and_clears_the_flags(fresh: DiscordStack) -> None:
    top = _largest_3d(fresh)
    answer(fresh, slash_command("flag", {"id": top, "reason": "counts renders"}))
    pressed = review_button(fresh, f"Keep #{top}")
    callback = fresh.interact(button(pressed, user_id=MODERATOR_ID, label=f"Keep #{top}")).json
    assert callback["type"] == MODAL
    modal = callback["data"]
    (field,) = [c for row in modal["components"] for c in row["components"]]
    assert field["custom_id"] == "note" and field["required"] is False
    done = fresh.interact(modal_submit(modal["custom_id"], {"note": ""}, user_id=MODERATOR_ID)).json
    assert f"Kept #{top}" in json.dumps(done["data"]["embeds"])
    point = fresh.core.store.reads.get(top)
    assert point is not None and (point.status, point.disputes) == ("approved", 0)


def test_withdraw_asks_why_and_the_previous_figure_is_current_again(fresh: DiscordStack) -> None:
    before = _largest_3d(fresh)
    newer = _submit(fresh, "Objaverse-XL")
    answer(fresh, slash_command("approve", {"id": newer}, user_id=MODERATOR_ID))
    assert _largest_3d(fresh) == newer
    answer(fresh, slash_command("flag", {"id": newer, "reason": "counts scenes"}))
    pressed = review_button(fresh, f"Withdraw #{newer}")
    modal = fresh.interact(button(pressed, user_id=MODERATOR_ID, label=f"Withdraw #{newer}")).json[
        "data"
    ]
    assert modal["title"] == f"Withdraw #{newer}"
    done = fresh.interact(
        modal_submit(modal["custom_id"], {"reason": "it counts scenes"}, user_id=MODERATOR_ID)
    ).json
    shown = json.dumps(done["data"]["embeds"])
    assert f"Withdrew #{newer}" in shown and "is current again" in shown
    assert _largest_3d(fresh) == before


def test_a_full_queue_with_disputes_stays_within_discords_limits(fresh: DiscordStack) -> None:
    note = ("sizes " * 82).strip() + " end."
    for n in range(12):
        queued = {**FULL_SUBMISSION, "dataset": f"Queued {n}", "note": note}
        answer(fresh, slash_command("submit", queued))
    reason = ("renders " * 36).strip()
    for point in fresh.core.store.reads.largest_in_unit("3d", "objects", 5):
        answer(fresh, slash_command("flag", {"id": point.id, "reason": reason}))
    payload = slash_command("review", user_id=MODERATOR_ID)
    first = fresh.interact(payload).json
    assert first["type"] == CHANNEL_MESSAGE
    drawn = rendered(fresh.core.ask("/review", f"discord:{MODERATOR_ID}"))
    rest = [r.json for r in fresh.followups(payload, len(drawn) - 1)] if len(drawn) > 1 else []
    messages = [first["data"], *rest]
    assert len(messages) > 1, "the queue is split across messages, never cut"
    for message in messages:
        assert_message_within_limits(message)
    buttons = [b for message in messages for b in _buttons(message)]
    assert len(buttons) == 20
    assert sum(b["label"].startswith("Keep") for b in buttons) == 4


# -- mentions and slow work ----------------------------------------------------------------


def _mention(text: str, author_id: str = MEMBER_ID) -> dict[str, Any]:
    """A MESSAGE_CREATE in the guild channel that mentions the bot."""
    message = message_object(
        content=f"<@{APP_ID}> {text}",
        author=user_object(author_id, "alice"),
    )
    message["mentions"] = [user_object(APP_ID, "scalebot", bot=True)]
    message["member"] = {
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
    return message


def test_mentioning_the_bot_asks(stack: DiscordStack) -> None:
    before = len(stack.fake.of(r"^POST /channels/\d+/messages$"))
    stack.loop.run(stack.fake.dispatch("MESSAGE_CREATE", _mention("why does 3d lack data")))
    sent = stack.fake.wait_for(r"^POST /channels/\d+/messages$", before + 1)[-1].json
    assert sent["allowed_mentions"]["parse"] == []
    assert sent["allowed_mentions"].get("replied_user") is False
    assert "3D" in json.dumps(sent["embeds"])


def test_mentioning_the_bot_with_a_command_runs_it(stack: DiscordStack) -> None:
    before = len(stack.fake.of(r"^POST /channels/\d+/messages$"))
    stack.loop.run(stack.fake.dispatch("MESSAGE_CREATE", _mention("/scale robotics")))
    sent = stack.fake.wait_for(r"^POST /channels/\d+/messages$", before + 1)[-1].json
    assert "Robotics" in sent["embeds"][0]["title"]


def test_slow_work_is_deferred_then_followed_up(
    fresh: DiscordStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the core takes longer than the budget, the bot defers within Discord's 3 s."""
    import bot.runner

    monkeypatch.setattr(bot.runner, "ANSWER_BUDGET", 0.0)
    payload = slash_command("scale", {"domain": "image"})
    callback = fresh.interact(payload).json
    assert callback["type"] == 5  # deferred: "scalebot is thinking..."
    edited = fresh.fake.wait_for(rf"^PATCH /webhooks/\d+/{payload['token']}/messages/@original$")
    body = edited[0].json
    assert "Image" in body["embeds"][0]["title"]
    assert body["allowed_mentions"] == {"parse": []}


def test_a_deferred_chart_is_edited_in_and_the_command_completes(
    fresh: DiscordStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A late /trend edits its chart into the "thinking" message, and discord.py takes
    Discord's answer to that edit (attachments with their size and URL) without error.

    Found by bench/soak.py: under load a chart's reply is late, and the fake answered the
    edit with the request's partial attachments, on which discord.py raised KeyError.
    """
    import bot.runner

    monkeypatch.setattr(bot.runner, "ANSWER_BUDGET", 0.0)
    payload = slash_command("trend", {"domain": "video"})
    done = fresh.loop.run(_dispatch_and_complete(fresh, payload), timeout=15)
    assert done == payload["id"]
    [edited] = fresh.fake.of(rf"^PATCH /webhooks/\d+/{payload['token']}/messages/@original$")
    assert edited.multipart and edited.files and edited.files[0].endswith(".png")
    original = fresh.fake.messages[fresh.fake.rest._originals[payload["token"]]]
    [attachment] = original["attachments"]
    assert attachment["size"] == len(edited.contents[0]) > 0
    assert attachment["filename"] == edited.files[0] and attachment["url"].startswith("https://")


async def _dispatch_and_complete(stack: DiscordStack, payload: dict[str, Any]) -> str:
    """Dispatch ``payload`` and wait (bounded) until discord.py says its command completed."""
    completed = asyncio.ensure_future(
        stack.service.client.wait_for(
            "app_command_completion",
            check=lambda interaction, _command: str(interaction.id) == str(payload["id"]),
            timeout=10,
        )
    )
    await stack.fake.dispatch("INTERACTION_CREATE", payload)
    interaction, _command = await completed
    return str(interaction.id)


# -- connection ----------------------------------------------------------------------------

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


def test_the_bot_identifies_with_no_privileged_intent(stack: DiscordStack) -> None:
    identify = stack.fake.wait_for_gateway(lambda payload: payload.get("op") == 2)[0]
    intents = identify["d"]["intents"]
    assert intents & PRIVILEGED_INTENTS == 0
    assert intents & (1 << 0) and intents & (1 << 9)  # guilds, guild messages (mentions)


def test_auto_sharding_connects_through_the_gateway_lookup(tmp_path: Path) -> None:
    import discord

    with discord_stack(tmp_path, discord_shards="auto") as sharded:
        assert isinstance(sharded.service.client, discord.AutoShardedClient)
        assert sharded.fake.of(r"^GET /gateway/bot$")
        reply = answer(sharded, slash_command("scale", {"domain": "video"}))
        assert "Video" in reply["embeds"][0]["title"]


def test_guild_setting_syncs_to_that_guild_only(tmp_path: Path) -> None:
    with discord_stack(tmp_path, discord_guild=int(GUILD_ID)) as scoped:
        assert scoped.fake.of(rf"^PUT /applications/\d+/guilds/{GUILD_ID}/commands$")
        assert not scoped.fake.of(r"^PUT /applications/\d+/commands$")
