"""``/ask`` and the names of fields: a question that names a field answers from that field.

Covers the parts and the whole:

* ``Library.fields_in`` / ``domains_named_in``: every slug, name and alias of every shipped
  domain maps to its domain (any case, hyphens or underscores for spaces, inside a
  sentence); the longest name wins; names match whole words only; order of mention;
  plurals and possessives; the words left for the full-text search.
* The store's field-restricted queries: ``search_claims(domain=)``, ``domain_claims``,
  ``search_points(domain=)`` and ``largest_in_unit``.
* ``scalebot ask "/ask ..." --json`` end to end: aliases answer with the field's claims and
  points, a named field outranks other fields' hits, questions naming no field are
  answered as before, and a newly approved point is found by its field and a new word.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.core import Core
from handlers.ask import MAX_RESULTS, shares
from knowledge.kb import Library
from knowledge.ledger.values import Submitter
from knowledge.models import KnowledgeBase
from knowledge.store import Store
from tests.helpers import MODERATOR, clear_settings_env, new_point

LIBRARY = Library.load()
EVERY_NAME = [
    (domain.slug, name)
    for domain in LIBRARY.kb.domains
    for name in (domain.slug, domain.name, *domain.aliases)
]
IMPORTER = Submitter("system:test", "system")


def named(text: str, library: Library = LIBRARY) -> list[str]:
    return [domain.slug for domain in library.domains_named_in(text)]


# -- which fields a question names ---------------------------------------------------------


@pytest.mark.parametrize(("slug", "name"), EVERY_NAME, ids=[f"{s}:{n}" for s, n in EVERY_NAME])
def test_every_name_of_every_domain_names_its_domain(slug: str, name: str) -> None:
    assert named(name) == [slug]
    assert named(name.upper()) == [slug]
    assert named(f"how much {name} data is there?") == [slug]
    assert named(f"Is ({name}) scaling?") == [slug]


@pytest.mark.parametrize(("slug", "name"), [p for p in EVERY_NAME if " " in p[1]])
def test_hyphens_and_underscores_count_as_spaces(slug: str, name: str) -> None:
    assert named(name.replace(" ", "-")) == [slug]
    assert named(name.replace(" ", "_")) == [slug]
    assert named(name.replace(" ", "  ")) == [slug]


@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("text-to-image", ["image"]),
        ("text to video models", ["video"]),
        ("large language models", ["llm"]),
        ("text", ["llm"]),
        ("full self-driving", ["self-driving"]),
        ("3d generation", ["3d"]),
        ("neural radiance fields", ["3d"]),
    ],
)
def test_the_longest_name_wins(text: str, slugs: list[str]) -> None:
    assert named(text) == slugs


@pytest.mark.parametrize(
    "text",
    [
        "long context modelling",  # "text" inside "context"
        "pretext tasks",
        "imagery",
        "videography",
        "nerfstudio",
        "3dgsx",
        "llmops",
        "drive",
    ],
)
def test_names_match_whole_words_only(text: str) -> None:
    assert named(text) == []


def test_3dgs_is_not_read_as_3d_plus_something() -> None:
    mentions = LIBRARY.fields_in("3dgs or 3d")
    assert [d.slug for d in mentions.domains] == ["3d"]
    assert mentions.other_words == "or"
    assert LIBRARY.fields_in("3dgs").other_words == ""


def test_fields_come_in_order_of_mention_once_each() -> None:
    assert named("compare video and 3d data") == ["video", "3d"]
    assert named("3d vs video") == ["3d", "video"]
    assert named("video, t2v, nerf and video again") == ["video", "3d"]
    assert named("robots, LLMs, T2I, FSD") == ["robotics", "llm", "image", "self-driving"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("videos", "video"),
        ("video's budget", "video"),
        ("Video\u2019s budget", "video"),
        ("NeRFs", "3d"),
        ("the robot's data", "robotics"),
        ("language models' corpora", "llm"),
        ("autonomous vehicles", "self-driving"),
    ],
)
def test_plurals_and_possessives(text: str, slug: str) -> None:
    assert named(text) == [slug]


def test_the_words_that_named_no_field_are_kept_for_the_search() -> None:
    mentions = LIBRARY.fields_in("How much Gaussian-Splatting data is there, vs T2V?")
    assert [d.slug for d in mentions.domains] == ["3d", "video"]
    assert mentions.other_words == "how much data is there vs"


def test_a_possessive_ending_is_not_left_as_a_search_word() -> None:
    assert LIBRARY.fields_in("video's budget").other_words == "budget"
    assert LIBRARY.fields_in("NeRF\u2019s inputs").other_words == "inputs"


def test_a_real_name_wins_over_another_fields_plural() -> None:
    """A field's alias "clips" against another's "clip" + s: the alias decides."""
    video = LIBRARY.domains["video"]
    image = LIBRARY.domains["image"]
    domains = [
        video.model_copy(update={"aliases": [*video.aliases, "clip"]}),
        image.model_copy(update={"aliases": [*image.aliases, "clips"]}),
    ]
    kb = KnowledgeBase(essay=LIBRARY.essay, domains=domains, argument=LIBRARY.kb.argument)
    library = Library(kb, "test")
    assert named("clip", library) == ["video"]
    assert named("clips", library) == ["image"]


def test_a_question_naming_no_field() -> None:
    mentions = LIBRARY.fields_in("why is the scaling template about cost?")
    assert mentions.domains == []
    assert mentions.other_words == "why is the scaling template about cost"


@pytest.mark.parametrize(("fields", "expected"), [(1, [3]), (2, [2, 1]), (3, [1, 1, 1])])
def test_named_fields_share_the_slots_first_named_first(fields: int, expected: list[int]) -> None:
    assert shares(fields, MAX_RESULTS) == expected


# -- the store's field-restricted queries ---------------------------------------------------


@pytest.fixture
def store(core: Core) -> Store:
    return core.store


def test_search_claims_within_a_domain_returns_only_its_matching_claims(store: Store) -> None:
    everywhere = store.search.claims("data", 100)
    assert {claim.domain for claim in everywhere} - {"3d"}, "data is not only 3D's word"
    within = store.search.claims("data", 100, domain="3d")
    assert within
    assert all(claim.domain == "3d" for claim in within)
    assert all("data" in claim.text.casefold() for claim in within)
    assert [c.id for c in within] == [c.id for c in everywhere if c.domain == "3d"]
    assert [c.id for c in store.search.claims("data", 2, domain="3d")] == [c.id for c in within[:2]]


def test_search_claims_without_a_searchable_word_is_empty(store: Store) -> None:
    assert store.search.claims("how is the", 3, domain="3d") == []


def test_domain_claims_are_the_files_reasons_in_order(store: Store) -> None:
    for slug, domain in LIBRARY.domains.items():
        expected = [claim.id for claim in domain.reasons]
        assert [c.id for c in store.search.domain_claims(slug, 50)] == expected
        assert [c.id for c in store.search.domain_claims(slug, 2)] == expected[:2]
    assert store.search.domain_claims("no-such-field", 3) == []


def test_search_points_within_a_domain(store: Store) -> None:
    """ "videos" is in a 3D dataset's note (CO3D) and in video datasets' notes."""
    everywhere = {p.domain for p, _ in store.search.points("videos", 20)}
    assert {"3d", "video"} <= everywhere
    in_3d = [p.dataset for p, _ in store.search.points("videos", 20, domain="3d")]
    assert in_3d == ["CO3D"]
    in_video = [p for p, _ in store.search.points("videos", 20, domain="video")]
    assert in_video and all(p.domain == "video" for p in in_video)
    assert store.search.points("objaverse", 5, domain="video") == []


def test_search_points_within_a_hyphenated_domain(store: Store) -> None:
    store.points.add_many(
        [new_point("ScanRooms", 1500, None, domain="3d", unit="scenes", note="indoor scans")],
        IMPORTER,
    )
    found = store.search.points("scenes", 10, domain="self-driving")
    assert found and all(p.domain == "self-driving" for p, _ in found)
    # The curated driving sets counted in scenes are found; the 3D one is not.
    assert {"Waymo Open Dataset (Perception v1)", "nuScenes"} <= {p.dataset for p, _ in found}
    assert [p.dataset for p, _ in store.search.points("scenes", 10, domain="3d")] == ["ScanRooms"]


def test_largest_in_unit_ranks_current_approved_points_of_one_unit(store: Store) -> None:
    assert [p.dataset for p in store.reads.largest_in_unit("video", "hours", 2)] == [
        "InternVid",
        "HD-VILA-100M",
    ]
    store.points.add_many([new_point("WebVid-10M", 900_000, 2025, unit="hours")], IMPORTER)
    store.points.add_many(
        [new_point("Pending giant", 9e9, None, unit="hours")],
        IMPORTER,
        origin="community",
        status="pending",
    )
    largest = store.reads.largest_in_unit("video", "hours", 10)
    assert [(p.dataset, p.quantity) for p in largest[:3]] == [
        ("WebVid-10M", 900_000),
        ("InternVid", 760_000),
        ("HD-VILA-100M", 371_500),
    ]
    assert all(p.unit == "hours" and p.is_current for p in largest)
    assert store.reads.largest("video", "hours") == largest[0]
    assert store.reads.largest_in_unit("video", "parsecs", 3) == []


# -- end to end through the CLI ------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database path, with no scalebot settings from the caller's environment."""
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_MODERATORS", MODERATOR)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "x.db"


def scalebot_ask(db: Path, text: str, user: str = "alice") -> dict:
    result = CliRunner().invoke(
        cli, ["--db", str(db), "ask", text, "--as", user, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def results(db: Path, question: str) -> list[dict]:
    return scalebot_ask(db, question)["data"]["results"]


@pytest.fixture
def opened(db: Path) -> Iterator[Store]:
    """The store of ``db`` for checking what the CLI's answers refer to."""
    scalebot_ask(db, "/domains")  # creates and seeds the database
    store = Store.open(db)
    yield store
    store.close()


def domain_of(store: Store, hit: dict) -> str | None:
    """The field a result belongs to: a claim's by its id, a point's from the ledger."""
    if hit["type"] == "claim":
        matches = [slug for slug, _, c in LIBRARY.claims() if c.id == hit["id"]]
        assert len(matches) == 1, hit
        return matches[0]
    point = store.reads.get(hit["id"])
    assert point is not None, hit
    return point.domain


@pytest.mark.parametrize("question", ["NeRF", "gaussian splatting", "3dgs", "NeRFs", "3D"])
def test_a_3d_alias_answers_with_3d_claims_and_datasets(
    db: Path, opened: Store, question: str
) -> None:
    hits = results(db, f"/ask {question}")
    assert len(hits) == MAX_RESULTS
    assert {domain_of(opened, hit) for hit in hits} == {"3d"}
    claims = [hit["id"] for hit in hits if hit["type"] == "claim"]
    assert claims and all(claim.startswith("3d-") for claim in claims)
    assert claims[0] == LIBRARY.domains["3d"].reasons[0].id, "no other word: file order"
    points = [opened.reads.get(hit["id"]) for hit in hits if hit["type"] == "data point"]
    assert [p.dataset for p in points if p] == ["Objaverse-XL"], "the largest, in objects"


def test_how_much_video_data_is_answered_by_video_only(db: Path, opened: Store) -> None:
    reply = scalebot_ask(db, "/ask how much video data is there?")
    hits = reply["data"]["results"]
    assert len(hits) == MAX_RESULTS
    assert [domain_of(opened, hit) for hit in hits] == ["video"] * MAX_RESULTS
    assert not any("CO3D" in item for item in reply["items"])
    assert [hit["type"] for hit in hits] == ["claim", "data point", "claim"]


def test_a_field_named_in_a_why_question_leads(db: Path, opened: Store) -> None:
    hits = results(db, "/ask why does video scale")
    assert hits
    assert [domain_of(opened, hit) for hit in hits] == ["video"] * len(hits)


def test_two_fields_are_both_represented_first_named_first(db: Path, opened: Store) -> None:
    hits = results(db, "/ask compare video and 3d data")
    fields = [domain_of(opened, hit) for hit in hits]
    assert fields == ["video", "video", "3d"]
    fields = [domain_of(opened, hit) for hit in results(db, "/ask compare 3d and video data")]
    assert fields == ["3d", "3d", "video"]


def test_three_named_fields_get_one_result_each(db: Path, opened: Store) -> None:
    hits = results(db, "/ask llm, robotics or fsd?")
    assert [domain_of(opened, hit) for hit in hits] == ["llm", "robotics", "self-driving"]


def test_the_other_words_rank_within_the_field(db: Path, opened: Store) -> None:
    hits = results(db, "/ask which 3d datasets are multi-view?")
    points = [opened.reads.get(hit["id"]) for hit in hits if hit["type"] == "data point"]
    assert points and points[0] is not None and points[0].dataset == "CO3D"
    claims = [hit["id"] for hit in results(db, "/ask 3d foundation model")]
    assert claims[0] == "3d-foundation-model-goal"


def test_questions_naming_no_field_are_answered_as_before(db: Path, opened: Store) -> None:
    question = "what is the scaling template"
    assert LIBRARY.domains_named_in(question) == []
    claims = [{"type": "claim", "id": c.id} for c in opened.search.claims(question, 3)]
    points = [{"type": "data point", "id": p.id} for p, _ in opened.search.points(question, 3)]
    expected = [hit for pair in zip_longest(claims, points) for hit in pair if hit][:3]
    assert expected
    assert results(db, f"/ask {question}") == expected
    found = [opened.reads.get(hit["id"]) for hit in results(db, "/ask objaverse")]
    assert any(p is not None and p.dataset == "Objaverse-XL" for p in found)


def test_an_approved_point_is_found_by_its_field_and_a_new_word(db: Path, opened: Store) -> None:
    submitted = scalebot_ask(
        db,
        '/submit 3d "Quillfeather Scans" 42k objects https://example.org/quill year:2025 '
        'note:"photogrammetry of zorblatt sculptures"',
    )
    point_id = submitted["data"]["id"]
    pending = [hit["id"] for hit in results(db, "/ask nerf zorblatt")]
    assert point_id not in pending, "pending points are never searched"

    approved = scalebot_ask(db, f"/approve {point_id} checked", user=MODERATOR.split(":")[1])
    assert approved["kind"] == "answer", approved
    hits = results(db, "/ask NeRF zorblatt")
    points = [hit["id"] for hit in hits if hit["type"] == "data point"]
    assert points[0] == point_id
    assert {domain_of(opened, hit) for hit in hits} == {"3d"}
