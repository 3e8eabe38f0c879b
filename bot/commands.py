"""How a command is declared: once, with everything every adapter needs to register it.

A :class:`Command` names the handler, its description, its typed options (with where
their autocomplete comes from) and who may run it. The console's grammar, Slack's
slash commands and Discord's application-command schema are all generated from these
declarations, so the platforms cannot drift apart from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.reply import Reply
    from knowledge.kb import Library
    from knowledge.store import Store


class OptionType(StrEnum):
    TEXT = "text"
    DOMAIN = "domain"
    QUANTITY = "quantity"
    UNIT = "unit"
    URL = "url"
    INTEGER = "integer"
    CHOICE = "choice"
    COMMAND = "command"
    #: Free text like TEXT, completed from the names of datasets already in the ledger.
    DATASET = "dataset"


class Permission(StrEnum):
    EVERYONE = "everyone"
    MODERATOR = "moderator"


@dataclass(frozen=True)
class Option:
    """One typed option. ``greedy`` options take the rest of a text command's words."""

    name: str
    type: OptionType
    description: str
    required: bool = True
    max_length: int = 100
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    greedy: bool = False

    @property
    def autocomplete(self) -> str | None:
        """Where an adapter gets suggestions for this option, if anywhere."""
        return {
            OptionType.DOMAIN: "domains",
            OptionType.UNIT: "units",
            OptionType.COMMAND: "commands",
            OptionType.DATASET: "datasets",
        }.get(self.type)


@dataclass(frozen=True)
class Request:
    """Who asked, from where, and the shared state a handler may read or write."""

    command: str
    user: str
    platform: str
    library: Library
    store: Store
    commands: dict[str, Command]
    is_moderator: bool = False
    workspace: str | None = None
    channel: str | None = None


Handler = Callable[..., "Reply"]


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    handler: Handler
    example: str
    options: tuple[Option, ...] = ()
    permission: Permission = Permission.EVERYONE
    more_examples: tuple[str, ...] = field(default=())

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for option in self.options:
            shown = option.name.upper()
            parts.append(shown if option.required else f"[{shown}]")
        return " ".join(parts)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)
