"""What the news channel hears: a record announcement, a correction, the weekly digest.

The outbox (:mod:`knowledge.ledger.news`) keeps *that* something happened, with the facts
as they stood at the decision; this module says it, in the words ``/trend`` and
``/scale`` use for the same things (:mod:`handlers.growth`, :mod:`bot.growthwords`), so
an announcement and the command it points to never round one rate two ways. The
delivery (which channel, when, exactly once) is :mod:`bot.newsdesk`'s; nothing here
sends anything, so the same reply serves a post, ``/digest`` and a test.

The figures come from the item's ``facts``, not from a fresh read: a post sent after a
restart says what the decision made true, even if the ledger moved on since. The field's
growth rate and its chart are read now, as any reader of the channel would see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import fieldgrowth, growthwords
from bot.fieldgrowth import FieldGrowth
from bot.phrasing import counted, number_word
from bot.reply import Citation, Reply, ReplyField
from handlers import growth
from handlers.present import field_pages, point_line, unique
from knowledge import digest
from knowledge.digest import WeekFacts
from knowledge.kb import Library
from knowledge.ledger.values import NewsItem
from knowledge.models import AnyDomain
from knowledge.quantity import format_quantity
from knowledge.store import Store

#: How the decision that made a record is said.
DECIDED_BY = {
    "approve": "approved by a moderator",
    "confirmations": "approved by members' confirmations",
}
#: How the decision that lowered a record is said (any other: "#N corrected X to ...").
LOWERED_BY = {"withdraw": "was withdrawn by a moderator"}
#: The most figures a digest lists by name in one of its fields: as many as
#: :func:`knowledge.digest.week_facts` reads whole.
DIGEST_LINES = digest.SHOWN


# -- record announcements ---------------------------------------------------------------


def announcement(
    store: Store,
    item: NewsItem,
    images: bool,
    *,
    library: Library | None = None,
    web_url: str | None = None,
) -> Reply:
    """The post for one outbox item: a record (with its chart when ``images``) or a
    correction.

    ``library`` resolves the field's name and colour (default: the knowledge base as
    shipped, which knows the essay's fields; a community field is then named by its
    slug); ``web_url`` adds the web view's pages of the field.
    """
    domain = _domain(library, item.domain)
    if item.kind == "correction":
        return _correction(store, item, domain, web_url)
    return _record(store, item, domain, images, web_url)


def _record(
    store: Store, item: NewsItem, domain: AnyDomain | None, images: bool, web_url: str | None
) -> Reply:
    facts = item.facts
    name = domain.name if domain else item.domain
    dataset = str(facts.get("dataset", ""))
    value = float(facts.get("value", 0.0))
    unit = item.unit
    figure = f"{format_quantity(value)} {unit}"
    previous = _previous(facts)
    if previous is not None:
        times = _times(value, previous.value)
        summary = (
            f"{dataset} ({figure}{_year(facts.get('year'))}) is the largest {name} dataset "
            f"in {unit} now, {times} the previous record, {previous.dataset} "
            f"({format_quantity(previous.value)} {unit}{_year(previous.year)})."
        )
    else:
        times = None
        summary = (
            f"{dataset} ({figure}{_year(facts.get('year'))}) is the first approved {name} "
            f"figure in {unit}, so it is the field's record in {unit}."
        )
    fields = [
        ReplyField(name="Record", value=f"{dataset}: {figure}{_year(facts.get('year'))}"),
    ]
    if previous is not None:
        fields.append(
            ReplyField(
                name="Previous record",
                value=f"{previous.dataset}: {format_quantity(previous.value)} {unit}"
                f"{_year(previous.year)}; the new one is {times} as large",
            )
        )
    found = _growth(store, domain, unit)
    fields.append(ReplyField(name="Field's growth", value=growth_words(found), inline=False))
    decided = DECIDED_BY.get(item.decision, f"decided ({item.decision})")
    fields.append(ReplyField(name="Decision", value=f"#{item.point_id}, {decided}"))
    citations = [_citation(facts, "")]
    if previous is not None and facts.get("previous_source_url"):
        citations.append(_citation(facts, "previous_"))
    slug = domain.slug if domain else item.domain
    citations += field_pages(web_url, slug) if domain is not None else []
    reply = Reply(
        title=f"New {name} record: {dataset}, {figure}",
        summary=summary,
        fields=fields,
        citations=unique(citations),
        footer=f"More: {_trend(slug, unit)} · /datasets {slug} · /history {quote(dataset)}",
        domain=slug,
        colour=domain.colour if domain else None,
        data={
            **_item_data(item),
            "dataset": dataset,
            "value": value,
            "previous": None
            if previous is None
            else {
                "point": previous.point,
                "dataset": previous.dataset,
                "value": previous.value,
                "year": previous.year,
            },
            "times_previous": None if previous is None else _ratio(value, previous.value),
            **(growth.data(found) if found is not None else {}),
        },
    )
    return _with_chart(store, reply, found, images)


def _item_data(item: NewsItem) -> dict[str, Any]:
    """What every post's ``data`` says of its outbox row: which news, which figure."""
    return {
        "news": item.id,
        "kind": item.kind,
        "point": item.point_id,
        "domain": item.domain,
        "unit": item.unit,
    }


def _correction(
    store: Store, item: NewsItem, domain: AnyDomain | None, web_url: str | None
) -> Reply:
    """A short post: which figure went, and which record stands now (if any)."""
    facts = item.facts
    name = domain.name if domain else item.domain
    unit = item.unit
    decided = store.reads.get(item.point_id)
    if decided is None:
        happened = f"#{item.point_id} {LOWERED_BY.get(item.decision, 'was corrected')}"
    elif item.decision != "withdraw":
        happened = (
            f"#{item.point_id} corrected {decided.dataset} to "
            f"{format_quantity(decided.quantity)} {decided.unit}"
        )
    else:
        happened = (
            f"#{item.point_id} {decided.dataset} ({format_quantity(decided.quantity)} "
            f"{decided.unit}) {LOWERED_BY.get(item.decision, 'was corrected')}"
        )
    dataset = facts.get("dataset")
    if dataset:
        value = float(facts.get("value", 0.0))
        now = f"{dataset}, {format_quantity(value)} {unit}{_year(facts.get('year'))}"
        summary = f"{happened}. The {name} record in {unit} is now {now}."
        citations = [_citation(facts, "")]
    else:
        now = None
        summary = f"{happened}. {name} has no dated approved figure in {unit} now."
        citations = []
    slug = domain.slug if domain else item.domain
    if domain is not None:
        citations += field_pages(web_url, slug)
    return Reply(
        title=f"Correction: the {name} record in {unit}",
        summary=summary,
        citations=unique(citations),
        footer="More: "
        + " · ".join(
            [_trend(slug, unit)] + ([f"/history {quote(decided.dataset)}"] if decided else [])
        ),
        domain=slug,
        colour=domain.colour if domain else None,
        data={
            **_item_data(item),
            "decision": item.decision,
            "record": None
            if now is None
            else {"dataset": dataset, "value": facts.get("value"), "year": facts.get("year")},
        },
    )


# -- the weekly digest --------------------------------------------------------------------


def digest_reply(
    store: Store,
    facts: WeekFacts,
    images: bool,
    period: str,
    *,
    library: Library | None = None,
    web_url: str | None = None,
) -> Reply:
    """The week ``period`` (``2026-W48``) in one reply; a quiet week says only that.

    ``data["quiet"]`` tells a scheduler not to post it. The one chart is the record chart
    of the field whose record grew most this week, else of the fastest-growing field.
    ``facts`` read without fields to rank (``week_facts(..., domains=())``) get the
    fastest-growing field read here, among ``library``'s, by the same rule.
    """
    library = library or _shipped()
    fastest = facts.fastest
    if fastest is None:
        fastest = digest.fastest(store.conn, list(library.domains.values()))
    dates = _dates(facts.start, facts.end)
    waiting = _waiting(facts)
    data: dict[str, Any] = {
        "period": period,
        "start": facts.start,
        "end": facts.end,
        "quiet": facts.quiet,
        "approved": facts.approved,
        "approved_by_field": dict(facts.approved_by_field),
        "approved_ids": [point.id for point in facts.approved_figures],
        "records": [
            {
                "point": record.point_id,
                "domain": record.domain,
                "unit": record.unit,
                "dataset": record.dataset,
                "value": record.value,
                "times_previous": record.times,
            }
            for record in facts.records
        ],
        "pending": facts.pending,
        "disputed": facts.disputed,
        "grew": [
            {"domain": g.domain, "unit": g.unit, "times": g.times, "dataset": g.dataset}
            for g in facts.grew
        ],
        "fastest": None
        if fastest is None
        else {
            "domain": fastest.domain.slug,
            "unit": fastest.unit,
            "growth_per_year": fastest.growth.per_year,
            "growth_low": fastest.growth.low,
            "growth_high": fastest.growth.high,
        },
    }
    title = f"Weekly digest, {period}"
    if facts.quiet:
        return Reply(
            title=f"{title}: a quiet week",
            summary=f"{dates}: no figure was approved and no field set a new record. " + waiting,
            footer="Submit a figure with /submit · past weeks: /digest week:YYYY-Www",
            data=data,
        )
    fields: list[ReplyField] = []
    if facts.approved_figures:
        lines = [
            f"{_name(library, point.domain)}: {point_line(point, with_id=True)}"
            for point in facts.approved_figures[:DIGEST_LINES]
        ]
        more = facts.approved - len(lines)
        if more > 0:
            lines.append(f"and {number_word(more)} more (by field: {_by_field(library, facts)})")
        fields.append(ReplyField(name="Approved this week", value="\n".join(lines), inline=False))
    if facts.records:
        lines = [_record_line(library, record) for record in facts.records[:DIGEST_LINES]]
        if len(facts.records) > DIGEST_LINES:
            lines.append(f"and {number_word(len(facts.records) - DIGEST_LINES)} more")
        fields.append(ReplyField(name="New records", value="\n".join(lines), inline=False))
    fields.append(ReplyField(name="Waiting for review", value=waiting, inline=False))
    if facts.grew:
        fields.append(
            ReplyField(
                name="Records that grew",
                value="; ".join(
                    f"{_name(library, g.domain)} {growthwords.times(g.times)} in {g.unit} "
                    f"(now {g.dataset})"
                    for g in facts.grew
                ),
                inline=False,
            )
        )
    if fastest is not None:
        rate = fastest.growth
        fields.append(
            ReplyField(
                name="Fastest-growing field",
                value=f"{fastest.domain.name}: {growthwords.per_year(rate)} "
                f"({fastest.unit}, {rate.first_year}–{rate.last_year})",
                inline=False,
            )
        )
    summary = (
        f"{dates}: {counted(facts.approved, 'figure')} approved, "
        f"{counted(len(facts.records), 'new record')}."
    )
    citations = [
        Citation(label=f"{r.dataset}: {r.source_url}", url=r.source_url) for r in facts.records
    ]
    found = _digest_chart_field(store, library, facts, fastest)
    if found is not None:
        data["chart"] = {"domain": found.domain.slug, "unit": found.unit}
    reply = Reply(
        title=title,
        summary=summary,
        fields=fields,
        citations=unique(citations),
        footer="More: /review (moderators) · /trend FIELD · past weeks: /digest week:YYYY-Www",
        domain=found.domain.slug if found else None,
        colour=found.domain.colour if found else None,
        data=data,
    )
    return _with_chart(store, reply, found, images)


def _digest_chart_field(
    store: Store, library: Library, facts: WeekFacts, fastest: digest.Fastest | None
) -> FieldGrowth | None:
    """The field the digest draws: the one whose record grew most, else the fastest."""
    grown = max(facts.grew, key=lambda g: g.times, default=None)
    if grown is not None:
        domain = library.resolve(grown.domain)
        if domain is not None:
            return fieldgrowth.read(store, domain, grown.unit)
    if fastest is not None:
        return fieldgrowth.read(store, fastest.domain, fastest.unit)
    return None


def _waiting(facts: WeekFacts) -> str:
    """What waits for a moderator now (not at the week's end), and where they decide it."""
    if not facts.pending and not facts.disputed:
        return "Nothing waits for review now."
    pending = counted(facts.pending, "figure")
    disputed = counted(facts.disputed, "approved figure")
    said = f"{pending} pending review and {disputed} disputed now; moderators: /review."
    return said[0].upper() + said[1:]


def _record_line(library: Library, record: digest.WeekRecord) -> str:
    said = (
        f"{_name(library, record.domain)}: {record.dataset}, "
        f"{format_quantity(record.value)} {record.unit}{_year(record.year)}"
    )
    if record.previous_dataset and record.times is not None:
        said += (
            f" ({growthwords.times(record.times)} the previous record, {record.previous_dataset}"
            f"{_year(record.previous_year)})"
        )
    return said


def _by_field(library: Library, facts: WeekFacts) -> str:
    return ", ".join(f"{_name(library, slug)} {count}" for slug, count in facts.approved_by_field)


def _name(library: Library, slug: str) -> str:
    domain = library.resolve(slug)
    return domain.name if domain else slug


# -- shared wording -----------------------------------------------------------------------


def growth_words(found: FieldGrowth | None) -> str:
    """The field's record growth with its interval, or why there is no rate yet."""
    if found is None or found.rate is None:
        reason = found.reason if found is not None else "the field is unknown"
        return f"no growth rate yet ({reason})"
    rate = found.rate
    return (
        f"{growthwords.per_year(rate)}; fitted to {counted(rate.points, 'record')} in "
        f"{found.unit}, {rate.first_year}–{rate.last_year}"
    )


@dataclass(frozen=True)
class _Previous:
    """The record an announced figure beat, as the outbox's facts keep it."""

    point: int | None
    dataset: str
    value: float
    year: int | None


def _previous(facts: Mapping[str, Any]) -> _Previous | None:
    dataset = facts.get("previous_dataset")
    value = facts.get("previous_value")
    if not dataset or value is None:
        return None
    return _Previous(
        facts.get("previous_id"), str(dataset), float(value), facts.get("previous_year")
    )


def _domain(library: Library | None, slug: str) -> AnyDomain | None:
    return (library or _shipped()).resolve(slug)


_LIBRARY: list[Library] = []


def _shipped() -> Library:
    """The knowledge base as shipped, loaded once (for callers without a library)."""
    if not _LIBRARY:
        _LIBRARY.append(Library.load())
    return _LIBRARY[0]


def _growth(store: Store, domain: AnyDomain | None, unit: str) -> FieldGrowth | None:
    return None if domain is None else fieldgrowth.read(store, domain, unit)


def _with_chart(store: Store, reply: Reply, found: FieldGrowth | None, images: bool) -> Reply:
    """The record chart: a PNG where images show, else its rows of text (as ``/trend``)."""
    if found is None or not found.records:
        return reply
    text = growth.text_chart(found)
    if not images:
        return reply.model_copy(update={"preformatted": text})
    chart = fieldgrowth.trend_chart(store, found)
    if chart is None:
        return reply
    return reply.model_copy(update={"attachments": [growth.attachment(chart, text)]})


def _ratio(value: float, previous: float) -> float | None:
    return value / previous if previous > 0 else None


def _times(value: float, previous: float) -> str:
    ratio = _ratio(value, previous)
    return growthwords.times(ratio) if ratio is not None else "larger than"


def _year(year: Any) -> str:
    return f", {year}" if year else ""


def _citation(facts: Mapping[str, Any], prefix: str) -> Citation:
    """The source of the record (``prefix`` "") or of the one before it ("previous_")."""
    url = facts.get(f"{prefix}source_url")
    return Citation(label=f"{facts.get(f'{prefix}dataset')}: {url}", url=str(url) if url else None)


def quote(value: str) -> str:
    """A value as one word of a typed command: ``"Mega Objects"``, ``clips``."""
    if value and not any(c.isspace() for c in value) and value[0] not in "\"'":
        return value
    return '"' + value.replace('"', '\\"') + '"'


def _trend(slug: str, unit: str) -> str:
    return f"/trend {slug} unit:{quote(unit)}"


def _dates(start: str, end: str) -> str:
    """``2026-11-23 to 2026-11-29``: a week's first and last day."""
    first = datetime.fromisoformat(start.replace("Z", "+00:00")).date()
    last = datetime.fromisoformat(end.replace("Z", "+00:00")).date() - timedelta(days=1)
    return f"{first.isoformat()} to {max(first, last).isoformat()}"
