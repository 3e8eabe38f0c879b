"""Buttons and modals for any command: they collect input and hand it to their owner.

Every button a reply asks for is an :class:`ActionButton`, a
:class:`discord.ui.DynamicItem` whose custom id carries the command it runs
(``scalebot:run:/approve 42``, or ``scalebot:ask:/reject 42`` when it asks for a reason
first): discord.py rebuilds it from the id of any click, so a message posted before a
restart still works after it. :class:`OptionsForm` asks for a command's missing options,
:class:`ReasonForm` for the one value a button's command lacks. None of them knows a
command by name, and none decides anything: they call back the client, which every
interaction carries, through the small :class:`Owner` protocol.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.commands import Command, Option
from bot.phrasing import capitalized
from bot.reply import ACTION_COMMAND_MAX, Action

#: A modal holds at most this many inputs (Discord's limit).
MODAL_INPUTS = 5
MODAL_TITLE = 45
LABEL = 45
PLACEHOLDER = 100
TEXT_INPUT_MAX = 4000
BUTTON_LABEL = 80
BUTTONS = 25
#: Discord's limit on a component's custom id.
CUSTOM_ID = 100
#: A button's custom id: the prefix, then the command it runs (whole: at most 100 characters).
ACTION_TEMPLATE = rf"scalebot:(?P<mode>run|ask):(?P<command>/.{{1,{ACTION_COMMAND_MAX - 1}}})"
_STYLES = {
    "primary": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
    "secondary": discord.ButtonStyle.secondary,
}


class Owner(Protocol):
    """What the buttons and forms call back: the client that received the interaction."""

    async def on_button(self, interaction: discord.Interaction, button: ActionButton) -> None: ...

    async def on_options_form(
        self, interaction: discord.Interaction, form: OptionsForm
    ) -> None: ...

    async def on_reason_form(self, interaction: discord.Interaction, form: ReasonForm) -> None: ...


def owner_of(interaction: discord.Interaction) -> Owner:
    """The client the interaction came to (our subclass, which implements :class:`Owner`)."""
    return cast(Owner, interaction.client)


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ACTION_TEMPLATE):
    """A reply's button; rebuilt from its custom id on every click, restarts included."""

    def __init__(self, command: str, needs_reason: bool, label: str, style: str) -> None:
        mode = "ask" if needs_reason else "run"
        super().__init__(
            discord.ui.Button(
                label=label[:BUTTON_LABEL],
                style=_STYLES.get(style, discord.ButtonStyle.secondary),
                custom_id=f"scalebot:{mode}:{command}",
            )
        )
        self.command = command
        self.needs_reason = needs_reason
        self.label = label

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ActionButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["command"], match["mode"] == "ask", label or "", "secondary")

    async def callback(self, interaction: discord.Interaction) -> None:
        await owner_of(interaction).on_button(interaction, self)


def action_view(actions: list[Action]) -> discord.ui.View | None:
    """Buttons for a reply's actions (at most 25), or None when it has none."""
    if not actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in actions[:BUTTONS]:
        view.add_item(ActionButton(action.command, action.needs_reason, action.label, action.style))
    return view


def _label(option: Option) -> str:
    return capitalized(option.noun)[:LABEL]


def _text_input(option: Option, default: str | None = None) -> discord.ui.TextInput[Any]:
    long = option.type.widget(option) == "paragraph"
    return discord.ui.TextInput(
        label=_label(option),
        custom_id=option.name,
        placeholder=option.description[:PLACEHOLDER],
        required=option.required,
        max_length=min(option.max_length, TEXT_INPUT_MAX),
        style=discord.TextStyle.long if long else discord.TextStyle.short,
        default=default,
    )


class OptionsForm(discord.ui.Modal):
    """A command's options that the slash command did not give, at most five of them."""

    def __init__(self, command: Command, given: dict[str, str], wanted: list[Option]) -> None:
        super().__init__(title=f"/{command.name}"[:MODAL_TITLE], timeout=15 * 60)
        self.command = command
        self.given = given
        self.inputs = [_text_input(option, given.get(option.name)) for option in wanted]
        for field in self.inputs[:MODAL_INPUTS]:
            self.add_item(field)

    def values(self) -> dict[str, str]:
        typed = {field.custom_id: field.value for field in self.inputs if field.value}
        return {**self.given, **typed}

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await owner_of(interaction).on_options_form(interaction, self)


class ReasonForm(discord.ui.Modal):
    """The one value a button's command still lacks (a rejection's reason)."""

    def __init__(self, command: str, option: Option, title: str) -> None:
        super().__init__(title=title[:MODAL_TITLE], timeout=15 * 60)
        self.command = command
        self.option = option
        self.field = _text_input(option)
        self.add_item(self.field)

    @property
    def reason(self) -> str:
        return self.field.value

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await owner_of(interaction).on_reason_form(interaction, self)
