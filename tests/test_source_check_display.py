"""A figure's source check where people read it (handlers/checkwords.py and its users).

Covers: the one wording (check_line, check_details, check_mark, check_status) for each
outcome, written out by hand; the reviewer's mark for a source that states another
figure; /review's entries, summary and data; the review channels' card with a check
and without (drawn by the real Slack and Discord renderers, within their limits); a
flagged pending figure's card; /history's lines and data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from bot.discord.embeds import render_embeds
from bot.slack.blocks import render_blocks
from handlers.cards import dispute_card, review_card
from handlers.checkwords import check_details, check_line, check_mark, check_status
from handlers.context import figure_context
from knowledge.ledger.values import DataPoint
from knowledge.sourcecheck import FoundFigure, SourceCheck, Status
from tests.helpers import (
    MEMBER,
    MODERATOR,
    assert_blocks_within_limits,
    assert_embeds_within_limits,
    block_text,
    embed_texts,
)

SOURCE = "https://arxiv.org/abs/2307.06942"
SENTENCE = "We collect 760K hours of video with captions."
OTHER = "The audio split holds 7,100 hours."
#: Who submitted the figures below.
SUBMIT = f'/submit video "Zorblax Clips" {{amount}} hours {SOURCE} 2023'


def found(
    value: float, printed: str, sentence: str = SENTENCE, upper: float | None = None
) -> FoundFigure:
    return FoundFigure(value, printed, sentence, upper)


def check(status: Status, *figures: FoundFigure, reason: str = "") -> SourceCheck:
    return SourceCheck(
        status=status,
        url=SOURCE,
        read_url="https://export.arxiv.org/api/query?id_list=2307.06942",
        checked_at="2026-12-03T07:00:00.000000Z",
        unit="hours",
        figures=figures,
        reason=reason,
    )


STATES = check("states", found(760_000, "760K hours"))
DIFFERS = check("differs", found(760_000, "760K hours"), found(7_100, "7,100 hours", OTHER))
ABSENT = check("absent")
UNREACHABLE = check("unreachable", reason="the server answered 503")
REFUSED = check("refused", reason="the address is on a private network")

#: Each outcome, the line /review and the cards show for a figure of 800K hours, and
#: the few words /history has for it.
OUTCOMES = {
    "states": (
        STATES,
        "Source check: states 760K hours (arxiv.org/abs/2307.06942)",
        "source states it",
    ),
    "differs": (
        DIFFERS,
        "Source check: the source states 760K hours, 7.1K hours, not 800K",
        "source states 760K hours, 7.1K hours",
    ),
    "absent": (
        ABSENT,
        "Source check: no figure in hours (arxiv.org/abs/2307.06942)",
        "no figure in hours at the source",
    ),
    "unreachable": (
        UNREACHABLE,
        "Source check: could not be read: the server answered 503",
        "source could not be read",
    ),
    "refused": (
        REFUSED,
        "Source check: not fetched: the address is on a private network",
        "source not fetched",
    ),
    "none yet": (None, "Source check: not checked yet", "source not checked yet"),
}


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    settings = Settings(db=tmp_path / "ledger.db", moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as opened:
        yield opened


def submitted(core: Core, amount: str = "800K", name: str = "Zorblax Clips") -> DataPoint:
    line = SUBMIT.format(amount=amount).replace("Zorblax Clips", name)
    reply = core.ask(line, MEMBER)
    assert reply.kind == "answer", reply.as_text()
    point = core.store.reads.get(reply.data["id"])
    assert point is not None
    return point


# -- the wording ---------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", OUTCOMES, ids=str)
def test_each_outcome_in_one_line(core: Core, outcome: str) -> None:
    point = submitted(core)
    found_check, line, _ = OUTCOMES[outcome]
    assert check_line(found_check, point) == line


def test_a_figure_the_source_states_reads_as_stated(core: Core) -> None:
    point = submitted(core, "760K")
    assert check_line(STATES, point) == "Source check: states 760K hours (arxiv.org/abs/2307.06942)"
    assert check_mark(STATES) is None


def test_figures_that_read_alike_though_they_differ_are_given_in_full(core: Core) -> None:
    point = submitted(core, "760000")
    near = check("differs", found(760_400, "760,400 hours"))
    assert check_line(near, point) == "Source check: the source states 760,400 hours, not 760,000"
    assert check_status(near, point) == "source states 760,400 hours"


def test_many_figures_are_named_three_and_the_rest_counted(core: Core) -> None:
    point = submitted(core)
    many = check(
        "differs",
        found(1e6, "1-2 million hours", upper=2e6),
        found(760_000, "760K hours"),
        found(7_100, "7,100 hours"),
        found(300, "300 hours"),
        found(20, "20 hours"),
    )
    assert check_line(many, point) == (
        "Source check: the source states 1M-2M hours, 760K hours, 7.1K hours and 2 more, not 800K"
    )
    assert check_mark(many) == ("the source states 1M-2M hours, 760K hours, 7.1K hours and 2 more")


def test_details_quote_each_figure_s_sentence_cut_to_length() -> None:
    assert check_details(DIFFERS) == [
        f"760K hours: “{SENTENCE}”",
        f"7.1K hours: “{OTHER}”",
    ]
    long = "We collect   760K hours\nof video " + "and many captions " * 20 + "in all."
    (line,) = check_details(check("states", found(760_000, "760K hours", long)))
    quoted = line.removeprefix("760K hours: “").removesuffix("”")
    assert len(quoted) == 200 and quoted.endswith("…")
    assert quoted.startswith("We collect 760K hours of video and many captions")
    assert check_details(UNREACHABLE) == [] and check_details(ABSENT) == []


def test_only_a_source_stating_another_figure_is_a_reviewer_s_mark() -> None:
    assert check_mark(DIFFERS) == "the source states 760K hours, 7.1K hours"
    for other in (STATES, ABSENT, UNREACHABLE, REFUSED, None):
        assert check_mark(other) is None


def test_a_long_reason_is_cut_to_one_short_line(core: Core) -> None:
    point = submitted(core)
    rambling = check("unreachable", reason="connection reset\n" + "x" * 500)
    line = check_line(rambling, point)
    assert line.startswith("Source check: could not be read: connection reset xxx")
    assert len(line) == len("Source check: could not be read: ") + 120 and line.endswith("…")


def test_a_decided_figure_never_checked_says_nothing_in_a_list(core: Core) -> None:
    point = submitted(core)
    core.ask(f"/approve {point.id}", MODERATOR)
    approved = core.store.reads.get(point.id)
    assert approved is not None and approved.status == "approved"
    assert check_status(None, approved) is None
    assert check_status(DIFFERS, approved) == "source states 760K hours, 7.1K hours"


# -- the moderators' queue -----------------------------------------------------------------


@pytest.mark.parametrize("outcome", OUTCOMES, ids=str)
def test_review_shows_each_pending_figure_s_check(core: Core, outcome: str) -> None:
    point = submitted(core)
    found_check, line, _ = OUTCOMES[outcome]
    if found_check is not None:
        core.store.checks.record(point.id, found_check)
    queue = core.ask("/review", MODERATOR)
    (entry,) = [f for f in queue.fields if f.name.startswith(f"#{point.id} ")]
    assert line in entry.value.splitlines()
    marked = "Check: the source states 760K hours, 7.1K hours" in entry.value
    assert marked == (outcome == "differs")
    assert queue.data["checks"] == [None if found_check is None else found_check.as_data()]
    differs_noted = "the source of one states another figure" in queue.summary
    assert differs_noted == (outcome == "differs")


def test_review_reads_the_checks_of_its_page_in_one_query(core: Core) -> None:
    points = [submitted(core, name=f"Set {n}") for n in range(4)]
    core.store.checks.record(points[0].id, DIFFERS)
    core.store.checks.record(points[2].id, DIFFERS)
    core.store.checks.record(points[3].id, STATES)
    statements: list[str] = []
    core.store.conn.set_trace_callback(statements.append)
    try:
        queue = core.ask("/review", MODERATOR)
    finally:
        core.store.conn.set_trace_callback(None)
    assert sum("source_checks" in statement for statement in statements) == 1
    assert queue.summary.startswith(
        "Pending: oldest first; the sources of two state other figures."
    )
    assert [c and c["status"] for c in queue.data["checks"]] == [
        "differs",
        None,
        "differs",
        "states",
    ]


def test_a_check_recorded_after_a_review_shows_in_the_next(core: Core) -> None:
    point = submitted(core)
    before = core.ask("/review", MODERATOR)
    assert "Source check: not checked yet" in before.as_text()
    core.store.checks.record(point.id, DIFFERS)
    after = core.ask("/review", MODERATOR)
    assert "Source check: the source states 760K hours, 7.1K hours, not 800K" in after.as_text()


# -- the review channels' cards ------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["differs", "unreachable", "none yet"], ids=str)
def test_the_review_card_renders_with_a_check_or_without(core: Core, outcome: str) -> None:
    point = submitted(core)
    found_check, line, _ = OUTCOMES[outcome]
    if found_check is not None:
        core.store.checks.record(point.id, found_check)
    card = review_card(figure_context(core.store, point))
    assert line in card.as_text()
    assert card.data["check"] == (None if found_check is None else found_check.as_data())

    blocks = render_blocks(card)
    assert_blocks_within_limits(blocks)
    assert line in block_text(blocks)
    embeds = [embed.to_dict() for message in render_embeds(card) for embed in message]
    assert_embeds_within_limits(embeds)
    assert any(line in text for embed in embeds for text in embed_texts(embed))


def test_the_card_posted_on_submission_says_not_checked_yet(core: Core) -> None:
    submitted(core)
    (notice,) = core.take_notices()
    assert "Source check: not checked yet" in notice.message.as_text()
    assert notice.message.data["check"] is None


def test_a_flagged_pending_figure_s_card_shows_its_check(core: Core) -> None:
    point = submitted(core)
    core.store.checks.record(point.id, DIFFERS)
    flagged = core.store.vouches.flag(point.id, "console:bob", "the paper says 760K").point
    card = dispute_card(core.store, flagged, "console:bob", "the paper says 760K")
    text = card.as_text()
    assert "Source check: the source states 760K hours, 7.1K hours, not 800K" in text
    # Marked first, as a dispute is (the source is also InternVid's, curated: "cited by").
    (marks,) = [line.strip() for line in text.splitlines() if line.strip().startswith("Check:")]
    assert marks.startswith("Check: the source states 760K hours, 7.1K hours; ")
    assert marks.endswith("; disputed (1)")


# -- /history ------------------------------------------------------------------------------


def test_history_shows_each_figure_s_check(core: Core) -> None:
    names = list(OUTCOMES)
    points = [submitted(core, amount=f"{800 + n}K") for n in range(len(names))]
    for point, outcome in zip(points, names, strict=True):
        found_check = OUTCOMES[outcome][0]
        if found_check is not None:
            core.store.checks.record(point.id, found_check)
    reply = core.ask('/history "Zorblax Clips"', MEMBER)
    assert reply.data["ids"] == [p.id for p in points]
    for point, outcome, item in zip(points, names, reply.items, strict=True):
        words = OUTCOMES[outcome][2]
        if outcome == "differs":  # said against this figure (801K), still 760K and 7.1K
            words = "source states 760K hours, 7.1K hours"
        assert item.startswith(f"#{point.id} ") and f"pending, {words}; " in item, item
    assert reply.data["checks"] == [
        None if OUTCOMES[o][0] is None else OUTCOMES[o][0].as_data() for o in names
    ]


def test_a_disputed_figure_shows_its_check_and_a_curated_one_none(core: Core) -> None:
    point = submitted(core)
    core.ask(f"/approve {point.id}", MODERATOR)
    core.store.checks.record(point.id, DIFFERS)
    core.store.vouches.flag(point.id, "console:bob", "the paper says 760K")
    (curated_id,) = core.store.conn.execute(
        "SELECT id FROM data_points WHERE origin = 'curated' AND is_current = 1 LIMIT 1"
    ).fetchone()
    curated = core.store.reads.get(curated_id)
    assert curated is not None and curated.status == "approved"
    core.store.vouches.flag(curated.id, "console:bob", "older paper")
    queue = core.ask("/review", MODERATOR)
    assert queue.data["disputed_ids"] == sorted([point.id, curated.id])
    entries = {f.name.split(" ")[0]: f.value for f in queue.fields if f.name.startswith("#")}
    line = "Source check: the source states 760K hours, 7.1K hours, not 800K"
    assert line in entries[f"#{point.id}"].splitlines()
    assert "Source check" not in entries[f"#{curated.id}"]
    flagged = core.store.reads.get(point.id)
    assert flagged is not None
    card = dispute_card(core.store, flagged, "console:bob", "the paper says 760K")
    assert line in card.as_text()
