"""Source checks kept with their points (knowledge/ledger/checks.py, migration 0012).

Covers: a check recorded and read back whole, a later check replacing the earlier one,
an unknown point refused with nothing stored, a page's checks in one query, the pending
points never checked, the audit entry, the ledger's version moving (in this connection
and another process's), and old ledger files migrating with everything kept.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.cache import ReplyCache
from knowledge.ledger.checks import CHECKER
from knowledge.ledger.errors import PointNotFound
from knowledge.ledger.values import Submitter
from knowledge.migrations import migrations
from knowledge.sourcecheck import FoundFigure, SourceCheck
from knowledge.store import Store
from tests.helpers import MEMBER, MODERATOR, new_point

ALICE = Submitter(MEMBER, "console", "lab", "general")
ARXIV = "https://arxiv.org/abs/2307.06942"
SENTENCE = "We collect 760K hours of video with captions."


def differs() -> SourceCheck:
    return SourceCheck(
        status="differs",
        url=ARXIV,
        read_url="https://export.arxiv.org/api/query?id_list=2307.06942",
        checked_at="2026-12-03T07:00:00.000000Z",
        unit="hours",
        figures=(
            FoundFigure(760_000.0, "760K hours", SENTENCE),
            FoundFigure(1e6, "1-2 million hours", "Later, 1-2 million hours.", 2e6),
        ),
    )


def unreachable() -> SourceCheck:
    return SourceCheck(
        status="unreachable",
        url=ARXIV,
        read_url=ARXIV,
        checked_at="2026-12-03T08:00:00.000000Z",
        unit="hours",
        reason="timed out after 10 s",
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "ledger.db")
    yield opened
    opened.close()


def submit(store: Store, name: str = "Zorblax Clips") -> int:
    return store.points.submit(new_point(name), ALICE)


def test_a_check_is_kept_whole_with_its_point(store: Store) -> None:
    point_id = submit(store)
    assert store.checks.of(point_id) is None
    store.checks.record(point_id, differs())
    assert store.checks.of(point_id) == differs()
    stored = store.conn.execute(
        "SELECT status, checked_at, url, read_url, found, data FROM source_checks "
        "WHERE point_id = ?",
        (point_id,),
    ).fetchone()
    assert stored[:5] == (
        "differs",
        "2026-12-03T07:00:00.000000Z",
        ARXIV,
        "https://export.arxiv.org/api/query?id_list=2307.06942",
        "760K hours; 1-2 million hours",
    )
    assert json.loads(stored[5])["figures"][0]["sentence"] == SENTENCE


def test_a_later_check_replaces_the_earlier_and_both_are_audited(store: Store) -> None:
    point_id = submit(store)
    store.checks.record(point_id, differs())
    store.checks.record(point_id, unreachable())
    assert store.checks.of(point_id) == unreachable()
    rows = store.conn.execute("SELECT COUNT(*) FROM source_checks").fetchone()[0]
    assert rows == 1
    audited = store.conn.execute(
        "SELECT actor, action, details FROM audit_log WHERE data_point_id = ? "
        "AND action = 'check' ORDER BY id",
        (point_id,),
    ).fetchall()
    assert [(actor, action) for actor, action, _ in audited] == [
        (CHECKER, "check"),
        (CHECKER, "check"),
    ]
    assert json.loads(audited[1][2]) == {
        "status": "unreachable",
        "url": ARXIV,
        "read_url": ARXIV,
        "reason": "timed out after 10 s",
    }


def test_a_check_of_an_unknown_point_is_refused_and_stores_nothing(store: Store) -> None:
    version = store.memo.version()
    with pytest.raises(PointNotFound, match="#424242"):
        store.checks.record(424242, differs())
    assert store.conn.execute("SELECT COUNT(*) FROM source_checks").fetchone()[0] == 0
    assert store.memo.version() == version


def test_a_status_outside_the_five_is_refused_by_the_schema(store: Store) -> None:
    point_id = submit(store)
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO source_checks (point_id, status, checked_at, url) "
            "VALUES (?, 'maybe', 'now', 'https://e.org')",
            (point_id,),
        )


def test_a_page_of_checks_is_one_query_and_leaves_out_the_unchecked(store: Store) -> None:
    first, second, third = (submit(store, name) for name in ("Alpha", "Beta", "Gamma"))
    store.checks.record(first, differs())
    store.checks.record(third, unreachable())
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        found = store.checks.of_points([third, first, second, 999_999, first])
    finally:
        store.conn.set_trace_callback(None)
    assert found == {first: differs(), third: unreachable()}
    assert len(statements) == 1
    assert store.checks.of_points([]) == {}


def test_unchecked_pending_points_oldest_first(store: Store) -> None:
    ids = [submit(store, name) for name in ("Alpha", "Beta", "Gamma", "Delta")]
    store.checks.record(ids[1], differs())
    store.reviews.review(ids[2], "approve", MODERATOR, None)
    assert [p.id for p in store.checks.unchecked_pending(10)] == [ids[0], ids[3]]
    assert [p.id for p in store.checks.unchecked_pending(1)] == [ids[0]]
    # Curated points are approved: none of them waits for a check.
    assert all(p.status == "pending" for p in store.checks.unchecked_pending(100))


def test_recording_moves_the_ledger_version_here_and_in_another_process(
    store: Store,
) -> None:
    point_id = submit(store)
    watcher = ReplyCache(store)
    before, watched = store.memo.version(), watcher.version()
    store.checks.record(point_id, differs())
    assert store.memo.version() == before + 1
    assert watcher.version() == watched + 1


# -- old ledger files ----------------------------------------------------------------------


def release_ledger(tmp_path: Path) -> Path:
    """The file the release before datasets wrote (see tests/test_datasets.py), brought
    to 0011_imports by the migrations of the releases since, as a bot before source
    checks left it: points 1 to 62, #61 still pending."""
    path = tmp_path / "release.db"
    packed = Path(__file__).parent / "data" / "ledger-before-datasets.db.gz"
    path.write_bytes(gzip.decompress(packed.read_bytes()))
    conn = sqlite3.connect(path)
    migrations.apply(Database(conn), stop_before="0012_source_checks")
    conn.close()
    return path


def test_a_ledger_from_before_source_checks_migrates_in_place(tmp_path: Path) -> None:
    path = release_ledger(tmp_path)
    with sqlite3.connect(path) as conn:
        figures_before = conn.execute("SELECT * FROM figures ORDER BY id").fetchall()
        columns_before = [c[1] for c in conn.execute("PRAGMA table_info(figures)")]
        assert "source_checks" not in {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master")
        }
    conn.close()

    store = Store.open(path)
    try:
        assert "0012_source_checks" in store.schema_version()
        columns = [c[1] for c in store.conn.execute("PRAGMA table_info(figures)")]
        assert columns == [
            *columns_before[: columns_before.index("source") + 1],
            "source_check",
            "source_figures",
            *columns_before[columns_before.index("source") + 1 :],
        ]
        kept = [
            tuple(value for name, value in zip(columns, row, strict=True) if name in columns_before)
            for row in store.conn.execute("SELECT * FROM figures ORDER BY id")
        ]
        assert kept == figures_before
        never = store.conn.execute(
            "SELECT COUNT(*) FROM figures WHERE source_check IS NULL"
        ).fetchone()[0]
        assert never == len(figures_before) == 62

        assert [p.id for p in store.checks.unchecked_pending(10)] == [61]
        store.checks.record(61, differs())
        assert store.checks.of(61) == differs()
        shown = store.conn.execute(
            "SELECT source_check, source_figures FROM figures WHERE id = 61"
        ).fetchone()
        assert shown == ("differs", "760K hours; 1-2 million hours")
        assert store.checks.unchecked_pending(10) == []
    finally:
        store.close()


def test_a_long_list_of_ids_is_read_in_chunks(store: Store) -> None:
    first, second = submit(store, "Alpha"), submit(store, "Beta")
    store.checks.record(first, differs())
    store.checks.record(second, unreachable())
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        found = store.checks.of_points(range(1, 1_201))
    finally:
        store.conn.set_trace_callback(None)
    assert found == {first: differs(), second: unreachable()}
    assert len(statements) == 3  # 500 + 500 + 200 ids


def test_every_check_query_uses_an_index(store: Store) -> None:
    """No statement of store.checks scans a table (traced, then EXPLAIN QUERY PLAN)."""
    ids = [submit(store, name) for name in ("Alpha", "Beta")]
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        store.checks.record(ids[0], differs())
        store.checks.of(ids[0])
        store.checks.of_points(ids)
        store.checks.unchecked_pending(5)
    finally:
        store.conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "INSERT"))]
    assert len(reads) >= 4
    scans = []
    for sql in reads:
        # The trace shows each statement with its values bound in.
        for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
            detail = row[-1]
            if detail.startswith("SCAN") and "USING" not in detail:
                scans.append((sql, detail))
    assert scans == []
