"""Kinds carry their parameters, so an option shared by many commands is declared once.

A kind holds its label, its longest text, its bounds and its choices, as discord.py's
``Range[int, 1, 100]`` holds its bounds; an :class:`Option` adds only its name, what it is
for and whether it is required. The field option, once copied into every command that
takes a field, is ``handlers.options.field()`` over the one ``OptionType.DOMAIN``.
"""

from __future__ import annotations

import pytest

from bot import kinds
from bot.commands import Option, OptionType
from bot.converters import convert
from bot.core import Core
from bot.errors import InvalidValue, TooLong
from bot.registry import COMMANDS
from tests.helpers import ROOT


def sources_saying(phrase: str, package: str) -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / package).rglob("*.py")
        if phrase in path.read_text(encoding="utf-8")
    )


def test_the_field_option_is_declared_in_one_place() -> None:
    assert sources_saying("OptionType.DOMAIN", "handlers") == ["handlers/options.py"]
    assert sources_saying("kinds.Field(", "handlers") == []


def test_every_field_option_is_a_field_labelled_field_of_at_most_60_characters() -> None:
    fields = [
        (name, option)
        for name, command in COMMANDS.items()
        for option in command.options
        if isinstance(option.type, kinds.Field)
    ]
    assert len(fields) >= 11
    for name, option in fields:
        assert option.type is OptionType.DOMAIN, f"/{name} {option.name}"
        assert (option.label, option.max_length) == ("field", 60), f"/{name} {option.name}"


def test_an_option_reads_its_kinds_parameters() -> None:
    option = Option("n", kinds.WholeNumber(label="count", min_value=1, max_value=5), "How many")
    assert (option.label, option.noun, option.min_value, option.max_value) == (
        "count",
        "count",
        1,
        5,
    )
    plain = Option("big_number", kinds.WholeNumber(), "Any")
    assert (plain.noun, plain.max_length, plain.min_value) == ("big number", 100, None)
    choice = Option("sort", kinds.Choice(choices=("largest", "newest")), "Order")
    assert choice.choices == ("largest", "newest") and choice.suggests


def test_kinds_with_the_same_parameters_are_equal() -> None:
    assert kinds.Field(label="field", max_length=60) == OptionType.DOMAIN
    assert kinds.Field() != OptionType.DOMAIN
    assert kinds.Text(max_length=10) != kinds.Question(max_length=10)
    assert repr(OptionType.DOMAIN) == "<domain option kind: label='field', max_length=60>"
    assert repr(kinds.Text()) == "<text option kind>"


@pytest.mark.parametrize(
    ("raw", "error", "said"),
    [
        ("7", InvalidValue, "The count must be a whole number from 1 to 5; got 7."),
        ("123456", TooLong, "The count is 6 characters long; the limit is 4"),
    ],
)
def test_a_kinds_parameters_are_what_a_value_is_held_to(
    core: Core, raw: str, error: type[Exception], said: str
) -> None:
    option = Option(
        "n", kinds.WholeNumber(label="count", min_value=1, max_value=5, max_length=4), "How many"
    )
    command = core.commands["scale"]
    with pytest.raises(error) as refused:
        convert(option, raw, command, core.library, core.commands)
    assert said in str(refused.value)
    assert convert(option, "#3", command, core.library, core.commands) == 3
