"""A name no command has gets one answer, whether typed as a command or named to /help.

The answer is written once (``bot.suggest.unknown_command``): the core calls it for
``/scael``, the command-name kind for ``/help scael``. The two differ only in the example,
which is what to type instead in each place.
"""

from __future__ import annotations

import pytest

from bot.core import Core
from tests.helpers import ROOT


def sources_saying(phrase: str) -> list[str]:
    """The modules of bot/, handlers/ and knowledge/ whose source holds ``phrase``."""
    return sorted(
        str(path.relative_to(ROOT))
        for package in ("bot", "handlers", "knowledge")
        for path in (ROOT / package).rglob("*.py")
        if phrase in path.read_text(encoding="utf-8")
    )


def test_the_unknown_command_message_is_written_once() -> None:
    assert sources_saying("There is no command /") == ["bot/suggest.py"]


@pytest.mark.parametrize(
    ("typed", "summary", "example"),
    [
        (
            "/scael video",
            "There is no command /scael. Did you mean /scale? Type /help for the list.",
            "/scale",
        ),
        (
            "/help scael",
            "There is no command /scael. Did you mean /scale? Type /help for the list.",
            "/help scale",
        ),
        ("/zzzzzzzz", "There is no command /zzzzzzzz. Type /help for the list.", "/help"),
        ("/help zzzzzzzz", "There is no command /zzzzzzzz. Type /help for the list.", "/help"),
    ],
)
def test_a_command_and_a_help_topic_that_name_no_command_read_alike(
    core: Core, typed: str, summary: str, example: str
) -> None:
    reply = core.ask(typed)
    assert reply.data["error"] == "UnknownCommand"
    assert reply.summary.startswith(summary), reply.summary
    assert reply.data["example"] == example
