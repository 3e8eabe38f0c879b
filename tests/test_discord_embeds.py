"""Discord embed rendering: any reply fits Discord's limits, no word of it is lost, and no
text it carries can ping anyone.

Replies are generated with hypothesis (long titles, summaries up to 20k characters, up to
60 fields with long names and values, tables, items, many citations, long footers) and
rendered with :func:`bot.discord.embeds.render_embeds`; the assertions are on the
``discord.Embed`` payloads (``to_dict()``) that discord.py would send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.core import Core
from bot.discord import markdown
from bot.discord.embeds import defused, inert, render_embeds
from bot.reply import Citation, Page, Reply, ReplyField, Table
from tests.fakes.discord.markdown import live_masked_links, rendered_markdown, shown_as
from tests.helpers import assert_embeds_within_limits, embed_texts

# -- strategies ----------------------------------------------------------------------------

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)
long_text = st.lists(words, max_size=400).map(" ".join)
huge_text = st.lists(words, max_size=2000).map(" ".join).map(lambda text: text[:20_000])
MENTIONS = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
]
mention = st.sampled_from(MENTIONS)
#: Text with mentions sprinkled in, glued to words or standing alone.
mentiony_text = st.lists(st.one_of(words, mention, st.tuples(words, mention).map("".join))).map(
    " ".join
)


@st.composite
def replies(draw: st.DrawFn, text: st.SearchStrategy[str] = long_text) -> Reply:
    rows = draw(st.integers(0, 15))
    columns = draw(st.lists(words, min_size=2, max_size=4))
    pages = draw(st.integers(1, 5))
    return Reply(
        title=draw(text.filter(str.strip) | st.just("t")),
        summary=draw(huge_text if text is long_text else text),
        fields=[
            ReplyField(name=draw(text), value=draw(text), inline=draw(st.booleans()))
            for _ in range(draw(st.integers(0, 60)))
        ],
        table=Table(
            columns=columns,
            rows=[[draw(text) for _ in columns] for _ in range(rows)],
        )
        if rows
        else None,
        items=draw(st.lists(text, max_size=20)),
        citations=[
            Citation(label=draw(text) or "x", url=draw(st.none() | st.just("https://e.org/a")))
            for _ in range(draw(st.integers(0, 40)))
        ],
        footer=draw(text),
        page=Page(number=1, count=pages, next_command="/datasets video page:2")
        if pages > 1
        else None,
        kind=draw(st.sampled_from(["answer", "error"])),
        colour=draw(st.none() | st.just("#3366CC")),
    )


# -- helpers -------------------------------------------------------------------------------


def payloads(reply: Reply) -> list[list[dict[str, Any]]]:
    """The rendered messages as the JSON discord.py sends for each embed."""
    messages = render_embeds(reply)
    for message in messages:
        assert all(isinstance(embed, discord.Embed) for embed in message)
    return [[embed.to_dict() for embed in message] for message in messages]


def shown_text(reply: Reply) -> str:
    """All rendered text, whitespace normalised to single spaces."""
    texts = [t for message in payloads(reply) for embed in message for t in embed_texts(embed)]
    return re.sub(r"\s+", " ", " ".join(texts))


def text_parts(reply: Reply) -> list[str]:
    """The text a reader must find in the rendering, as the reply model holds it."""
    parts = [reply.title, reply.summary, *reply.items, reply.footer]
    for field in reply.fields:
        parts += [field.name, field.value]
    if reply.table is not None:
        parts += reply.table.columns[1:]
        for row in reply.table.rows:
            parts += row
    parts += [c.label for c in reply.citations] + [c.url for c in reply.citations if c.url]
    return parts


LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?[0-9]+>")

# -- limits --------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_any_reply_fits_every_limit(reply: Reply) -> None:
    messages = payloads(reply)
    assert messages
    for message in messages:
        assert_embeds_within_limits(message)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_no_word_is_lost(reply: Reply) -> None:
    # Markdown is escaped (a backslash before it) where Discord renders it, and shown as
    # typed in footers: either way, with the escapes taken out, every word is there.
    shown = shown_text(reply).replace("\\", "")
    for text in text_parts(reply):
        for word in defused(text).split():
            assert word.replace("\\", "") in shown, f"{word!r} is missing"


def test_a_huge_reply_spreads_over_several_full_messages() -> None:
    reply = Reply(
        title="Long " * 100,
        summary=" ".join(f"s{n}" for n in range(4000)),
        fields=[ReplyField(name=f"field {n} " * 30, value=f"v{n} " * 300) for n in range(60)],
        footer=" ".join(f"f{n}" for n in range(800)),
    )
    messages = payloads(reply)
    assert len(messages) > 1
    for message in messages:
        assert_embeds_within_limits(message)
    shown = shown_text(reply).split()
    for word in ["s0", "s3999", "v0", "v59", "f0", "f799", "field"]:
        assert word in shown
    # Reading order: the summary's words come in order across embeds and messages.
    summary_words = [w for w in shown if re.fullmatch(r"s[0-9]+", w)]
    assert summary_words == [f"s{n}" for n in range(4000)]


def test_the_first_embed_has_the_title_and_the_rest_follow() -> None:
    reply = Reply(
        title="Video generation", summary="short", fields=[ReplyField(name="a", value="b")]
    )
    (message,) = payloads(reply)
    assert message[0]["title"] == "Video generation"
    assert message[0]["description"] == "short"
    assert message[0]["fields"] == [{"name": "a", "value": "b", "inline": True}]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(title=" \n" + "x " * 300),
        Reply(title="t", summary=" \n" + "y " * 3000),
        Reply(title="t", fields=[ReplyField(name="  ", value=" \n" + "v " * 700)]),
        Reply(title="t", fields=[ReplyField(name="", value="")]),
        Reply(
            title="t", fields=[ReplyField(name=" ".join(f"n{i}" for i in range(100)), value="end")]
        ),
    ],
    ids=["blank-led title", "blank-led summary", "blank field", "empty field", "long name"],
)
def test_blank_or_oversized_parts_make_no_empty_embed_or_field(reply: Reply) -> None:
    for message in payloads(reply):
        assert_embeds_within_limits(message)
    shown = shown_text(reply)
    for text in text_parts(reply):
        for word in text.split():
            assert word in shown


# -- mentions ------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies(text=mentiony_text))
def test_no_text_can_ping_anyone(reply: Reply) -> None:
    shown = shown_text(reply)
    assert not LIVE_MENTION.search(shown), LIVE_MENTION.search(shown)


@pytest.mark.parametrize("typed", MENTIONS)
def test_each_mention_is_shown_as_typed_but_inert(typed: str) -> None:
    reply = Reply(
        title=f"t {typed}",
        summary=f"s {typed}",
        fields=[ReplyField(name=f"n {typed}", value=f"v {typed}")],
        table=Table(columns=["", f"c {typed}"], rows=[[f"r {typed}", f"x {typed}"]]),
        items=[f"i {typed}"],
        citations=[Citation(label=f"l {typed}")],
        footer=f"f {typed}",
    )
    shown = shown_text(reply)
    defused = typed.replace("@", "@\u200b")
    for prefix in "tsnvcrxilf":
        assert f"{prefix} {defused}" in shown or f"{prefix}**: {defused}" in shown, prefix
    assert not LIVE_MENTION.search(shown)


def test_inert_keeps_ordinary_at_signs() -> None:
    assert inert("mail me at a@example.org") == "mail me at a@example.org"
    assert inert("@everyone") == "@\u200beveryone"
    assert inert("<@&123456789012345678>") == "<@\u200b&123456789012345678>"


# -- colour --------------------------------------------------------------------------------


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    with Core.open(settings=Settings(db=tmp_path / "embeds.db")) as opened:
        yield opened


def test_a_domain_reply_uses_the_domain_colour(core: Core) -> None:
    reply = core.ask("/scale video", "discord:1")
    assert reply.kind == "answer"
    wanted = int(core.library.resolve("video").colour.lstrip("#"), 16)
    for message in payloads(reply):
        assert all(embed["color"] == wanted for embed in message)
    other = int(core.library.resolve("llm").colour.lstrip("#"), 16)
    assert other != wanted
    assert payloads(core.ask("/scale llm", "discord:1"))[0][0]["color"] == other


def _is_red(colour: int) -> bool:
    red, green, blue = colour >> 16, (colour >> 8) & 0xFF, colour & 0xFF
    return red >= 0xC0 and red > 2 * green and red > 2 * blue


def test_errors_are_red_even_when_a_domain_colour_is_set(core: Core) -> None:
    error = core.ask("/scale vidoe", "discord:1")
    assert error.kind == "error"
    assert _is_red(payloads(error)[0][0]["color"])
    coloured = Reply(title="x", kind="error", colour=core.library.resolve("video").colour)
    assert _is_red(payloads(coloured)[0][0]["color"])
    assert not _is_red(payloads(core.ask("/scale video", "discord:1"))[0][0]["color"])


# -- masked links --------------------------------------------------------------------------

#: Issue 19's reproduction: discord.py's escape leaves the second link on a line live.
TWO_LINKS = "[a](https://example.org) [Official](https://evil.example)"

label = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="[]\\\n%"),
    max_size=20,
)
target = st.builds(
    lambda scheme, rest: f"{scheme}://{rest}",
    st.sampled_from(["https", "http", "HTTPS"]),
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Zs", "Cc"), exclude_characters=")>%"
        ),
        min_size=1,
        max_size=30,
    ),
)
#: Each form Discord accepts: ``[l](url)``, ``[l](<url>)``, ``[l]( url )``.
masked_link = st.builds(
    lambda text, url, form: form.format(text, url),
    label,
    target,
    st.sampled_from(["[{}]({})", "[{}](<{}>)", "[{}]( {} )", "[{}]({} 'title')"]),
)
#: Text around the links, heavy in what markdown and the escaping care about.
filler = st.lists(
    st.sampled_from([*"ab \n\\[]()<>*_`|~#->:/.1", "https://e.org/", "@here"]), max_size=30
).map("".join)


@st.composite
def linky_texts(draw: st.DrawFn) -> tuple[str, list[str], int]:
    """Text with N masked links among hostile filler glued to them, its parts, and N."""
    links = draw(st.lists(masked_link, min_size=1, max_size=6))
    parts = [draw(filler)]
    for link in links:
        parts += [link, draw(filler)]
    return "".join(parts), parts, len(links)


def test_the_checker_sees_what_discord_would_render() -> None:
    assert len(live_masked_links(TWO_LINKS)) == 2
    assert live_masked_links(discord.utils.escape_markdown(TWO_LINKS)) == ["[Official](https:"]
    assert live_masked_links("\\[a](https://x.org)") == []
    assert live_masked_links("\\\\[a](https://x.org)") == ["[a](https:"]
    assert live_masked_links("[a]\\(https://x.org)") == []
    assert live_masked_links("[a](< https://x.org>)") == ["[a](< https:"]


@settings(max_examples=300, deadline=None)
@given(linky_texts())
def test_no_masked_link_survives_inert(case: tuple[str, list[str], int]) -> None:
    text, parts, count = case
    # The generator is honest: set apart by spaces (a space ends any escape), the links
    # are live before escaping.
    assert len(live_masked_links(" ".join(parts))) >= count
    shown = inert(text)
    assert live_masked_links(shown) == [], (text, shown)
    # Escapes hide nothing: Discord shows the text as typed (a bare URL keeps working,
    # with a bracket or backslash in it written as the %5B a browser would send).
    read = shown_as(shown).replace("%5B", "[").replace("%5D", "]").replace("%5C", "\\")
    assert read == defused(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(linky_texts(), min_size=8, max_size=8))
def test_no_masked_link_is_live_anywhere_in_an_embed(
    cases: list[tuple[str, list[str], int]],
) -> None:
    texts = [text for text, _, _ in cases]
    reply = Reply(
        title=texts[0],
        summary=texts[1] + "\n" + TWO_LINKS * 300,
        fields=[ReplyField(name=texts[2], value=texts[3]), ReplyField(name=texts[4], value="v")],
        table=Table(columns=["", texts[5]], rows=[[texts[6], texts[7]]]),
        items=texts[:3],
    )
    for message in payloads(reply):
        for embed in message:
            for shown in rendered_markdown(embed):
                assert live_masked_links(shown) == [], shown


#: Characters and pieces the escape pattern reacts to, mixed with plain words.
_ESCAPABLE = st.lists(
    st.sampled_from(
        [
            "a",
            "b7",
            " ",
            "\t",
            "\n",
            "1",
            "12",
            ".",
            ". ",
            "-",
            ">",
            "#",
            ":",
            "/",
            "://",
            "https://x.org",
            "steam://y",
            "<a:/b>",
            "<",
            "[",
            "]",
            "\\",
            "*",
            "_",
            "~",
            "`",
            "|",
        ]
    )
    | st.text(max_size=4),
    max_size=12,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_ESCAPABLE)
def test_inert_skips_the_escape_only_for_text_it_would_not_change(text: str) -> None:
    """The quick check in front of the escape pattern never lets escapable text through."""
    assert markdown._ESCAPE.sub(markdown._escaped, defused(text)) == inert(text)
