"""Block Kit rendering: any reply fits Slack's limits, and no word of it is lost."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reply import Action, Citation, Reply, ReplyField, Table
from bot.slack.blocks import escape, link, render_messages, split_text
from tests.helpers import assert_blocks_within_limits, block_text

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
long_text = st.lists(words, max_size=400).map(" ".join)


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    rows = draw(st.integers(0, 12))
    return Reply(
        title=draw(long_text.filter(bool) | st.just("t")),
        summary=draw(long_text),
        fields=[
            ReplyField(name=draw(words), value=draw(long_text), inline=draw(st.booleans()))
            for _ in range(draw(st.integers(0, 30)))
        ],
        table=Table(columns=["", "a", "b"], rows=[[draw(words), draw(words), draw(words)]] * rows)
        if rows
        else None,
        items=draw(st.lists(long_text, max_size=20)),
        citations=[
            Citation(label=draw(words) or "x", url="https://example.org/a|b")
            for _ in range(draw(st.integers(0, 25)))
        ],
        footer=draw(words),
        actions=[
            Action(id=f"approve:{n}", label=f"Approve #{n}", command=f"/approve {n}")
            for n in range(draw(st.integers(0, 40)))
        ],
    )


@settings(max_examples=60, deadline=None)
@given(replies())
def test_any_reply_fits_every_limit(reply: Reply) -> None:
    for message in render_messages(reply):
        assert_blocks_within_limits(message["blocks"])
        assert 0 < len(message["text"]) <= 3000


@settings(max_examples=60, deadline=None)
@given(replies())
def test_no_word_is_lost(reply: Reply) -> None:
    shown = re.sub(r"\s+", " ", " ".join(block_text(m["blocks"]) for m in render_messages(reply)))
    for text in [reply.summary, *(f.value for f in reply.fields), *reply.items]:
        for word in escape(text).replace("\u200b", "").split():
            assert word in shown


def test_split_text_breaks_at_spaces() -> None:
    pieces = split_text("alpha beta gamma delta", 11)
    assert pieces == ["alpha beta", "gamma delta"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_links_cannot_be_broken_out_of() -> None:
    assert link("https://e.org/a|b>c", "<!here>") == "<https://e.org/a%7Cb&gt;c|&lt;!here&gt;>"
