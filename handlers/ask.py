"""``/ask QUESTION``: the best matching claims and data points, found by full-text search.

A question that names fields (by slug, name or alias: "NeRF", "gaussian splatting",
"t2v") is answered from those fields first, in the order it names them: each field's
claims and data points, and only then hits from elsewhere. Without that, the word
"video" in "how much video data is there?" matched a 3D dataset whose note mentions
videos as readily as the video field's own figures.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from bot import kinds
from bot.commands import Command, Option, Request
from bot.fieldgrowth import field_unit
from bot.reply import Citation, Reply
from handlers.present import essay, point_line, source, unique
from knowledge.kb import FieldMentions
from knowledge.ledger.values import ClaimHit, DataPoint
from knowledge.models import AnyDomain
from knowledge.store import Store

MAX_RESULTS = 3

#: One result: its line in the reply, its citation, and its entry in ``data["results"]``.
Hit = tuple[str, Citation, dict[str, Any]]


def claim_hit(claim: ClaimHit) -> Hit:
    return (
        f"{claim.text} [{claim.section}]",
        essay(claim.section),
        {"type": "claim", "id": claim.id},
    )


def point_hit(point: DataPoint) -> Hit:
    return (
        f"{point_line(point)} ({point.domain})",
        source(point),
        {"type": "data point", "id": point.id},
    )


def interleave(claims: list[Hit], points: list[Hit]) -> list[Hit]:
    """BM25 scores of two tables are not comparable, so take each table's best in turn."""
    return [hit for pair in zip_longest(claims, points) for hit in pair if hit]


def distinct(hits: list[Hit]) -> list[Hit]:
    """``hits`` without repeats (the same claim or point found by two queries), in order."""
    seen: set[tuple[str, Any]] = set()
    kept = []
    for hit in hits:
        key = (hit[2]["type"], hit[2]["id"])
        if key not in seen:
            seen.add(key)
            kept.append(hit)
    return kept


def search_hits(store: Store, question: str, limit: int) -> list[Hit]:
    """The best claims and points for the question's words, wherever they are."""
    claims = [claim_hit(claim) for claim in store.search.claims(question, limit)]
    points = [point_hit(point) for point, _ in store.search.points(question, limit)]
    return interleave(claims, points)[:limit]


def field_claims(store: Store, domain: AnyDomain, words: str, limit: int) -> list[Hit]:
    """A field's claims that match ``words`` (best first), then its others in file order.

    A question that only names the field ("/ask NeRF") thus gets the field's key reasons.
    """
    claims = store.search.claims(words, limit, domain=domain.slug)
    if len(claims) < limit:
        claims += store.search.domain_claims(domain.slug, limit)
    return distinct([claim_hit(claim) for claim in claims])[:limit]


def field_points(store: Store, domain: AnyDomain, words: str, limit: int) -> list[Hit]:
    """A field's points that match ``words``, then its largest datasets in its headline unit.

    The headline unit is the one the field's card ranks by, so "/ask 3dgs" shows the
    same largest datasets as "/scale 3d".
    """
    points = [point for point, _ in store.search.points(words, limit, domain=domain.slug)]
    unit = field_unit(store, domain)
    if len(points) < limit and unit is not None:
        points += store.reads.largest_in_unit(domain.slug, unit, limit)
    return distinct([point_hit(point) for point in points])[:limit]


def field_hits(store: Store, domain: AnyDomain, words: str, limit: int) -> list[Hit]:
    """A field's own claims and points, interleaved, best first."""
    claims = field_claims(store, domain, words, limit)
    points = field_points(store, domain, words, limit)
    return interleave(claims, points)[:limit]


def shares(fields: int, slots: int) -> list[int]:
    """Slots per named field: as even as possible, the first-named fields getting any extra."""
    return [slots // fields + (n < slots % fields) for n in range(fields)]


def named_field_hits(store: Store, fields: FieldMentions, slots: int) -> list[Hit]:
    """Hits from the fields a question names, field by field in the order it names them.

    Each field gets its share of the slots, so "compare video and 3d" shows both; a field
    with fewer hits than its share leaves the rest to the fields named after it.
    """
    named = fields.domains[:slots]
    if not named:
        return []
    blocks = [field_hits(store, domain, fields.other_words, slots) for domain in named]
    taken = [
        min(share, len(block))
        for share, block in zip(shares(len(named), slots), blocks, strict=True)
    ]
    for n, block in enumerate(blocks):
        extra = min(slots - sum(taken), len(block) - taken[n])
        taken[n] += extra
    return [hit for block, count in zip(blocks, taken, strict=True) for hit in block[:count]]


def ask(request: Request, question: str) -> Reply:
    fields = request.library.fields_in(question)
    best = named_field_hits(request.store, fields, MAX_RESULTS)
    if len(best) < MAX_RESULTS:
        # Only then hits from other fields (or from the whole essay), as without a field.
        best = distinct(best + search_hits(request.store, question, 2 * MAX_RESULTS))
    best = best[:MAX_RESULTS]
    if not best:
        return Reply(
            title="No match",
            summary=f"Nothing in the knowledge base matches “{question}”. "
            "Try naming a field or a dataset.",
            footer="Examples: /ask why does video scale · /ask objaverse · /domains",
            visibility="private",
            data={"results": []},
        )
    return Reply(
        title=f"Best matches for “{question}”",
        items=[text for text, _, _ in best],
        citations=unique([citation for _, citation, _ in best]),
        footer="Full argument: /why · figures: /scale DOMAIN",
        data={"results": [hit for _, _, hit in best]},
    )


COMMAND = Command(
    name="ask",
    order=50,
    pure=True,
    description="Search the essay's claims and the approved data points",
    handler=ask,
    example="/ask why does 3d lack data",
    more_examples=("/ask objaverse", "/ask how much gaussian splatting data is there"),
    options=(
        Option(
            "question",
            kinds.Question(max_length=300),
            "Your question, in plain words",
            greedy=True,
        ),
    ),
)
