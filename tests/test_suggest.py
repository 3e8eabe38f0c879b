"""Suggestions shared by Discord's autocomplete and the console's Tab (bot/suggest.py).

Covers each option kind's source (domains by slug, name or alias;
units by any spelling; command names; CHOICE options' choices; dataset names from the
ledger, narrowed to the domain given), the order (prefix matches before matches inside),
the limit, and ``store.catalog.dataset_names``: current approved names only, prefix by dataset key,
distinct, and answered from a partial index in key order.
"""

from __future__ import annotations

import pytest

from bot.commands import Command, Option, OptionType, Request
from bot.core import Core
from bot.kinds import Context, Kind, suggest
from bot.reply import Reply
from bot.suggest import (
    Suggestion,
    command_suggestions,
    domain_suggestions,
    unit_suggestions,
)
from knowledge.ledger.values import Submitter
from tests.helpers import MEMBER, MODERATOR, new_point

ALICE = Submitter(MEMBER, "console")


def option(name: str, kind: Kind, **extra: object) -> Option:
    return Option(name, kind, f"the {name}", **extra)  # type: ignore[arg-type]


def command_of(opt: Option) -> Command:
    """A command holding ``opt`` (a kind's suggestions may name the command in examples)."""

    def handler(request: Request, **values: object) -> Reply:
        return Reply(title="unused")

    for command in Core.open(":memory:").commands.values():
        if opt in command.options:
            return command
    fake = Command("probe", "a probe", handler, "/probe", options=(opt,))
    return fake


def values(found: list[Suggestion]) -> list[str]:
    return [s.value for s in found]


def ask(core: Core, opt: Option, typed: str, **given: str) -> list[str]:
    context = Context(command_of(opt), core.library, core.commands, core.store, given)
    return values(suggest(opt, typed, context))


# -- domains ---------------------------------------------------------------------------------


def test_nothing_typed_offers_every_domain_once_by_slug(core: Core) -> None:
    assert values(domain_suggestions("", core.library)) == list(core.library.domains)


def test_a_domain_is_offered_in_the_spelling_being_typed(core: Core) -> None:
    assert values(domain_suggestions("gauss", core.library)) == ["gaussian splatting"]
    # "ner" is also inside "generation": those names follow the prefix match.
    assert values(domain_suggestions("NeR", core.library))[0] == "nerf"
    assert values(domain_suggestions("t2", core.library)) == ["t2i", "t2v"]
    assert values(domain_suggestions("vi", core.library))[0] == "video"
    assert values(domain_suggestions("Video g", core.library)) == ["Video generation"]


def test_every_spelling_of_every_domain_finds_its_domain(core: Core) -> None:
    for domain in core.library.domains.values():
        for spelling in (domain.slug, domain.name, *domain.aliases):
            found = domain_suggestions(spelling, core.library, limit=100)
            resolved = [core.library.resolve(s.value) for s in found]
            assert domain in resolved, spelling


def test_a_match_inside_a_name_comes_after_prefix_matches(core: Core) -> None:
    found = domain_suggestions("splat", core.library)
    assert values(found) == ["gaussian splatting"]
    assert found[0].label == "gaussian splatting → 3D (3d)"
    assert found[0].meta == "3D"
    generation = values(domain_suggestions("generation", core.library))
    assert {core.library.resolve(v).slug for v in generation} >= {"video", "image", "3d"}


def test_labels_name_the_domain_and_its_slug(core: Core) -> None:
    found = domain_suggestions("vid", core.library)
    assert found[0] == Suggestion("video", "Video generation (video)", "Video generation")


def test_no_match_is_an_empty_list(core: Core) -> None:
    assert domain_suggestions("zzzz", core.library) == []


def test_the_limit_is_kept(core: Core) -> None:
    assert len(domain_suggestions("", core.library, limit=2)) == 2
    assert len(unit_suggestions("", limit=3)) == 3


# -- units, commands, choices ----------------------------------------------------------------


def test_units_by_canonical_name_and_alias() -> None:
    assert values(unit_suggestions("obj")) == ["objects"]
    assert values(unit_suggestions("hrs")) == ["hrs"]
    assert unit_suggestions("hrs")[0].meta == "hours"
    assert values(unit_suggestions("demo")) == ["demos"]
    assert "image-text pairs" in values(unit_suggestions("text"))


def test_commands_by_name_then_by_description(core: Core) -> None:
    assert values(command_suggestions("sc", core.commands))[0] == "scale"
    assert values(command_suggestions("/sub", core.commands)) == ["submit"]
    assert command_suggestions("sub", core.commands)[0].meta == core.commands["submit"].description


def test_choice_options_offer_their_choices(core: Core) -> None:
    sort = core.commands["datasets"].option("sort")
    assert sort is not None
    assert ask(core, sort, "") == ["largest", "newest"]
    assert ask(core, sort, "n") == ["newest"]


def test_options_without_a_source_get_nothing(core: Core) -> None:
    assert ask(core, option("source", OptionType.URL), "http") == []
    assert ask(core, option("note", OptionType.TEXT), "") == []


def test_each_declared_source_is_reached_through_suggest(core: Core) -> None:
    assert ask(core, option("domain", OptionType.DOMAIN), "llm") == ["llm"]
    assert ask(core, option("unit", OptionType.UNIT), "tok") == ["tokens"]
    assert ask(core, option("command", OptionType.COMMAND), "hel") == ["help"]
    assert ask(core, option("dataset", OptionType.DATASET), "finew") == ["FineWeb"]


# -- dataset names ---------------------------------------------------------------------------


def test_dataset_option_of_submit_is_completed_from_the_ledger(core: Core) -> None:
    dataset = core.commands["submit"].option("dataset")
    assert dataset is not None and dataset.type is OptionType.DATASET
    assert dataset.suggests
    assert ask(core, dataset, "Objav", domain="3d") == ["Objaverse 1.0", "Objaverse-XL"]
    # The domain given narrows the names, in any of its spellings.
    assert ask(core, dataset, "Objav", domain="nerf") == ["Objaverse 1.0", "Objaverse-XL"]
    assert ask(core, dataset, "Objav", domain="llm") == []
    # Without a known domain, every domain's names.
    assert ask(core, dataset, "objaverse x") == ["Objaverse-XL"]
    assert ask(core, dataset, "objaverse x", domain="nowhere") == ["Objaverse-XL"]


def test_dataset_names_without_a_store_are_not_offered(core: Core) -> None:
    dataset = core.commands["submit"].option("dataset")
    assert dataset is not None
    context = Context(core.commands["submit"], core.library, core.commands, store=None)
    found = suggest(dataset, "Obj", context)
    assert found == []


def test_only_current_approved_names_and_each_once(core: Core) -> None:
    store = core.store
    pending = store.points.submit(new_point("Zebra Pending"), ALICE)
    rejected = store.points.submit(new_point("Zebra Rejected"), ALICE)
    store.reviews.review(rejected, "reject", MODERATOR, "no")
    for year in (2022, 2023, 2024):  # three versions of one dataset: one name
        store.reviews.review(
            store.points.submit(new_point("Zebra Clips", year=year), ALICE),
            "approve",
            MODERATOR,
            None,
        )
    store.reviews.review(
        store.points.submit(new_point("zebra-clips", domain="robotics"), ALICE),
        "approve",
        MODERATOR,
        None,
    )
    assert store.reads.get(pending).status == "pending"
    assert store.catalog.dataset_names("video", "zeb", 10) == ["Zebra Clips"]
    # Across domains, names that are one dataset key are offered once.
    assert store.catalog.dataset_names(None, "ZEBRA", 10) in (["Zebra Clips"], ["zebra-clips"])
    assert store.catalog.dataset_names("robotics", "zebra c", 10) == ["zebra-clips"]


def test_dataset_names_are_in_key_order_and_limited(core: Core) -> None:
    names = core.store.catalog.dataset_names(None, "", 100)
    keys = ["".join(ch for ch in n.casefold() if ch.isalnum()) for n in names]
    assert keys == sorted(keys)
    assert len(names) == len(set(keys)) >= 20
    assert core.store.catalog.dataset_names(None, "", 3) == names[:3]


@pytest.mark.parametrize("domain", ["video", None])
def test_dataset_names_read_a_partial_index_by_key_range(core: Core, domain: str | None) -> None:
    statements: list[str] = []
    core.store.conn.set_trace_callback(statements.append)
    try:
        core.store.catalog.dataset_names(domain, "web", 5)
    finally:
        core.store.conn.set_trace_callback(None)
    (sql,) = statements
    plan = " ".join(row[-1] for row in core.store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    index = "idx_datasets_key" if domain else "idx_datasets_names"
    assert f"SEARCH datasets USING INDEX {index}" in plan
    assert "key>? AND key<?" in plan
    assert "TEMP B-TREE" not in plan  # key order comes from the index: LIMIT stops early
