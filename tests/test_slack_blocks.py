"""Block Kit rendering: any reply fits Slack's limits, and no word of it is lost.

"Fits" is asked of the fake Slack's contract too (``tests/fakes/slack_contract.py``:
slack_sdk's own models plus the documented limits they miss).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import Option, OptionType
from bot.reply import Action, Citation, Reply, ReplyField, Table
from bot.slack.blocks import escape, link, render_messages, split_text
from bot.slack.forms import reason_form
from tests.fakes.slack_contract import message_errors, view_errors
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


def test_a_cut_button_label_says_so() -> None:
    """Slack takes 75 characters of a button's text: a longer label ends with "…"."""
    action = Action(id="a", label="Approve the figure of " + "very " * 20 + "long", command="/x")
    blocks = render_messages(Reply(title="t", actions=[action]))[0]["blocks"]
    label = blocks[-1]["elements"][0]["text"]["text"]
    assert len(label) <= 75 and label.endswith("…")
    assert label.removesuffix("…").rstrip() == label.removesuffix("…")
    assert action.label.startswith(label.removesuffix("…"))
    assert message_errors(blocks) == []


def test_modal_titles_within_slacks_24_characters_say_when_cut() -> None:
    option = Option("reason", OptionType.TEXT, "Why, in a sentence the submitter reads")
    view = reason_form(option, "Withdraw #12345678901234567", "/reject 12345678901234567", {})
    assert view["title"]["text"] == "Withdraw #1234567890123…"
    assert view["submit"]["text"] == "Withdraw"
    assert view_errors(view) == []
    untitled = reason_form(option, "", "/reject 1", {})
    assert untitled["title"]["text"] and view_errors(untitled) == []
