"""Discord application commands generated from the core's declarations.

Each :class:`~bot.commands.Command` becomes an :class:`app_commands.Command` whose
callback takes exactly the declared options, typed as Discord types (strings with their
length limits, integers with their ranges, choices), with autocomplete for domains,
units, command names and dataset names. The callback's signature is built rather than
written, so a new option in ``handlers/`` appears on Discord without touching this adapter.

``/submit`` is the exception to "options as declared": only its domain is required on
Discord, because whatever the user leaves out is asked for in a modal.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.commands import Command, Option, OptionType
from bot.runner import AsyncCore
from bot.suggest import Suggestion, suggest
from knowledge.store import Store

#: Commands that open a form for missing options: only their first option is required.
FORM_COMMANDS = frozenset({"submit"})
DESCRIPTION = 100
CHOICES = 25
STRING_MAX = 6000

Run = Callable[[discord.Interaction, Command, dict[str, Any]], Awaitable[None]]


def is_required(command: Command, option: Option) -> bool:
    if command.name in FORM_COMMANDS:
        return option is command.options[0]
    return option.required


def _annotation(option: Option) -> Any:
    if option.type is OptionType.INTEGER:
        low = option.min_value if option.min_value is not None else -(2**53)
        high = option.max_value if option.max_value is not None else 2**53
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
    """Autocomplete for the options that declare a source (:attr:`Option.autocomplete`).

    The candidates come from :func:`bot.suggest.suggest`, as in the console. Names of
    datasets are read from the store, so that lookup runs on the core's worker thread
    like every other store call; the rest is in memory and answered on the loop.
    """

    def __init__(self, core: AsyncCore) -> None:
        self.core = core

    def _candidates(
        self, option: Option, current: str, given: dict[str, str], store: Store | None
    ) -> list[Suggestion]:
        core = self.core.core
        return suggest(
            option,
            current,
            library=core.library,
            store=store,
            commands=core.commands,
            given=given,
            limit=CHOICES,
        )

    def source(self, option: Option) -> Any:
        """The autocomplete callback for ``option``, or None when it has no source."""
        if option.autocomplete is None:
            return None
        reads_store = option.autocomplete == "datasets"

        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            given = {
                name: str(value)
                for name, value in vars(interaction.namespace).items()
                if value is not None
            }
            if reads_store:
                found = await self.core.call(
                    self._candidates, option, current, given, self.core.core.store
                )
            else:
                found = self._candidates(option, current, given, None)
            return [app_commands.Choice(name=s.label[:100], value=s.value[:100]) for s in found]

        return complete


def app_command(command: Command, run: Run, suggestions: Suggestions) -> app_commands.Command:
    """One declaration as a Discord slash command whose callback hands its options to ``run``."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        await run(interaction, command, options)

    callback.__signature__ = _signature(command)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        option.name: option.description[:DESCRIPTION] for option in command.options
    }
    callback.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        option.name: [app_commands.Choice(name=c, value=c) for c in option.choices[:CHOICES]]
        for option in command.options
        if option.choices
    }
    callback.__discord_app_commands_param_autocomplete__ = {  # type: ignore[attr-defined]
        option.name: suggestions.source(option)
        for option in command.options
        if option.autocomplete and not option.choices
    }
    callback.__name__ = callback.__qualname__ = f"{command.name}_command"
    return app_commands.Command(
        name=command.name,
        description=command.description[:DESCRIPTION],
        callback=callback,
    )


def build_tree(
    client: discord.Client,
    commands: dict[str, Command],
    run: Run,
    suggestions: Suggestions,
    guild: discord.abc.Snowflake | None = None,
) -> app_commands.CommandTree:
    """A command tree holding every declared command (for ``guild`` only, if given)."""
    tree = app_commands.CommandTree(client)
    for command in commands.values():
        tree.add_command(app_command(command, run, suggestions), guild=guild)
    return tree


def schema(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> list[dict]:
    """The JSON Discord stores for the tree's commands (what a sync would PUT)."""
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]


#: Keys Discord echoes back that say nothing about the command's shape.
_SERVER_KEYS = frozenset(
    {"id", "application_id", "version", "guild_id", "dm_permission", "name_localized"}
)


def comparable(commands: list[dict]) -> list[dict]:
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
