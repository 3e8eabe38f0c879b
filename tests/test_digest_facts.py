"""A week's facts for the digest, and ISO-week periods in a time zone.

The facts are read from a store whose decisions were made through the ledger (so the
week is "now"); the periods are checked against calendar facts known independently
(2026 starts on a Thursday, so it has 53 ISO weeks; the EU moves its clocks on the
last Sunday of March).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from knowledge.digest import (
    fastest,
    iso_week,
    next_week,
    previous_week,
    week_bounds,
    week_facts,
    week_start,
)
from knowledge.ledger.values import Submitter, iso, now
from knowledge.models import CommunityDomain
from knowledge.store import Store
from tests.helpers import MODERATOR, new_point

WHO = Submitter("console:alice", "console")
MOD = "console:mod"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "digest.db")
    try:
        yield opened
    finally:
        opened.close()


def field(slug: str, unit: str | None = None) -> CommunityDomain:
    return CommunityDomain(
        slug=slug,
        name=slug.title(),
        colour="#123456",
        headline_unit=unit,
        added_by=MOD,
        added_at="2026-01-01T00:00:00Z",
    )


def approve(store: Store, dataset: str, quantity: float, year: int, domain: str = "video") -> int:
    point_id = store.points.submit(
        new_point(dataset, quantity, year, domain=domain, unit="zogs"), WHO
    )
    store.reviews.review(point_id, "approve", MOD, None)
    return point_id


def later(moment: str) -> str:
    return iso(datetime.fromisoformat(moment) + timedelta(microseconds=1))


# -- the week's facts ----------------------------------------------------------------------


def test_a_week_of_decisions_in_facts(store: Store) -> None:
    # Before the week: an import (not a decision) and one approval.
    store.points.add_many([new_point("Imported Zogs", 50, 2015, unit="zogs")], WHO)
    approve(store, "Old Zogs", 100, 2016)
    start = later(now())
    approve(store, "Mid Zogs", 500, 2020)  # a record: ×5 the 100
    top = approve(store, "Top Zogs", 900, 2022)  # a record: ×1.8 the 500
    approve(store, "Small Zogs", 10, 2023)  # approved, no record
    gone = approve(store, "Gone Zogs", 99, 2023, domain="llm")  # approved, later withdrawn
    store.vouches.flag(gone, "console:bob", "not in the paper")
    store.reviews.review(gone, "reject", MOD, None)
    disputed = approve(store, "Disputed Zogs", 7, 2021)
    store.vouches.flag(disputed, "console:bob", "unsure")
    store.points.submit(new_point("Waiting Zogs", 3, 2024, unit="zogs"), WHO)
    store.points.submit(new_point("Waiting Too", 4, 2024, unit="zogs"), WHO)
    end = later(now())

    facts = week_facts(store, start, end)
    assert facts.approved == 4  # Mid, Top, Small, Disputed; Gone was withdrawn
    assert facts.approved_by_field == (("video", 4),)
    assert [p.dataset for p in facts.approved_figures] == [
        "Mid Zogs",
        "Top Zogs",
        "Small Zogs",
        "Disputed Zogs",
    ]
    assert [(r.dataset, r.previous_dataset) for r in facts.records] == [
        ("Mid Zogs", "Old Zogs"),
        ("Top Zogs", "Mid Zogs"),
    ]
    assert facts.records[0].times == 5.0
    assert (facts.pending, facts.disputed) == (2, 1)
    (grew,) = facts.grew
    assert (grew.domain, grew.unit, grew.before, grew.after, grew.dataset) == (
        "video",
        "zogs",
        100.0,
        900.0,
        "Top Zogs",
    )
    assert grew.times == 9.0
    assert facts.quiet is False
    assert facts.records[1].point_id == top

    # A shown limit reads fewer figures and counts them all.
    assert len(week_facts(store, start, end, shown=1).approved_figures) == 1
    assert week_facts(store.conn, start, end, shown=1).approved == 4


def test_a_week_with_nothing_approved_is_quiet(store: Store) -> None:
    approve(store, "Old Zogs", 100, 2016)
    start = later(now())
    store.points.submit(new_point("Waiting Zogs", 3, 2024, unit="zogs"), WHO)
    facts = week_facts(store, start, later(now()))
    assert (facts.approved, facts.records, facts.pending) == (0, (), 1)
    assert facts.quiet is True
    # The week before, with the approval in it, is not.
    assert week_facts(store, "2000-01-03T00:00:00Z", start).quiet is False


def test_the_fastest_field_is_the_one_whose_record_grows_fastest(store: Store) -> None:
    for n in range(4):  # ×10 a year
        store.points.add_many(
            [new_point(f"Fast {n}", 10.0 ** (n + 1), 2020 + n, domain="fast", unit="zogs")], WHO
        )
    for n in range(4):  # ×2 a year
        store.points.add_many(
            [new_point(f"Slow {n}", 2.0 ** (n + 1), 2020 + n, domain="slow", unit="zogs")], WHO
        )
    domains = [field("slow", "zogs"), field("fast"), field("empty", "zogs")]
    found = week_facts(store, "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z", domains=domains)
    assert found.fastest is not None
    assert (found.fastest.domain.slug, found.fastest.unit) == ("fast", "zogs")
    assert found.fastest.growth.per_year == pytest.approx(10.0)
    assert week_facts(store, "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z").fastest is None


def test_the_fastest_field_kept_by_the_store_is_read_again_after_a_change(
    store: Store,
) -> None:
    for n in range(3):  # ×2 a year
        store.points.add_many(
            [new_point(f"Slow {n}", 2.0 ** (n + 1), 2020 + n, domain="slow", unit="zogs")], WHO
        )
    domains = [field("slow", "zogs"), field("fast", "zogs")]
    week = ("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")
    first = week_facts(store, *week, domains=domains).fastest
    assert first is not None and first.domain.slug == "slow"
    for n in range(3):  # ×100 a year: the fastest now
        store.points.add_many(
            [new_point(f"Fast {n}", 100.0 ** (n + 1), 2020 + n, domain="fast", unit="zogs")],
            WHO,
        )
    second = week_facts(store, *week, domains=domains).fastest
    assert second is not None and second.domain.slug == "fast"
    assert [figure.dataset for figure in second.growth.frontier] == ["Fast 0", "Fast 1", "Fast 2"]


def test_a_week_must_end_after_it_starts(store: Store) -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        week_facts(store, "2026-11-30T00:00:00Z", "2026-11-23T00:00:00Z")
    with pytest.raises(ValueError, match="like 2026-12-03T09:00:00Z"):
        week_facts(store, "monday", "2026-11-23T00:00:00Z")


# -- periods -------------------------------------------------------------------------------


def test_iso_weeks_of_dates_and_moments() -> None:
    assert iso_week(date(2026, 1, 1)) == "2026-W01"  # a Thursday
    assert iso_week(date(2025, 12, 29)) == "2026-W01"  # its Monday, still 2025
    assert iso_week(date(2026, 12, 31)) == "2026-W53"
    assert iso_week(date(2027, 1, 3)) == "2026-W53"  # Sunday, the week's last day
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert iso_week(sunday_night) == "2026-W48"
    assert iso_week(sunday_night, "Europe/Paris") == "2026-W49"  # already Monday there


def test_week_bounds_in_utc_and_across_a_clock_change() -> None:
    assert week_bounds("2026-W49") == ("2026-11-30T00:00:00.000000Z", "2026-12-07T00:00:00.000000Z")
    assert week_bounds("2026-W01", "UTC")[0] == "2025-12-29T00:00:00.000000Z"
    # Paris moves to summer time on Sunday 29 March 2026: that week is 167 hours long.
    assert week_bounds("2026-W13", "Europe/Paris") == (
        "2026-03-22T23:00:00.000000Z",
        "2026-03-29T22:00:00.000000Z",
    )
    assert week_start("2026-W49", "America/New_York").isoformat() == "2026-11-30T00:00:00-05:00"


def test_neighbouring_weeks_cross_years() -> None:
    assert previous_week("2026-W01") == "2025-W52"
    assert next_week("2026-W52") == "2026-W53"
    assert next_week("2026-W53") == "2027-W01"


def test_bad_periods_and_zones_say_what_would_do() -> None:
    with pytest.raises(ValueError, match="like 2026-W48"):
        week_bounds("2026-48")
    with pytest.raises(ValueError, match="2025 has no week 53"):
        week_bounds("2025-W53")
    with pytest.raises(ValueError, match="like Europe/Paris"):
        week_bounds("2026-W48", "Mars/Olympus_Mons")


def test_records_version_moves_with_approved_figures_only(tmp_path: Path) -> None:
    """A field's fit is kept across writes that move none of its records (a submission,
    a flag) and made again after one that does (an approval, a withdrawal)."""
    settings = Settings(db=tmp_path / "v.db", moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core:

        def version() -> int:
            read = "SELECT version FROM records_version WHERE domain = 'video'"
            return int((core.store.conn.execute(read).fetchone() or (0,))[0])

        before = version()
        submitted = core.ask(
            "/submit video Versioned 9B hours https://example.org/v 2026", "slack:U1"
        ).data["id"]
        core.ask("/flag 1 looks off", "slack:U2")
        assert version() == before, "a pending submission and a flag move no record"
        core.ask(f"/approve {submitted}", MODERATOR)
        assert version() > before
        approved_at = version()
        core.ask(f"/flag {submitted} too large", "slack:U3")
        core.ask(f"/reject {submitted} withdrawn", MODERATOR)
        assert version() > approved_at, "a withdrawal moves it again"


def test_the_kept_fits_answer_as_a_fresh_reading_after_each_kind_of_write(
    tmp_path: Path,
) -> None:
    """The fastest field read through the kept fits equals one read afresh, whatever
    was written between: a submission, an approval that sets a record, a withdrawal."""
    settings = Settings(db=tmp_path / "k.db", moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core:
        domains = list(core.library.domains.values())
        start, end = week_bounds(iso_week(datetime.now(UTC)))

        def agree() -> None:
            kept = week_facts(core.store, start, end, domains=domains)
            assert kept.fastest == fastest(core.store.conn, domains)
            # The whole week too: counts, shown figures (a flag shows), records.
            assert kept == week_facts(core.store.conn, start, end, domains=domains)

        agree()
        line = "/submit 3d Huge3D 900M objects https://example.org/h 2026"
        point = core.ask(line, "slack:U1").data["id"]
        agree()
        core.ask(f"/approve {point}", MODERATOR)
        agree()
        core.ask(f"/flag {point} too large", "slack:U2")
        agree()
        core.ask(f"/reject {point} withdrawn", MODERATOR)
        agree()
        # An approved figure's approval moved by hand (an operator's fix): counted anew.
        other = core.ask(line.replace("Huge3D", "Other3D"), "slack:U1").data["id"]
        core.ask(f"/approve {other}", MODERATOR)
        agree()
        with core.store.conn:
            core.store.conn.execute(
                "UPDATE data_points SET reviewed_at = '2001-01-01T00:00:00Z' WHERE id = ?",
                (other,),
            )
        agree()
