"""Discord application commands generated from the core's declarations.

Each :class:`~bot.commands.Command` becomes an :class:`app_commands.Command` whose
callback takes exactly the declared options, typed as Discord types (strings with their
length limits, integers with their ranges), documented, with fixed choices and
autocomplete, all set with discord.py's public decorators (``describe``, ``choices``,
``autocomplete``). The callback's signature is built rather than written, so a new
option in ``handlers/`` appears on Discord without touching this adapter.

A command declared with ``form`` requires only its first option on Discord: whatever
the user leaves out is asked for in a modal.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.commands import SAFE_INTEGER, Command, Option
from bot.failures import internal_error
from bot.reply import Reply
from bot.runner import AsyncCore

log = logging.getLogger(__name__)

DESCRIPTION = 100
CHOICES = 25
STRING_MAX = 6000

Run = Callable[[discord.Interaction, Command, dict[str, Any]], Awaitable[None]]
Send = Callable[[discord.Interaction, Reply], Awaitable[None]]


def is_required(command: Command, option: Option) -> bool:
    if command.form:
        return option is command.options[0]
    return option.required


def _annotation(option: Option) -> Any:
    if option.type.value_type is int:
        # Discord refuses a bound beyond ±(2**53 - 1); Option checks the declared ones.
        low = option.min_value if option.min_value is not None else -SAFE_INTEGER
        high = option.max_value if option.max_value is not None else SAFE_INTEGER
        return app_commands.Range[int, low, high]
    return app_commands.Range[str, 1, min(option.max_length, STRING_MAX)]


def _signature(command: Command) -> inspect.Signature:
    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for option in command.options:
        parameters.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if is_required(command, option) else None,
            )
        )
    return inspect.Signature(parameters)


class Suggestions:
    """Autocomplete for every option that offers values while typed.

    The candidates come from :func:`bot.kinds.suggest`, as in the console. Kinds that
    read the ledger (dataset names) are asked on the core's worker thread like every
    other store call; the rest are in memory and answered on the loop.
    """

    def __init__(self, core: AsyncCore) -> None:
        self.core = core

    def source(self, command: Command, option: Option) -> Any:
        """The autocomplete callback for ``option`` of ``command``."""

        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            given = {
                name: str(value)
                for name, value in vars(interaction.namespace).items()
                if value is not None
            }
            found = await self.core.suggest(command, option, current, given, CHOICES)
            return [app_commands.Choice(name=s.label[:100], value=s.value[:100]) for s in found]

        return complete


def app_command(command: Command, run: Run, suggestions: Suggestions) -> app_commands.Command:
    """One declaration as a Discord slash command whose callback hands its options to ``run``."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        await run(interaction, command, options)

    callback.__signature__ = _signature(command)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"{command.name}_command"
    decorated = app_commands.describe(
        **{option.name: option.description[:DESCRIPTION] for option in command.options}
    )(callback)
    choices = {
        option.name: [app_commands.Choice(name=c, value=c) for c in option.choices[:CHOICES]]
        for option in command.options
        if option.choices
    }
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    completed = {
        option.name: suggestions.source(command, option)
        for option in command.options
        if option.type.suggests and not option.choices
    }
    if completed:
        decorated = app_commands.autocomplete(**completed)(decorated)
    return app_commands.Command(
        name=command.name,
        description=command.description[:DESCRIPTION],
        callback=decorated,
    )


class ScalebotTree(app_commands.CommandTree[Any]):
    """The command tree, holding every declared command, with our own last-resort error.

    As in Red's ``RedTree``: the tree's ``on_error`` is overridden, not patched. A
    failure inside a command is logged with the command's name and traceback; the user
    sees the words :meth:`~bot.core.Core.invoke` uses, never the exception's text.
    """

    def __init__(self, client: discord.Client, send_error: Send) -> None:
        super().__init__(client)
        self._send_error = send_error

    def add_declared(
        self,
        commands: Mapping[str, Command],
        run: Run,
        suggestions: Suggestions,
        guild: discord.abc.Snowflake | None = None,
    ) -> None:
        for command in commands.values():
            self.add_command(app_command(command, run, suggestions), guild=guild)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.name if interaction.command else "(unknown)"
        log.error("Discord command /%s failed", name, exc_info=error)
        try:
            await self._send_error(interaction, internal_error())
        except discord.DiscordException:
            log.exception("could not tell the user that /%s failed", name)


def schema(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> list[dict]:
    """The JSON Discord stores for the tree's commands (what a sync would PUT)."""
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]


#: Keys Discord echoes back that say nothing about the command's shape.
_SERVER_KEYS = frozenset(
    {"id", "application_id", "version", "guild_id", "dm_permission", "name_localized"}
)


def comparable(commands: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Commands reduced to what defines them, so local and registered schemas compare."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: clean(item)
                for key, item in sorted(value.items())
                if key not in _SERVER_KEYS and item not in (None, False, [], {})
            }
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return sorted((clean(command) for command in commands), key=lambda c: c.get("name", ""))
