"""The news outbox: which decisions write an announcement, in their own transaction, and
how senders claim, lease and mark them; and the weekly digests' claims.

Through the store on a file (two stores on one file stand for two processes) and, for
the commands, through the core. What the announcement says and how it reaches a channel
are tested with the renderers and the news desk.
"""

from __future__ import annotations

import gzip
import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.config import Settings
from bot.core import Core
from knowledge import records
from knowledge.ledger.news import enqueue_after
from knowledge.ledger.values import DataPoint, NewsItem, Submitter
from knowledge.migrations import migrations
from knowledge.store import Store
from tests.helpers import MODERATOR, new_point

WHO = Submitter("console:alice", "console")
MOD = "console:mod"
T0 = "2026-12-03T09:00:00.000000Z"
#: Five minutes and a second after T0: a default lease taken at T0 has ended.
AFTER_LEASE = "2026-12-03T09:05:01.000000Z"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "news.db")
    try:
        yield opened
    finally:
        opened.close()


def approved(
    store: Store, dataset: str, quantity: float, year: int | None = 2020, unit: str = "zogs"
) -> int:
    point_id = store.points.submit(new_point(dataset, quantity, year, unit=unit), WHO)
    store.reviews.review(point_id, "approve", MOD, None)
    return point_id


def read(store: Store, point_id: int) -> DataPoint:
    found = store.reads.get(point_id)
    assert found is not None
    return found


def outbox(store: Store) -> list[tuple[str, int, str]]:
    """Every row of the outbox as (kind, point id, decision), oldest first."""
    return [
        (kind, point_id, decision)
        for kind, point_id, decision in store.conn.execute(
            "SELECT kind, point_id, decision FROM news_outbox ORDER BY id"
        )
    ]


# -- what is news --------------------------------------------------------------------------


def test_an_approval_that_beats_the_record_writes_one_record_item_with_its_facts(
    store: Store,
) -> None:
    first = approved(store, "Small Zogs", 100, 2019)
    assert outbox(store) == []  # the first figure in a unit beat nothing: no news
    bigger = approved(store, "Big Zogs", 5_000, 2023)

    (item,) = store.news.claim("desk-1", T0)
    assert item == NewsItem(
        id=item.id,
        kind="record",
        point_id=bigger,
        domain="video",
        unit="zogs",
        decision="approve",
        created_at=str(read(store, bigger).reviewed_at),
        facts={
            "record_id": bigger,
            "dataset": "Big Zogs",
            "value": 5_000.0,
            "quantity_text": "5000",
            "year": 2023,
            "source_url": "https://example.org/big-zogs",
            "previous_id": first,
            "previous_dataset": "Small Zogs",
            "previous_value": 100.0,
            "previous_quantity_text": "100",
            "previous_year": 2019,
            "previous_source_url": "https://example.org/small-zogs",
        },
    )


def test_approvals_that_set_no_record_write_nothing(store: Store) -> None:
    approved(store, "Big Zogs", 5_000, 2023)
    approved(store, "Smaller Zogs", 4_000, 2024)  # smaller than the record
    approved(store, "Equal Zogs", 5_000, 2024)  # equal is not larger
    approved(store, "Undated Zogs", 9_000, None)  # an undated figure is on no frontier
    approved(store, "Other Unit", 9_000, 2024, unit="glorps")  # first in its unit
    pending = store.points.submit(new_point("Rejected Zogs", 90_000, 2024, unit="zogs"), WHO)
    store.reviews.review(pending, "reject", MOD, "not in the source")
    assert outbox(store) == []
    assert store.news.pending_count() == 0


def test_the_nth_confirmation_that_sets_a_record_writes_it_as_confirmations(
    tmp_path: Path,
) -> None:
    settings = Settings(
        db=tmp_path / "auto.db", moderators=frozenset({MODERATOR}), auto_approve_confirmations=2
    )
    with Core.open(settings=settings) as core:
        assert core.store.news.pending_count() == 0  # the curated seed writes no news
        largest = core.store.reads.largest("video", "hours")
        assert largest is not None and largest.year is not None
        reply = core.ask(
            f'/submit video "Zorblax Hours" {largest.quantity * 3:g} hours '
            f"https://example.org/zorblax {largest.year + 1}",
            "console:alice",
        )
        point_id = int(reply.data["id"])
        core.ask(f"/confirm {point_id}", "console:bob")
        assert core.store.news.pending_count() == 0  # one confirmation approves nothing
        confirmed = core.ask(f"/confirm {point_id}", "console:carol")
        assert confirmed.data["auto_approved"] is True
        (item,) = core.store.news.of_point(point_id)
    assert (item.kind, item.decision, item.unit) == ("record", "confirmations", "hours")
    assert item.facts["previous_id"] == largest.id
    assert item.facts["previous_value"] == largest.quantity
    assert item.facts["value"] == largest.quantity * 3


def test_a_moderators_approve_command_writes_the_record_item(core: Core) -> None:
    largest = core.store.reads.largest("video", "hours")
    assert largest is not None and largest.year is not None
    reply = core.ask(
        f'/submit video "Zorblax Hours" {largest.quantity * 2:g} hours '
        f"https://example.org/zorblax {largest.year + 1}",
        "console:alice",
    )
    point_id = int(reply.data["id"])
    assert core.store.news.pending_count() == 0  # a submission is no news
    assert core.ask(f"/approve {point_id}", MODERATOR).kind == "answer"
    assert [(i.kind, i.decision) for i in core.store.news.of_point(point_id)] == [
        ("record", "approve")
    ]


def test_withdrawing_the_record_writes_a_correction_naming_the_record_now(store: Store) -> None:
    first = approved(store, "Small Zogs", 100, 2019)
    bigger = approved(store, "Big Zogs", 5_000, 2023)
    store.vouches.flag(bigger, "console:bob", "the paper says 500")
    store.reviews.review(bigger, "reject", MOD, "withdrawn")

    correction = store.news.of_point(bigger)[-1]
    assert (correction.kind, correction.decision) == ("correction", "withdraw")
    assert correction.facts["record_id"] == first
    assert correction.facts["dataset"] == "Small Zogs"
    assert correction.facts["value"] == 100.0
    assert correction.facts["previous_id"] == bigger
    assert correction.facts["previous_value"] == 5_000.0


def test_withdrawing_the_only_record_says_there_is_none_now(store: Store) -> None:
    approved(store, "Small Zogs", 100, 2019)
    bigger = approved(store, "Big Zogs", 5_000, 2023)
    store.vouches.flag(bigger, "console:bob", "wrong")
    store.reviews.review(bigger, "reject", MOD, None)
    first = store.conn.execute("SELECT id FROM data_points WHERE dataset = 'Small Zogs'")
    small = first.fetchone()[0]
    store.vouches.flag(small, "console:bob", "wrong too")
    store.reviews.review(small, "reject", MOD, None)

    correction = store.news.of_point(small)[-1]
    assert correction.kind == "correction"
    assert correction.facts["record_id"] is None and correction.facts["value"] is None
    assert correction.facts["previous_id"] == small


def test_keeping_or_withdrawing_a_figure_below_the_record_writes_nothing(store: Store) -> None:
    approved(store, "Big Zogs", 5_000, 2023)
    smaller = approved(store, "Small Zogs", 100, 2024)
    store.vouches.flag(smaller, "console:bob", "wrong")
    store.reviews.review(smaller, "approve", MOD, "kept")  # keep
    store.vouches.flag(smaller, "console:carol", "still wrong")
    store.reviews.review(smaller, "reject", MOD, "withdrawn")
    assert outbox(store) == []


def test_a_newer_smaller_figure_of_the_records_dataset_is_a_correction(store: Store) -> None:
    approved(store, "Small Zogs", 100, 2019)
    approved(store, "Big Zogs", 5_000, 2023)
    # The same dataset's 2024 figure replaces its 2023 one as current: the record falls.
    newer = approved(store, "Big Zogs", 400, 2024)
    (item,) = store.news.of_point(newer)
    assert (item.kind, item.decision) == ("correction", "approve")
    assert (item.facts["dataset"], item.facts["value"]) == ("Big Zogs", 400.0)
    assert item.facts["previous_value"] == 5_000.0


def test_imports_write_no_news(store: Store) -> None:
    approved(store, "Small Zogs", 100, 2019)
    store.points.add_many([new_point("Imported Zogs", 9_000_000, 2024, unit="zogs")], WHO)
    assert outbox(store) == []


def test_the_news_is_stored_with_the_decision_or_not_at_all(store: Store) -> None:
    approved(store, "Small Zogs", 100, 2019)
    point_id = store.points.submit(new_point("Big Zogs", 5_000, 2023, unit="zogs"), WHO)
    # SQLite refuses the outbox row: the approval it belongs to must not be stored.
    store.conn.execute(
        "CREATE TEMP TRIGGER refuse_news BEFORE INSERT ON news_outbox "
        "BEGIN SELECT RAISE(ABORT, 'no news today'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="no news today"):
        store.reviews.review(point_id, "approve", MOD, None)
    assert read(store, point_id).status == "pending"
    store.conn.execute("DROP TRIGGER refuse_news")
    store.reviews.review(point_id, "approve", MOD, None)
    assert [item.kind for item in store.news.of_point(point_id)] == ["record"]


@pytest.mark.parametrize("seed", range(25))
def test_the_record_now_is_the_frontiers_last_figure(seed: int) -> None:
    """``records.record_now`` (one seek) against ``records.record_ids`` (the rule):
    ties of size across and within years, undated figures, several figures per dataset
    (so older ones are not current), pending ones."""
    rng = random.Random(seed)
    store = Store.open(":memory:")
    try:
        for _ in range(40):
            dataset = f"Set {rng.randrange(12)}"
            point = new_point(
                dataset,
                float(rng.choice([1, 2, 3, 5, 8])),
                rng.choice([None, 2018, 2019, 2020, 2021]),
                unit=rng.choice(["zogs", "glorps"]),
            )
            if rng.random() < 0.8:
                store.points.add_many([point], WHO)
            else:
                store.points.submit(point, WHO)
        for unit in ("zogs", "glorps", "none such"):
            kept = records.record_ids(store.conn, "video", unit)
            assert records.record_now(store.conn, "video", unit) == (kept[-1] if kept else None)
    finally:
        store.close()


def test_enqueue_after_reads_the_record_after_the_decision(store: Store) -> None:
    """Without a record before, an approval is not news, whatever it is."""
    point_id = approved(store, "Only Zogs", 100, 2019)
    point = read(store, point_id)
    with store.write() as conn:
        assert enqueue_after(conn, point, None, "approve", T0) is None


def test_a_ledger_from_the_release_before_news_migrates_in_place(tmp_path: Path) -> None:
    """The file the release before news left (points 1 to 62, #61 pending) opens with
    empty outbox and digests, its figures as they were, and its next record is news."""
    path = tmp_path / "release.db"
    packed = Path(__file__).parent / "data" / "ledger-before-datasets.db.gz"
    path.write_bytes(gzip.decompress(packed.read_bytes()))
    conn = sqlite3.connect(path)
    migrations.apply(Database(conn), stop_before="0013_news")
    figures_before = conn.execute("SELECT * FROM figures ORDER BY id").fetchall()
    conn.close()

    store = Store.open(path)
    try:
        assert "0013_news" in store.schema_version()
        assert store.conn.execute("SELECT * FROM figures ORDER BY id").fetchall() == figures_before
        assert (store.news.pending_count(), store.news.last_digest()) == (0, None)
        largest = store.reads.largest("video", "hours")
        assert largest is not None and largest.year is not None
        point_id = approved(store, "After News", largest.quantity * 2, largest.year, "hours")
        assert [item.kind for item in store.news.of_point(point_id)] == ["record"]
    finally:
        store.close()


# -- claims, leases, sent ------------------------------------------------------------------


def record_items(store: Store, count: int) -> list[int]:
    """``count`` record-setting approvals, each larger (and newer) than the last."""
    approved(store, "Base Zogs", 1, 2010)
    return [approved(store, f"Zogs {n}", 10.0 * (n + 2), 2011 + n) for n in range(count)]


def test_a_claim_is_held_for_its_lease_then_claimable_again(store: Store) -> None:
    record_items(store, 3)
    assert store.news.pending_count() == 3
    first = store.news.claim("desk-1", T0, limit=2)
    assert [item.facts["dataset"] for item in first] == ["Zogs 0", "Zogs 1"]
    rest = store.news.claim("desk-2", T0)
    assert [item.facts["dataset"] for item in rest] == ["Zogs 2"]
    assert store.news.claim("desk-2", "2026-12-03T09:04:59Z") == []  # both leases hold
    store.news.sent(first[0].id, "2026-12-03T09:00:01Z")
    assert store.news.pending_count() == 2
    # desk-1 died holding its second item: after the lease, anyone may take it.
    again = store.news.claim("desk-3", AFTER_LEASE)
    assert [item.id for item in again] == [first[1].id, rest[0].id]
    for item in again:
        store.news.sent(item.id, AFTER_LEASE)
    assert store.news.pending_count() == 0
    assert store.news.claim("desk-3", "2026-12-04T09:00:00Z") == []


def test_sent_twice_keeps_the_first_time(store: Store) -> None:
    record_items(store, 1)
    (item,) = store.news.claim("desk-1", T0)
    store.news.sent(item.id, "2026-12-03T09:00:01Z")
    store.news.sent(item.id, "2026-12-03T10:00:00Z")
    row = store.conn.execute("SELECT sent_at FROM news_outbox WHERE id = ?", (item.id,))
    assert row.fetchone()[0] == "2026-12-03T09:00:01.000000Z"


def test_claims_change_no_reply(store: Store) -> None:
    """A claim or a mark is not a change of the ledger: kept replies stay kept."""
    record_items(store, 1)
    version = store.memo.version()
    (item,) = store.news.claim("desk-1", T0)
    store.news.sent(item.id, T0)
    store.news.claim_digest("2026-W48", "desk-1", T0)
    store.news.digest_sent("2026-W48", T0)
    assert store.memo.version() == version


def test_two_processes_claiming_at_once_share_out_every_item_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    setup = Store.open(path)
    record_items(setup, 40)
    setup.close()
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        store = Store.open(path)
        try:
            for _ in range(40):  # bounded: at most one item a round
                items = store.news.claim(name, T0, limit=1)
                if not items:
                    return
                claimed[name].extend(item.id for item in items)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            store.close()

    threads = [threading.Thread(target=sender, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    every = claimed["a"] + claimed["b"]
    assert len(every) == 40 and len(set(every)) == 40


def test_bad_times_are_refused_with_an_example(store: Store) -> None:
    with pytest.raises(ValueError, match="like 2026-12-03T09:00:00Z"):
        store.news.claim("desk-1", "next thursday")


# -- digests -------------------------------------------------------------------------------


def test_one_claimer_per_period_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first, second = Store.open(path), Store.open(path)
    try:
        assert first.news.last_digest() is None
        assert first.news.claim_digest("2026-W48", "desk-1", T0) is True
        assert second.news.claim_digest("2026-W48", "desk-2", T0) is False
        assert first.news.claim_digest("2026-W48", "desk-1", T0) is False  # once for good
        assert second.news.claim_digest("2026-W49", "desk-2", T0) is True
        assert first.news.last_digest() == "2026-W49"
        assert first.news.digest_sent_at("2026-W48") is None
        second.news.digest_sent("2026-W48", "2026-12-03T09:00:02Z")
        assert first.news.digest_sent_at("2026-W48") == "2026-12-03T09:00:02.000000Z"
    finally:
        first.close()
        second.close()


def test_a_digest_claim_dead_past_its_lease_may_be_taken_over_only_if_asked(
    store: Store,
) -> None:
    assert store.news.claim_digest("2026-W48", "desk-1", T0)
    assert not store.news.claim_digest("2026-W48", "desk-2", AFTER_LEASE)
    assert not store.news.claim_digest("2026-W48", "desk-2", "2026-12-03T09:04:00Z", 300)
    assert store.news.claim_digest("2026-W48", "desk-2", AFTER_LEASE, 300)
    store.news.digest_sent("2026-W48", AFTER_LEASE)
    assert not store.news.claim_digest("2026-W48", "desk-3", "2026-12-10T09:00:00Z", 300)


def test_digest_periods_and_marks_are_checked(store: Store) -> None:
    with pytest.raises(ValueError, match="like 2026-W48"):
        store.news.claim_digest("2026-48", "desk-1", T0)
    with pytest.raises(ValueError, match="like 2026-W48"):
        store.news.claim_digest("2026-W54", "desk-1", T0)
    with pytest.raises(ValueError, match="never claimed"):
        store.news.digest_sent("2026-W47", T0)
