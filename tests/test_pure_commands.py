"""A command declared ``pure`` cannot read who asks: its first run in a test says so.

The reply cache keeps a pure command's reply for whoever asks the same question next
(``bot/runner.py``), trusting the declaration. So the core hands a pure handler a request
without an asker: reading ``request.user``, ``is_moderator`` and the like raises
:class:`PureCommandReadCaller`, which the core logs (the user sees "Something went
wrong", never someone else's answer). The commands here exist only in these tests,
registered beside the real ones as ``tests/test_adapters_generic.py`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.commands import (
    Command,
    NotPure,
    PureCommandNotified,
    PureCommandReadCaller,
    Request,
)
from bot.config import Settings
from bot.core import Caller, Core
from bot.notices import PointPending
from bot.registry import COMMANDS
from bot.reply import Reply
from tests.helpers import MODERATOR, ask_from_chat


def whoami(request: Request) -> Reply:
    return Reply(title=f"You are {request.user}")


def am_i_moderator(request: Request) -> Reply:
    return Reply(title="moderator" if request.is_moderator else "member")


def announce(request: Request) -> Reply:
    request.notify(PointPending(point_id=1, message=Reply(title="A point waits")))
    return Reply(title="announced")


def where(request: Request) -> Reply:
    """Reads only the surface, which a pure reply may depend on."""
    return Reply(title=f"{request.platform} images={request.images} web={request.web_url}")


TEST_COMMANDS: dict[str, Command] = {
    **COMMANDS,
    "whoami": Command(
        name="whoami",
        description="Test only: a pure command that reads who asks",
        handler=whoami,
        example="/whoami",
        pure=True,
    ),
    "amimod": Command(
        name="amimod",
        description="Test only: a pure command that reads the moderator flag",
        handler=am_i_moderator,
        example="/amimod",
        pure=True,
    ),
    "announce": Command(
        name="announce",
        description="Test only: a pure command that sends a notice",
        handler=announce,
        example="/announce",
        pure=True,
    ),
    "where": Command(
        name="where",
        description="Test only: a pure command that reads the surface",
        handler=where,
        example="/where",
        pure=True,
    ),
    "whoami-live": Command(
        name="whoami-live",
        description="Test only: the same handler as /whoami, not declared pure",
        handler=whoami,
        example="/whoami-live",
    ),
}


@pytest.fixture
def core(settings: Settings) -> Iterator[Core]:
    with Core.open(settings=settings, commands=TEST_COMMANDS) as opened:
        yield opened


def refusal(caplog: pytest.LogCaptureFixture, core: Core, line: str, user: str) -> NotPure:
    """Ask ``line`` as ``user``: the reply is our internal error, the log holds why."""
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="bot.core"):
        reply = core.ask(line, user)
    assert reply.kind == "error" and reply.data["error"] == "InternalError", reply
    assert user not in reply.model_dump_json(), "nothing of the asker's in the reply"
    errors = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert len(errors) == 1, caplog.records
    error = errors[0]
    assert isinstance(error, NotPure)
    return error


@pytest.mark.parametrize("user", ["slack:U1", "discord:42", "console:local"])
def test_a_pure_command_that_reads_the_user_is_refused(
    core: Core, caplog: pytest.LogCaptureFixture, user: str
) -> None:
    error = refusal(caplog, core, "/whoami", user)
    assert isinstance(error, PureCommandReadCaller)
    assert str(error).startswith("/whoami is declared pure but read request.user.")
    assert 'Command(name="whoami", ..., pure=False)' in str(error), "shows the fix"


@pytest.mark.parametrize("user", ["slack:U1", MODERATOR])
def test_a_pure_command_that_reads_the_moderator_flag_is_refused(
    core: Core, caplog: pytest.LogCaptureFixture, user: str
) -> None:
    error = refusal(caplog, core, "/amimod", user)
    assert isinstance(error, PureCommandReadCaller)
    assert str(error).startswith("/amimod is declared pure but read request.is_moderator.")


def test_a_pure_command_that_sends_a_notice_is_refused(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply served from the cache runs no handler: its notice would go out once."""
    error = refusal(caplog, core, "/announce", "slack:U1")
    assert isinstance(error, PureCommandNotified)
    assert "/announce is declared pure but called request.notify" in str(error)
    assert core.take_notices() == []


def test_the_refusal_holds_on_every_path_to_a_handler(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    """Typed, split options (Discord), a pressed button: all build the request in one place."""
    refusal(caplog, core, "/whoami", "slack:U1")
    for run in (
        lambda: core.invoke("whoami", {}, Caller("discord:42")),
        lambda: core.press("/whoami", Caller("slack:U1")),
    ):
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="bot.core"):
            reply = run()
        assert reply.data["error"] == "InternalError"
        assert any(
            r.exc_info and isinstance(r.exc_info[1], PureCommandReadCaller) for r in caplog.records
        )


def test_a_command_not_declared_pure_reads_who_asks(core: Core) -> None:
    assert core.ask("/whoami-live", "slack:U1").title == "You are slack:U1"


def test_a_pure_command_reads_the_surface(settings: Settings) -> None:
    settings = settings.model_copy(update={"web_url": "https://scale.example.org"})
    with Core.open(settings=settings, commands=TEST_COMMANDS) as core:
        assert ask_from_chat(core, "/where", "slack:U1").title == (
            "slack images=True web=https://scale.example.org"
        )
        assert core.ask("/where", "console:local").title == (
            "console images=False web=https://scale.example.org"
        )


PURE_EXAMPLES = [
    example
    for command in COMMANDS.values()
    if command.pure
    for example in (command.example, *command.more_examples)
]


@pytest.mark.parametrize("line", PURE_EXAMPLES)
def test_the_registered_pure_commands_read_nothing_of_who_asks(
    settings: Settings, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    """Every pure command's examples, asked on each platform, answer without a refusal."""
    assert len(PURE_EXAMPLES) >= 9, "every pure command has an example"
    with Core.open(settings=settings) as core, caplog.at_level(logging.ERROR, logger="bot.core"):
        for user in ("slack:U1", "discord:42", "console:local", MODERATOR):
            reply = core.ask(line, user)
            assert reply.data.get("error") != "InternalError", (line, user, caplog.text)
    assert not caplog.records, caplog.text
