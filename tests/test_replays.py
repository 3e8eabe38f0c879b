"""A request delivered twice stores once: submissions are idempotent on the platform's id.

Slack accepts a signed request again for as long as its timestamp is within five
minutes, so anyone holding one signed ``/submit`` could store its point again and
again; Slack itself retries events, and Discord may deliver an interaction twice.
Each adapter passes the platform's id of the request (Slack's ``trigger_id``, a modal's
view id, an event's ``event_id``; Discord's interaction id) on the caller, and the store
ties it to the point in the same transaction: a replay is answered with the first
delivery's point and reply. The terminal and the CLI have no such id and are unchanged.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import pytest

from bot.core import Caller, Core
from knowledge.store import REQUEST_KEY_RETENTION, REQUEST_KEY_SWEEP_SECONDS, Submitter, iso
from tests.helpers import MEMBER, assert_ledger_intact, new_point

OBJAVERSE = '3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'


def pending(core: Core) -> list[int]:
    return [point.id for point in core.store.pending()]


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
    assert [entry.action for entry in core.store.audit_log(first.data["id"])] == ["submit"]


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


# -- the store -----------------------------------------------------------------------------


def test_a_key_is_recorded_only_with_its_point(core: Core) -> None:
    """A submission that fails leaves no key behind, so the request may be tried again."""
    who = Submitter("slack:U1", "slack")
    broken = new_point(quantity=0)  # the table's CHECK refuses it
    with pytest.raises(sqlite3.IntegrityError):
        core.store.submit_once(broken, who, "slack:trigger:T1")
    keys = core.store.conn.execute("SELECT COUNT(*) FROM request_keys").fetchone()[0]
    assert keys == 0
    stored = core.store.submit_once(new_point(), who, "slack:trigger:T1")
    again = core.store.submit_once(new_point(), who, "slack:trigger:T1")
    assert (again.id, again.point, again.replayed) == (stored.id, stored.point, True)
    assert stored.replayed is False
    assert_ledger_intact(core.store.conn)


def test_expired_keys_are_swept_out_within_the_hour(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = Submitter("slack:U1", "slack")
    old = core.store.submit_once(new_point("Old Set"), who, "slack:trigger:OLD")
    long_ago = iso(datetime.now(UTC) - REQUEST_KEY_RETENTION * 2)
    with core.store.write() as conn:
        conn.execute("UPDATE request_keys SET at = ? WHERE key = 'slack:trigger:OLD'", (long_ago,))

    core.store.submit_once(new_point("Soon After"), who, "slack:trigger:SOON")
    assert len(request_keys(core)) == 2, "swept at most once an hour"

    an_hour_on = time.monotonic() + REQUEST_KEY_SWEEP_SECONDS
    monkeypatch.setattr("knowledge.store.time.monotonic", lambda: an_hour_on)
    core.store.submit_once(new_point("An Hour On"), who, "slack:trigger:LATER")
    assert request_keys(core) == ["slack:trigger:LATER", "slack:trigger:SOON"]
    assert core.store.get(old.id) is not None, "only the key goes, never the point"


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
    assert core.store.schema_version()[-1] == "0004_request_keys"
