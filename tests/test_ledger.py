"""The community ledger (knowledge/store.py) through Store and Core.

Covers: the schema as recorded sqlite-utils migrations (applied once), connection PRAGMAs,
an index behind every query the commands make (EXPLAIN QUERY PLAN on the store's own
statements), FTS5 indexes kept in sync by triggers, the curated seed loaded exactly once,
a dataset's history and current figure, the audit log of every write and review, CSV
imports as one all-or-nothing transaction, and backups.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from bot.importer import ImportFailed, import_csv
from knowledge import imports
from knowledge.ledger.errors import AlreadyReviewed, AlreadyVouched, OwnPoint, PointNotFound
from knowledge.ledger.values import AUTO_APPROVER, Submitter
from knowledge.migrations import migrations
from knowledge.store import Store
from tests.helpers import MEMBER, MODERATOR, check_fts_index, curated_rows, new_point

ALICE = Submitter(MEMBER, "console", "lab", "general")


def count(conn: sqlite3.Connection, sql: str, *params: object) -> int:
    return conn.execute(sql, params).fetchone()[0]


# -- schema and connection -----------------------------------------------------------------


def test_schema_version_is_recorded(core: Core) -> None:
    version = core.store.schema_version()
    assert "0001_ledger" in version
    recorded = count(core.store.conn, "SELECT COUNT(*) FROM _sqlite_migrations")
    assert recorded == len(version)
    assert migrations.pending(core.store.db) == []


def test_reopening_does_not_reapply_migrations(settings: Settings) -> None:
    with Core.open(settings=settings) as first:
        rows = first.store.conn.execute(
            "SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY name"
        ).fetchall()
        first.store.points.submit(new_point(), ALICE)
    with Core.open(settings=settings) as second:
        again = second.store.conn.execute(
            "SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY name"
        ).fetchall()
        assert again == rows
        # The data written before survives a reopen (no table was recreated).
        assert second.store.reads.totals().get("pending") == 1


def test_pragmas(core: Core) -> None:
    conn = core.store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    # WAL is a property of the file: a fresh connection from another process sees it too.
    other = sqlite3.connect(core.store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_foreign_keys_are_enforced(core: Core) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        core.store.conn.execute(
            "INSERT INTO audit_log (at, actor, action, data_point_id) "
            "VALUES ('now', 'x', 'submit', 999999)"
        )


# -- indexes -------------------------------------------------------------------------------


def _unindexed_scans(conn: sqlite3.Connection, statements: list[str]) -> list[tuple[str, str]]:
    """(statement, plan line) for every full scan of a ledger table in the statements' plans."""
    bad = []
    for sql in statements:
        for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
            detail = row[-1]
            if not detail.startswith("SCAN"):
                continue
            if "VIRTUAL TABLE" in detail or "USING" in detail:
                continue
            bad.append((sql, detail))
    return bad


def test_every_command_query_uses_an_index(core: Core) -> None:
    """Trace what the store runs for each read and write a command makes; no full scans."""
    store = core.store
    first = store.points.submit(new_point("Zorblax Clips", 5e6, 2022), ALICE)
    store.reviews.review(first, "approve", MODERATOR, "ok")
    second = store.points.submit(new_point("Zorblax Clips", 9e6, 2024), ALICE)

    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        store.reviews.review(second, "approve", MODERATOR, None)
        store.points.submit(new_point("Other", 3e6), ALICE)
        store.reads.get(first)
        store.reads.largest("video", "clips")
        store.reads.datasets("video", "largest", limit=5)
        store.reads.datasets("video", "newest", limit=5, offset=1)
        store.reads.newest("video")
        store.reads.counts("video")
        store.queue.pending(10)
        store.queue.disputed(10)
        store.queue.pending_total()
        dataset = store.catalog.find_dataset("video", "zorblax clips")
        assert dataset is not None
        store.history.figures(dataset.id)
        store.history.size(dataset.id)
        second_point = store.reads.get(second)
        assert second_point is not None
        store.history.approved_before(second_point)
        store.history.cited_by(second_point)
        store.reads.current_figure(dataset.id, "clips", besides=second)
        store.catalog.look_alikes("video", "Zorblax Clipz")
        store.catalog.dataset_names("video", "zorb")
        store.catalog.dataset_names(None, "zorb")
        store.history.audit_log(first)
        store.queue.confirmations(first)
        store.queue.open_flags(first)
        store.reads.next_current(second_point)
        store.search.points("zorblax clips")
        store.search.claims("why does video scale")
    finally:
        store.conn.set_trace_callback(None)

    queries = [
        s
        for s in statements
        if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))
        # domain_counts holds one row per domain: summing it is the point of the table.
        and "FROM domain_counts" not in s
    ]
    assert len(queries) >= 14, statements
    assert _unindexed_scans(store.conn, queries) == []
    # The check itself notices a scan (so the assertion above can fail).
    assert _unindexed_scans(store.conn, ["SELECT id FROM data_points WHERE note = 'x'"])


def test_indexes_cover_the_ledger_columns(core: Core) -> None:
    conn = core.store.conn
    indexed: dict[str, set[str]] = {}
    for table in ("data_points", "audit_log", "datasets"):
        for _, name, *_ in conn.execute(f"PRAGMA index_list({table})"):
            columns = {row[2] for row in conn.execute(f"PRAGMA index_info({name})")}
            indexed.setdefault(table, set()).add(",".join(sorted(c for c in columns if c)))
    # history: a dataset's points by unit and year; names: domain + key; audit:
    # data_point_id; cards: domain + unit/quantity.
    assert any({"dataset_id", "unit", "year"} <= set(i.split(",")) for i in indexed["data_points"])
    assert any({"domain", "key"} <= set(i.split(",")) for i in indexed["datasets"])
    assert any("data_point_id" in i.split(",") for i in indexed["audit_log"])
    assert any({"domain", "unit", "quantity"} <= set(i.split(",")) for i in indexed["data_points"])


# -- full-text search ----------------------------------------------------------------------


def test_fts_tables_exist(core: Core) -> None:
    names = {
        row[0]
        for row in core.store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%fts5%'"
        )
    }
    assert {"data_points_fts", "claims_fts"} <= names
    triggers = {
        row[0]
        for row in core.store.conn.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
        )
    }
    assert {"data_points", "claims"} <= triggers


def fts_check(path: str, table: str = "data_points_fts") -> None:
    """FTS5's own index check, on a connection of its own (outside the store's transaction)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        check_fts_index(conn, table)
    finally:
        conn.close()


def test_fts_integrity_check_notices_a_stale_index(core: Core) -> None:
    """The check the tests below rely on fails when the index and the rows disagree."""
    fts_check(core.store.path)
    with core.store.write() as conn:
        conn.execute(
            "INSERT INTO data_points_fts (rowid, dataset, note, domain, unit) "
            "VALUES (999999, 'ghost', '', 'video', 'clips')"
        )
    with pytest.raises(sqlite3.DatabaseError):
        fts_check(core.store.path)


def test_submitted_point_is_indexed_and_found_once_approved(core: Core) -> None:
    reply = core.ask(
        '/submit video "Quetzalvid" 12M clips https://example.org/q year:2024 note:"drone footage"',
        MEMBER,
    )
    assert reply.kind == "answer", reply.summary
    point_id = reply.data["id"]
    conn = core.store.conn
    fts_check(core.store.path)
    # Pending points are not answers yet.
    assert core.store.search.points("quetzalvid") == []
    core.store.reviews.review(point_id, "approve", MODERATOR, None)
    fts_check(core.store.path)
    hits = core.store.search.points("Quetzalvid drone")
    assert [p.id for p, _ in hits] == [point_id]
    matched = conn.execute(
        "SELECT rowid FROM data_points_fts WHERE data_points_fts MATCH 'quetzalvid'"
    ).fetchall()
    assert matched == [(point_id,)]


@pytest.mark.parametrize("spelling", ["Zorblax Clips", "zorblax-clips"])
def test_a_submission_returns_its_point_as_a_read_would(core: Core, spelling: str) -> None:
    """/submit answers from the point it wrote, not a read: the two must never differ."""
    core.store.points.submit(new_point("Zorblax Clips", 1e6), ALICE)  # the dataset exists
    for point in (new_point(spelling, 2e6, note="a note"), new_point("Fresh Name", 3e6)):
        submission = core.store.points.submit_once(point, ALICE)
        assert submission.stored is not None
        assert submission.stored == core.store.reads.get(submission.id)
        read = core.store.reads.get(submission.id)
        assert read is not None and hash(read) == hash(submission.stored)
        with pytest.raises(AttributeError):
            read.quantity = 1  # type: ignore[misc]  # a read point is as frozen as any
    replay = core.store.points.submit_once(new_point("Other", 4e6), ALICE, request_key="k")
    again = core.store.points.submit_once(new_point("Other", 4e6), ALICE, request_key="k")
    assert replay.stored is not None and again.replayed and again.stored is None


def test_a_listing_s_measures_are_the_current_points(core: Core) -> None:
    """/datasets reads eight columns of each figure; they must say what the point says."""
    for listed in core.store.reads.datasets("video", limit=20):
        history = core.store.history.figures(listed.dataset.id)
        current = sorted((p for p in history if p.is_current), key=lambda p: p.id)
        assert sorted(m.id for m in listed.figures) == [p.id for p in current]
        for measure in listed.figures:
            point = core.store.reads.get(measure.id)
            assert point is not None
            assert (measure.dataset, measure.quantity, measure.unit, measure.year) == (
                point.dataset,
                point.quantity,
                point.unit,
                point.year,
            )
            assert (measure.source_url, measure.disputes, measure.reviewed_at) == (
                point.source_url,
                point.disputes,
                point.reviewed_at,
            )


def test_rejected_point_is_never_found(core: Core) -> None:
    point_id = core.ask("/submit video Xylofakevid 3M clips https://example.org/x", MEMBER).data[
        "id"
    ]
    assert core.ask(f"/reject {point_id} made up", MODERATOR).kind == "answer"
    fts_check(core.store.path)
    assert core.store.search.points("xylofakevid") == []


def test_every_approved_point_is_searchable(core: Core) -> None:
    store = core.store
    for n in range(6):
        point_id = store.points.submit(new_point(f"Glimmer{n}", year=2020 + n), ALICE)
        store.reviews.review(point_id, "approve" if n % 2 else "reject", MODERATOR, None)
    fts_check(store.path)
    approved = store.conn.execute(
        "SELECT id, dataset FROM data_points WHERE status = 'approved'"
    ).fetchall()
    assert len(approved) > 3
    for point_id, dataset in approved:
        quoted = '"' + dataset.replace('"', '""') + '"'
        rowids = {
            row[0]
            for row in store.conn.execute(
                "SELECT rowid FROM data_points_fts WHERE data_points_fts MATCH ?", (quoted,)
            )
        }
        assert point_id in rowids, dataset


def test_claims_are_searchable(core: Core) -> None:
    conn = core.store.conn
    claims = count(conn, "SELECT COUNT(*) FROM claims")
    assert claims > 0
    fts_check(core.store.path, "claims_fts")
    hits = core.store.search.claims("scaling template data cost")
    assert hits
    assert all(hit.text and hit.section for hit in hits)


def test_search_text_is_data_not_syntax(core: Core) -> None:
    nasty = "Robert'); DROP TABLE data_points; -- \"NEAR( * OR AND"
    point_id = core.store.points.submit(new_point(nasty), ALICE)
    core.store.reviews.review(point_id, "approve", MODERATOR, None)
    assert core.store.reads.get(point_id).dataset == nasty
    core.store.search.points(nasty)
    core.store.search.claims(nasty)
    assert count(core.store.conn, "SELECT COUNT(*) FROM data_points") > 1


# -- curated seed --------------------------------------------------------------------------


def test_curated_seed_loaded_exactly_once(settings: Settings) -> None:
    expected = len(curated_rows())
    assert expected > 0
    for _ in range(3):
        with Core.open(settings=settings) as core:
            conn = core.store.conn
            assert (
                count(conn, "SELECT COUNT(*) FROM data_points WHERE origin = 'curated'") == expected
            )
            assert count(conn, "SELECT COUNT(*) FROM audit_log WHERE action = 'seed'") == expected
            assert (
                count(
                    conn,
                    "SELECT COUNT(*) FROM data_points WHERE origin = 'curated' "
                    "AND status != 'approved'",
                )
                == 0
            )


def test_seed_once_refuses_a_second_seed(core: Core) -> None:
    before = core.store.reads.totals()
    assert (
        core.store.curated.seed_once([new_point("Extra")], Submitter("system:curated", "system"))
        is False
    )
    assert core.store.reads.totals() == before


# -- history and current figure ------------------------------------------------------------


def test_history_newest_approved_first_and_current_moves(core: Core) -> None:
    store = core.store
    old = store.points.submit(new_point("Zorblax", 800_000, 2021), ALICE)
    store.reviews.review(old, "approve", MODERATOR, None)
    assert store.reads.get(old).is_current == 1

    new = store.points.submit(
        new_point("zorblax", 10_200_000, 2023), ALICE
    )  # same dataset, other case
    assert store.reads.get(new).is_current == 0  # pending is never current
    store.reviews.review(new, "approve", MODERATOR, None)
    assert store.reads.get(new).is_current == 1
    assert store.reads.get(old).is_current == 0

    # An older figure approved later does not take over: current is newest by year.
    older = store.points.submit(new_point("Zorblax", 500_000, 2019), ALICE)
    store.reviews.review(older, "approve", MODERATOR, None)
    assert store.reads.get(new).is_current == 1
    assert store.reads.get(older).is_current == 0

    rejected = store.points.submit(new_point("Zorblax", 99e6, 2025), ALICE)
    store.reviews.review(rejected, "reject", MODERATOR, "no source")
    pending = store.points.submit(new_point("Zorblax", 50e6, 2025), ALICE)

    dataset = store.catalog.find_dataset("video", "ZORBLAX")
    assert dataset is not None and dataset.name == "Zorblax", "the first spelling stays"
    history = store.history.figures(dataset.id)
    # Oldest first by year (a pending or rejected figure sits at its own year).
    assert [p.id for p in history] == [older, old, new, rejected, pending]
    assert [p.id for p in history if p.is_current] == [new]
    assert store.reads.get(rejected).is_current == 0
    assert store.reads.get(pending).is_current == 0

    listed = store.reads.datasets("video", "largest", limit=100)
    zorblax = [entry for entry in listed if entry.dataset.id == dataset.id]
    assert [[p.id for p in entry.figures] for entry in zorblax] == [[new]]
    # Exactly one current figure per dataset and unit across the whole ledger.
    dupes = store.conn.execute(
        "SELECT dataset_id, unit FROM data_points WHERE is_current = 1 "
        "GROUP BY dataset_id, unit HAVING COUNT(*) > 1"
    ).fetchall()
    assert dupes == []
    assert (
        store.conn.execute(
            "SELECT COUNT(*) FROM data_points WHERE is_current = 1 AND status != 'approved'"
        ).fetchone()[0]
        == 0
    )


def test_counts_follow_reviews(core: Core) -> None:
    store = core.store
    pending_before, datasets_before = store.reads.counts("video")
    a = store.points.submit(new_point("Count A"), ALICE)
    b = store.points.submit(new_point("Count B"), ALICE)
    assert store.reads.counts("video") == (pending_before + 2, datasets_before)
    store.reviews.review(a, "approve", MODERATOR, None)
    store.reviews.review(b, "reject", MODERATOR, "dup")
    assert store.reads.counts("video") == (pending_before, datasets_before + 1)
    assert store.queue.pending_total() == count(
        store.conn, "SELECT COUNT(*) FROM data_points WHERE status = 'pending'"
    )


def test_review_is_final_and_unknown_ids_are_refused(core: Core) -> None:
    store = core.store
    point_id = store.points.submit(new_point(), ALICE)
    store.reviews.review(point_id, "reject", MODERATOR, "wrong")
    with pytest.raises(AlreadyReviewed):
        store.reviews.review(point_id, "approve", MODERATOR, None)
    assert store.reads.get(point_id).status == "rejected"
    with pytest.raises(PointNotFound):
        store.reviews.review(10**9, "approve", MODERATOR, None)
    assert [e.action for e in store.history.audit_log(point_id)] == ["submit", "reject"]


# -- confirmations and disputes ------------------------------------------------------------

BOB, CAROL, DAVE = "console:bob", "console:carol", "console:dave"


def test_confirmations_count_once_per_member_and_never_the_submitters(core: Core) -> None:
    store = core.store
    point_id = store.points.submit(new_point("Vouched Clips"), ALICE)
    with pytest.raises(OwnPoint):
        store.vouches.confirm(point_id, MEMBER)
    first = store.vouches.confirm(point_id, BOB)
    assert (first.count, first.auto_approved, first.point.status) == (1, False, "pending")
    with pytest.raises(AlreadyVouched):
        store.vouches.confirm(point_id, BOB)
    assert store.vouches.confirm(point_id, CAROL).count == store.queue.confirmations(point_id) == 2
    with pytest.raises(PointNotFound):
        store.vouches.confirm(10**9, BOB)
    store.reviews.review(point_id, "reject", MODERATOR, "wrong")
    with pytest.raises(AlreadyReviewed):
        store.vouches.confirm(point_id, DAVE)
    actions = [(e.action, e.actor) for e in store.history.audit_log(point_id)]
    assert actions == [
        ("submit", MEMBER),
        ("confirm", BOB),
        ("confirm", CAROL),
        ("reject", MODERATOR),
    ]


def test_the_nth_confirmation_approves_and_the_audit_log_says_so(core: Core) -> None:
    store = core.store
    pending_before = store.queue.pending_total()
    point_id = store.points.submit(new_point("Auto Clips", 4e6), ALICE)
    assert not store.vouches.confirm(point_id, BOB, auto_approve_at=2).auto_approved
    second = store.vouches.confirm(point_id, CAROL, auto_approve_at=2)
    assert second.auto_approved and second.count == 2
    point = second.point
    assert (point.status, point.reviewed_by, point.is_current) == ("approved", AUTO_APPROVER, 1)
    assert store.queue.pending_total() == pending_before
    *_, last = store.history.audit_log(point_id)
    assert (last.action, last.actor, last.details) == (
        "auto-approve",
        AUTO_APPROVER,
        {"confirmations": 2},
    )
    # A later confirmation of an approved figure is counted and approves nothing again.
    third = store.vouches.confirm(point_id, DAVE, auto_approve_at=2)
    assert (third.count, third.auto_approved) == (3, False)


def test_a_disputed_figure_is_kept_with_its_flags_cleared(core: Core) -> None:
    store = core.store
    point_id = store.points.submit(new_point("Kept Clips", 6e6, 2024), ALICE)
    store.reviews.review(point_id, "approve", MODERATOR, "first look")
    assert store.vouches.flag(point_id, BOB, "the paper says 5M").disputes == 1
    with pytest.raises(AlreadyVouched):
        store.vouches.flag(point_id, BOB, "again")
    assert store.vouches.flag(point_id, CAROL, "counts duplicates").disputes == 2
    assert [(f.user, f.reason) for f in store.queue.open_flags(point_id)] == [
        (BOB, "the paper says 5M"),
        (CAROL, "counts duplicates"),
    ]
    assert [p.id for p in store.queue.disputed(10)] == [point_id]
    assert store.queue.disputed_total() == 1

    kept = store.reviews.review(point_id, "approve", "console:mod2", "checked table 2")
    assert (kept.outcome, kept.cleared) == ("keep", 2)
    assert kept.at, "when the figure was kept"
    point = kept.point
    assert (point.status, point.disputes, point.is_current) == ("approved", 0, 1)
    assert (point.reviewed_by, point.review_note) == (MODERATOR, "first look")
    assert store.queue.open_flags(point_id) == [] and store.queue.disputed_total() == 0
    # Kept is final again until someone flags it anew; the same member may.
    with pytest.raises(AlreadyReviewed):
        store.reviews.review(point_id, "approve", MODERATOR, None)
    assert store.vouches.flag(point_id, BOB, "still 5M").disputes == 1


def test_a_withdrawn_figure_gives_the_current_place_back(core: Core) -> None:
    store = core.store
    older = store.points.submit(new_point("Withdrawn Clips", 3e6, 2022), ALICE)
    store.reviews.review(older, "approve", MODERATOR, None)
    newer = store.points.submit(new_point("Withdrawn Clips", 9e6, 2024), ALICE)
    store.reviews.review(newer, "approve", MODERATOR, None)
    assert (store.reads.get(older).is_current, store.reads.get(newer).is_current) == (0, 1)

    assert store.reads.next_current(store.reads.get(older)) is None, (
        "not current: withdrawing changes nothing"
    )
    store.vouches.flag(newer, BOB, "9M counts test clips too")
    assert store.reads.next_current(store.reads.get(newer)).id == older
    withdrawn = store.reviews.review(newer, "reject", MODERATOR, "the paper's train split is 3M")
    assert (withdrawn.outcome, withdrawn.cleared) == ("withdraw", 1)
    assert (withdrawn.point.status, withdrawn.point.is_current) == ("rejected", 0)
    assert store.reads.get(older).is_current == 1
    dataset = store.catalog.find_dataset("video", "withdrawn clips")
    assert dataset is not None
    assert store.reads.current_figure(dataset.id, "clips", besides=newer).id == older
    assert [e.action for e in store.history.audit_log(newer)][-2:] == ["flag", "withdraw"]


# -- audit log -----------------------------------------------------------------------------


def test_audit_entry_for_submit_approve_reject(core: Core) -> None:
    reply = core.ask(
        '/submit 3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023',
        MEMBER,
        workspace="lab",
        channel="general",
    )
    kept = reply.data["id"]
    dropped = core.ask("/submit 3d Junkset 5 objects https://example.org/j", MEMBER).data["id"]
    assert core.ask(f"/approve {kept} checked the paper", MODERATOR).kind == "answer"
    assert core.ask(f"/reject {dropped} no such dataset", MODERATOR).kind == "answer"

    entries = core.store.history.audit_log(kept)
    assert [(e.action, e.actor) for e in entries] == [("submit", MEMBER), ("approve", MODERATOR)]
    submit, approve = entries
    assert submit.data_point_id == kept
    assert submit.details["dataset"] == "Objaverse-XL"
    assert submit.details["quantity"] == pytest.approx(10.2e6)
    assert submit.details["status"] == "pending"
    assert approve.details["note"] == "checked the paper"
    assert submit.at <= approve.at

    rejected = core.store.history.audit_log(dropped)
    assert [(e.action, e.actor) for e in rejected] == [("submit", MEMBER), ("reject", MODERATOR)]
    assert rejected[1].details["note"] == "no such dataset"

    stored = core.store.reads.get(kept)
    assert (stored.submitted_by, stored.platform) == (MEMBER, "console")
    assert (stored.workspace, stored.channel) == ("lab", "general")
    assert stored.reviewed_by == MODERATOR
    assert stored.review_note == "checked the paper"


def test_every_point_has_an_audit_trail(core: Core) -> None:
    store = core.store
    for n in range(5):
        point_id = store.points.submit(new_point(f"Trail {n}"), ALICE)
        if n % 2:
            store.reviews.review(point_id, "approve", MODERATOR, None)
    orphans = store.conn.execute(
        "SELECT id FROM data_points WHERE id NOT IN (SELECT data_point_id FROM audit_log)"
    ).fetchall()
    assert orphans == []
    reviewed = count(
        store.conn,
        "SELECT COUNT(*) FROM data_points WHERE reviewed_by IS NOT NULL AND origin = 'community'",
    )
    decisions = count(
        store.conn, "SELECT COUNT(*) FROM audit_log WHERE action IN ('approve', 'reject')"
    )
    assert reviewed == decisions == 2


def test_refused_moderation_writes_nothing(core: Core) -> None:
    point_id = core.store.points.submit(new_point(), ALICE)
    reply = core.ask(f"/approve {point_id}", MEMBER)
    assert reply.kind == "error"
    assert reply.data["error"] == "NotAllowed"
    assert core.store.reads.get(point_id).status == "pending"
    assert [e.action for e in core.store.history.audit_log(point_id)] == ["submit"]


# -- CSV import ----------------------------------------------------------------------------

HEADER = "domain,dataset,quantity,unit,year,source_url,note\n"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_import_loads_every_row(core: Core, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "good.csv",
        [
            "video,Imported One,4.3M,clips,2023,https://example.org/1,first",
            '3d,Imported Two,"10,200,000",objects,2023,https://example.org/2,"with, comma"',
            "llm,Imported Three,15T,tokens,,https://example.org/3,",
        ],
    )
    before = core.store.reads.totals()
    done = import_csv(core, path, MODERATOR)
    ids = list(imports.point_ids(core.store, done.id))
    assert done.rows == 3 and len(ids) == 3 and len(set(ids)) == 3
    points = [core.store.reads.get(i) for i in ids]
    assert [p.dataset for p in points] == ["Imported One", "Imported Two", "Imported Three"]
    assert [p.quantity for p in points] == [4.3e6, 10.2e6, 15e12]
    assert points[1].note == "with, comma"
    assert points[2].year is None
    assert all(p.status == "approved" and p.origin == "import" for p in points)
    assert all(p.is_current == 1 for p in points)
    for p in points:
        assert [(e.action, e.actor) for e in core.store.history.audit_log(p.id)] == [
            ("import", MODERATOR)
        ]
    assert core.store.reads.totals()["approved"] == before["approved"] + 3


@pytest.mark.parametrize(
    ("bad_row", "words"),
    [
        ("video,Bad,-5,clips,2023,https://example.org/b,", "positive"),
        ("video,Bad,5M,parsecs,2023,https://example.org/b,", "unit"),
        ("nowhere,Bad,5M,clips,2023,https://example.org/b,", "domain"),
        ("video,Bad,5M,clips,2023,javascript:alert(1),", "http"),
        ("video,Bad,5M,clips,2023,https://example.org/b,note,extra", "more cells"),
    ],
)
def test_import_with_a_bad_row_is_refused_whole(
    core: Core, tmp_path: Path, bad_row: str, words: str
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            "video,Zfine One,4.3M,clips,2023,https://example.org/1,",
            "video,Zfine Two,5M,clips,2023,https://example.org/2,",
            bad_row,  # line 4 (the header is line 1)
            "video,Zfine Three,6M,clips,2023,https://example.org/3,",
        ],
    )
    before = core.store.reads.totals()
    audit_before = count(core.store.conn, "SELECT MAX(id) FROM audit_log")
    with pytest.raises(ImportFailed) as caught:
        import_csv(core, path, MODERATOR)
    message = str(caught.value)
    assert "line 4" in message
    assert words.casefold() in message.casefold()
    assert core.store.reads.totals() == before
    assert count(core.store.conn, "SELECT MAX(id) FROM audit_log") == audit_before
    assert (
        count(core.store.conn, "SELECT COUNT(*) FROM data_points WHERE dataset LIKE 'Zfine%'") == 0
    )


def test_add_many_failing_midway_stores_nothing(core: Core) -> None:
    """A row the database itself refuses rolls back the rows before it in the same batch."""
    before = core.store.reads.totals()
    batch = [new_point("Batch A"), new_point("Batch B"), new_point("Batch C", quantity=0)]
    with pytest.raises(sqlite3.IntegrityError):
        core.store.points.add_many(batch, ALICE)
    assert core.store.reads.totals() == before
    assert not core.store.conn.in_transaction
    # The store is still usable afterwards.
    assert core.store.points.submit(new_point("After"), ALICE) > 0


def test_import_missing_column_names_line_one(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "nohead.csv"
    path.write_text("domain,dataset,quantity\nvideo,X,5M\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="line 1"):
        import_csv(core, path, MODERATOR)


# -- backup --------------------------------------------------------------------------------


def test_backup_is_a_readable_copy(core: Core, tmp_path: Path) -> None:
    store = core.store
    a = store.points.submit(new_point("Backed A"), ALICE)
    store.points.submit(new_point("Backed B"), ALICE)
    store.reviews.review(a, "approve", MODERATOR, "ok")
    target = tmp_path / "copy" / "backup.db"
    target.parent.mkdir()
    store.backup(target)

    raw = sqlite3.connect(target)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in ("data_points", "audit_log", "claims", "data_points_fts", "kb_meta"):
            assert count(raw, f"SELECT COUNT(*) FROM {table}") == count(
                store.conn, f"SELECT COUNT(*) FROM {table}"
            ), table
    finally:
        raw.close()

    copy = Store.open(target)
    try:
        assert copy.reads.totals() == store.reads.totals()
        assert copy.reads.get(a) == store.reads.get(a)
        assert copy.schema_version() == store.schema_version()
        assert [p.id for p, _ in copy.search.points("backed")] == [a]
    finally:
        copy.close()
