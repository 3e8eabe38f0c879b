"""A request delivered twice stores once: submissions are idempotent on the platform's id.

Slack accepts a signed request again for as long as its timestamp is within five
minutes, so anyone holding one signed ``/submit`` could store its point again and
again; Slack itself retries events, and Discord may deliver an interaction twice.
Each adapter passes the platform's id of the request (Slack's ``trigger_id``, a modal's
view id, an event's ``event_id``; Discord's interaction id) on the caller, and the store
ties it to the point in the same transaction: a replay is answered with the first
delivery's point and reply. ``/flag`` and ``/confirm`` follow the same rule: their
first answer is kept with the key, so a replay repeats it and files no second dispute
or confirmation, even after a moderator has decided the figure meanwhile. The terminal
and the CLI have no such id and are unchanged.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core import Caller, Core
from knowledge.ledger.replay import REQUEST_KEY_RETENTION, REQUEST_KEY_SWEEP_SECONDS
from knowledge.ledger.values import Submitter, iso
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.payloads import modal_submit, slash_command
from tests.fakes.slack_api import BOT_USER, TEAM
from tests.fakes.slack_client import sign
from tests.helpers import MEMBER, MODERATOR, assert_ledger_intact, new_point
from tests.slack_stack import SLACK_MEMBER, SlackStack, slack_stack

FORM = "application/x-www-form-urlencoded"
OBJAVERSE = '3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'


def pending(core: Core) -> list[int]:
    return [point.id for point in core.store.queue.pending()]


def submitted_id(title: str) -> int:
    found = re.match(r"Submitted #(\d+) for review", title)
    assert found, title
    return int(found[1])


# -- Slack ---------------------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


def test_a_replayed_signed_submit_stores_one_point(slack: SlackStack) -> None:
    """The same bytes with the same headers, three times within the window."""
    body = slack.sender.command_body("/submit", OBJAVERSE)
    stamp = int(time.time())
    signature = sign(body, stamp)
    answers = [
        slack.sender.post(body, FORM, timestamp=stamp, signature=signature) for _ in range(3)
    ]
    assert [answer.status for answer in answers] == [200, 200, 200]
    assert answers[0].text == answers[1].text == answers[2].text
    title = answers[0].json()["blocks"][0]["text"]["text"]
    assert pending(slack.core) == [submitted_id(title)]
    # Its own connection: the core's belongs to the core's thread, still writing counts.
    checked = slack.core.store.connect_again()
    try:
        assert_ledger_intact(checked)
    finally:
        checked.close()


def test_a_resigned_replay_stores_one_point_too(slack: SlackStack) -> None:
    """Signed afresh each time (as anyone holding the secret could), same trigger_id."""
    body = slack.sender.command_body("/submit", OBJAVERSE)
    answers = []
    for _ in range(3):
        answers.append(slack.sender.post(body, FORM))
        time.sleep(0.01)
    assert len({answer.text for answer in answers}) == 1
    assert len(pending(slack.core)) == 1


def test_another_trigger_id_is_another_submission(slack: SlackStack) -> None:
    first = slack.sender.command("/submit", OBJAVERSE).json()
    second = slack.sender.command("/submit", OBJAVERSE).json()
    ids = [submitted_id(answer["blocks"][0]["text"]["text"]) for answer in (first, second)]
    assert ids[0] != ids[1]
    assert pending(slack.core) == ids


def test_a_form_sent_again_stores_one_point(slack: SlackStack) -> None:
    """One modal (one view id) submitted three times, each with a new trigger_id."""
    slack.sender.command("/submit", "")
    (opened,) = slack.api.wait_for("views.open")
    view = opened.body["view"]
    values = {
        "domain": "3d",
        "dataset": "Objaverse-XL",
        "quantity": "10.2M",
        "unit": "objects",
        "source": "https://arxiv.org/abs/2307.05663",
    }
    for _ in range(3):
        answer = slack.sender.view_submission(view, values, SLACK_MEMBER, view_id="V0REPLAY")
        assert answer.status == 200
    confirmations = slack.api.wait_for("response:cmd1", 3)
    titles = {c.body["blocks"][0]["text"]["text"] for c in confirmations}
    assert len(titles) == 1
    assert pending(slack.core) == [submitted_id(titles.pop())]

    another = slack.sender.view_submission(view, values, SLACK_MEMBER, view_id="V0OTHER")
    assert another.status == 200
    assert len(pending(slack.core)) == 2


def test_a_form_with_errors_can_be_corrected_and_sent(slack: SlackStack) -> None:
    """Refused values store nothing, so the same modal may then store once."""
    slack.sender.command("/submit", "")
    (opened,) = slack.api.wait_for("views.open")
    view = opened.body["view"]
    values = {
        "domain": "3d",
        "dataset": "Objaverse-XL",
        "quantity": "ten million",
        "unit": "objects",
        "source": "https://arxiv.org/abs/2307.05663",
    }
    refused = slack.sender.view_submission(view, values, SLACK_MEMBER, view_id="V0FIX").json()
    assert refused["response_action"] == "errors"
    values["quantity"] = "10.2M"
    slack.sender.view_submission(view, values, SLACK_MEMBER, view_id="V0FIX")
    assert len(pending(slack.core)) == 1


def test_a_retried_event_stores_one_point(slack: SlackStack) -> None:
    """Slack retries an event it got no answer to in time, with the same event_id."""
    envelope = {
        "token": "legacy-unused",
        "team_id": TEAM,
        "api_app_id": "A0SCALEBOT",
        "type": "event_callback",
        "event_id": "Ev0RETRIED",
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention",
            "user": SLACK_MEMBER,
            "text": f"<@{BOT_USER}> /submit {OBJAVERSE}",
            "ts": "1700000000.000300",
            "channel": "C0CHAN1",
            "team": TEAM,
            "event_ts": "1700000000.000300",
        },
    }
    body = json.dumps(envelope).encode()
    for _ in range(2):
        assert slack.sender.post(body, "application/json").status == 200
    posts = slack.api.wait_for("chat.postEphemeral", 2)
    assert len({json.dumps(post.body["blocks"]) for post in posts}) == 1
    assert len(pending(slack.core)) == 1


# -- Discord -------------------------------------------------------------------------------

FULL_SUBMISSION = {
    "domain": "3d",
    "dataset": "Objaverse-XXL",
    "quantity": "20M",
    "unit": "objects",
    "source": "https://example.org/objaverse-xxl",
    "year": 2025,
}


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path) as stack:
        yield stack


def delivered_twice(stack: DiscordStack, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Dispatch the same INTERACTION_CREATE twice; the bot's two callbacks' data."""
    for _ in range(2):
        stack.loop.run(stack.fake.dispatch("INTERACTION_CREATE", payload))
    callbacks = stack.fake.wait_for(rf"^/interactions/{payload['id']}/[^/]+/callback$", 2)
    return [callback.json["data"] for callback in callbacks]


def test_a_discord_interaction_delivered_twice_stores_one_point(discord: DiscordStack) -> None:
    first, second = delivered_twice(discord, slash_command("submit", FULL_SUBMISSION))
    assert first["embeds"] == second["embeds"]
    assert len(pending(discord.core)) == 1
    discord.interact(slash_command("submit", FULL_SUBMISSION))  # a new interaction
    assert len(pending(discord.core)) == 2


def test_a_discord_form_delivered_twice_stores_one_point(discord: DiscordStack) -> None:
    modal = discord.interact(slash_command("submit", {"domain": "video"})).json["data"]
    values = {
        "dataset": "Lab Clips",
        "quantity": "1.5M",
        "unit": "hours",
        "source": "https://example.org/lab-clips",
    }
    first, second = delivered_twice(discord, modal_submit(modal["custom_id"], values))
    assert first["embeds"] == second["embeds"]
    assert len(pending(discord.core)) == 1


# -- the core and the terminal -------------------------------------------------------------


def test_the_terminal_has_no_request_id_and_stores_each_line(core: Core) -> None:
    line = f"/submit {OBJAVERSE}"
    first, second = core.ask(line, MEMBER), core.ask(line, MEMBER)
    assert first.data["id"] != second.data["id"]
    assert len(pending(core)) == 2


def test_the_core_answers_a_replay_with_the_first_reply(core: Core) -> None:
    line = f"/submit {OBJAVERSE}"
    first = core.ask(line, "slack:U1", request_id="slack:trigger:1")
    again = core.ask(line, "slack:U1", request_id="slack:trigger:1")
    assert again == first
    by_options = core.invoke(
        "submit",
        {
            "domain": "3d",
            "dataset": "Objaverse-XL",
            "quantity": "10.2M",
            "unit": "objects",
            "source": "https://arxiv.org/abs/2307.05663",
            "year": "2023",
        },
        Caller("slack:U1", request_id="slack:trigger:1"),
    )
    assert by_options == first
    assert [entry.action for entry in core.store.history.audit_log(first.data["id"])] == ["submit"]


def test_a_replay_is_answered_from_the_stored_point_not_the_new_text(core: Core) -> None:
    """Were a key reused with other values, the reply tells what was stored, not them."""
    first = core.ask(f"/submit {OBJAVERSE}", "slack:U1", request_id="slack:view:V1")
    other = core.ask(
        '/submit video "Other" 5M hours https://example.org/other',
        "slack:U1",
        request_id="slack:view:V1",
    )
    assert other == first
    assert len(pending(core)) == 1


# -- /flag and /confirm --------------------------------------------------------------------

FLAGGER = "slack:U2"


def approved_point(core: Core) -> int:
    submitted = core.ask(f"/submit {OBJAVERSE}", "slack:U1")
    point_id = int(submitted.data["id"])
    core.store.reviews.review(point_id, "approve", MODERATOR, None)
    core.take_notices()
    return point_id


def flags_filed(core: Core, point_id: int) -> int:
    found = core.store.conn.execute("SELECT COUNT(*) FROM flags WHERE point_id = ?", (point_id,))
    return int(found.fetchone()[0])


def test_a_replayed_flag_after_a_moderator_kept_the_figure_files_nothing(core: Core) -> None:
    point_id = approved_point(core)
    line = f"/flag {point_id} this number is invented"
    first = core.ask(line, FLAGGER, request_id="slack:trigger:F1")
    assert first.kind == "answer" and first.data["disputes"] == 1, first.as_text()
    assert len(core.take_notices()) == 1, "the dispute card went to the review channels"
    kept = core.ask(f"/approve {point_id} checked the paper", MODERATOR)
    assert kept.kind == "answer", kept.as_text()
    core.take_notices()

    again = core.ask(line, FLAGGER, request_id="slack:trigger:F1")
    assert again == first, "a replay repeats the first answer"
    assert core.take_notices() == [], "and is not posted for review again"
    assert core.store.reads.get(point_id).disputes == 0
    assert core.store.queue.open_flags(point_id) == []
    assert flags_filed(core, point_id) == 1
    actions = [entry.action for entry in core.store.history.audit_log(point_id)]
    assert actions.count("flag") == 1
    # Another request of the same member is a new dispute, as before.
    anew = core.ask(line, FLAGGER, request_id="slack:trigger:F2")
    assert anew.kind == "answer" and anew.data["disputes"] == 1
    assert flags_filed(core, point_id) == 2


def test_a_replayed_flag_is_answered_from_the_first_not_its_new_text(core: Core) -> None:
    point_id = approved_point(core)
    first = core.ask(f"/flag {point_id} counts test clips", FLAGGER, request_id="discord:i:1")
    other = core.ask(f"/flag {point_id} something else", FLAGGER, request_id="discord:i:1")
    assert other == first
    assert [flag.reason for flag in core.store.queue.open_flags(point_id)] == ["counts test clips"]


def test_a_replayed_confirm_repeats_its_answer_and_counts_once(tmp_path: Path) -> None:
    from bot.config import Settings

    settings = Settings(
        db=tmp_path / "auto.db", moderators=frozenset({MODERATOR}), auto_approve_confirmations=2
    )
    with Core.open(settings=settings) as core:
        submitted = core.ask(f"/submit {OBJAVERSE}", "slack:U1")
        point_id = int(submitted.data["id"])
        core.take_notices()
        line = f"/confirm {point_id}"
        first = core.ask(line, "slack:U2", request_id="slack:trigger:C1")
        assert first.kind == "answer" and first.data["confirmations"] == 1
        second = core.ask(line, "slack:U3", request_id="slack:trigger:C2")
        assert second.data["auto_approved"] is True
        assert len(core.take_notices()) == 1, "the submitter's letter"

        assert core.ask(line, "slack:U2", request_id="slack:trigger:C1") == first
        assert core.ask(line, "slack:U3", request_id="slack:trigger:C2") == second
        assert core.take_notices() == [], "one approval letter, not one per delivery"
        assert core.store.queue.confirmations(point_id) == 2
        actions = [entry.action for entry in core.store.history.audit_log(point_id)]
        assert actions == ["submit", "confirm", "confirm", "auto-approve"]


def test_one_request_id_answers_for_one_command_only(core: Core) -> None:
    """A key a /confirm stored under is not a /flag's, nor a /submit's."""
    point_id = approved_point(core)
    confirmed = core.ask(f"/confirm {point_id}", FLAGGER, request_id="slack:trigger:X")
    flagged = core.ask(f"/flag {point_id} the paper says 5M", FLAGGER, request_id="slack:trigger:X")
    assert (confirmed.title, flagged.title) == (f"Confirmed #{point_id}", f"Flagged #{point_id}")
    assert flags_filed(core, point_id) == 1 and core.store.queue.confirmations(point_id) == 1


def test_a_replayed_slack_flag_files_one_dispute(slack: SlackStack) -> None:
    """The same signed /flag twice, a moderator keeping the figure in between."""
    point_id = approved_point(slack.core)
    body = slack.sender.command_body("/flag", f"{point_id} this number is invented")
    first = slack.sender.post(body, FORM)
    assert first.status == 200
    slack.core.store.reviews.review(point_id, "approve", MODERATOR, "checked the paper")
    again = slack.sender.post(body, FORM)
    assert again.status == 200 and again.text == first.text
    assert flags_filed(slack.core, point_id) == 1
    assert slack.core.store.reads.get(point_id).disputes == 0


def test_a_discord_flag_delivered_again_files_one_dispute(discord: DiscordStack) -> None:
    point_id = approved_point(discord.core)
    payload = slash_command("flag", {"id": point_id, "reason": "this number is invented"})
    discord.loop.run(discord.fake.dispatch("INTERACTION_CREATE", payload))
    discord.fake.wait_for(rf"^/interactions/{payload['id']}/[^/]+/callback$", 1)
    discord.core.store.reviews.review(point_id, "approve", MODERATOR, "checked the paper")
    discord.loop.run(discord.fake.dispatch("INTERACTION_CREATE", payload))
    first, second = discord.fake.wait_for(rf"^/interactions/{payload['id']}/[^/]+/callback$", 2)
    assert first.json["data"] == second.json["data"]
    assert flags_filed(discord.core, point_id) == 1
    assert discord.core.store.reads.get(point_id).disputes == 0


# -- the store -----------------------------------------------------------------------------


def test_a_key_is_recorded_only_with_its_point(core: Core) -> None:
    """A submission that fails leaves no key behind, so the request may be tried again."""
    who = Submitter("slack:U1", "slack")
    broken = new_point(quantity=0)  # the table's CHECK refuses it
    with pytest.raises(sqlite3.IntegrityError):
        core.store.points.submit_once(broken, who, "slack:trigger:T1")
    keys = core.store.conn.execute("SELECT COUNT(*) FROM request_keys").fetchone()[0]
    assert keys == 0
    stored = core.store.points.submit_once(new_point(), who, "slack:trigger:T1")
    again = core.store.points.submit_once(new_point(), who, "slack:trigger:T1")
    assert (again.id, again.point, again.replayed) == (stored.id, stored.point, True)
    assert stored.replayed is False
    assert_ledger_intact(core.store.conn)


def test_expired_keys_are_swept_out_within_the_hour(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = Submitter("slack:U1", "slack")
    old = core.store.points.submit_once(new_point("Old Set"), who, "slack:trigger:OLD")
    long_ago = iso(datetime.now(UTC) - REQUEST_KEY_RETENTION * 2)
    with core.store.write() as conn:
        conn.execute("UPDATE request_keys SET at = ? WHERE key = 'slack:trigger:OLD'", (long_ago,))

    core.store.points.submit_once(new_point("Soon After"), who, "slack:trigger:SOON")
    assert len(request_keys(core)) == 2, "swept at most once an hour"

    an_hour_on = time.monotonic() + REQUEST_KEY_SWEEP_SECONDS
    monkeypatch.setattr("knowledge.ledger.replay.time.monotonic", lambda: an_hour_on)
    core.store.points.submit_once(new_point("An Hour On"), who, "slack:trigger:LATER")
    assert request_keys(core) == ["slack:trigger:LATER", "slack:trigger:SOON"]
    assert core.store.reads.get(old.id) is not None, "only the key goes, never the point"


def request_keys(core: Core) -> list[str]:
    return [row[0] for row in core.store.conn.execute("SELECT key FROM request_keys")]


def test_the_key_lookup_reads_one_index_entry(core: Core) -> None:
    """The lookup every keyed submission makes, in the write transaction, is a seek."""
    plan = core.store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT p.id FROM request_keys AS k "
        "JOIN data_points AS p ON p.id = k.point_id WHERE k.key = ?",
        ("k",),
    ).fetchall()
    steps = [row[-1] for row in plan]
    assert all("SCAN" not in step for step in steps), steps


def test_the_migration_is_recorded(core: Core) -> None:
    assert "0004_request_keys" in core.store.schema_version()
