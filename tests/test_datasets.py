"""The ledger models datasets: one identity, several measures, history and merges.

The issue's walk-through, each step a test: approving InternVid's clips must not make
its hours stop counting; "Objaverse XL" updates Objaverse-XL (and says so) without
renaming it; "Objavers-XL" is a new dataset offered as a possible duplicate, which a
moderator merges; ``/history`` lists every figure; a ledger made before datasets
existed migrates in place with every point, decision and audit row kept.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.core import Core
from bot.reply import render_text
from knowledge.ledger.errors import SameDataset
from knowledge.migrations import migrations
from knowledge.store import Store
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.objects import MODERATOR_ID
from tests.fakes.discord.payloads import slash_command
from tests.slack_stack import SLACK_MODERATOR, SlackStack, slack_stack

MOD = "console:mod"
ALICE = "console:alice"
INTERNVID = "https://arxiv.org/abs/2307.06942"


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    settings = Settings(db=tmp_path / "ledger.db", moderators=frozenset({MOD}))
    with Core.open(settings=settings) as opened:
        yield opened


def submit_and_approve(core: Core, line: str) -> int:
    submitted = core.ask(line, ALICE)
    assert submitted.kind == "answer", submitted.summary
    point_id = submitted.data["id"]
    approved = core.ask(f"/approve {point_id}", MOD)
    assert approved.kind == "answer", approved.summary
    return point_id


# -- measures ------------------------------------------------------------------------------


def test_a_figure_in_clips_leaves_the_hours_current(core: Core) -> None:
    clips = submit_and_approve(core, f"/submit video InternVid 234M clips {INTERNVID} year:2023")
    card = core.ask("/scale video")
    assert card.data["largest"]["dataset"] == "InternVid"
    assert card.data["largest"]["unit"] == "hours", "the largest in hours is still InternVid"
    listing = core.ask("/datasets video")
    (line,) = [item for item in listing.items if "InternVid" in item]
    assert "760K hours · 234M clips, 2023" in line
    assert sum("InternVid" in item for item in listing.items) == 1, "each dataset once"
    assert core.store.reads.get(clips).is_current == 1


def test_a_spelling_updates_the_dataset_and_never_renames_it(core: Core) -> None:
    reply = core.ask('/submit 3d "Objaverse XL" 11M objects https://e.org/oxl year:2024', ALICE)
    assert "It updates Objaverse-XL's objects: 10.2M objects now, ×1.08 (+8%)" in reply.summary
    assert "typed “Objaverse XL”" in reply.summary
    assert reply.data["new_dataset"] is False
    core.ask(f"/approve {reply.data['id']}", MOD)
    names = [entry.dataset.name for entry in core.store.reads.datasets("3d", limit=50)]
    assert "Objaverse-XL" in names and "Objaverse XL" not in names
    (listed,) = [
        e for e in core.store.reads.datasets("3d", limit=50) if e.dataset.name == "Objaverse-XL"
    ]
    assert [p.quantity for p in listed.figures] == [11_000_000]


def test_a_close_name_is_a_new_dataset_offered_as_a_duplicate(core: Core) -> None:
    reply = core.ask('/submit 3d "Objavers-XL" 11M objects https://e.org/typo', ALICE)
    assert reply.data["new_dataset"] is True
    assert reply.data["look_alikes"] == ["Objaverse-XL"]
    assert "Did you mean Objaverse-XL?" in reply.summary


def test_laion_spelt_with_a_space_is_the_same_dataset(core: Core) -> None:
    reply = core.ask('/submit image "LAION 5B" 6B "image-text pairs" https://e.org/l', ALICE)
    assert reply.data["new_dataset"] is False
    assert reply.data["dataset"] == "LAION-5B"


# -- merge and history ---------------------------------------------------------------------


def test_merge_moves_every_figure_and_the_name_keeps_finding_it(core: Core) -> None:
    typo = submit_and_approve(
        core, '/submit 3d "Objavers-XL" 11M objects https://e.org/t year:2024'
    )
    merged = core.ask('/merge "Objavers-XL" "Objaverse-XL"', MOD)
    assert merged.kind == "answer", merged.summary
    assert merged.data["moved"] == 1
    history = core.ask('/history "Objavers-XL"')
    assert history.title.startswith("History of Objaverse-XL")
    assert typo in history.data["ids"]
    # The 2024 figure is now Objaverse-XL's current one; the 2023 one is history.
    assert core.ask("/scale 3d").data["largest"]["id"] == typo
    after = core.ask('/submit 3d "objavers xl" 12M objects https://e.org/u', ALICE)
    assert after.data["dataset"] == "Objaverse-XL", "the merged spelling finds the dataset"
    counts = core.store.reads.counts("3d")
    assert counts[1] == len([e for e in core.store.reads.datasets("3d", limit=100)])


def test_merge_is_for_moderators_and_refuses_one_dataset(core: Core) -> None:
    assert core.ask('/merge "ABC" "Objaverse-XL"', ALICE).data["error"] == "NotAllowed"
    same = core.ask('/merge "objaverse xl" "Objaverse-XL"', MOD)
    assert same.kind == "error" and "already one dataset" in same.summary


def test_a_merge_looked_up_before_the_opposite_merge_is_refused(core: Core) -> None:
    """The race of ``/merge A B`` and ``/merge B A``, one step at a time.

    Both moderators' commands looked the two datasets up before either wrote; the
    second merge to commit finds the names again inside its own transaction.
    """
    submit_and_approve(core, "/submit video Alpha 1M clips https://e.org/alpha year:2023")
    submit_and_approve(core, "/submit video Beta 2M clips https://e.org/beta year:2023")
    alpha, beta = (
        core.store.catalog.find_dataset("video", "Alpha"),
        core.store.catalog.find_dataset("video", "Beta"),
    )
    assert alpha is not None and beta is not None
    tracked = core.store.reads.counts("video")[1]
    merged = core.store.catalog.merge(alpha, beta, MOD)
    with pytest.raises(SameDataset) as refused:
        core.store.catalog.merge(beta, alpha, MOD)
    assert refused.value.dataset.id == beta.id
    assert (merged.source.id, merged.target.id, merged.moved) == (alpha.id, beta.id, 1)
    rows = core.store.conn.execute(
        "SELECT id, merged_into FROM datasets WHERE id IN (?, ?)", (alpha.id, beta.id)
    )
    assert dict(rows.fetchall()) == {alpha.id: beta.id, beta.id: None}
    assert core.store.reads.counts("video")[1] == tracked - 1
    listed = core.ask("/datasets video")
    assert "Beta" in render_text(listed)


def test_merging_what_is_already_one_dataset_says_so(core: Core) -> None:
    submit_and_approve(core, "/submit video Alpha 1M clips https://e.org/alpha year:2023")
    submit_and_approve(core, "/submit video Beta 2M clips https://e.org/beta year:2023")
    assert core.ask("/merge Alpha Beta", MOD).kind == "answer"
    again = core.ask("/merge Beta Alpha", MOD)
    assert again.kind == "error" and again.data["error"] == "InvalidValue"
    assert again.summary.startswith(
        "Beta and Alpha are already one dataset (Beta); nothing was merged."
    )
    assert '/history "Beta" domain:video' in again.summary
    looped = core.store.conn.execute("SELECT id FROM datasets WHERE merged_into = id")
    assert looped.fetchall() == []


def test_a_merge_says_what_the_names_mean_when_it_commits(core: Core) -> None:
    """A name merged elsewhere since it was looked up: the merge takes what it means now."""
    for name in ("Alpha", "Beta", "Gamma"):
        submit_and_approve(core, f"/submit video {name} 1M clips https://e.org/{name} year:2023")
    alpha, beta, gamma = (
        core.store.catalog.find_dataset("video", n) for n in ("Alpha", "Beta", "Gamma")
    )
    assert alpha is not None and beta is not None and gamma is not None
    core.store.catalog.merge(alpha, gamma, MOD)
    merged = core.store.catalog.merge(alpha, beta, MOD)  # "Alpha" now means Gamma
    assert (merged.source.name, merged.target.name) == ("Gamma", "Beta")
    chained = core.store.conn.execute(
        "SELECT d.id FROM datasets AS d JOIN datasets AS t ON t.id = d.merged_into "
        "WHERE t.merged_into IS NOT NULL"
    )
    assert chained.fetchall() == []
    assert core.store.catalog.find_dataset("video", "Alpha") == core.store.catalog.find_dataset(
        "video", "Beta"
    )


def test_history_lists_every_figure_per_unit_oldest_first_with_changes(core: Core) -> None:
    first = submit_and_approve(core, f"/submit video InternVid 900K hours {INTERNVID} year:2024")
    second = core.ask(f"/submit video InternVid 100K hours {INTERNVID} year:2025", ALICE)
    core.ask(f"/reject {second.data['id']} counts only a subset", MOD)
    reply = core.ask("/history internvid")
    text = "\n".join(reply.items)
    assert reply.data["dataset"] == "InternVid"
    lines = reply.items
    assert "760K hours (2023): approved" in lines[0]
    assert f"#{first} 900K hours (2024): approved, current" in lines[1]
    assert "×1.18 from" in lines[1]
    assert "rejected" in lines[2] and "decided by console:mod" in lines[2]
    assert "submitted by console:alice" in text


def test_history_of_an_unknown_name_suggests_names(core: Core) -> None:
    reply = core.ask("/history Objav")
    assert reply.kind == "error"
    assert "Objaverse" in reply.summary


def test_export_carries_the_dataset_id_and_canonical_name(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    core.ask('/submit 3d "objaverse xl" 11M objects https://e.org/oxl', ALICE)
    monkeypatch.setenv("SCALEBOT_MODERATORS", MOD)
    result = CliRunner().invoke(cli, ["--db", str(core.settings.db), "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    mine = [r for r in rows if r["typed_name"] == "objaverse xl"]
    assert mine and mine[0]["dataset"] == "Objaverse-XL" and mine[0]["dataset_id"]


# -- compare in a shared unit --------------------------------------------------------------


def test_compare_uses_a_unit_both_fields_count(core: Core) -> None:
    reply = core.ask("/compare video fsd")
    assert reply.data["shared_unit"] == "hours"
    assert "compared in hours" in reply.summary
    row = next(r for r in reply.table.rows if r[0].startswith("Largest vs video"))
    assert row[0] == "Largest vs video (in hours)"
    assert "orders of magnitude" in row[2]


def test_compare_without_a_shared_unit_says_so(core: Core) -> None:
    reply = core.ask("/compare 3d llm")
    assert reply.data["shared_unit"] is None
    row = next(r for r in reply.table.rows if r[0].startswith("Largest vs 3d"))
    assert row[2] == "units differ"


def test_compare_sees_a_unit_approved_after_it_last_answered(core: Core) -> None:
    """The units a field counts are kept between commands, never past an approval."""
    assert core.ask("/compare 3d llm").data["shared_unit"] is None
    reply = core.ask('/submit 3d "Caption Pile" 2B tokens https://example.org/pile', ALICE)
    assert core.ask("/compare 3d llm").data["shared_unit"] is None  # pending: no unit yet
    core.ask(f"/approve {reply.data['id']}", MOD)
    assert core.ask("/compare 3d llm").data["shared_unit"] == "tokens"


# -- migration from a ledger made before datasets ------------------------------------------


def old_ledger(path: Path) -> None:
    """A database as the release before datasets left it: schema up to 0004, rows in it."""
    conn = sqlite3.connect(path)
    from sqlite_utils import Database

    db = Database(conn)
    migrations.apply(db, stop_before="0005_datasets")
    rows = [
        # (domain, dataset as typed, key, quantity, unit, year, status, is_current)
        ("video", "InternVid", "internvid", 760_000, "hours", 2023, "approved", 0),
        ("video", "internvid", "internvid", 234e6, "clips", 2023, "approved", 1),
        ("3d", "Objaverse-XL", "objaversexl", 10.2e6, "objects", 2023, "approved", 1),
        ("3d", "Objaverse XL", "objaversexl", 11e6, "objects", 2024, "pending", 0),
        ("3d", "Old", "old", 5, "objects", 2020, "rejected", 0),
    ]
    for n, (domain, name, key, quantity, unit, year, status, current) in enumerate(rows, 1):
        reviewed = (
            ("console:mod", f"2025-01-0{n}T00:00:00Z") if status != "pending" else (None, None)
        )
        conn.execute(
            "INSERT INTO data_points (domain, dataset, dataset_key, quantity_text, quantity, "
            "unit, year, source_url, note, status, origin, is_current, submitted_by, platform, "
            "submitted_at, reviewed_by, reviewed_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, '', ?, 'community', ?, 'console:alice', 'console', ?, ?, ?)",
            (
                domain,
                name,
                key,
                str(quantity),
                quantity,
                unit,
                year,
                f"https://e.org/{n}",
                status,
                current,
                f"2025-01-0{n}T00:00:00Z",
                *reviewed,
            ),
        )
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, data_point_id, details) "
            "VALUES (?, 'console:alice', 'submit', ?, '{}')",
            (f"2025-01-0{n}T00:00:00Z", n),
        )
    conn.execute("INSERT INTO domain_counts (domain, pending, datasets) VALUES ('3d', 1, 1)")
    conn.execute("INSERT INTO domain_counts (domain, pending, datasets) VALUES ('video', 0, 1)")
    conn.commit()
    conn.close()


def test_an_old_ledger_migrates_in_place_keeping_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_ledger(path)
    store = Store.open(path)
    assert "0005_datasets" in store.schema_version()
    assert store.conn.execute("SELECT COUNT(*) FROM data_points").fetchone()[0] == 5
    assert store.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 5
    internvid = store.catalog.find_dataset("video", "INTERNVID")
    assert internvid is not None and internvid.name == "InternVid"
    # Both units are current now: the old one-figure rule had hidden the hours.
    current = {(p.unit, p.quantity) for p in store.history.figures(internvid.id) if p.is_current}
    assert current == {("hours", 760_000), ("clips", 234e6)}
    objaverse = store.catalog.find_dataset("3d", "objaverse xl")
    assert objaverse is not None and objaverse.name == "Objaverse-XL"
    assert [p.status for p in store.history.figures(objaverse.id)] == ["approved", "pending"]
    assert store.reads.counts("video") == (0, 1) and store.reads.counts("3d") == (1, 1)
    store.close()
    # The curated seed and ranks follow on the core's first open, community rows intact.
    with Core.open(path) as core:
        listed = core.store.reads.datasets("video", limit=100)
        (entry,) = [e for e in listed if e.dataset.name == "InternVid"]
        assert {p.unit for p in entry.figures} == {"hours", "clips"}
        origins = {row[0] for row in core.store.conn.execute("SELECT origin FROM data_points")}
        assert origins == {"community", "curated"}


def release_ledger(tmp_path: Path) -> Path:
    """The ledger file the release before datasets wrote (schema 0001 to 0004).

    Made with that release's own code (commit 763e6e3), not rebuilt from our migrations:
    on its fresh database (curated seed, points 1 to 58), ``scalebot ask`` as members
    submitted #59 InternVid 234M clips (2023), #60 "Objaverse XL" 11M objects (2024),
    #61 "Objavers-XL" 12M objects and #62 "Tiny Corpus" 5B tokens; a moderator approved
    #59 ("checked the paper") and #60 and rejected #62 ("no such corpus"); then
    ``VACUUM``. In that release an approved clips figure hid InternVid's hours.
    """
    path = tmp_path / "release.db"
    packed = Path(__file__).parent / "data" / "ledger-before-datasets.db.gz"
    path.write_bytes(gzip.decompress(packed.read_bytes()))
    return path


def test_a_ledger_written_by_the_previous_release_keeps_everything(tmp_path: Path) -> None:
    path = release_ledger(tmp_path)
    with sqlite3.connect(path) as conn:
        before_points = conn.execute(
            "SELECT id, quantity, unit, status, submitted_by, reviewed_by, review_note "
            "FROM data_points ORDER BY id"
        ).fetchall()
        before_audit = conn.execute("SELECT id, action, data_point_id FROM audit_log").fetchall()
    conn.close()
    assert len(before_points) == 62 and len(before_audit) == 65

    with Core.open(settings=Settings(db=path, moderators=frozenset({MOD}))) as core:
        store = core.store
        assert "0005_datasets" in store.schema_version()
        after_points = store.conn.execute(
            "SELECT id, quantity, unit, status, submitted_by, reviewed_by, review_note "
            "FROM data_points WHERE id <= 62 ORDER BY id"
        ).fetchall()
        assert after_points == before_points
        after_audit = store.conn.execute(
            "SELECT id, action, data_point_id FROM audit_log WHERE id <= 65"
        ).fetchall()
        assert after_audit == before_audit

        # InternVid's hours count again beside the approved clips.
        internvid = store.catalog.find_dataset("video", "internvid")
        assert internvid is not None and internvid.name == "InternVid"
        current = {
            (p.unit, p.quantity) for p in store.history.figures(internvid.id) if p.is_current
        }
        assert current == {("hours", 760_000), ("clips", 234e6)}
        assert core.ask("/scale video").data["largest"]["dataset"] == "InternVid"

        # "Objaverse XL" was an update of the curated Objaverse-XL, which keeps its name.
        objaverse = store.catalog.find_dataset("3d", "Objaverse XL")
        assert objaverse is not None and objaverse.name == "Objaverse-XL"
        largest = store.reads.largest("3d", "objects")
        assert largest is not None and (largest.id, largest.quantity) == (60, 11e6)
        # The misspelling is its own pending dataset, offered as a look-alike.
        typo = store.reads.get(61)
        assert typo is not None and typo.status == "pending"
        assert typo.dataset_id != objaverse.id
        (entry,) = [f for f in core.ask("/review", MOD).fields if f.name.startswith("#61")]
        assert "possible duplicate of Objaverse-XL" in entry.value

        history = render_text(core.ask("/history InternVid"))
        assert "decided by console:mod" in history and "234M clips" in history


# -- on Slack and Discord ------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path) as stack:
        yield stack


def test_history_and_merge_on_slack(slack: SlackStack) -> None:
    body = slack.sender.command("/history", "InternVid").json()
    assert body["response_type"] == "in_channel"
    assert "History of InternVid" in json.dumps(body["blocks"])
    slack.core.ask('/submit 3d "Objavers-XL" 11M objects https://e.org/t', ALICE)
    merged = slack.sender.command(
        "/merge", '"Objavers-XL" "Objaverse-XL"', user=SLACK_MODERATOR
    ).json()
    assert "Merged Objavers-XL into Objaverse-XL" in json.dumps(merged["blocks"])


def test_history_and_merge_on_discord(discord: DiscordStack) -> None:
    callback = discord.interact(slash_command("history", {"dataset": "InternVid"})).json
    assert "History of InternVid" in callback["data"]["embeds"][0]["title"]
    discord.core.ask('/submit 3d "Objavers-XL" 11M objects https://e.org/t', ALICE)
    payload = slash_command(
        "merge", {"dataset": "Objavers-XL", "into": "Objaverse-XL"}, user_id=MODERATOR_ID
    )
    merged = discord.interact(payload).json
    assert "Merged Objavers-XL into Objaverse-XL" in merged["data"]["embeds"][0]["title"]
