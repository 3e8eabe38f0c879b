"""Trusted moderators: a platform's admin rights count only in servers the deployment names.

The invite link is public, so anyone can add the bot to a server they own and hold
Manage Server there. ``SCALEBOT_DISCORD_TRUSTED_GUILDS`` lists the servers whose Manage
Server members are moderators; everywhere else the flag gives nothing, and the core (not
the adapter) decides. Configured moderators (``SCALEBOT_MODERATORS``) count everywhere.
The Discord cases go through real discord.py against the fake Discord: a Manage Server
member of an untrusted server pressing Approve, or typing ``/approve``, is refused and
nothing changes. ``scalebot doctor`` warns while no moderator can exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.core import Caller, Core
from tests.discord_stack import EPHEMERAL, DiscordStack, discord_stack
from tests.fakes.discord.objects import GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.fakes.discord.payloads import button, slash_command
from tests.helpers import clear_settings_env

MANAGE_GUILD = str(1 << 5)
ADMINISTRATOR = str(1 << 3)
CHANNEL_MESSAGE = 4
UPDATE_MESSAGE = 7
SUBMISSION = '/submit 3d "Trusted Objects" 12M objects https://example.org/trusted year:2025'
OTHER_GUILD = "1299999999999999999"


# -- the setting ---------------------------------------------------------------------------


def test_trusted_guilds_are_read_as_comma_separated_ids() -> None:
    settings = Settings(discord_trusted_guilds=f" {GUILD_ID}, 42 ,,")
    assert settings.discord_trusted_guilds == frozenset({GUILD_ID, "42"})
    assert Settings().discord_trusted_guilds == frozenset()


@pytest.mark.parametrize("bad", ["scalebot lab", "discord:42", "42,#general", "-1", "1.5"])
def test_a_bad_trusted_guild_names_the_variable_and_an_example(bad: str) -> None:
    with pytest.raises(ValueError, match="SCALEBOT_DISCORD_TRUSTED_GUILDS") as refused:
        Settings(discord_trusted_guilds=bad)
    assert "example: SCALEBOT_DISCORD_TRUSTED_GUILDS=" in str(refused.value)


def test_the_cli_refuses_a_bad_trusted_guild_as_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCALEBOT_DISCORD_TRUSTED_GUILDS", "my server")
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "configuration is invalid" in result.output
    assert "SCALEBOT_DISCORD_TRUSTED_GUILDS" in result.output
    assert "Traceback" not in result.output


# -- the core decides ----------------------------------------------------------------------


@pytest.fixture
def trusting(tmp_path: Path) -> Iterator[Core]:
    settings = Settings(
        db=tmp_path / "trust.db",
        moderators="console:mod,discord:7,slack:UMOD",
        discord_trusted_guilds=GUILD_ID,
    )
    with Core.open(settings=settings) as core:
        yield core


@pytest.mark.parametrize(
    ("caller", "moderator"),
    [
        # Manage Server counts in the trusted server only.
        (Caller("discord:5", workspace=GUILD_ID, is_admin=True), True),
        (Caller("discord:5", workspace=OTHER_GUILD, is_admin=True), False),
        (Caller("discord:5", workspace=None, is_admin=True), False),
        (Caller("discord:5", workspace=GUILD_ID, is_admin=False), False),
        # A Slack workspace is never trusted for its admins (no such setting yet), even
        # one whose id happens to equal a trusted Discord server's.
        (Caller("slack:U5", workspace=GUILD_ID, is_admin=True), False),
        (Caller("console:x", workspace=GUILD_ID, is_admin=True), False),
        # Configured moderators count everywhere, admin or not.
        (Caller("discord:7", workspace=OTHER_GUILD), True),
        (Caller("discord:7"), True),
        (Caller("slack:UMOD", workspace="T0OTHER"), True),
        (Caller("console:mod"), True),
    ],
)
def test_who_is_a_moderator(trusting: Core, caller: Caller, moderator: bool) -> None:
    assert trusting.is_moderator(caller) is moderator


def test_an_untrusted_admin_is_refused_and_nothing_changes(trusting: Core) -> None:
    point_id = trusting.ask(SUBMISSION, "discord:5").data["id"]
    before = trusting.store.reads.get(point_id)
    audit = trusting.store.history.audit_log(point_id)
    reply = trusting.ask(f"/approve {point_id}", "discord:5", workspace=OTHER_GUILD, is_admin=True)
    assert reply.data["error"] == "NotAllowed", reply.as_text()
    assert trusting.store.reads.get(point_id) == before
    assert trusting.store.history.audit_log(point_id) == audit
    trusted = trusting.ask(f"/approve {point_id}", "discord:5", workspace=GUILD_ID, is_admin=True)
    assert trusted.kind == "answer", trusted.as_text()
    assert trusting.store.reads.get(point_id).reviewed_by == "discord:5"


# -- through discord.py and the fake Discord -----------------------------------------------


@pytest.fixture
def untrusted(tmp_path: Path) -> Iterator[DiscordStack]:
    """The fake's one server, not named in SCALEBOT_DISCORD_TRUSTED_GUILDS."""
    with discord_stack(tmp_path, discord_trusted_guilds=OTHER_GUILD) as running:
        yield running


@pytest.fixture
def trusted(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path, discord_trusted_guilds=GUILD_ID) as running:
        yield running


def _submit(stack: DiscordStack) -> int:
    point_id = stack.core.ask(SUBMISSION, f"discord:{MEMBER_ID}").data["id"]
    return int(point_id)


def _approve_button(stack: DiscordStack, point_id: int) -> str:
    """The custom id of the point's Approve button, from a configured moderator's queue."""
    callback = stack.interact(slash_command("review", user_id=MODERATOR_ID)).json
    rows = callback["data"].get("components", [])
    buttons = [b for row in rows for b in row["components"]]
    return next(b["custom_id"] for b in buttons if b["label"] == f"Approve #{point_id}")


def _refused(callback: dict[str, Any]) -> None:
    assert callback["type"] == CHANNEL_MESSAGE, callback
    data = callback["data"]
    assert data["flags"] & EPHEMERAL
    assert "is for moderators" in json.dumps(data["embeds"])


@pytest.mark.parametrize("permissions", [MANAGE_GUILD, ADMINISTRATOR])
def test_manage_server_in_an_untrusted_guild_gives_nothing(
    untrusted: DiscordStack, permissions: str
) -> None:
    point_id = _submit(untrusted)
    before = untrusted.core.store.reads.get(point_id)
    audit = untrusted.core.store.history.audit_log(point_id)
    pressed = _approve_button(untrusted, point_id)

    press = button(pressed, user_id=MEMBER_ID, permissions=permissions)
    _refused(untrusted.interact(press).json)
    typed = slash_command("approve", {"id": point_id}, user_id=MEMBER_ID, permissions=permissions)
    _refused(untrusted.interact(typed).json)
    queue = slash_command("review", user_id=MEMBER_ID, permissions=permissions)
    _refused(untrusted.interact(queue).json)

    assert untrusted.core.store.reads.get(point_id) == before
    assert untrusted.core.store.history.audit_log(point_id) == audit
    assert before is not None and before.status == "pending"


def test_manage_server_in_a_trusted_guild_may_approve(trusted: DiscordStack) -> None:
    point_id = _submit(trusted)
    pressed = _approve_button(trusted, point_id)
    press = button(pressed, user_id=MEMBER_ID, permissions=MANAGE_GUILD)
    assert trusted.interact(press).json["type"] == UPDATE_MESSAGE
    point = trusted.core.store.reads.get(point_id)
    assert point is not None and point.status == "approved"
    assert point.reviewed_by == f"discord:{MEMBER_ID}"

    second = _submit(trusted)
    typed = slash_command("approve", {"id": second}, user_id=MEMBER_ID, permissions=MANAGE_GUILD)
    assert trusted.interact(typed).json["type"] == CHANNEL_MESSAGE
    assert trusted.core.store.reads.get(second).status == "approved"


def test_the_same_member_without_manage_server_is_refused_in_a_trusted_guild(
    trusted: DiscordStack,
) -> None:
    point_id = _submit(trusted)
    typed = slash_command("approve", {"id": point_id}, user_id=MEMBER_ID, permissions="0")
    _refused(trusted.interact(typed).json)
    assert trusted.core.store.reads.get(point_id).status == "pending"


def test_a_configured_moderator_decides_in_an_untrusted_guild(untrusted: DiscordStack) -> None:
    """MODERATOR_ID is in SCALEBOT_MODERATORS: no server's trust is needed."""
    point_id = _submit(untrusted)
    typed = slash_command("approve", {"id": point_id}, user_id=MODERATOR_ID, permissions="0")
    assert untrusted.interact(typed).json["type"] == CHANNEL_MESSAGE
    assert untrusted.core.store.reads.get(point_id).status == "approved"


def test_manage_server_gives_nothing_in_a_dm(trusted: DiscordStack) -> None:
    point_id = _submit(trusted)
    typed = slash_command("approve", {"id": point_id}, user_id=MEMBER_ID, guild=False)
    _refused(trusted.interact(typed).json)
    assert trusted.core.store.reads.get(point_id).status == "pending"


# -- doctor ----------------------------------------------------------------------------------

WARNING = "warning: no moderator can exist"


@pytest.mark.parametrize(
    ("environment", "warned"),
    [
        ({}, True),
        ({"SCALEBOT_MODERATORS": "slack:U024BE7LH"}, False),
        ({"SCALEBOT_DISCORD_TRUSTED_GUILDS": GUILD_ID}, False),
    ],
)
def test_doctor_warns_while_no_moderator_can_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: dict[str, str], warned: bool
) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "d.db"), "doctor"])
    assert result.exit_code == 0, result.output
    assert (WARNING in result.output) is warned
    if warned:
        line = next(line for line in result.output.splitlines() if WARNING in line)
        assert "SCALEBOT_MODERATORS" in line and "SCALEBOT_DISCORD_TRUSTED_GUILDS" in line
