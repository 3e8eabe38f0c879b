"""Fields moderators add (``/domain add``): stored, served at once, and never put words in
the essay's mouth.

A field added here lives in SQLite: it survives a restart, another process sees it at
its next command, and it takes part in every place a field does (aliases, suggestions,
``/domains``, ``/submit``, ``/datasets``, ``/trend``, ``/compare``, ``/ask``) with no command
registered again. Its card shows the ledger's figures only. It cannot take a name of the
essay's fields, nor of another added field.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from bot.commands import OptionType
from bot.config import Settings
from bot.core import Core
from bot.kinds import Context, suggest
from bot.registry import COMMANDS
from knowledge import community
from knowledge.kb import load_knowledge_base
from knowledge.ledger.values import NewPoint, Submitter
from knowledge.migrations import migrations
from knowledge.models import CommunityDomain
from knowledge.store import Store
from knowledge.trend import Figure, Growth, growth
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.objects import MODERATOR_ID
from tests.fakes.discord.payloads import autocomplete, slash_command
from tests.helpers import MEMBER, MODERATOR

ADD_AUDIO = '/domain add audio "Audio generation" aliases:"tts, speech, music" unit:hours'
SYSTEM = Submitter("system:test", "system")
#: Every sentence the essay's files hold: none may appear on a community field's card.
ESSAY_SENTENCES = [
    text
    for domain in load_knowledge_base().domains
    for text in (
        domain.summary,
        domain.verdict,
        domain.cost,
        domain.scale_note or "",
        *(claim.text for claim in domain.reasons),
    )
    if text
]


def added(core: Core, text: str = ADD_AUDIO) -> Any:
    reply = core.ask(text, user=MODERATOR)
    assert reply.kind == "answer", reply.summary
    return reply


def audio_points(*rows: tuple[str, float, int]) -> list[NewPoint]:
    return [
        NewPoint(
            domain="audio",
            dataset=name,
            quantity_text=f"{quantity:g}",
            quantity=quantity,
            unit="hours",
            source_url=f"https://example.org/{name.replace(' ', '-')}",
            year=year,
        )
        for name, quantity, year in rows
    ]


def test_a_moderator_adds_a_field_that_answers_to_every_name(core: Core) -> None:
    reply = added(core)
    assert reply.title == "Added Audio generation (audio)"
    assert reply.visibility == "private"
    assert reply.data == {
        "domain": "audio",
        "name": "Audio generation",
        "aliases": ["tts", "speech", "music"],
        "unit": "hours",
        "colour": community.PALETTE[0],
    }
    for name in ("audio", "Audio Generation", "TTS", "speech", "music"):
        found = core.library.resolve(name)
        assert found is not None and found.slug == "audio", name
    assert core.ask("/scale speech").title == "Audio generation: what the ledger holds"


def test_members_cannot_add_fields(core: Core) -> None:
    reply = core.ask(ADD_AUDIO, user=MEMBER)
    assert reply.kind == "error" and reply.title == "Moderators only"
    assert core.library.resolve("audio") is None
    assert core.store.fields.community_domains() == []


@pytest.mark.parametrize(
    ("text", "taken", "owner"),
    [
        ('/domain add 3d "Three D things"', "3d", "3D (3d)"),
        ('/domain add gen3d "LLMs"', "LLMs", "LLMs (llm)"),
        ('/domain add splats "Splats" aliases:"gaussian splatting"', "gaussian splatting", "3D"),
        ('/domain add clips "Clips" aliases:"T2V"', "T2V", "Video generation"),
    ],
)
def test_the_essays_slugs_names_and_aliases_cannot_be_taken(
    core: Core, text: str, taken: str, owner: str
) -> None:
    reply = core.ask(text, user=MODERATOR)
    assert reply.kind == "error" and reply.title == "Name already taken"
    assert f"`{taken}` is already a name of {owner}" in reply.summary
    assert "a field the essay discusses" in reply.summary
    assert core.store.fields.community_domains() == []


def test_added_fields_cannot_take_each_others_names(core: Core) -> None:
    added(core)
    reply = core.ask('/domain add voice "Voice" aliases:"Speech"', user=MODERATOR)
    assert reply.kind == "error"
    assert (
        "`Speech` is already a name of Audio generation (audio), a field added by a moderator"
        in reply.summary
    )
    again = core.ask('/domain add audio "Sound"', user=MODERATOR)
    assert again.kind == "error" and "`audio`" in again.summary


def test_a_bad_slug_or_too_many_aliases_is_refused(core: Core) -> None:
    slug = core.ask('/domain add "Audio Gen" "Audio"', user=MODERATOR)
    assert slug.kind == "error" and "lowercase letters, digits and hyphens" in slug.summary
    many = ", ".join(f"alias{n}" for n in range(11))
    aliases = core.ask(f'/domain add audio "Audio" aliases:"{many}"', user=MODERATOR)
    assert aliases.kind == "error" and "at most 10 aliases" in aliases.summary
    unit = core.ask('/domain add audio "Audio" unit:decibels', user=MODERATOR)
    assert unit.kind == "error" and "not a unit I know" in unit.summary


def test_a_field_survives_a_restart(settings: Settings) -> None:
    with Core.open(settings=settings) as core:
        added(core)
    with Core.open(settings=settings) as core:
        assert core.library.resolve("tts") is not None
        listed = core.ask("/domains")
        assert listed.data["community"] == ["audio"]
        field = next(f for f in listed.fields if f.name == "Audio generation (audio)")
        assert "the essay does not discuss it" in field.value
        assert "Also: tts, speech, music" in field.value


def test_another_process_adding_a_field_is_seen_at_the_next_command(settings: Settings) -> None:
    with Core.open(settings=settings) as first, Core.open(settings=settings) as second:
        assert second.ask("/scale tts").kind == "error"
        added(first)
        assert second.ask("/scale tts").title == "Audio generation: what the ledger holds"


def test_one_name_cannot_go_to_two_fields_added_at_once(tmp_path: Path) -> None:
    """Two processes that each checked their own library: the ledger keeps the first."""
    path = tmp_path / "race.db"
    with Core.open(path):
        pass
    first, second = Store.open(path), Store.open(path)
    try:
        at = "2026-01-01T00:00:00Z"
        first.fields.add_domain(
            CommunityDomain(
                slug="audio",
                name="Audio",
                aliases=["tts"],
                colour="#d6336c",
                added_by="a",
                added_at=at,
            )
        )
        with pytest.raises(community.NameInUse) as refused:
            second.fields.add_domain(
                CommunityDomain(
                    slug="speech",
                    name="Speech",
                    aliases=["TTS"],
                    colour="#2b8a3e",
                    added_by="b",
                    added_at=at,
                )
            )
        assert (refused.value.name, refused.value.owner) == ("TTS", "audio")
        assert [d.slug for d in second.fields.community_domains()] == ["audio"]
    finally:
        first.close()
        second.close()


def test_the_card_shows_the_ledger_only_and_says_the_essay_is_silent(core: Core) -> None:
    added(core)
    card = core.ask("/scale audio")
    text = card.as_text()
    assert "The essay does not discuss Audio generation" in card.summary
    assert "(essay)" not in text and "Scaling template" not in text
    for sentence in ESSAY_SENTENCES:
        assert sentence not in text
    assert {f.name for f in card.fields} == {
        "Largest dataset in hours",
        "Newest dataset",
        "Record growth (×/yr)",
        "What the data says",
        "Community ledger",
    }
    assert card.data["community"] is True and card.data["fits_template"] is None
    assert card.data["huge_and_growing_fast"] is False
    assert "essay" not in " ".join(c.label for c in card.citations)
    why = core.ask("/why tts")
    assert why.title == "The essay does not discuss Audio generation" and not why.items


def test_a_field_takes_part_in_submit_datasets_trend_compare_and_ask(core: Core) -> None:
    added(core)
    submitted = core.ask(
        '/submit tts "LibriLight" 60k hours https://arxiv.org/abs/1912.07875 2019', user=MEMBER
    )
    assert submitted.kind == "answer", submitted.summary
    assert core.ask(f"/approve {submitted.data['id']}", user=MODERATOR).kind == "answer"
    core.store.points.add_many(
        audio_points(("LibriSpeech", 1_000, 2015), ("Common Voice", 20_000, 2017)), SYSTEM
    )
    listed = core.ask("/datasets audio")
    assert listed.data["total"] == 3
    assert "LibriLight: 60K hours" in listed.items[0], "ranked by its unit, largest first"
    trend = core.ask("/trend speech")
    assert [f["dataset"] for f in trend.data["frontier"]] == [
        "LibriSpeech",
        "Common Voice",
        "LibriLight",
    ]
    expected = growth(
        [Figure("a", 1_000, 2015), Figure("b", 20_000, 2017), Figure("c", 60_000, 2019)]
    )
    assert isinstance(expected, Growth)
    assert trend.data["growth_per_year"] == pytest.approx(expected.per_year, rel=1e-12)
    compared = core.ask("/compare audio video")
    assert compared.table is not None
    rows = {row[0]: row[1:] for row in compared.table.rows}
    assert rows["Scale (essay)"][0] == "not discussed by the essay"
    assert rows["Fits template"] == ["not discussed by the essay", "yes"]
    assert rows["Record growth (×/yr)"][0].endswith("(hours, 2015–2019)")
    assert set(compared.data["growth"]["audio"]) == set(trend.data) - {"domain"}
    asked = core.ask("/ask how much tts data is there")
    assert asked.data["results"][0]["type"] == "data point"
    assert "LibriLight" in asked.items[0]


def test_what_the_data_says_follows_size_and_speed(core: Core) -> None:
    added(core)
    core.store.points.add_many(
        audio_points(("Small", 10, 2020), ("Smaller growth", 12, 2022)), SYSTEM
    )
    core.store.points.add_many(audio_points(("Slow", 14, 2024)), SYSTEM)
    slow = core.ask("/scale audio").data
    assert slow["huge_and_growing_fast"] is False
    said = next(f.value for f in core.ask("/scale audio").fields if f.name == "What the data says")
    assert said.startswith("Not yet: its record grows ×1.1 a year, under the ×2")
    assert "under a tenth of InternVid's 760K (video)" in said
    # Records that grow ×10 a year up to a tenth of video's largest: huge and growing fast.
    core.store.points.add_many(audio_points(("Fast 1", 100, 2025), ("Fast 2", 1_000, 2026)), SYSTEM)
    core.store.points.add_many(
        audio_points(("Fast 3", 10_000, 2027), ("Fast 4", 100_000, 2028)), SYSTEM
    )
    card = core.ask("/scale audio")
    assert card.data["huge_and_growing_fast"] is True
    said = next(f.value for f in card.fields if f.name == "What the data says")
    assert said.startswith("Huge and growing fast: its record, 100K hours, is at least a tenth")
    assert "InternVid" in said and "[" not in said
    # Huge but growing slowly: the card says which half is missing, and that the other holds.
    core.store.points.add_many(audio_points(("Late", 110_000, 2040)), SYSTEM)
    said = next(f.value for f in core.ask("/scale audio").fields if f.name == "What the data says")
    assert said.startswith("Not yet: its record grows ×")
    assert "It does pass the other half: its record, 110K hours, is at least a tenth" in said


def test_a_field_without_a_unit_uses_the_one_its_figures_use_most(core: Core) -> None:
    added(core, '/domain add proteins "Protein structures" aliases:"pdb"')
    assert core.ask("/scale pdb").fields[0].value == "none approved yet"
    structures = [
        NewPoint("proteins", f"Set {n}", str(q), q, unit, f"https://e.org/{n}", year)
        for n, (q, unit, year) in enumerate(
            [
                (1e3, "objects", 2010),
                (1e4, "objects", 2012),
                (1e5, "objects", 2014),
                (5, "GiB", 2014),
            ]
        )
    ]
    core.store.points.add_many(structures, SYSTEM)
    card = core.ask("/scale proteins")
    assert card.fields[0].name == "Largest dataset in objects"
    assert core.ask("/trend proteins").data["unit_asked"] == "objects"


def test_suggestions_and_forms_offer_the_field_at_once(core: Core) -> None:
    added(core)
    command = COMMANDS["trend"]
    option = command.option("domain")
    assert option is not None and option.type is OptionType.DOMAIN
    context = Context(command, core.library, core.commands)
    assert [s.value for s in suggest(option, "spe", context)] == ["speech"]
    assert "audio" in [s.value for s in option.type.menu(option, context)]
    known = core.ask("/scale audoi")
    assert "Did you mean `audio`" in known.summary


def test_a_field_whose_name_the_essay_took_later_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The essay's names come first: a clash found at start is a warning, not a crash."""
    path = tmp_path / "clash.db"
    with Core.open(path):
        pass
    store = Store.open(path)
    try:
        store.fields.add_domain(
            CommunityDomain(
                slug="radiance",
                name="Radiance",
                aliases=["nerf"],
                colour="#d6336c",
                added_by="console:mod",
                added_at="2026-01-01T00:00:00Z",
            )
        )
    finally:
        store.close()
    with caplog.at_level(logging.WARNING), Core.open(path) as core:
        assert core.library.resolve("radiance") is None
        assert core.library.resolve("nerf").slug == "3d"
    assert "'radiance' is not served: 'nerf' is now a name of '3d'" in caplog.text


def test_a_ledger_from_before_community_fields_migrates_in_place(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    conn = sqlite3.connect(path)
    migrations.apply(Database(conn), stop_before="0007_community_domains")
    conn.close()
    settings = Settings(db=path, moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core:
        assert "0007_community_domains" in core.store.schema_version()
        indexes = {row[1] for row in core.store.conn.execute("PRAGMA index_list(data_points)")}
        assert "idx_record_by_year" in indexes
        assert core.ask("/trend video").data["growth_per_year"] > 1
        added(core)


# -- Discord: served without registering commands again ---------------------------------------


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path) as stack:
        yield stack


def test_discord_offers_and_answers_an_added_field_with_the_same_commands(
    discord: DiscordStack,
) -> None:
    synced = len(discord.fake.of(r"^PUT /applications/\d+/commands$"))
    payload = slash_command(
        "domain",
        {"action": "add", "slug": "audio", "name": "Audio generation", "aliases": "tts, speech"},
        user_id=MODERATOR_ID,
    )
    done = discord.interact(payload).json
    assert done["data"]["embeds"][0]["title"] == "Added Audio generation (audio)"
    offered = discord.interact(autocomplete("trend", {"domain": "tt"}, focused="domain")).json
    assert offered["data"]["choices"][0]["value"] == "tts"
    card = discord.interact(slash_command("scale", {"domain": "tts"})).json
    assert card["data"]["embeds"][0]["title"] == "Audio generation: what the ledger holds"
    assert len(discord.fake.of(r"^PUT /applications/\d+/commands$")) == synced


@pytest.mark.parametrize("alias", ["", "   ", "x" * 41])
def test_an_alias_must_be_a_name_someone_types(alias: str) -> None:
    """The rule both kinds of field share (knowledge.models.aliases_are_words)."""
    with pytest.raises(ValueError, match="must be 1-40 characters"):
        CommunityDomain(
            slug="audio",
            name="Audio",
            aliases=[alias],
            colour="#112233",
            added_by="console:mod",
            added_at="2026-11-30T00:00:00Z",
        )
