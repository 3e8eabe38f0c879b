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
from dataclasses import dataclass
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

#: How many of a week's approved figures :func:`week_facts` reads whole (the rest counted).
SHOWN = 10

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
#: The first ``?4`` approvals of field ``?3`` in ``[?1, ?2)``: (when, id), from the index.
_FIRST_APPROVED = (
    f"SELECT p.reviewed_at, p.id {_DECIDED} AND p.domain = ?3 "
    "AND p.reviewed_at >= ?1 AND p.reviewed_at < ?2 ORDER BY p.reviewed_at, p.id LIMIT ?4"
)
_RECORDS = (
    "SELECT n.point_id, n.domain, n.unit, n.created_at, n.facts FROM news_outbox AS n "
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
    counted = conn.execute(_APPROVED_BY_FIELD, (start, end)).fetchall()
    by_field = tuple(
        sorted(((str(domain), int(n)) for domain, n in counted if n), key=lambda f: (-f[1], f[0]))
    )
    figures = _first_approved(conn, start, end, [domain for domain, _ in by_field], shown)
    week_records = _records(conn, start, end)
    return WeekFacts(
        start=start,
        end=end,
        approved=sum(count for _, count in by_field),
        approved_by_field=by_field,
        approved_figures=figures,
        records=week_records,
        pending=_one(conn, "SELECT COALESCE(SUM(pending), 0) FROM domain_counts"),
        disputed=_one(
            conn,
            "SELECT COUNT(*) FROM data_points INDEXED BY idx_disputed "
            "WHERE disputes > 0 AND status = 'approved'",
        ),
        grew=_grew(week_records),
        fastest=_kept_fastest(store_or_conn, domains),
    )


def _first_approved(
    conn: sqlite3.Connection, start: str, end: str, fields: Sequence[str], shown: int
) -> tuple[DataPoint, ...]:
    """The first ``shown`` approvals of the week, in order: each field's first few from
    the index, merged, then only those read whole."""
    if shown <= 0:
        return ()
    moments = sorted(
        (at, point_id)
        for field in fields
        for at, point_id in conn.execute(_FIRST_APPROVED, (start, end, field, shown))
    )[:shown]
    if not moments:
        return ()
    ids = [point_id for _, point_id in moments]
    marks = ", ".join("?" * len(ids))
    found = {row[0]: point(row) for row in conn.execute(f"{select()} WHERE p.id IN ({marks})", ids)}
    return tuple(found[point_id] for point_id in ids)


def _kept_fastest(
    store_or_conn: Store | sqlite3.Connection, domains: Sequence[AnyDomain]
) -> Fastest | None:
    """:func:`fastest`, each field's fit kept by a store until that field changes.

    Each field's fit is keyed by its ``records_version`` (migration
    ``0014_records_version``), which triggers move whenever one of the field's figures
    the records are read from changes, and only then: a digest asked after submissions,
    checks or flags fits nothing again, and one asked after a decision fits the one
    field it touched.
    """
    if isinstance(store_or_conn, sqlite3.Connection):
        return fastest(store_or_conn, domains)
    store = store_or_conn
    versions = dict(store.conn.execute("SELECT domain, version FROM records_version"))
    kept = _FITS.setdefault(store, {})
    if len(kept) > _FITS_KEPT:
        kept.clear()

    def rate(conn: sqlite3.Connection, domain: AnyDomain) -> Rate | None:
        key = (domain.slug, domain.headline_unit)
        version = versions.get(domain.slug, 0)
        found = kept.get(key)
        if found is None or found[0] != version:
            found = (version, field_rate(conn, domain))
            kept[key] = found
        return found[1]

    return fastest(store.conn, domains, rate)


#: A field's fitted record growth: (× per year, unit, its records as record_ids reads them).
Rate = tuple[float, str, list[tuple[int, int, float]]]
#: Each open store's fits, by field: (the field's records_version, its rate or None).
_FITS: weakref.WeakKeyDictionary[Store, dict[Hashable, tuple[int, Rate | None]]] = (
    weakref.WeakKeyDictionary()
)
#: Fields whose fits a store keeps (the library's, community fields, a test's own).
_FITS_KEPT = 256


def _one(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def _records(conn: sqlite3.Connection, start: str, end: str) -> tuple[WeekRecord, ...]:
    found = []
    for point_id, domain, unit, at, text in conn.execute(_RECORDS, (start, end)):
        facts = json.loads(text)
        found.append(
            WeekRecord(
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
        )
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
    unit = records.field_unit(conn, domain)
    if unit is None:
        return None
    kept = records.record_ids(conn, domain.slug, unit)
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
    fastest field's records are then read with their names
    (:func:`records.public_records`).
    """
    best: tuple[Rate, AnyDomain] | None = None
    for domain in domains:
        found = rate(conn, domain)
        if found is not None and (best is None or found[0] > best[0][0]):
            best = (found, domain)
    if best is None:
        return None
    (_, unit, kept), domain = best
    frontier = records.public_records(conn, kept)
    named = records.field_growth(domain.name, unit, tuple(r.figure for r in frontier))
    assert isinstance(named, Growth)  # the same records as above
    return Fastest(domain, unit, named)


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
