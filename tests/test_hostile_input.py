"""Hostile and unlucky input gets a true, specific answer, and nothing pretends.

Each case reproduces a probe of an earlier version: numbers at the ledger's limit,
bytes that are not text, text that would pass for something else (a forged queue
line, a direction override, an invisible name, a masked link, raw control characters),
and one option given two values. Through ``scalebot ask`` (the terminal), ``scalebot
import``, and the Slack and Discord renderers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from bot.core import Core
from bot.discord.embeds import render_embeds
from bot.reply import Reply, ReplyField
from bot.slack.blocks import render_messages
from tests.fakes.discord.markdown import live_masked_links, rendered_markdown, shown_as
from tests.helpers import clear_settings_env

SOURCE = "https://example.org/p"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_MODERATORS", "console:mod")
    return tmp_path / "ledger.db"


def ask(database: Path, text: str, *flags: str, user: str = "alice") -> Result:
    return CliRunner().invoke(cli, ["--db", str(database), "ask", text, "--as", user, *flags])


def refused(database: Path, text: str, user: str = "alice") -> dict:
    """The JSON reply to ``text``, which must be a user error (exit 1, no traceback)."""
    result = ask(database, text, "--json", user=user)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    reply = json.loads(result.output)
    assert reply["kind"] == "error", reply
    assert reply["data"]["error"] != "InternalError", reply["summary"]
    return reply


def pending(database: Path) -> int:
    with Core.open(database) as core:
        return core.store.queue.pending_total()


# -- 1. numbers at the limit --------------------------------------------------------------


def test_a_quantity_that_rounds_up_to_the_limit_is_refused(database: Path) -> None:
    reply = refused(database, f'/submit video "Q" 999999999999999999 clips {SOURCE}')
    assert reply["data"]["error"] == "InvalidQuantity"
    assert "below 1e18" in reply["summary"]
    assert pending(database) == 0


def test_the_same_row_in_a_csv_is_refused_with_its_line(database: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "points.csv"
    csv_file.write_text(
        "domain,dataset,quantity,unit,year,source_url,note\n"
        f"video,Fine,5,clips,2024,{SOURCE},\n"
        f"video,Q,999999999999999999,clips,2024,{SOURCE},\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--db", str(database), "import", str(csv_file)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "line 3" in result.output and "below 1e18" in result.output
    with Core.open(database) as core:
        assert core.store.reads.totals().get("import", 0) == 0
        assert not [p for p in core.store.reads.all_points() if p.origin == "import"]


@pytest.mark.parametrize(
    ("typed", "unit"),
    [("0.0000001", "clips"), ("2.5", "objects"), ("1.2345678M", "image-text pairs")],
)
def test_a_fraction_of_a_count_is_refused(database: Path, typed: str, unit: str) -> None:
    reply = refused(database, f'/submit video "Q" {typed} "{unit}" {SOURCE}')
    assert reply["data"]["option"] == "quantity"
    assert f"A count of {unit} must be a whole number" in reply["summary"]
    assert pending(database) == 0


def test_a_fraction_of_a_measure_is_fine(database: Path) -> None:
    result = ask(database, f'/submit video "Q" 1.5 hours {SOURCE}')
    assert result.exit_code == 0, result.output
    assert pending(database) == 1


# -- 2. text that is not text ---------------------------------------------------------------


def test_undecodable_bytes_in_an_argument_are_refused(database: Path) -> None:
    # What Python makes of the bytes of ``"a\xffb"`` in a command line: a lone surrogate.
    reply = refused(database, f'/submit video "a\udcffb" 5 clips {SOURCE}')
    assert reply["data"]["error"] == "NotText"
    assert "not valid UTF-8" in reply["summary"]
    assert pending(database) == 0


def test_ask_with_undecodable_bytes_prints_json(database: Path) -> None:
    reply = refused(database, "/ask video \udcff")
    assert "not valid UTF-8" in reply["summary"]


def test_a_lone_surrogate_in_a_split_option_is_refused(database: Path) -> None:
    with Core.open(database) as core:
        from bot.core import Caller

        reply = core.invoke(
            "submit",
            {
                "domain": "video",
                "dataset": "a\ud800b",
                "quantity": "5",
                "unit": "clips",
                "source": SOURCE,
            },
            Caller("discord:1"),
        )
        assert reply.data["error"] == "NotText"
        assert "dataset name" in reply.summary
        assert core.store.queue.pending_total() == 0


# -- 3. text that pretends ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Fake\nBy console:mod", "must be one line"),
        ("Fake\rline", "must be one line"),
        ("abc\u202edef", "invisible direction mark (U+202E)"),
        ("\u2066isolated\u2069", "invisible direction mark"),
        ("\u200b\u200b\u200b", "has no visible characters"),
        ("\ufeff\u2060", "has no visible characters"),
        ("word\u200bword", "invisible character (U+200B)"),
    ],
)
def test_a_name_that_pretends_is_refused(database: Path, name: str, said: str) -> None:
    quoted = name.replace('"', "")
    reply = refused(database, f'/submit video "{quoted}" 5 clips {SOURCE}')
    assert reply["data"]["error"] == "NotText", reply["summary"]
    assert said in reply["summary"]
    assert reply["data"]["option"] == "dataset"
    assert pending(database) == 0


def test_a_note_with_a_line_break_is_refused(database: Path) -> None:
    reply = refused(database, f'/submit video Q 5 clips {SOURCE} note:"ok\nBy console:mod"')
    assert reply["data"]["option"] == "note"
    assert pending(database) == 0


def test_joiners_inside_words_are_writing_not_disguise(database: Path) -> None:
    persian = "\u067e\u0631\u0648\u200c\u0698\u0647"  # a word with a zero-width non-joiner
    result = ask(database, f'/submit video "{persian}" 5 clips {SOURCE}')
    assert result.exit_code == 0, result.output


def test_control_characters_in_an_unknown_command_are_spelled_out(database: Path) -> None:
    result = ask(database, "/sc\x1b[31mal\x07e video")
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "/sc\\x1b[31mal\\x07e" in result.output


def test_a_direction_mark_in_an_echoed_value_is_spelled_out(database: Path) -> None:
    reply = refused(database, "/scale vid\u202eeo")
    assert "\u202e" not in reply["summary"] and "U+202E" in reply["summary"]


MASKED = "[Official](https://evil.example)"


def test_a_masked_link_is_shown_as_typed_on_discord() -> None:
    reply = Reply(title=f"{MASKED} **bold** # heading", fields=[ReplyField(name="n", value=MASKED)])
    (embeds,) = render_embeds(reply)
    texts = [text for embed in embeds for text in rendered_markdown(dict(embed.to_dict()))]
    # Escaped: a backslash before each bracket, so Discord shows the text, not a link.
    assert all(live_masked_links(text) == [] for text in texts)
    assert MASKED in shown_as(texts[0]) and shown_as(texts[-1]) == MASKED
    assert "**bold**" not in " ".join(texts)


def test_markdown_in_user_text_cannot_style_on_slack() -> None:
    reply = Reply(title="t", summary="*bold* _it_ ~gone~ `code`", items=[MASKED])
    (message,) = render_messages(reply)
    texts = list(mrkdwn_texts(message["blocks"]))
    assert any("bold" in text for text in texts) and any("Official" in text for text in texts)
    # Every styling character has a zero-width space on each side, so none can style.
    for text in texts:
        for match in re.finditer(r"[*_~`]", text):
            at = match.start()
            assert text[at - 1 : at] == "\u200b" == text[at + 1 : at + 2], text


def mrkdwn_texts(value: object) -> Iterator[str]:
    """Every mrkdwn text in some Block Kit, at any depth."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


# -- 4. one value, one meaning --------------------------------------------------------------


def test_an_option_given_by_position_and_by_name_is_refused(database: Path) -> None:
    with Core.open(database) as core:
        core.ask(f'/submit video "Q" 5 clips {SOURCE}', "console:alice")
    reply = refused(database, "/approve 27 id:28", user="mod")
    assert reply["data"]["error"] == "GivenTwice"
    assert reply["summary"].startswith(
        "The data point number is given twice: `27` by position and `id:28` by name"
    )
    with Core.open(database) as core:
        assert core.store.queue.pending_total() == 1, "nothing was approved"


def test_a_value_after_a_name_goes_on_to_the_next_options(database: Path) -> None:
    result = ask(database, f'/submit video Q 5 clips {SOURCE} year:2023 "checked"', "--json")
    assert result.exit_code == 0, result.output
    with Core.open(database) as core:
        (point,) = core.store.queue.pending()
        assert (point.year, point.note) == (2023, "checked")


def test_a_single_option_given_both_ways(database: Path) -> None:
    reply = refused(database, "/scale video domain:3d")
    assert (
        "The field is given twice: `video` by position and `domain:3d` by name" in reply["summary"]
    )
