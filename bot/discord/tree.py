"""Discord application commands generated from the core's declarations.

Each :class:`~bot.commands.Command` becomes an :class:`app_commands.Command` whose
callback takes exactly the declared options, typed as Discord types (strings with their
length limits, integers with their ranges, choices), with autocomplete for domains,
units and command names. The callback's signature is built rather than written, so a
new option in ``handlers/`` appears on Discord without touching this adapter.

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
from knowledge.kb import Library
from knowledge.units import UNITS

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
    """Autocomplete sources named by :attr:`Option.autocomplete`."""

    def __init__(self, library: Library, commands: dict[str, Command]) -> None:
        self.library = library
        self.commands = commands

    def _matching(self, names: list[tuple[str, str]], current: str) -> list[app_commands.Choice]:
        typed = current.strip().casefold()
        starts = [(label, value) for label, value in names if value.casefold().startswith(typed)]
        contains = [
            (label, value)
            for label, value in names
            if typed in label.casefold() and (label, value) not in starts
        ]
        return [
            app_commands.Choice(name=label[:100], value=value[:100])
            for label, value in (starts + contains)[:CHOICES]
        ]

    async def domains(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice]:
        names = [(f"{d.name} ({d.slug})", d.slug) for d in self.library.domains.values()]
        return self._matching(names, current)

    async def units(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice]:
        return self._matching([(unit, unit) for unit in UNITS], current)

    async def commands_(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice]:
        names = [(f"{name}: {c.description}", name) for name, c in self.commands.items()]
        return self._matching(names, current)

    def source(self, option: Option) -> Any:
        kind = option.autocomplete
        if kind is None:
            return None
        return {"domains": self.domains, "units": self.units, "commands": self.commands_}[kind]


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
