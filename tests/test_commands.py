"""Every command of ``bot.registry.COMMANDS`` through ``Core.ask``, as a chat user types it.

Covers, for each command, a happy path whose reply carries real content (titles naming the
field, data fields, citations to essay sections or URLs, stored rows) and the user errors
each command can meet: unknown domain (with a suggestion), missing option, bad quantities,
unknown units, non-http(s) links, too-long text, unknown commands and too many values.
Every error must be a private error reply that names the problem and shows an example, and a
refused ``/submit`` must store nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.core import Core
from bot.grammar import MAX_COMMAND_LENGTH
from bot.registry import COMMANDS
from bot.reply import Reply
from handlers.options import DATASET_MAX
from handlers.submit import NOTE_MAX
from knowledge.kb import Library, load_essay
from tests.helpers import MEMBER, count_rows, curated_datasets, curated_rows

OBJAVERSE_URL = "https://arxiv.org/abs/2307.05663"
GOOD_SUBMIT = f'/submit 3d "Objaverse-XL v2" 12.5M objects {OBJAVERSE_URL} year:2024'


# -- helpers ------------------------------------------------------------------------------


def assert_user_error(reply: Reply, error: str, *mentions: str) -> None:
    """A private error reply of class ``error`` whose summary names every one of ``mentions``."""
    assert reply.kind == "error", reply.as_text()
    assert reply.visibility == "private"
    assert reply.data["error"] == error, reply.data
    assert reply.title != "Something went wrong on our side"
    for mention in mentions:
        assert mention.casefold() in reply.summary.casefold(), (mention, reply.summary)
    example = reply.data.get("example")
    assert example, "an error reply must show an example"
    assert f"Example: {example}" in reply.summary
    assert "Example" in reply.as_text()


def field(reply: Reply, name: str) -> str:
    matches = [f.value for f in reply.fields if f.name == name]
    assert matches, f"no field {name!r} in {[f.name for f in reply.fields]}"
    return matches[0]


def essay_sections(reply: Reply) -> list[str]:
    return [c.label for c in reply.citations if c.label.startswith("essay")]


SECTIONS = load_essay().sections


def cites_known_section(label: str) -> bool:
    return any(f"“{section}”" in label for section in SECTIONS)


# -- /scale -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["video", "t2v", "VIDEO", "  video  "])
def test_scale_video_card_names_the_domain_and_cites_sources(core: Core, typed: str) -> None:
    reply = core.ask(f"/scale {typed}")
    domain = core.library.resolve("video")
    assert reply.kind == "answer"
    assert reply.visibility == "public"
    assert domain.name in reply.title
    assert reply.domain == "video"
    assert reply.data["domain"] == "video"
    assert reply.data["fits_template"] is domain.fits_template
    assert field(reply, "Cost (essay)") == domain.cost
    # The largest curated video dataset counted in the headline unit, from the CSV itself.
    rows = [r for r in curated_rows("video") if r["unit"] == domain.headline_unit]
    biggest = max(rows, key=lambda r: float(r["quantity"]))
    assert reply.data["largest"]["dataset"] == biggest["dataset"]
    assert biggest["dataset"] in field(reply, f"Largest dataset in {domain.headline_unit}")
    assert reply.data["datasets"] == len(curated_datasets("video"))
    assert reply.data["pending"] == 0
    # Citations: essay sections by name, and the dataset's source URL.
    assert essay_sections(reply)
    assert all(cites_known_section(label) for label in essay_sections(reply))
    urls = [c.url for c in reply.citations if c.url]
    assert biggest["source_url"] in urls


def test_scale_shows_pending_count_after_a_submission(core: Core) -> None:
    before = core.ask("/scale 3d").data["pending"]
    assert core.ask(GOOD_SUBMIT, MEMBER).kind == "answer"
    reply = core.ask("/scale nerf")
    assert reply.data["domain"] == "3d"
    assert reply.data["pending"] == before + 1
    assert f"{before + 1} data points pending" in field(reply, "Community ledger")


@pytest.mark.parametrize("slug", list(Library.load().domains))
def test_scale_answers_for_every_domain(core: Core, slug: str) -> None:
    reply = core.ask(f"/scale {slug}")
    assert reply.kind == "answer", reply.as_text()
    assert core.library.resolve(slug).name in reply.title
    assert reply.citations


def test_scale_typo_suggests_the_domain(core: Core) -> None:
    reply = core.ask("/scale vidoe")
    assert_user_error(reply, "UnknownDomain", "vidoe", "did you mean", "`video`")
    assert reply.data["option"] == "domain"


def test_scale_without_domain_is_missing_option(core: Core) -> None:
    reply = core.ask("/scale")
    assert_user_error(reply, "MissingOption", "domain", "Usage: /scale DOMAIN")


def test_scale_too_many_values(core: Core) -> None:
    reply = core.ask("/scale video 3d")
    assert_user_error(reply, "TooManyValues", "/scale takes one field", "`3d` is one too many")
    assert reply.title == "Too many values"


def test_scale_too_long_domain_is_refused_not_truncated(core: Core) -> None:
    reply = core.ask("/scale " + "v" * 61)
    assert_user_error(reply, "TooLong", "61 characters", "limit is 60")


# -- /compare -----------------------------------------------------------------------------


def test_compare_two_fields_same_rows(core: Core) -> None:
    reply = core.ask("/compare 3d llm")
    first, second = core.library.resolve("3d"), core.library.resolve("llm")
    assert reply.kind == "answer"
    assert first.name in reply.title and second.name in reply.title
    assert reply.data["domains"] == ["3d", "llm"]
    assert reply.table is not None
    assert reply.table.columns == ["", first.name, second.name]
    labels = [row[0] for row in reply.table.rows]
    assert {"Scale (essay)", "Cost (essay)", "Fits template", "Largest dataset"} <= set(labels)
    assert all(len(row) == 3 for row in reply.table.rows)
    fits = next(row for row in reply.table.rows if row[0] == "Fits template")
    assert fits[1:] == [
        "yes" if first.fits_template else "no",
        "yes" if second.fits_template else "no",
    ]
    # 3d counts objects and llm tokens: no ratio between them.
    largest_vs = next(row for row in reply.table.rows if row[0].startswith("Largest vs"))
    assert largest_vs[2] == "units differ"
    assert any("The Scaling Template" in c.label for c in reply.citations)
    assert any(c.url and c.url.startswith("https://") for c in reply.citations)


def test_compare_four_fields_with_aliases(core: Core) -> None:
    reply = core.ask("/compare video fsd t2i robots")
    assert reply.kind == "answer", reply.as_text()
    assert reply.data["domains"] == ["video", "self-driving", "image", "robotics"]
    assert reply.table is not None
    assert len(reply.table.columns) == 5


def test_compare_same_unit_gives_orders_of_magnitude(core: Core) -> None:
    # Two fields whose headline units match, found from the knowledge base and the ledger.
    by_unit: dict[str, list[str]] = {}
    for slug, domain in core.library.domains.items():
        if core.store.reads.largest(slug, domain.headline_unit):
            by_unit.setdefault(domain.headline_unit, []).append(slug)
    pairs = [slugs for slugs in by_unit.values() if len(slugs) >= 2]
    if not pairs:
        pytest.skip("no two domains share a headline unit in the curated data")
    first, second = pairs[0][:2]
    reply = core.ask(f"/compare {first} {second}")
    assert reply.table is not None
    row = next(r for r in reply.table.rows if r[0].startswith("Largest vs"))
    assert "orders of magnitude" in row[2]


def test_compare_one_field_is_missing_second(core: Core) -> None:
    reply = core.ask("/compare video")
    assert_user_error(reply, "MissingOption", "second")
    assert reply.data["option"] == "second"


def test_compare_five_fields_is_too_many_values(core: Core) -> None:
    reply = core.ask("/compare video 3d llm fsd image")
    assert_user_error(reply, "TooManyValues", "at most four fields", "`image` is one too many")


def test_compare_unknown_domain(core: Core) -> None:
    reply = core.ask("/compare video robotcs")
    assert_user_error(reply, "UnknownDomain", "robotcs", "did you mean", "robotics")
    assert reply.data["option"] == "second"


def test_compare_same_field_twice(core: Core) -> None:
    reply = core.ask("/compare 3d nerf")
    assert_user_error(reply, "InvalidValue", "once", "3d")


# -- /domains -----------------------------------------------------------------------------


def test_domains_lists_every_domain_with_aliases(core: Core) -> None:
    reply = core.ask("/domains")
    assert reply.kind == "answer"
    assert reply.data["domains"] == list(core.library.domains)
    assert set(reply.data["domains"]) == {
        "self-driving",
        "llm",
        "image",
        "video",
        "3d",
        "robotics",
    }
    text = reply.as_text()
    for domain in core.library.domains.values():
        assert domain.name in text
        for alias in domain.aliases:
            assert alias in text
    assert "fsd" in text and "gaussian splatting" in text


def test_domains_takes_a_page_number_only(core: Core) -> None:
    reply = core.ask("/domains 2 3")
    assert_user_error(reply, "TooManyValues", "/domains takes at most one page number", "`3`")
    reply = core.ask("/domains page:2")
    assert_user_error(reply, "InvalidValue", "only one page, so there is no page 2")
    assert reply.data["example"] == "/domains page:1"


# -- /why ---------------------------------------------------------------------------------


def test_why_overall_numbered_steps_with_sections(core: Core) -> None:
    reply = core.ask("/why")
    assert reply.kind == "answer"
    assert len(reply.items) >= 3
    assert reply.data["claims"] == [c.id for c in core.library.argument]
    assert all(any(f"[{s}]" in item for s in SECTIONS) for item in reply.items)
    assert essay_sections(reply)
    assert all(cites_known_section(label) for label in essay_sections(reply))
    assert "1. " in reply.as_text()


def test_why_3d_explains_the_verdict(core: Core) -> None:
    reply = core.ask("/why 3dgs")
    domain = core.library.resolve("3d")
    assert reply.kind == "answer"
    assert domain.name in reply.title
    assert ("does not fit" in reply.title) is (not domain.fits_template)
    assert reply.data["domain"] == "3d"
    assert reply.data["claims"] == [c.id for c in domain.reasons]
    assert any("What This Meant for 3D" in label for label in essay_sections(reply))
    assert any("Objaverse" in item for item in reply.items)


def test_why_unknown_domain(core: Core) -> None:
    reply = core.ask("/why langauge")
    assert_user_error(reply, "UnknownDomain", "langauge", "did you mean")


def test_why_too_many_values(core: Core) -> None:
    reply = core.ask("/why 3d video")
    assert_user_error(reply, "TooManyValues", "/why takes at most one field", "`video`")


# -- /ask ---------------------------------------------------------------------------------


def test_ask_finds_a_claim_by_a_keyword_of_the_knowledge_base(core: Core) -> None:
    claim = next(c for c in core.library.argument if "template" in c.text.casefold())
    reply = core.ask("/ask what is the scaling template")
    assert reply.kind == "answer"
    hits = reply.data["results"]
    assert 1 <= len(hits) <= 3
    claim_ids = [h["id"] for h in hits if h["type"] == "claim"]
    assert claim_ids
    assert claim.id in claim_ids or any("template" in i.casefold() for i in reply.items)
    assert any(cites_known_section(c.label) for c in reply.citations)


def test_ask_finds_data_points_with_their_urls(core: Core) -> None:
    reply = core.ask("/ask objaverse")
    assert reply.kind == "answer"
    point_ids = [h["id"] for h in reply.data["results"] if h["type"] == "data point"]
    assert point_ids
    points = [core.store.reads.get(i) for i in point_ids]
    assert all(p is not None and "objaverse" in p.dataset.casefold() for p in points)
    urls = {c.url for c in reply.citations if c.url}
    assert {p.source_url for p in points if p} <= urls


def test_plain_text_without_slash_is_a_question(core: Core) -> None:
    reply = core.ask("objaverse")
    assert reply.kind == "answer"
    assert reply.data["results"]


def test_ask_nothing_matches(core: Core) -> None:
    reply = core.ask("/ask zxqvbnm")
    assert reply.kind == "answer"
    assert reply.title == "No match"
    assert reply.data["results"] == []


def test_ask_without_question_is_missing(core: Core) -> None:
    reply = core.ask("/ask")
    assert_user_error(reply, "MissingOption", "question")


def test_ask_too_long_question_is_refused(core: Core) -> None:
    limit = COMMANDS["ask"].option("question").max_length
    reply = core.ask("/ask " + "why " * 100)
    assert_user_error(reply, "TooLong", f"limit is {limit}")


def test_whole_message_over_the_limit_is_refused(core: Core) -> None:
    reply = core.ask("/ask " + "x" * MAX_COMMAND_LENGTH)
    assert_user_error(reply, "TooLong", str(MAX_COMMAND_LENGTH))


# -- /submit ------------------------------------------------------------------------------


def test_submit_stores_a_pending_point(core: Core) -> None:
    before = count_rows(core.store.conn, "data_points")
    reply = core.ask(GOOD_SUBMIT, MEMBER, workspace="lab", channel="general")
    assert reply.kind == "answer", reply.as_text()
    point_id = reply.data["id"]
    assert f"#{point_id}" in reply.title
    assert reply.data["status"] == "pending"
    assert reply.data["quantity"] == 12_500_000
    assert count_rows(core.store.conn, "data_points") == before + 1
    point = core.store.reads.get(point_id)
    assert point is not None
    assert point.status == "pending"
    assert point.origin == "community"
    assert (point.domain, point.dataset) == ("3d", "Objaverse-XL v2")
    assert point.quantity_text == "12.5M"
    assert point.quantity == 12_500_000
    assert (point.unit, point.year, point.source_url) == ("objects", 2024, OBJAVERSE_URL)
    assert point.submitted_by == MEMBER
    assert (point.platform, point.workspace, point.channel) == ("console", "lab", "general")
    assert [c.url for c in reply.citations] == [OBJAVERSE_URL]
    assert [p.id for p in core.store.queue.pending()] == [point_id]


def test_submit_positional_multiword_unit_quantity_and_note(core: Core) -> None:
    reply = core.ask(
        "/submit image MegaPairs 10 million image text pairs https://example.org/mp 2025 "
        "crawled, deduplicated",
        MEMBER,
    )
    assert reply.kind == "answer", reply.as_text()
    point = core.store.reads.get(reply.data["id"])
    assert point is not None
    assert point.quantity == 10_000_000
    assert point.unit == "image-text pairs"
    assert point.year == 2025
    assert point.note == "crawled, deduplicated"


def test_submit_note_with_mentions_is_stored_verbatim(core: Core) -> None:
    reply = core.ask(
        '/submit video Clips 800k clips https://example.org/c note:"@everyone <!channel>"',
        MEMBER,
    )
    assert reply.kind == "answer", reply.as_text()
    point = core.store.reads.get(reply.data["id"])
    assert point is not None and point.note == "@everyone <!channel>"


SUBMIT_ERRORS = [
    # (text, error class, words the summary must contain, option at fault)
    ("/submit vidoe X 5 clips https://e.org", "UnknownDomain", ["vidoe", "did you mean"], "domain"),
    (
        "/submit 3d X abc objects https://e.org",
        "InvalidQuantity",
        ["not a number", "abc"],
        "quantity",
    ),
    ("/submit 3d X 0 objects https://e.org", "InvalidQuantity", ["positive"], "quantity"),
    ("/submit 3d X -5 objects https://e.org", "InvalidQuantity", ["positive"], "quantity"),
    ("/submit 3d X inf objects https://e.org", "InvalidQuantity", ["inf"], "quantity"),
    ("/submit 3d X NaN objects https://e.org", "InvalidQuantity", ["nan"], "quantity"),
    ("/submit 3d X 1e18 objects https://e.org", "InvalidQuantity", ["1e18"], "quantity"),
    ("/submit 3d X 5e20 objects https://e.org", "InvalidQuantity", ["1e18"], "quantity"),
    ("/submit 3d X 2000000T objects https://e.org", "InvalidQuantity", ["1e18"], "quantity"),
    ("/submit 3d X 1e999999 objects https://e.org", "InvalidQuantity", [], "quantity"),
    ("/submit 3d X 5Q objects https://e.org", "InvalidQuantity", ["suffix"], "quantity"),
    (
        "/submit 3d X 5 objcts https://e.org",
        "UnknownUnit",
        ["objcts", "did you mean objects"],
        "unit",
    ),
    (
        "/submit 3d X 5 objects javascript:alert(1)",
        "InvalidValue",
        ["http", "javascript:"],
        "source",
    ),
    ("/submit 3d X 5 objects ftp://e.org/x", "InvalidValue", ["http", "ftp://"], "source"),
    ("/submit 3d X 5 objects e.org/x", "InvalidValue", ["http"], "source"),
    ("/submit 3d X 5 objects https://", "InvalidValue", ["http"], "source"),
    ("/submit 3d X 5 objects https://e.org year:1800", "InvalidValue", ["year", "1800"], "year"),
    ("/submit 3d X 5 objects https://e.org year:soon", "InvalidValue", ["year", "soon"], "year"),
    ("/submit 3d X 5 objects https://e.org colour:red", "InvalidValue", ["colour"], None),
    ("/submit 3d X 5 objects", "MissingOption", ["source"], "source"),
    ("/submit 3d", "MissingOption", ["dataset", "quantity", "unit", "source"], "dataset"),
    ("/submit", "MissingOption", ["domain"], "domain"),
    ('/submit 3d "unclosed 5 objects https://e.org', "BadSyntax", ["quote"], None),
    ("/submit 3d X 5 objects https://e.org year:2023 year:2024", "GivenTwice", ["twice"], None),
]


@pytest.mark.parametrize(("text", "error", "mentions", "option"), SUBMIT_ERRORS)
def test_submit_user_errors_store_nothing(
    core: Core, text: str, error: str, mentions: list[str], option: str | None
) -> None:
    points, audits = (
        count_rows(core.store.conn, "data_points"),
        count_rows(core.store.conn, "audit_log"),
    )
    reply = core.ask(text, MEMBER)
    assert_user_error(reply, error, *mentions)
    assert reply.data["option"] == option
    assert count_rows(core.store.conn, "data_points") == points
    assert count_rows(core.store.conn, "audit_log") == audits
    assert core.store.queue.pending_total() == 0


def test_a_quantity_whose_float_rounds_up_to_the_limit_is_refused(core: Core) -> None:
    just_below = "999999999999999936"  # 1e18 - 64: below the limit, 1e18 as a float
    reply = core.ask(f"/submit 3d X {just_below} objects https://e.org", MEMBER)
    assert_user_error(reply, "InvalidQuantity", "1e18")
    assert core.store.queue.pending_total() == 0


@pytest.mark.parametrize(
    ("option", "limit", "build"),
    [
        ("dataset", DATASET_MAX, lambda s: f'/submit 3d "{s}" 5 objects https://e.org'),
        ("note", NOTE_MAX, lambda s: f'/submit 3d X 5 objects https://e.org note:"{s}"'),
        ("source", 500, lambda s: f"/submit 3d X 5 objects https://e.org/{s}"),
    ],
)
def test_submit_too_long_text_is_refused_not_truncated(
    core: Core, option: str, limit: int, build: Callable[[str], str]
) -> None:
    points = count_rows(core.store.conn, "data_points")
    at_limit = "a" * (limit - len("https://e.org/")) if option == "source" else "a" * limit
    over = at_limit + "b"
    reply = core.ask(build(over), MEMBER)
    noun = COMMANDS["submit"].option(option).noun
    assert_user_error(
        reply,
        "TooLong",
        f"the {noun} is {limit + 1} characters",
        f"limit is {limit}",
        "nothing was stored",
    )
    assert reply.data["option"] == option
    assert count_rows(core.store.conn, "data_points") == points
    # Exactly at the limit it is accepted and stored whole.
    accepted = core.ask(build(at_limit), MEMBER)
    assert accepted.kind == "answer", accepted.as_text()
    stored = core.store.reads.get(accepted.data["id"])
    assert stored is not None
    value = {"dataset": stored.dataset, "note": stored.note, "source": stored.source_url}[option]
    assert len(value) == limit
    assert count_rows(core.store.conn, "data_points") == points + 1


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("4.3M", 4.3e6),
        ("5.85B", 5.85e9),
        ("15T", 15e12),
        ("1.2e9", 1.2e9),
        ("800k", 8e5),
        ("4,300,000", 4.3e6),
    ],
)
def test_submit_accepts_documented_quantities(core: Core, typed: str, value: float) -> None:
    reply = core.ask(f"/submit llm Corpus {typed} tokens https://e.org/c", MEMBER)
    assert reply.kind == "answer", reply.as_text()
    point = core.store.reads.get(reply.data["id"])
    assert point is not None
    assert point.quantity_text == typed
    assert math.isclose(point.quantity, value)


# -- /datasets ----------------------------------------------------------------------------


def test_datasets_lists_curated_datasets_largest_first(core: Core) -> None:
    reply = core.ask("/datasets 3d")
    rows = curated_rows("3d")
    assert reply.kind == "answer"
    assert core.library.resolve("3d").name in reply.title
    assert reply.data["total"] == len(curated_datasets("3d"))
    text = "\n".join(reply.items)
    for row in rows:
        assert row["dataset"] in text
        assert any(c.url == row["source_url"] for c in reply.citations)
    # Ranked by the figure in the headline unit; datasets with none come after.
    headline = core.library.resolve("3d").headline_unit
    points = [core.store.reads.get(i) for i in reply.data["ids"]]
    assert all(p is not None and p.status == "approved" for p in points)
    order = [d["id"] for d in reply.data["datasets"]]
    ranks = []
    for dataset_id in order:
        figures = [p for p in points if p and p.dataset_id == dataset_id and p.unit == headline]
        ranks.append(figures[0].quantity if figures else -1)
    assert ranks == sorted(ranks, reverse=True)
    assert len(order) == len(set(order)), "each dataset once"
    assert reply.page is not None and (reply.page.number, reply.page.count) == (1, 1)


def test_datasets_newest_sorts_by_year(core: Core) -> None:
    reply = core.ask("/datasets video sort:newest")
    assert "newest" in reply.title
    points = [p for p in (core.store.reads.get(i) for i in reply.data["ids"]) if p]
    newest_years = [
        max(p.year or 0 for p in points if p.dataset_id == listed["id"])
        for listed in reply.data["datasets"]
    ]
    assert newest_years == sorted(newest_years, reverse=True)
    assert len(newest_years) == len(curated_datasets("video"))


def test_datasets_pending_points_are_not_listed(core: Core) -> None:
    core.ask(GOOD_SUBMIT, MEMBER)
    reply = core.ask("/datasets 3d")
    assert "Objaverse-XL v2" not in "\n".join(reply.items)
    assert reply.data["total"] == len(curated_datasets("3d"))


@pytest.mark.parametrize(
    ("text", "error", "mentions"),
    [
        ("/datasets", "MissingOption", ["/datasets needs a field."]),
        ("/datasets 3dd", "UnknownDomain", ["3dd", "did you mean"]),
        ("/datasets 3d sort:oldest", "InvalidValue", ["sort order", "largest or newest", "oldest"]),
        ("/datasets 3d page:0", "InvalidValue", ["page number", "from 1 to 100,000", "got 0"]),
        ("/datasets 3d page:two", "InvalidValue", ["page number", "whole number", "`two`"]),
        ("/datasets 3d page:99", "InvalidValue", ["page 99"]),
        (
            "/datasets 3d largest 1 extra",
            "TooManyValues",
            ["takes a field, a sort order and a page number", "`extra` is one too many"],
        ),
    ],
)
def test_datasets_user_errors(core: Core, text: str, error: str, mentions: list[str]) -> None:
    assert_user_error(core.ask(text), error, *mentions)


# -- /review, /approve, /reject (happy paths; permissions in test_permissions.py) ------------


def test_review_approve_reject_happy_path(core: Core, settings: Settings) -> None:
    moderator = next(iter(settings.moderators))
    first = core.ask(GOOD_SUBMIT, MEMBER).data["id"]
    second = core.ask("/submit video Clips 800k clips https://example.org/c", MEMBER).data["id"]
    queue = core.ask("/review", moderator)
    assert queue.kind == "answer"
    assert queue.data == {
        "pending": 2,
        "ids": [first, second],
        "disputed": 0,
        "disputed_ids": [],
        "checks": [None, None],
    }
    assert f"#{first}" in queue.as_text()
    assert {a.command for a in queue.actions} >= {f"/approve {first}", f"/approve {second}"}
    approved = core.ask(f"/approve {first} matches the paper", moderator)
    assert approved.title == f"Approved #{first}"
    assert approved.data["status"] == "approved"
    rejected = core.ask(f"/reject #{second} counts hours, not clips", moderator)
    assert rejected.title == f"Rejected #{second}"
    assert core.store.reads.get(second).review_note == "counts hours, not clips"
    assert core.ask("/review", moderator).data == {
        "pending": 0,
        "ids": [],
        "disputed": 0,
        "disputed_ids": [],
        "checks": [],
    }


@pytest.mark.parametrize(
    ("text", "error", "mentions"),
    [
        ("/approve", "MissingOption", ["/approve needs a data point number."]),
        ("/approve abc", "InvalidValue", ["data point number", "whole number", "`abc`"]),
        ("/approve 0", "InvalidValue", ["data point number", "1 or more", "got 0"]),
        ("/approve -3", "InvalidValue", ["data point number", "1 or more", "got -3"]),
        ("/approve 99999999999999999999", "InvalidValue", ["data point number", "too large"]),
        ("/reject 5", "MissingOption", ["/reject needs a reason."]),
        ("/reject x because", "InvalidValue", ["data point number", "`x`"]),
        ("/review now", "TooManyValues", ["/review takes nothing after its name", "`now`"]),
        ("/approve 1 " + "n" * 501, "TooLong", ["note", "limit is 500"]),
        ("/reject 1 " + "r" * 501, "TooLong", ["reason", "limit is 500"]),
    ],
)
def test_moderator_command_user_errors(
    core: Core, settings: Settings, text: str, error: str, mentions: list[str]
) -> None:
    moderator = next(iter(settings.moderators))
    audits = count_rows(core.store.conn, "audit_log")
    assert_user_error(core.ask(text, moderator), error, *mentions)
    assert count_rows(core.store.conn, "audit_log") == audits


# -- /help --------------------------------------------------------------------------------


def test_help_lists_every_command(core: Core) -> None:
    reply = core.ask("/help")
    assert reply.kind == "answer"
    assert reply.data["commands"] == list(COMMANDS)
    text = reply.as_text()
    for command in COMMANDS.values():
        assert command.usage in text
        assert command.example in text


def test_empty_message_shows_help(core: Core) -> None:
    assert core.ask("   ").data["commands"] == list(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_on_one_command_shows_its_usage(core: Core, name: str) -> None:
    command = COMMANDS[name]
    reply = core.ask(f"/help {name}")
    assert reply.kind == "answer"
    assert reply.title == f"/{name}"
    assert reply.data["command"] == name
    assert f"Usage: {command.usage}" in reply.summary
    assert command.example in reply.items
    assert [f.name.split(" ")[0] for f in reply.fields] == [o.name for o in command.options]


def test_help_scale_with_slash(core: Core) -> None:
    reply = core.ask("/help /scale")
    assert reply.data["command"] == "scale"
    assert "Usage: /scale DOMAIN" in reply.summary


def test_help_unknown_command(core: Core) -> None:
    assert_user_error(core.ask("/help nope"), "UnknownCommand", "/nope")


def test_help_too_many_values(core: Core) -> None:
    assert_user_error(
        core.ask("/help scale submit"), "TooManyValues", "at most one command name", "`submit`"
    )


# -- unknown commands ---------------------------------------------------------------------


def test_unknown_command_suggests_a_close_one(core: Core) -> None:
    reply = core.ask("/scael video")
    assert_user_error(reply, "UnknownCommand", "/scael", "did you mean /scale")
    assert reply.data["example"] == "/scale"


def test_unknown_command_far_from_all(core: Core) -> None:
    reply = core.ask("/zzzzzzzz")
    assert_user_error(reply, "UnknownCommand", "/zzzzzzzz", "/help")
