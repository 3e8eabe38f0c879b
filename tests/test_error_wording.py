"""Error replies in plain words, read through ``scalebot ask`` as a user meets them.

Every command's errors (missing, too many, wrong type, unknown name) name things the way
a person would: "/compare needs at least two fields (you gave one)", "the source link",
"the data point number", never an option's internal name ("needs second", "`id`") or a
raw timestamp.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.commands import Command, Option
from bot.registry import COMMANDS
from handlers.options import MAX_POINT_ID

MODERATOR = "mod"


@pytest.fixture
def ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``scalebot ask TEXT --json`` on one database; returns (exit code, reply as a dict)."""
    monkeypatch.setenv("SCALEBOT_MODERATORS", f"console:{MODERATOR}")
    database = str(tmp_path / "ledger.db")
    runner = CliRunner()

    def run(text: str, user: str = "alice") -> tuple[int, dict]:
        result = runner.invoke(cli, ["--db", database, "ask", text, "--as", user, "--json"])
        return result.exit_code, json.loads(result.output)

    return run


def summary_of(ask, text: str, user: str = "alice") -> str:
    code, reply = ask(text, user)
    assert code == 1, reply
    assert reply["kind"] == "error" and reply["visibility"] == "private"
    assert reply["data"]["example"], "every error shows an example"
    return reply["summary"]


# -- missing options --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("/compare 3d", "/compare needs at least two fields (you gave one)."),
        ("/compare", "/compare needs at least two fields."),
        ("/scale", "/scale needs a field."),
        ("/datasets", "/datasets needs a field."),
        ("/ask", "/ask needs a question."),
        (
            "/submit",
            "/submit needs a field, a dataset name, a quantity, a unit and a source link.",
        ),
        ("/submit video InternVid 234M", "/submit needs a unit and a source link."),
        ("/submit video InternVid 234M clips", "/submit needs a source link."),
    ],
)
def test_missing_options_are_named_as_people_say_them(ask, text: str, said: str) -> None:
    assert summary_of(ask, text).startswith(said)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("/approve", "/approve needs a data point number."),
        ("/reject 3", "/reject needs a reason."),
        ("/reject", "/reject needs a data point number and a reason."),
    ],
)
def test_missing_moderator_options(ask, text: str, said: str) -> None:
    assert summary_of(ask, text, MODERATOR).startswith(said)


def required_groups(command: Command) -> list[list[Option]]:
    return [g for g in command.option_groups() if any(o.required for o in g)]


@pytest.mark.parametrize(
    "command",
    [c for c in COMMANDS.values() if required_groups(c)],
    ids=lambda c: c.name,
)
def test_no_missing_option_message_uses_an_internal_name(ask, command: Command) -> None:
    """With nothing given, the reply names each required kind of value by its label."""
    summary = summary_of(ask, f"/{command.name}", MODERATOR)
    needs = summary.split(". Usage:")[0]
    for group in required_groups(command):
        assert group[0].noun in needs, (group[0].noun, needs)
    # With every label taken out, no option's internal name is left ("needs second").
    rest = needs
    for option in command.options:
        rest = rest.replace(option.noun, "")
    for option in command.options:
        assert not re.search(rf"\b{option.name}\b", rest), (option.name, needs)


# -- too many values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("/scale video llm", "/scale takes one field; `llm` is one too many."),
        ("/why video 3d", "/why takes at most one field; `3d` is one too many."),
        (
            "/compare 3d llm video image robotics",
            "/compare takes at most four fields; `robotics` is one too many.",
        ),
        ("/help submit extra", "/help takes at most one command name; `extra` is one too many."),
        ("/domains 2 3", "/domains takes at most one page number; `3` is one too many."),
        (
            "/datasets video newest 2 3",
            "/datasets takes a field, a sort order and a page number; `3` is one too many.",
        ),
    ],
)
def test_too_many_values_say_how_many_the_command_takes(ask, text: str, said: str) -> None:
    assert summary_of(ask, text).startswith(said)


# -- wrong type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("/datasets video page:0", "The page number must be a whole number from 1 to 100,000"),
        ("/datasets video page:two", "The page number must be a whole number from 1 to 100,000"),
        ("/datasets video sort:size", "The sort order must be largest or newest; got `size`."),
        (
            "/submit video InternVid lots clips https://example.org/p",
            "The quantity `lots` is not a number.",
        ),
        (
            "/submit video InternVid -5 clips https://example.org/p",
            "The quantity `-5` must be a positive number.",
        ),
        (
            "/submit video InternVid 5 clips ftp://example.org/p",
            "The source link must start with http:// or https://; got `ftp://example.org/p`.",
        ),
        (
            "/submit video InternVid 5 clips https://example.org/p year:1800",
            "The year must be a whole number from 1950 to ",
        ),
        (
            "/submit video InternVid 5 clips https://example.org/p year:2020 year:2021",
            "The year is given twice (`year:2020` and `year:2021`); give it once.",
        ),
        ("/datasets video page:99", "Video generation has only one page of datasets"),
    ],
)
def test_wrong_values_are_named_by_what_they_are(ask, text: str, said: str) -> None:
    assert summary_of(ask, text).startswith(said)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("/approve abc", "The data point number must be a whole number of 1 or more; got `abc`."),
        ("/approve 0", "The data point number must be a whole number of 1 or more; got 0."),
        ("/approve 99999999999999999999", "The data point number 99999999999999999999 is too"),
        # One past the largest number Discord's integer options can bound.
        ("/approve 9007199254740992", "The data point number 9007199254740992 is too large."),
    ],
)
def test_wrong_ids_do_not_show_internal_limits(ask, text: str, said: str) -> None:
    summary = summary_of(ask, text, MODERATOR)
    assert summary.startswith(said)
    assert str(MAX_POINT_ID) not in summary and str(2**62) not in summary


def test_an_earlier_decision_is_dated_in_words(ask) -> None:
    summary = summary_of(ask, "/approve 1", MODERATOR)
    assert re.search(
        r"already approved by system:curated on \d{4}-\d\d-\d\d \d\d:\d\d UTC", summary
    )
    assert "T" not in summary.split(" on ")[1][:11], "no raw ISO timestamp"


# -- unknown names -------------------------------------------------------------------------


def test_unknown_field_example_is_the_command_being_typed(ask) -> None:
    code, reply = ask("/datasets vidoe")
    assert code == 1
    assert reply["summary"].startswith("`vidoe` is not a field I know. Did you mean `video`?")
    assert "A moderator can add a field with /domain add." in reply["summary"]
    assert reply["data"]["example"] == "/datasets video"


def test_unknown_field_in_compare_keeps_the_compare_example(ask) -> None:
    code, reply = ask("/compare 3d cooking")
    assert code == 1
    assert reply["data"]["example"] == COMMANDS["compare"].example


def test_a_field_named_twice_in_compare(ask) -> None:
    summary = summary_of(ask, "/compare 3d nerf")
    assert summary.startswith("3D (3d) is named twice; name each field once.")


def test_unknown_command_for_help_points_at_the_list(ask) -> None:
    code, reply = ask("/help sbmit")
    assert code == 1
    assert "There is no command /sbmit. Did you mean /submit? Type /help" in reply["summary"]
    assert reply["data"]["example"] == "/help submit"


def test_a_slash_alone_says_where_the_name_goes(ask) -> None:
    summary = summary_of(ask, "/ video")
    assert summary.startswith("A command's name goes right after the slash.")
