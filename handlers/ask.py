"""``/ask QUESTION``: the best matching claims and data points, found by full-text search."""

from __future__ import annotations

from itertools import zip_longest

from bot.commands import Command, Option, OptionType, Request
from bot.reply import Reply
from handlers.present import essay, point_line, source, unique

MAX_RESULTS = 3


def ask(request: Request, question: str) -> Reply:
    claims = request.store.search_claims(question, MAX_RESULTS)
    points = request.store.search_points(question, MAX_RESULTS)
    claim_hits = [
        (
            f"{claim.text} [{claim.section}]",
            essay(claim.section),
            {"type": "claim", "id": claim.id},
        )
        for claim in claims
    ]
    point_hits = [
        (
            f"{point_line(point)} ({point.domain})",
            source(point),
            {"type": "data point", "id": point.id},
        )
        for point, _ in points
    ]
    # BM25 scores of two tables are not comparable, so take each table's best in turn.
    best = [hit for pair in zip_longest(claim_hits, point_hits) for hit in pair if hit]
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
    description="Search the essay's claims and the approved data points",
    handler=ask,
    example="/ask why does 3d lack data",
    more_examples=("/ask objaverse",),
    options=(
        Option(
            "question",
            OptionType.TEXT,
            "Your question, in plain words",
            max_length=300,
            greedy=True,
        ),
    ),
)
