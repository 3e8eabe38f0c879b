"""Buttons and modals: review buttons that survive restarts, the submit and reject forms.

Review buttons are :class:`discord.ui.DynamicItem`\\ s whose custom id carries the
decision and the point (``scalebot:approve:42``): discord.py rebuilds them from the id
of any click, so a ``/review`` message posted before a restart still works after it.
The buttons and forms only collect input; every decision, and the moderator check, is
the core's (through :class:`~bot.discord.client.DiscordAdapter`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.commands import Command, Option, OptionType
from bot.reply import Action

if TYPE_CHECKING:
    from bot.discord.client import DiscordAdapter

#: A modal holds at most this many inputs (Discord's limit).
MODAL_INPUTS = 5
MODAL_TITLE = 45
LABEL = 45
PLACEHOLDER = 100
TEXT_INPUT_MAX = 4000
BUTTON_LABEL = 80
REVIEW_TEMPLATE = r"scalebot:(?P<decision>approve|reject):(?P<id>[0-9]{1,18})"
_REVIEW_ACTION = re.compile(r"^(approve|reject):([0-9]{1,18})$")


def adapter_of(interaction: discord.Interaction) -> DiscordAdapter:
    """The adapter that owns the client this interaction came to."""
    return interaction.client.scalebot  # type: ignore[attr-defined]


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=REVIEW_TEMPLATE):
    """Approve or Reject one pending point; rebuilt from its custom id on every click."""

    def __init__(self, decision: str, point_id: int, label: str | None = None) -> None:
        style = discord.ButtonStyle.success if decision == "approve" else discord.ButtonStyle.danger
        super().__init__(
            discord.ui.Button(
                label=(label or f"{decision.title()} #{point_id}")[:BUTTON_LABEL],
                style=style,
                custom_id=f"scalebot:{decision}:{point_id}",
            )
        )
        self.decision = decision
        self.point_id = point_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> ReviewButton:
        return cls(match["decision"], int(match["id"]), item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        await adapter_of(interaction).on_review_button(interaction, self.decision, self.point_id)


def action_view(actions: list[Action]) -> discord.ui.View | None:
    """Buttons for a reply's review actions (at most 25), or None when it has none."""
    view = discord.ui.View(timeout=None)
    for action in actions[:25]:
        match = _REVIEW_ACTION.match(action.id)
        if match:
            view.add_item(ReviewButton(match[1], int(match[2]), action.label))
    return view if view.children else None


def _label(option: Option) -> str:
    return option.name.replace("_", " ").capitalize()[:LABEL]


class SubmitForm(discord.ui.Modal):
    """The /submit fields the slash command did not give, at most five of them."""

    def __init__(self, command: Command, given: dict[str, str], missing: list[Option]) -> None:
        super().__init__(title="Submit a data point"[:MODAL_TITLE], timeout=15 * 60)
        self.given = given
        self.inputs: list[discord.ui.TextInput[Any]] = []
        for option in missing[:MODAL_INPUTS]:
            field: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=_label(option),
                custom_id=option.name,
                placeholder=option.description[:PLACEHOLDER],
                required=option.required,
                max_length=min(option.max_length, TEXT_INPUT_MAX),
                style=discord.TextStyle.long
                if option.type is OptionType.TEXT and option.greedy
                else discord.TextStyle.short,
                default=given.get(option.name),
            )
            self.inputs.append(field)
            self.add_item(field)
        self.command = command

    def values(self) -> dict[str, str]:
        typed = {field.custom_id: field.value for field in self.inputs if field.value}
        return {**self.given, **typed}

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await adapter_of(interaction).on_submit_form(interaction, self)


class RejectForm(discord.ui.Modal):
    """The reason for rejecting one point (the submitter sees it)."""

    def __init__(self, command: Command, point_id: int) -> None:
        super().__init__(title=f"Reject #{point_id}"[:MODAL_TITLE], timeout=15 * 60)
        reason = command.option("reason")
        self.point_id = point_id
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Reason",
            custom_id="reason",
            placeholder=(reason.description if reason else "Why it is rejected")[:PLACEHOLDER],
            style=discord.TextStyle.long,
            max_length=min(reason.max_length if reason else 500, TEXT_INPUT_MAX),
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await adapter_of(interaction).on_reject_form(interaction, self.point_id, self.reason.value)
