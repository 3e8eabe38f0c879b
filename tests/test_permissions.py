"""Moderator-only commands (/review, /approve, /reject) are checked in the core.

A member is refused (``NotAllowed``) and nothing changes in the database: the point stays
pending and its audit log is untouched. A moderator's approval makes the point its dataset's
current figure (``/scale`` and the store's history show it); a rejection stores the reason;
deciding twice is a conflict; a missing id is not found. Moderators parsed from
``Settings(moderators="console:a, slack:U1")`` are matched per platform, and a platform's own
admin flag (``is_admin``) also counts, in the Discord servers the deployment trusts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Caller, Core
from bot.reply import Reply
from tests.helpers import MEMBER, MODERATOR, count_rows

OBJAVERSE_XL2 = '/submit 3d "Objaverse-XL" 25M objects https://example.org/objaverse-xl2 year:2026'


def assert_refused(reply: Reply, command: str, user: str) -> None:
    assert reply.kind == "error", reply.as_text()
    assert reply.visibility == "private"
    assert reply.data["error"] == "NotAllowed"
    assert f"/{command} is for moderators" in reply.summary
    assert f"`{user}`" in reply.summary
    assert reply.data["example"]
    assert "Example" in reply.as_text()


def submit(core: Core, text: str = OBJAVERSE_XL2, user: str = MEMBER) -> int:
    reply = core.ask(text, user)
    assert reply.kind == "answer", reply.as_text()
    return reply.data["id"]


# -- members are refused, and nothing changes ---------------------------------------------


@pytest.mark.parametrize(
    ("template", "command"),
    [
        ("/review", "review"),
        ("/approve {id}", "approve"),
        ("/approve {id} looks right to me", "approve"),
        ("/reject {id} I do not like it", "reject"),
    ],
)
def test_member_is_refused_and_nothing_changes(core: Core, template: str, command: str) -> None:
    point_id = submit(core)
    before = core.store.reads.get(point_id)
    audit_before = core.store.history.audit_log(point_id)
    total_audit = count_rows(core.store.conn, "audit_log")
    reply = core.ask(template.format(id=point_id), MEMBER)
    assert_refused(reply, command, MEMBER)
    assert core.store.reads.get(point_id) == before
    assert before is not None and before.status == "pending"
    assert core.store.history.audit_log(point_id) == audit_before
    assert count_rows(core.store.conn, "audit_log") == total_audit
    assert core.store.queue.pending_total() == 1


def test_member_refused_before_options_are_checked(core: Core) -> None:
    """A refusal does not leak whether an id exists or whether the syntax was right."""
    assert_refused(core.ask("/approve 999999", MEMBER), "approve", MEMBER)
    assert_refused(core.ask("/reject abc", MEMBER), "reject", MEMBER)


def test_member_refused_through_invoke_too(core: Core) -> None:
    """Adapters that pass options already split (Discord) meet the same check."""
    point_id = submit(core)
    reply = core.invoke("approve", {"id": str(point_id)}, Caller(MEMBER))
    assert_refused(reply, "approve", MEMBER)
    point = core.store.reads.get(point_id)
    assert point is not None and point.status == "pending"


def test_member_cannot_see_the_queue(core: Core) -> None:
    point_id = submit(core)
    reply = core.ask("/review", MEMBER)
    assert_refused(reply, "review", MEMBER)
    assert f"#{point_id}" not in reply.as_text()
    assert reply.actions == []


# -- moderators decide --------------------------------------------------------------------


def test_moderator_review_shows_the_queue_with_actions(core: Core) -> None:
    first = submit(core)
    second = submit(core, "/submit video Clips 800k clips https://example.org/c", "slack:U9")
    reply = core.ask("/review", MODERATOR)
    assert reply.kind == "answer"
    assert reply.visibility == "private"
    assert reply.data == {
        "pending": 2,
        "ids": [first, second],
        "disputed": 0,
        "disputed_ids": [],
        "checks": [None, None],
    }
    commands = {action.command for action in reply.actions}
    assert {f"/approve {first}", f"/approve {second}"} <= commands
    rejects = [a for a in reply.actions if a.command.startswith("/reject")]
    assert rejects and all(a.needs_reason for a in rejects)
    assert "slack:U9" in reply.as_text()


def test_moderator_empty_queue(core: Core) -> None:
    reply = core.ask("/review", MODERATOR)
    assert reply.kind == "answer"
    assert reply.data == {
        "pending": 0,
        "ids": [],
        "disputed": 0,
        "disputed_ids": [],
        "checks": [],
    }


def test_approve_makes_the_point_current(core: Core) -> None:
    old = core.store.reads.largest("3d", "objects")
    assert old is not None and old.dataset == "Objaverse-XL"
    point_id = submit(core)
    # Pending: /scale still shows the curated figure.
    assert core.ask("/scale 3d").data["largest"]["id"] == old.id

    reply = core.ask(f"/approve {point_id} checked against the release notes", MODERATOR)
    assert reply.kind == "answer", reply.as_text()
    assert reply.title == f"Approved #{point_id}"
    assert reply.data == {
        "id": point_id,
        "status": "approved",
        "outcome": "approve",
        "reviewed_by": MODERATOR,
    }
    assert "this is now Objaverse-XL's current figure in objects" in reply.as_text()

    point = core.store.reads.get(point_id)
    assert point is not None
    assert (point.status, point.reviewed_by, point.is_current) == ("approved", MODERATOR, 1)
    assert point.review_note == "checked against the release notes"
    assert point.reviewed_at
    dataset = core.store.catalog.find_dataset("3d", "objaverse xl")
    assert dataset is not None and old.dataset_id == dataset.id
    history = core.store.history.figures(dataset.id)
    assert [p.id for p in history][-2:] == [old.id, point_id], "oldest first"
    assert core.store.reads.get(old.id).is_current == 0

    scale = core.ask("/scale 3d")
    assert scale.data["largest"]["id"] == point_id
    assert scale.data["largest"]["quantity"] == 25_000_000
    assert scale.data["pending"] == 0
    assert any(c.url == "https://example.org/objaverse-xl2" for c in scale.citations)
    # The dataset count does not grow: it is the same dataset, a newer figure.
    datasets = core.ask("/datasets 3d")
    assert point_id in datasets.data["ids"]
    assert old.id not in datasets.data["ids"]

    log = core.store.history.audit_log(point_id)
    decisions = [entry for entry in log if entry.action == "approve"]
    assert len(decisions) == 1
    assert decisions[0].actor == MODERATOR
    assert decisions[0].details == {"note": "checked against the release notes", "cleared": 0}


def test_approving_an_older_figure_keeps_the_newer_current(core: Core) -> None:
    point_id = submit(
        core, '/submit 3d "Objaverse-XL" 9M objects https://example.org/old year:2022'
    )
    reply = core.ask(f"/approve {point_id}", MODERATOR)
    assert "a newer approved figure of Objaverse-XL in objects stays current" in reply.as_text()
    assert core.store.reads.get(point_id).is_current == 0
    assert core.ask("/scale 3d").data["largest"]["quantity"] == 10_200_000


def test_reject_stores_the_reason(core: Core) -> None:
    point_id = submit(core)
    reason = "the source counts scenes, not objects"
    reply = core.ask(f"/reject {point_id} {reason}", MODERATOR)
    assert reply.kind == "answer", reply.as_text()
    assert reply.title == f"Rejected #{point_id}"
    assert reply.data["status"] == "rejected"
    assert any(f.name == "Reason" and f.value == reason for f in reply.fields)
    point = core.store.reads.get(point_id)
    assert point is not None
    assert (point.status, point.review_note, point.reviewed_by) == ("rejected", reason, MODERATOR)
    assert point.is_current == 0
    assert core.ask("/scale 3d").data["largest"]["quantity"] == 10_200_000
    assert core.store.queue.pending_total() == 0
    rejects = [e for e in core.store.history.audit_log(point_id) if e.action == "reject"]
    assert len(rejects) == 1 and rejects[0].details == {"note": reason, "cleared": 0}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/approve {id}", "/approve {id}"),
        ("/approve {id}", "/reject {id} no"),
        ("/reject {id} no", "/approve {id}"),
    ],
)
def test_deciding_twice_is_a_conflict(core: Core, first: str, second: str) -> None:
    point_id = submit(core)
    assert core.ask(first.format(id=point_id), MODERATOR).kind == "answer"
    decided = core.store.reads.get(point_id)
    audit = core.store.history.audit_log(point_id)
    reply = core.ask(second.format(id=point_id), MODERATOR)
    assert reply.kind == "error"
    assert reply.visibility == "private"
    assert reply.data["error"] == "Conflict"
    assert f"#{point_id} was already {decided.status}" in reply.summary
    assert MODERATOR in reply.summary
    assert reply.data["example"]
    assert core.store.reads.get(point_id) == decided
    assert core.store.history.audit_log(point_id) == audit


@pytest.mark.parametrize("command", ["/approve 424242", "/reject 424242 spam"])
def test_deciding_a_missing_id_is_not_found(core: Core, command: str) -> None:
    audits = count_rows(core.store.conn, "audit_log")
    reply = core.ask(command, MODERATOR)
    assert reply.kind == "error"
    assert reply.visibility == "private"
    assert reply.data["error"] == "NotFound"
    assert "#424242" in reply.summary
    assert reply.data["example"] and "Example" in reply.as_text()
    assert count_rows(core.store.conn, "audit_log") == audits


def test_curated_points_cannot_be_re_decided(core: Core) -> None:
    curated = core.store.reads.largest("3d", "objects")
    assert curated is not None and curated.origin == "curated"
    reply = core.ask(f"/reject {curated.id} vandalism", MODERATOR)
    assert reply.data["error"] == "Conflict"
    assert core.store.reads.get(curated.id) == curated


# -- who is a moderator -------------------------------------------------------------------


def test_settings_parse_moderators_from_a_string() -> None:
    settings = Settings(moderators=" console:a, slack:U1 ,,discord:42 ")
    assert settings.moderators == frozenset({"console:a", "slack:U1", "discord:42"})


@pytest.mark.parametrize("bad", ["U1", "slack:", ":U1", "console:a, nobody"])
def test_settings_refuse_malformed_moderator_ids(bad: str) -> None:
    with pytest.raises(ValueError, match="platform:user_id"):
        Settings(moderators=bad)


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[Core]:
    settings = Settings(db=tmp_path / "mods.db", moderators="console:a, slack:U1")
    with Core.open(settings=settings) as core:
        yield core


@pytest.mark.parametrize("user", ["console:a", "slack:U1"])
def test_configured_moderators_may_review(configured: Core, user: str) -> None:
    point_id = submit(configured)
    assert configured.ask("/review", user).data["ids"] == [point_id]
    reply = configured.ask(f"/approve {point_id}", user, workspace="T1", channel="C1")
    assert reply.kind == "answer", reply.as_text()
    assert configured.store.reads.get(point_id).reviewed_by == user


@pytest.mark.parametrize(
    "user",
    ["console:U1", "slack:a", "discord:U1", "slack:u1", "slack:U12", "console:mod", "U1"],
)
def test_moderator_ids_are_per_platform_and_exact(configured: Core, user: str) -> None:
    point_id = submit(configured)
    reply = configured.ask(f"/approve {point_id}", user)
    assert_refused(reply, "approve", user)
    point = configured.store.reads.get(point_id)
    assert point is not None and point.status == "pending"
    assert configured.is_moderator(Caller(user)) is False


def test_platform_admin_flag_counts_only_in_a_trusted_guild(tmp_path: Path) -> None:
    """Manage Server is a moderator's right in the servers the deployment trusts only
    (tests/test_trusted_guilds.py has the rest, through Discord)."""
    settings = Settings(db=tmp_path / "trust.db", discord_trusted_guilds="1200")
    with Core.open(settings=settings) as core:
        point_id = submit(core)
        admin = "discord:1234"
        assert_refused(core.ask("/review", admin), "review", admin)
        elsewhere = core.ask(f"/reject {point_id} duplicate", admin, workspace="99", is_admin=True)
        assert_refused(elsewhere, "reject", admin)
        reply = core.ask(f"/reject {point_id} duplicate", admin, workspace="1200", is_admin=True)
        assert reply.kind == "answer", reply.as_text()
        assert core.store.reads.get(point_id).reviewed_by == admin


def test_no_moderators_configured_means_nobody_but_admins(tmp_path: Path) -> None:
    with Core.open(settings=Settings(db=tmp_path / "none.db", moderators="")) as core:
        assert core.settings.moderators == frozenset()
        point_id = submit(core)
        assert_refused(core.ask(f"/approve {point_id}"), "approve", "console:local")
        assert core.store.reads.get(point_id).status == "pending"
