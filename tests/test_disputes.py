"""Confirmations, disputes and the review context, through the core and ``scalebot ask``.

``/confirm`` (once per member, never the submitter's own, the Nth approving with
``SCALEBOT_AUTO_APPROVE_CONFIRMATIONS``), ``/flag`` (an approved figure reads "disputed
(N)" in every command that shows it and waits in ``/review`` under Disputed until a
moderator keeps or withdraws it), and the context every pending point is reviewed with:
the dataset's current figure, the change, and the marks. The same commands on Slack and
Discord, and the dispute cards in the review channels, are in test_slack.py,
test_discord.py and test_review_channel.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from bot.cli import cli
from bot.config import Settings
from bot.core import Core
from bot.discord.components import BUTTONS
from bot.notices import PointDecided, PointDisputed
from bot.reply import Reply
from handlers.review import QUEUE_SIZE
from knowledge.ledger.values import AUTO_APPROVER, DataPoint
from tests.helpers import MEMBER, MODERATOR, clear_settings_env

BOB, CAROL, DAVE = "console:bob", "console:carol", "console:dave"
OBJAVERSE_SOURCE = "https://arxiv.org/abs/2307.05663"


def submit(core: Core, text: str, user: str = MEMBER) -> int:
    reply = core.ask(f"/submit {text}", user)
    assert reply.kind == "answer", reply.as_text()
    core.take_notices()
    return int(reply.data["id"])


def refused(reply: Reply, error: str, *words: str) -> None:
    """A private error of class ``error`` that names every one of ``words``, with an example."""
    assert reply.kind == "error" and reply.visibility == "private", reply.as_text()
    assert reply.data["error"] == error, reply.data
    for word in words:
        assert word.casefold() in reply.summary.casefold(), (word, reply.summary)
    assert reply.data["example"] and f"Example: {reply.data['example']}" in reply.summary


def largest(core: Core, domain: str = "3d", unit: str = "objects") -> DataPoint:
    point = core.store.reads.largest(domain, unit)
    assert point is not None
    return point


@pytest.fixture
def auto(tmp_path: Path) -> Iterator[Core]:
    """A core whose pending points are approved by their second confirmation."""
    settings = Settings(
        db=tmp_path / "auto.db", moderators=frozenset({MODERATOR}), auto_approve_confirmations=2
    )
    with Core.open(settings=settings) as opened:
        yield opened


# -- /confirm ------------------------------------------------------------------------------


def test_a_confirmation_is_counted_once_and_never_the_submitters(core: Core) -> None:
    point_id = submit(core, f'3d "Vouched Objects" 4M objects {OBJAVERSE_SOURCE}x')
    audits = len(core.store.history.audit_log(point_id))
    refused(core.ask(f"/confirm {point_id}", MEMBER), "OwnFigure", f"#{point_id}", "your own")
    first = core.ask(f"/confirm {point_id}", BOB)
    assert first.title == f"Confirmed #{point_id}" and first.visibility == "public"
    assert first.data == {
        "id": point_id,
        "status": "pending",
        "confirmations": 1,
        "auto_approved": False,
    }
    assert "It has one confirmation; a moderator decides it" in first.summary
    refused(core.ask(f"/confirm {point_id}", BOB), "AlreadyCounted", "already confirmed")
    assert core.ask(f"/confirm {point_id}", CAROL).data["confirmations"] == 2
    # Without the setting, confirmations never approve: a moderator still decides.
    assert core.store.reads.get(point_id).status == "pending"
    assert len(core.store.history.audit_log(point_id)) == audits + 2
    refused(core.ask("/confirm 999999", BOB), "NotFound", "#999999")
    core.ask(f"/reject {point_id} not in the paper", MODERATOR)
    refused(core.ask(f"/confirm {point_id}", DAVE), "Conflict", "rejected", MODERATOR)


def test_the_nth_confirmation_approves_tells_the_submitter_and_is_audited(auto: Core) -> None:
    point_id = submit(auto, '3d "Auto Objects" 7M objects https://example.org/auto', "slack:U1")
    first = auto.ask(f"/confirm {point_id}", BOB)
    assert "at 2 it is approved without a moderator (one to go)" in first.summary
    assert auto.take_notices() == []

    second = auto.ask(f"/confirm {point_id}", CAROL)
    assert second.data["auto_approved"] is True and second.data["status"] == "approved"
    assert "enough to approve it" in second.summary
    assert "now Auto Objects's current figure in objects" in second.summary
    point = auto.store.reads.get(point_id)
    assert (point.status, point.reviewed_by, point.is_current) == ("approved", AUTO_APPROVER, 1)
    entries = [(e.action, e.actor) for e in auto.store.history.audit_log(point_id)]
    assert entries == [
        ("submit", "slack:U1"),
        ("confirm", BOB),
        ("confirm", CAROL),
        ("auto-approve", AUTO_APPROVER),
    ]

    (notice,) = auto.take_notices()
    assert isinstance(notice, PointDecided) and notice.recipient == "slack:U1"
    letter = notice.message
    assert letter.title == f"Your data point #{point_id} was approved"
    decided_by = {f.name: f.value for f in letter.fields}["Decided by"]
    assert decided_by.startswith("2 confirmations from members at ")
    # Approved now: a moderator's late press is told who decided.
    refused(auto.ask(f"/approve {point_id}", MODERATOR), "Conflict", AUTO_APPROVER)


def test_confirmations_never_approve_a_disputed_figure(auto: Core) -> None:
    """Flagged, then confirmed past the threshold: still pending, for a moderator."""
    point_id = submit(auto, '3d "Flagged Objects" 9M objects https://example.org/f', "slack:U1")
    flagged = auto.ask(f"/flag {point_id} this number is invented", DAVE)
    assert flagged.kind == "answer", flagged.as_text()
    auto.take_notices()
    replies = [auto.ask(f"/confirm {point_id}", user) for user in (BOB, CAROL, "console:erin")]
    for confirmed in replies:
        assert confirmed.kind == "answer", confirmed.as_text()
        assert confirmed.data["auto_approved"] is False and confirmed.data["status"] == "pending"
    for confirmed in replies:  # each confirmer is told why it was not approved
        assert "but it is disputed (1)" in confirmed.summary, confirmed.summary
        assert "so a moderator decides it" in confirmed.summary
    assert auto.take_notices() == [], "no approval letter went out"
    point = auto.store.reads.get(point_id)
    assert (point.status, point.reviewed_by, point.disputes) == ("pending", None, 1)
    actions = [entry.action for entry in auto.store.history.audit_log(point_id)]
    assert "auto-approve" not in actions
    assert point_id in auto.ask("/review", MODERATOR).data["ids"], "waiting for a moderator"
    # Only a moderator decides it: the approval answers the dispute too.
    decided = auto.ask(f"/approve {point_id} checked the paper", MODERATOR)
    assert decided.kind == "answer", decided.as_text()
    point = auto.store.reads.get(point_id)
    assert (point.status, point.reviewed_by, point.disputes) == ("approved", MODERATOR, 0)


def test_the_setting_is_a_count_from_zero() -> None:
    assert Settings(_env_file=None).auto_approve_confirmations == 0  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="auto_approve_confirmations"):
        Settings(auto_approve_confirmations=-1)


# -- /flag on an approved figure -------------------------------------------------------------


def test_a_disputed_figure_says_so_everywhere_it_appears(core: Core) -> None:
    top = largest(core)
    flagged = core.ask(f"/flag {top.id} the paper counts renders, not objects", BOB)
    assert flagged.title == f"Flagged #{top.id}" and flagged.visibility == "public"
    assert "shows as disputed (1) wherever it appears" in flagged.summary
    assert "/review under Disputed" in flagged.summary
    assert core.ask(f"/flag {top.id} also counts duplicates", CAROL).data["disputes"] == 2

    mark = f"{top.dataset}: {core.ask('/scale 3d').data['largest_amount']}"
    for command in ("/scale 3d", "/datasets 3d", "/compare 3d llm", f"/ask {top.dataset}"):
        reply = core.ask(command)
        # A table's cells are wrapped for the terminal: read /compare's from the table.
        shown = json.dumps(reply.table.rows) if reply.table else reply.as_text()
        assert mark in shown and "(disputed (2))" in shown, (command, shown)

    queue = core.ask("/review", MODERATOR)
    assert queue.title.endswith(", 1 disputed")
    assert queue.data["disputed"] == 1 and queue.data["disputed_ids"] == [top.id]
    names = [f.name for f in queue.fields]
    heading = names.index("Disputed")
    entry = queue.fields[heading + 1]
    assert entry.name.endswith(f"{top.dataset} · disputed (2)")
    assert "Flagged by two members:" in entry.value
    assert f"• the paper counts renders, not objects ({BOB})" in entry.value
    assert f"• also counts duplicates ({CAROL})" in entry.value
    keep, withdraw = queue.actions[-2:]
    assert (keep.label, keep.command, keep.needs_reason) == (
        f"Keep #{top.id}",
        f"/approve {top.id}",
        True,
    )
    assert (withdraw.label, withdraw.command, withdraw.needs_reason) == (
        f"Withdraw #{top.id}",
        f"/reject {top.id}",
        True,
    )


def test_each_flag_posts_the_figures_card_with_keep_and_withdraw(core: Core) -> None:
    top = largest(core)
    core.ask(f"/flag {top.id} the paper counts renders", BOB)
    (notice,) = core.take_notices()
    assert isinstance(notice, PointDisputed)
    assert (notice.point_id, notice.disputes, notice.recipient) == (top.id, 1, None)
    card = notice.message
    assert card.title == f"Data point #{top.id} disputed (1)"
    assert (
        f"{BOB} disputes #{top.id}" in card.summary and "the paper counts renders" in card.summary
    )
    assert [(a.label, a.command) for a in card.actions] == [
        (f"Keep #{top.id}", f"/approve {top.id}"),
        (f"Withdraw #{top.id}", f"/reject {top.id}"),
    ]
    core.ask(f"/flag {top.id} and duplicates", CAROL)
    (again,) = core.take_notices()
    assert again.disputes == 2 and "Flagged by two members" in again.message.as_text()


def test_flags_are_one_open_per_member_and_never_on_a_rejected_point(core: Core) -> None:
    top = largest(core)
    core.ask(f"/flag {top.id} wrong split", BOB)
    core.take_notices()
    refused(core.ask(f"/flag {top.id} still wrong", BOB), "AlreadyCounted", "already dispute")
    refused(core.ask("/flag 999999 no such thing", BOB), "NotFound", "#999999")
    dropped = submit(core, '3d "Dropped Objects" 2M objects https://example.org/dropped')
    core.ask(f"/reject {dropped} no source", MODERATOR)
    core.take_notices()
    refused(core.ask(f"/flag {dropped} wrong", BOB), "Conflict", "rejected")
    refused(core.ask(f"/flag {top.id}", BOB), "MissingOption", "reason")
    assert core.take_notices() == []
    assert core.store.reads.get(top.id).disputes == 1


def test_keeping_a_disputed_figure_clears_it_and_tells_the_submitter(core: Core) -> None:
    point_id = submit(core, '3d "Kept Objects" 3M objects https://example.org/kept', "slack:U1")
    core.ask(f"/approve {point_id}", MODERATOR)
    core.ask(f"/flag {point_id} the page says 2M", BOB)
    core.take_notices()

    kept = core.ask(f"/approve {point_id} table 2 says 3M", MODERATOR)
    assert kept.title == f"Kept #{point_id}" and kept.data["outcome"] == "keep"
    fields = {f.name: f.value for f in kept.fields}
    assert fields["Disputes"] == "one open flag answered and closed"
    assert fields["Current figure"] == "it stays Kept Objects's current figure in objects"
    assert fields["Note"] == "table 2 says 3M"
    assert "disputed" not in core.ask("/datasets 3d page:1 sort:newest").as_text()
    assert core.ask("/review", MODERATOR).data["disputed"] == 0

    (letter,) = core.take_notices()
    assert isinstance(letter, PointDecided) and letter.recipient == "slack:U1"
    assert letter.message.title == f"Your data point #{point_id} was kept after a dispute"
    said = {f.name: f.value for f in letter.message.fields}
    assert said["Decided by"].startswith(MODERATOR) and said["Note"] == "table 2 says 3M"


def test_withdrawing_a_disputed_figure_makes_the_previous_one_current(core: Core) -> None:
    before = largest(core)
    newer = submit(
        core, f'3d "{before.dataset}" 30M objects https://example.org/newer year:2026', "slack:U1"
    )
    core.ask(f"/approve {newer}", MODERATOR)
    assert largest(core).id == newer
    core.ask(f"/flag {newer} the page counts scenes", BOB)
    entry = next(f for f in core.ask("/review", MODERATOR).fields if f.name.startswith(f"#{newer}"))
    assert f"If withdrawn: #{before.id} {before.dataset}:" in entry.value
    core.take_notices()

    withdrawn = core.ask(f"/reject {newer} the page counts scenes, not objects", MODERATOR)
    assert withdrawn.title == f"Withdrew #{newer}" and withdrawn.data["outcome"] == "withdraw"
    current = {f.name: f.value for f in withdrawn.fields}["Current figure"]
    assert current.startswith(f"#{before.id} {before.dataset}:") and current.endswith(
        "is current again"
    )
    assert largest(core).id == before.id
    assert core.ask("/scale 3d").data["largest"]["id"] == before.id
    found = core.ask(f"/ask {before.dataset} objects").data["results"]
    assert {"type": "data point", "id": before.id} in found
    assert {"type": "data point", "id": newer} not in found, "a withdrawn figure is not found"
    assert core.store.reads.get(newer).status == "rejected"

    (letter,) = core.take_notices()
    assert letter.message.title == f"Your data point #{newer} was withdrawn after a dispute"
    assert "the page counts scenes" in letter.message.as_text()


# -- /flag on a pending point --------------------------------------------------------------


def test_a_flagged_pending_point_is_reviewed_with_its_reasons(core: Core) -> None:
    point_id = submit(core, '3d "Doubted Objects" 5M objects https://example.org/doubted')
    flagged = core.ask(f"/flag {point_id} that page is a blog post", BOB)
    assert "It is pending, marked disputed (1)" in flagged.summary
    (notice,) = core.take_notices()
    card = notice.message
    assert card.title == f"Pending data point #{point_id} flagged (1)"
    assert [a.command for a in card.actions] == [f"/approve {point_id}", f"/reject {point_id}"]

    queue = core.ask("/review", MODERATOR)
    assert queue.data["ids"] == [point_id] and queue.data["disputed_ids"] == []
    (entry,) = queue.fields
    assert "Check: disputed (1)" in entry.value
    assert f"• that page is a blog post ({BOB})" in entry.value
    rejected = core.ask(f"/reject {point_id} a blog post", MODERATOR)
    assert {f.name: f.value for f in rejected.fields}["Disputes"] == (
        "one open flag answered and closed"
    )


# -- the review context ----------------------------------------------------------------------


def test_pending_points_are_reviewed_against_the_current_figure_with_marks(core: Core) -> None:
    objaverse = core.store.reads.largest("3d", "objects")
    assert objaverse is not None and objaverse.dataset == "Objaverse-XL"
    lower = submit(core, '3d "Objaverse-XL" 5.1M objects https://example.org/lower year:2024')
    alike = submit(core, '3d "Objavers-XL" 11M objects https://example.org/alike')
    cited = submit(core, f'3d "Cited Objects" 2M objects {objaverse.source_url}')
    new = submit(core, '3d "Brand New Objects" 1M objects https://example.org/new')
    core.ask(f"/confirm {new}", BOB)
    # The dataset's own paper, cited again for another of its measures, is no warning.
    paper = "https://example.org/objaverse-paper"
    submit(core, f'3d "Objaverse XL" 12M objects {paper}')
    own = submit(core, f'3d "objaverse-xl" 5M scenes {paper}')

    queue = core.ask("/review", MODERATOR)
    entries = {int(f.name.split(" ")[0][1:]): f.value for f in queue.fields}
    current = f"Current 10.2M objects (#{objaverse.id}), change ×0.5 (-50%)"
    assert current in entries[lower]
    assert "Check: lower than the current figure" in entries[lower]
    assert "A new dataset" in entries[alike]
    assert "Check: possible duplicate of Objaverse-XL" in entries[alike]
    assert f"Check: source already cited by #{objaverse.id}" in entries[cited]
    assert "Check:" not in entries[new] and "Confirmed by one member" in entries[new]
    assert "Check:" not in entries[own]

    # The review channel's card for a new point shows the same context.
    core.ask('/submit 3d "Objaverse-XL" 9M objects https://example.org/card', MEMBER)
    (card,) = core.take_notices()
    (shown,) = card.message.fields
    assert f"Current 10.2M objects (#{objaverse.id}), change ×0.882 (-12%)" in shown.value
    assert "Check: lower than the current figure" in shown.value
    core.ask('/submit 3d "Objaverze-XL" 12M objects https://example.org/again', MEMBER)
    (card,) = core.take_notices()
    assert "Check: possible duplicate of Objaverse-XL" in card.message.as_text()


def test_a_long_queue_keeps_places_for_disputes_within_discords_buttons(core: Core) -> None:
    pending = [
        submit(core, f'3d "Queued {n}" {n + 1}M objects https://example.org/q{n}')
        for n in range(QUEUE_SIZE + 2)
    ]
    disputed = [point.id for point in core.store.reads.largest_in_unit("3d", "objects", 6)]
    for point_id in disputed:
        core.ask(f"/flag {point_id} checking", BOB)
    queue = core.ask("/review", MODERATOR)
    assert len(queue.data["ids"]) + len(queue.data["disputed_ids"]) == QUEUE_SIZE
    assert queue.data["ids"] == pending[: len(queue.data["ids"])]
    assert len(queue.data["disputed_ids"]) >= 4
    assert queue.data["disputed"] == len(disputed) and queue.data["pending"] == len(pending)
    assert len(queue.actions) <= BUTTONS
    assert queue.title == f"Review queue: {len(pending)} pending, {len(disputed)} disputed"


# -- the terminal: ``scalebot ask`` -------------------------------------------------------------


@pytest.fixture
def ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``scalebot ask TEXT --as USER --json`` on one database, auto-approval at 2."""
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCALEBOT_MODERATORS", "console:mod")
    monkeypatch.setenv("SCALEBOT_AUTO_APPROVE_CONFIRMATIONS", "2")
    database = str(tmp_path / "terminal.db")

    def run(text: str, user: str) -> tuple[int, dict]:
        result = CliRunner().invoke(cli, ["--db", database, "ask", text, "--as", user, "--json"])
        return result.exit_code, json.loads(result.output)

    return run


def test_the_terminal_confirms_flags_and_decides(ask) -> None:
    code, submitted = ask('/submit 3d "Terminal Objects" 6M objects https://example.org/t', "ann")
    point_id = submitted["data"]["id"]
    code, own = ask(f"/confirm {point_id}", "ann")
    assert code == 1 and own["data"]["error"] == "OwnFigure"
    assert ask(f"/confirm {point_id}", "bob")[1]["data"]["confirmations"] == 1
    code, twice = ask(f"/confirm {point_id}", "bob")
    assert code == 1 and twice["data"]["error"] == "AlreadyCounted"
    code, approved = ask(f"/confirm {point_id}", "cat")
    assert code == 0 and approved["data"]["auto_approved"] is True

    code, flagged = ask(f"/flag {point_id} the page says 5M", "bob")
    assert code == 0 and flagged["data"]["disputes"] == 1
    code, listed = ask("/datasets 3d sort:newest", "bob")
    assert "Terminal Objects: 6M objects (disputed (1))" in json.dumps(listed["items"])
    code, queue = ask("/review", "mod")
    assert queue["data"]["disputed_ids"] == [point_id]
    assert any(field["name"] == "Disputed" for field in queue["fields"])
    code, kept = ask(f"/approve {point_id} the page says 6M", "mod")
    assert code == 0 and kept["title"] == f"Kept #{point_id}"
    assert ask("/review", "mod")[1]["data"]["disputed"] == 0
