"""A week in the ledger, as the weekly digest tells it; and the weeks themselves.

:func:`week_facts` reads what a digest says about the moments ``[start, end)``:

- **approved**: community figures approved in the week (by a moderator or by
  confirmations) that are still approved. The curated seed and imports are not
  decisions and are not counted, as they write no news.
- **records**: the new records the week's decisions set (the news outbox's ``record``
  items of the week, :mod:`knowledge.ledger.news`) whose figure is still approved; so a
  week before news was kept shows none.
- **pending** and **disputed**: what waits for a moderator now (``/review``).
- **grew**: each field and unit whose record the week's records raised, from the
  record before the first to the last.
- **fastest**: the field whose record grows fastest, with its rate and interval, by
  :mod:`knowledge.records`' rule (the one ``/trend`` reads), in each field's unit.

A week is **quiet** when nothing was approved and no record was set: its digest is not
posted.

Periods are ISO weeks (``2026-W48``: Monday to Monday) in a time zone: :func:`iso_week`
names the week a moment falls in, :func:`week_bounds` gives a week's two ends as the
ledger writes times (UTC ISO text), so a week in Paris starts at Sunday 23:00 UTC.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from knowledge import records
from knowledge.ledger.news import check_period, stamp
from knowledge.ledger.rows import point, select
from knowledge.ledger.values import DataPoint, iso
from knowledge.models import AnyDomain
from knowledge.trend import Figure, Growth

if TYPE_CHECKING:
    from knowledge.store import Store

#: How many of a week's approved figures :func:`week_facts` reads whole (the rest
#: counted): the lines a digest lists by name (``handlers.news.DIGEST_LINES``).
SHOWN = 5

#: Community figures approved (``idx_decided_by_time``'s rows), of one field.
_DECIDED = (
    "FROM data_points AS p INDEXED BY idx_decided_by_time "
    "WHERE p.status = 'approved' AND p.origin = 'community'"
)
#: Each field with community approvals, and how many in ``[?1, ?2)``: the fields are
#: found by a skip through the index (one seek a field) and each one's week counted as
#: one range of it, so no row of the table is read.
_APPROVED_BY_FIELD = f"""WITH RECURSIVE fields(domain) AS (
    SELECT (SELECT p.domain {_DECIDED} ORDER BY p.domain LIMIT 1)
    UNION ALL
    SELECT (SELECT p.domain {_DECIDED} AND p.domain > fields.domain ORDER BY p.domain LIMIT 1)
    FROM fields WHERE fields.domain IS NOT NULL
)
SELECT fields.domain, (
    SELECT COUNT(*) {_DECIDED} AND p.domain = fields.domain
    AND p.reviewed_at >= ?1 AND p.reviewed_at < ?2
) FROM fields WHERE fields.domain IS NOT NULL"""
#: How many community approvals field ``?3`` has in ``[?1, ?2)``: one range of the index.
_APPROVED_IN_FIELD = (
    f"SELECT COUNT(*) {_DECIDED} AND p.domain = ?3 AND p.reviewed_at >= ?1 AND p.reviewed_at < ?2"
)
#: The first ``?4`` approvals of field ``?3`` in ``[?1, ?2)``: (when, id), from the index.
_FIRST_APPROVED = (
    f"SELECT p.reviewed_at, p.id {_DECIDED} AND p.domain = ?3 "
    "AND p.reviewed_at >= ?1 AND p.reviewed_at < ?2 ORDER BY p.reviewed_at, p.id LIMIT ?4"
)
_RECORDS = (
    "SELECT n.id, n.point_id, n.domain, n.unit, n.created_at, n.facts FROM news_outbox AS n "
    "JOIN data_points AS p ON p.id = n.point_id "
    "WHERE n.kind = 'record' AND n.created_at >= ? AND n.created_at < ? "
    "AND p.status = 'approved' ORDER BY n.id"
)


@dataclass(frozen=True)
class WeekRecord:
    """A record set in the week: the figure, and the record it beat (as at the decision)."""

    point_id: int
    domain: str
    unit: str
    dataset: str
    value: float
    quantity_text: str
    year: int | None
    source_url: str
    previous_dataset: str | None
    previous_value: float | None
    previous_year: int | None
    at: str

    @property
    def times(self) -> float | None:
        """How many times the previous record it is (None without one)."""
        if not self.previous_value:
            return None
        return self.value / self.previous_value


@dataclass(frozen=True)
class FieldGrew:
    """A field whose record in ``unit`` the week raised, from ``before`` to ``after``."""

    domain: str
    unit: str
    before: float
    after: float
    #: The dataset that holds the record at the end of the week's records.
    dataset: str

    @property
    def times(self) -> float:
        return self.after / self.before


@dataclass(frozen=True)
class Fastest:
    """The field whose record grows fastest, and its fitted rate (with its interval)."""

    domain: AnyDomain
    unit: str
    growth: Growth


@dataclass(frozen=True)
class WeekFacts:
    """What a digest says of the moments ``[start, end)`` (UTC ISO text)."""

    start: str
    end: str
    #: Community figures approved in the week and still approved.
    approved: int
    #: How many of them each field has, most first: ``(domain, count)``.
    approved_by_field: tuple[tuple[str, int], ...]
    #: The first :data:`SHOWN` of them (by approval), read whole.
    approved_figures: tuple[DataPoint, ...]
    records: tuple[WeekRecord, ...]
    #: Waiting for a moderator now (not at the week's end): ``/review``.
    pending: int
    disputed: int
    grew: tuple[FieldGrew, ...]
    fastest: Fastest | None

    @property
    def quiet(self) -> bool:
        """Nothing approved and no record set: a digest of this week is not posted."""
        return self.approved == 0 and not self.records


def week_facts(
    store_or_conn: Store | sqlite3.Connection,
    start_iso: str,
    end_iso: str,
    *,
    domains: Sequence[AnyDomain] = (),
    shown: int = SHOWN,
) -> WeekFacts:
    """The facts of the week ``[start_iso, end_iso)`` (:func:`week_bounds` gives them).

    ``domains`` are the fields the fastest-growing one is chosen among (the knowledge
    base's and the community's, as ``/trend`` knows them): each is read in its unit
    (:func:`knowledge.records.field_unit`). None given: no fastest field is named.

    Given a store, what a field's approvals and fit say is kept with the store until
    that field's ``records_version`` moves (:func:`_kept_week`); given a bare
    connection, everything is read afresh (the reading the kept one is tested against).
    Raises ValueError (with an example) for a time that is not ISO text, or an end
    not after the start.
    """
    conn = store_or_conn if isinstance(store_or_conn, sqlite3.Connection) else store_or_conn.conn
    start, end = stamp(start_iso), stamp(end_iso)
    if end <= start:
        raise ValueError(
            f"a week ends after it starts, not at {end_iso!r} for a start at {start_iso!r}; "
            "give two like 2026-11-23T00:00:00Z and 2026-11-30T00:00:00Z"
        )
    if isinstance(store_or_conn, sqlite3.Connection):
        week = _read_week(conn, start, end, shown)
        chosen = fastest(conn, domains)
        week_records = _records(conn, start, end)
    else:
        versions = dict(conn.execute("SELECT domain, version FROM records_version"))
        kept = _kept(store_or_conn)
        week = _kept_week(conn, kept, versions, start, end, shown)
        chosen = _kept_fastest(conn, kept, versions, domains)
        week_records = _kept_records(conn, kept, versions, start, end)
    return WeekFacts(
        start=start,
        end=end,
        approved=sum(count for _, count in week.by_field),
        approved_by_field=week.by_field,
        approved_figures=_points(conn, week.first_ids),
        records=week_records,
        pending=_one(conn, "SELECT COALESCE(SUM(pending), 0) FROM domain_counts"),
        disputed=_one(
            conn,
            "SELECT COUNT(*) FROM data_points INDEXED BY idx_disputed "
            "WHERE disputes > 0 AND status = 'approved'",
        ),
        grew=_grew(week_records),
        fastest=chosen,
    )


@dataclass(frozen=True)
class _Approvals:
    """A week's community approvals: how many each field has (most first), and the ids
    of the first ``shown`` of them by approval (read whole afresh at every call, as a
    flag changes what a shown line says without moving any record)."""

    by_field: tuple[tuple[str, int], ...]
    first_ids: tuple[int, ...]


#: A field's approvals in one week: (its count, its first moments as (when, id)).
_FieldWeek = tuple[int, list[tuple[str, int]]]


def _read_week(conn: sqlite3.Connection, start: str, end: str, shown: int) -> _Approvals:
    """The week's approvals read afresh: the fields found by a skip through the index."""
    counted = conn.execute(_APPROVED_BY_FIELD, (start, end)).fetchall()
    return _approvals(
        {
            str(domain): (int(n), _first_moments(conn, start, end, str(domain), shown))
            for domain, n in counted
            if n
        },
        shown,
    )


def _kept_week(
    conn: sqlite3.Connection,
    kept: _Kept,
    versions: dict[str, int],
    start: str,
    end: str,
    shown: int,
) -> _Approvals:
    """The week's approvals, each field's counted again only when its version moved.

    A community approval is an approved figure, so every field that has one has a row
    in ``records_version`` (moved by the approval's trigger, or seeded by migration
    ``0015_records_version_seeded`` for figures older than the counter), and a change
    to which figures of a field are approved moves it: a digest asked after a decision
    counts that one field again, and one asked after a submission or a flag none.
    """
    fields: dict[str, _FieldWeek] = {}
    for domain, version in versions.items():
        key = (start, end, shown, domain)
        found = kept.weeks.get(key)
        if found is None or found[0] != version:
            count = _one_with(conn, _APPROVED_IN_FIELD, (start, end, domain))
            found = (version, (count, _first_moments(conn, start, end, domain, shown)))
            kept.weeks[key] = found
        if found[1][0]:
            fields[domain] = found[1]
    if len(kept.weeks) > _WEEKS_KEPT:
        kept.weeks.clear()
    return _approvals(fields, shown)


def _approvals(fields: dict[str, _FieldWeek], shown: int) -> _Approvals:
    by_field = tuple(
        sorted(((domain, n) for domain, (n, _) in fields.items()), key=lambda f: (-f[1], f[0]))
    )
    moments = sorted(moment for _, first in fields.values() for moment in first)[:shown]
    return _Approvals(by_field, tuple(point_id for _, point_id in moments))


def _first_moments(
    conn: sqlite3.Connection, start: str, end: str, domain: str, shown: int
) -> list[tuple[str, int]]:
    if shown <= 0:
        return []
    return [
        (str(at), int(point_id))
        for at, point_id in conn.execute(_FIRST_APPROVED, (start, end, domain, shown))
    ]


def _points(conn: sqlite3.Connection, ids: Sequence[int]) -> tuple[DataPoint, ...]:
    """The figures ``ids`` read whole, in that order (the week's first approvals)."""
    if not ids:
        return ()
    marks = ", ".join("?" * len(ids))
    found = {row[0]: point(row) for row in conn.execute(f"{select()} WHERE p.id IN ({marks})", ids)}
    return tuple(found[point_id] for point_id in ids)


def _kept_fastest(
    conn: sqlite3.Connection,
    kept: _Kept,
    versions: dict[str, int],
    domains: Sequence[AnyDomain],
) -> Fastest | None:
    """:func:`fastest`, kept by a store until a field's ``records_version`` moves.

    The whole answer is kept for the fields' versions as they stand (a digest asked
    again, or after a write that moves no record, reads nothing); each field's fit is
    kept by its own version (migration ``0014_records_version``), so one asked after a
    decision fits only the one field it touched.
    """
    chosen_key = (
        tuple(sorted(versions.items())),
        tuple((d.slug, d.headline_unit, d.name) for d in domains),
    )
    if kept.fastest is not None and kept.fastest[0] == chosen_key:
        return kept.fastest[1]
    if len(kept.fits) > _FITS_KEPT:
        kept.fits.clear()

    def rate(conn: sqlite3.Connection, domain: AnyDomain) -> Rate | None:
        key = (domain.slug, domain.headline_unit, domain.name)
        version = versions.get(domain.slug, 0)
        found = kept.fits.get(key)
        if found is not None and found[0] == version:
            return found[2]
        read = field_records(conn, domain)
        # Most decisions leave a field's records as they were: its fit stands.
        fitted = found[2] if found is not None and found[1] == read else fit_rate(domain, *read)
        kept.fits[key] = (version, read, fitted)
        return fitted

    best = fastest_rate(conn, domains, rate)
    chosen = None
    if best is not None:
        domain = best[1]
        # Still the fastest after another field's decision: its named records stand.
        named_key = (domain.slug, domain.headline_unit, domain.name, versions.get(domain.slug, 0))
        if kept.named is not None and kept.named[0] == named_key:
            chosen = kept.named[1]
        else:
            chosen = named(conn, *best)
            kept.named = (named_key, chosen)
    kept.fastest = (chosen_key, chosen)
    return chosen


#: A field's fitted record growth: (× per year, unit, its records as record_ids reads them).
Rate = tuple[float, str, list[tuple[int, int, float]]]


@dataclass
class _Kept:
    """What one open store keeps of its digests, each part with the version it was read at."""

    #: Each field's fit: (the field's records_version, what was fitted, the rate or None).
    fits: dict[Hashable, tuple[int, FieldRecords, Rate | None]] = field(default_factory=dict)
    #: Each week's approvals in each field: (the field's version, its count and first).
    weeks: dict[Hashable, tuple[int, _FieldWeek]] = field(default_factory=dict)
    #: The last fastest field: (every field's version and the fields ranked, the answer).
    fastest: tuple[Hashable, Fastest | None] | None = None
    #: The last fastest field read with its names: (that field and its version, it).
    named: tuple[Hashable, Fastest] | None = None
    #: The last week's records: ((start, end, every field's version), the records).
    records: tuple[Hashable, tuple[WeekRecord, ...]] | None = None
    #: Records read from the outbox, by its row's id (a row's facts never change).
    parsed: dict[int, WeekRecord] = field(default_factory=dict)


_KEPT: weakref.WeakKeyDictionary[Store, _Kept] = weakref.WeakKeyDictionary()
#: Fields whose fits a store keeps (the library's, community fields, a test's own).
_FITS_KEPT = 256
#: Weeks-and-fields a store keeps counts of (a few weeks asked, a field each).
_WEEKS_KEPT = 1024
#: Outbox records a store keeps parsed (a few weeks' records).
_PARSED_KEPT = 4096


def _kept(store: Store) -> _Kept:
    found = _KEPT.get(store)
    if found is None:
        found = _KEPT[store] = _Kept()
    return found


def _one(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def _one_with(conn: sqlite3.Connection, sql: str, parameters: Sequence[object]) -> int:
    return int(conn.execute(sql, parameters).fetchone()[0])


def _kept_records(
    conn: sqlite3.Connection, kept: _Kept, versions: dict[str, int], start: str, end: str
) -> tuple[WeekRecord, ...]:
    """The week's records, read again only when a field's version moved: a record is
    written to the outbox in its decision's transaction, which moves its field's
    version, and a withdrawal (which drops it) moves it too."""
    key = (start, end, tuple(sorted(versions.items())))
    if kept.records is None or kept.records[0] != key:
        if len(kept.parsed) > _PARSED_KEPT:
            kept.parsed.clear()
        kept.records = (key, _records(conn, start, end, kept.parsed))
    return kept.records[1]


def _records(
    conn: sqlite3.Connection, start: str, end: str, parsed: dict[int, WeekRecord] | None = None
) -> tuple[WeekRecord, ...]:
    """The week's records still standing; each outbox row's facts (written once, never
    changed) parsed once when ``parsed`` keeps them by the row's id."""
    parsed = {} if parsed is None else parsed
    found = []
    for row_id, point_id, domain, unit, at, text in conn.execute(_RECORDS, (start, end)):
        record = parsed.get(row_id)
        if record is None:
            facts = json.loads(text)
            record = parsed[row_id] = WeekRecord(
                point_id=point_id,
                domain=domain,
                unit=unit,
                dataset=facts["dataset"],
                value=facts["value"],
                quantity_text=facts["quantity_text"],
                year=facts["year"],
                source_url=facts["source_url"],
                previous_dataset=facts["previous_dataset"],
                previous_value=facts["previous_value"],
                previous_year=facts["previous_year"],
                at=at,
            )
        found.append(record)
    return tuple(found)


def _grew(week_records: Sequence[WeekRecord]) -> tuple[FieldGrew, ...]:
    """Each field and unit the week's records raised: from the record the first beat to
    the largest of them, in the order the fields first grew."""
    grew: dict[tuple[str, str], FieldGrew] = {}
    for record in week_records:
        key = (record.domain, record.unit)
        held = grew.get(key)
        if held is None:
            if record.previous_value:
                grew[key] = FieldGrew(
                    record.domain, record.unit, record.previous_value, record.value, record.dataset
                )
        elif record.value > held.after:
            grew[key] = FieldGrew(held.domain, held.unit, held.before, record.value, record.dataset)
    return tuple(grew.values())


def field_rate(conn: sqlite3.Connection, domain: AnyDomain) -> Rate | None:
    """``domain``'s record growth fitted to its records as
    :func:`knowledge.records.record_ids` reads them (the rate does not depend on the
    datasets' names), or None without enough history for a rate."""
    return fit_rate(domain, *field_records(conn, domain))


#: A field's unit and its records as :func:`knowledge.records.record_ids` reads them.
FieldRecords = tuple[str | None, list[tuple[int, int, float]]]


def field_records(conn: sqlite3.Connection, domain: AnyDomain) -> FieldRecords:
    """What :func:`fit_rate` fits: ``domain``'s unit and its records (none without one)."""
    unit = records.field_unit(conn, domain)
    return unit, [] if unit is None else records.record_ids(conn, domain.slug, unit)


def fit_rate(
    domain: AnyDomain, unit: str | None, kept: list[tuple[int, int, float]]
) -> Rate | None:
    """The rate of :func:`field_rate` for records already read."""
    if unit is None:
        return None
    figures = tuple(Figure(domain.slug, quantity, year) for _, year, quantity in kept)
    result = records.field_growth(domain.name, unit, figures)
    return (result.per_year, unit, kept) if isinstance(result, Growth) else None


def fastest(
    conn: sqlite3.Connection,
    domains: Sequence[AnyDomain],
    rate: Callable[[sqlite3.Connection, AnyDomain], Rate | None] = field_rate,
) -> Fastest | None:
    """The field of ``domains`` whose record grows fastest (ties: the first given), or
    None when no field has enough history for a rate.

    Each field's rate is ``rate``'s (:func:`field_rate`, or a kept one); only the
    fastest field's records are then read with their names (:func:`named`).
    """
    best = fastest_rate(conn, domains, rate)
    return None if best is None else named(conn, *best)


def fastest_rate(
    conn: sqlite3.Connection,
    domains: Sequence[AnyDomain],
    rate: Callable[[sqlite3.Connection, AnyDomain], Rate | None] = field_rate,
) -> tuple[Rate, AnyDomain] | None:
    """The fastest field's rate and the field (ties: the first given), or None."""
    best: tuple[Rate, AnyDomain] | None = None
    for domain in domains:
        found = rate(conn, domain)
        if found is not None and (best is None or found[0] > best[0][0]):
            best = (found, domain)
    return best


def named(conn: sqlite3.Connection, rate: Rate, domain: AnyDomain) -> Fastest:
    """``domain``'s growth at ``rate``, its records read with their datasets' names
    (:func:`records.public_records`), as ``/trend`` shows them."""
    _, unit, kept = rate
    frontier = records.public_records(conn, kept)
    growth = records.field_growth(domain.name, unit, tuple(r.figure for r in frontier))
    assert isinstance(growth, Growth)  # the same records the rate was fitted to
    return Fastest(domain, unit, growth)


# -- periods -------------------------------------------------------------------------------


def zone(tz: str | tzinfo | None) -> tzinfo:
    """``tz`` as a time zone: an IANA name (``Europe/Paris``), a tzinfo, or None for UTC.
    Raises ValueError naming it, with an example, for a name the system does not know."""
    if tz is None:
        return UTC
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{tz!r} is not a time zone this system knows; give an IANA name like Europe/Paris"
        ) from None


def iso_week(moment: date | datetime, tz: str | tzinfo | None = None) -> str:
    """The ISO week ``moment`` falls in, as ``2026-W48``.

    A datetime with a zone is first moved to ``tz`` (default: left in its own zone),
    so 23:30 UTC on a Sunday is already Monday's week in Paris; a date is taken as it is.
    """
    if isinstance(moment, datetime) and moment.tzinfo is not None and tz is not None:
        moment = moment.astimezone(zone(tz))
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(period: str, tz: str | tzinfo | None = None) -> datetime:
    """The moment ``period`` begins: its Monday at 00:00 in ``tz`` (default UTC).

    Raises ValueError, with an example, for a period that is not an ISO week
    (``2026-W48``) or a week 53 of a year that has 52."""
    check_period(period)
    year, week = int(period[:4]), int(period[6:])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}; give one like {year}-W52") from None
    return datetime.combine(monday, time(0), tzinfo=zone(tz))


def week_bounds(period: str, tz: str | tzinfo | None = None) -> tuple[str, str]:
    """``period``'s start and end (the next Monday at 00:00 in ``tz``) as the ledger writes
    times (UTC ISO text): what :func:`week_facts` takes. A week that crosses a change of
    daylight saving time is an hour shorter or longer, as the clock on the wall says."""
    start = week_start(period, tz)
    end = datetime.combine(start.date() + timedelta(days=7), time(0), tzinfo=start.tzinfo)
    return iso(start.astimezone(UTC)), iso(end.astimezone(UTC))


def previous_week(period: str) -> str:
    """The ISO week before ``period`` (``2026-W01`` -> ``2025-W52``)."""
    return iso_week(week_start(period).date() - timedelta(days=7))


def next_week(period: str) -> str:
    """The ISO week after ``period``."""
    return iso_week(week_start(period).date() + timedelta(days=7))
