"""How a command is declared: once, with everything every adapter needs to register it.

A :class:`Command` names the handler, its description, its typed options (each of a
kind from :mod:`bot.kinds`, which carries the value's parameters and reads, checks and
suggests its values; :class:`Option` itself is declared there), who may run
it and whether a form collects what it lacks. The console's grammar, Slack's slash
commands and forms and Discord's application-command schema are all generated from
these declarations, so the platforms cannot drift apart from the code.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot import kinds
from bot.kinds import SAFE_INTEGER as SAFE_INTEGER
from bot.kinds import Option as Option
from bot.phrasing import counted, join_and, number_word, with_article

if TYPE_CHECKING:
    from bot.checking import CheckJob
    from bot.notices import Notice
    from bot.reply import Reply
    from knowledge.kb import Library
    from knowledge.sourcecheck import SourceCheck
    from knowledge.store import Store


class OptionType:
    """The kinds of option value with their plain parameters, one shared object each.

    A kind with parameters of its own is made where it is declared:
    ``kinds.Text(label="note", max_length=500)`` (see :mod:`bot.kinds`).
    """

    TEXT: kinds.Kind = kinds.Text()
    #: Every field option: the same label and length wherever a command takes a field
    #: (declared as ``handlers.options.field()``).
    DOMAIN: kinds.Kind = kinds.Field(label="field", max_length=60)
    QUANTITY: kinds.Kind = kinds.Amount()
    UNIT: kinds.Kind = kinds.Unit()
    URL: kinds.Kind = kinds.Link()
    INTEGER: kinds.Kind = kinds.WholeNumber()
    CHOICE: kinds.Kind = kinds.Choice()
    COMMAND: kinds.Kind = kinds.CommandName()
    #: Free text that is searched, not stored: line breaks are only spacing.
    QUESTION: kinds.Kind = kinds.Question()
    #: Free text like TEXT, offered from the names of datasets already in the ledger; every
    #: dataset option (``handlers.options.dataset()``) under one label and length.
    DATASET: kinds.Kind = kinds.DatasetName(label="dataset name", max_length=120)


class Permission(StrEnum):
    EVERYONE = "everyone"
    MODERATOR = "moderator"


@dataclass(frozen=True)
class Surface:
    """Where a reply is shown: all a reply may depend on besides its command and options.

    Built once per request (``Core.surface``) and used twice: in the :class:`Request` a
    handler reads, and in the reply cache's key (``bot.runner``). A fact added here is
    therefore in the key as well; a pure command's reply cannot depend on anything else.
    """

    platform: str
    #: The platform shows images: a chart goes as a PNG, else as lines of text.
    images: bool = False
    #: The web view's public base URL (``SCALEBOT_WEB_URL``): replies link to its pages.
    web_url: str | None = None
    #: Confirmations that approve a pending point (SCALEBOT_AUTO_APPROVE_CONFIRMATIONS);
    #: 0: only a moderator approves.
    auto_approve_confirmations: int = 0
    #: The lab's time zone for weeks (``SCALEBOT_DIGEST_TZ``): ``/digest``'s week is the
    #: one the news channel's digest covers.
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Asker:
    """Who asks, and how: what a command declared ``pure`` must never read."""

    user: str
    is_moderator: bool = False
    workspace: str | None = None
    channel: str | None = None
    #: The command came from pressing a button of an earlier reply (see ``Reply.replace``).
    pressed: bool = False
    #: The platform's id of this request (see ``Caller.request_id``); None on the terminal.
    request_id: str | None = None
    #: Sent from the platform's review channel, where a decision replaces its card.
    in_review_channel: bool = False


class NotPure(Exception):
    """A command declared ``pure`` did what only a command that is not pure may do.

    A programming error, raised the first time the handler runs (in the tests), so that
    the reply cache never serves one user's answer to another.
    """


class PureCommandReadCaller(NotPure):
    """A pure command's handler read who asks (``request.user``, ``is_moderator``...)."""


class PureCommandNotified(NotPure):
    """A pure command's handler sent a notice, which a reply from the cache would not."""


@dataclass(frozen=True)
class Request:
    """What a handler reads: the surface, who asks, and the shared state it may change.

    ``asker`` is None for a command declared ``pure``: its handler is then refused (by
    :class:`PureCommandReadCaller`) when it reads any of the asker's properties below,
    since its reply is kept and served to whoever asks the same question next.
    """

    command: str
    surface: Surface
    library: Library
    store: Store
    commands: dict[str, Command]
    asker: Asker | None = None
    #: What others should hear of this command once it is answered (see ``notify``).
    notices: list[Notice] = field(default_factory=list)
    #: Source checks to run once the reply is sent (see ``check_later``).
    checks: list[CheckJob] = field(default_factory=list)
    #: Whether this bot checks sources (``SCALEBOT_CHECK_SOURCES``).
    checks_sources: bool = False
    #: Outcomes of checks this call awaited, by their job's key (see ``check_now``).
    awaited: Mapping[Hashable, Any] = field(default_factory=dict)

    # -- the surface: any command may read it ------------------------------------------

    @property
    def platform(self) -> str:
        return self.surface.platform

    @property
    def images(self) -> bool:
        return self.surface.images

    @property
    def web_url(self) -> str | None:
        return self.surface.web_url

    @property
    def auto_approve_confirmations(self) -> int:
        return self.surface.auto_approve_confirmations

    @property
    def time_zone(self) -> str:
        return self.surface.time_zone

    # -- who asks: refused to a pure command -------------------------------------------

    def _asker(self, what: str) -> Asker:
        if self.asker is None:
            raise PureCommandReadCaller(
                f"/{self.command} is declared pure but read request.{what}. A pure "
                "command's reply is kept and served to whoever asks next, so it may read "
                "only its options, the ledger and the surface (request.platform, "
                "request.images, request.web_url). If the reply depends on who asks, "
                f'declare it Command(name="{self.command}", ..., pure=False).'
            )
        return self.asker

    @property
    def user(self) -> str:
        return self._asker("user").user

    @property
    def is_moderator(self) -> bool:
        return self._asker("is_moderator").is_moderator

    @property
    def workspace(self) -> str | None:
        return self._asker("workspace").workspace

    @property
    def channel(self) -> str | None:
        return self._asker("channel").channel

    @property
    def pressed(self) -> bool:
        return self._asker("pressed").pressed

    @property
    def request_id(self) -> str | None:
        return self._asker("request_id").request_id

    @property
    def in_review_channel(self) -> bool:
        return self._asker("in_review_channel").in_review_channel

    def notify(self, notice: Notice) -> None:
        """Tell the review channels or a user something, after the reply is sent.

        Handlers only record it: delivering is the platforms' job, and a failure there
        must never undo or fail the command that caused it. A pure command may not: a
        reply served from the cache would tell nobody.
        """
        if self.asker is None:
            raise PureCommandNotified(
                f"/{self.command} is declared pure but called request.notify: its reply "
                "is served from the cache without running it, so the notice would be sent "
                "only once. Declare it with pure=False."
            )
        self.notices.append(notice)

    def check_later(self, job: CheckJob) -> None:
        """Check a point's source once the reply is sent (see :mod:`bot.checking`)."""
        self._asker("check_later")
        self.checks.append(job)

    def check_now(self, job: CheckJob) -> SourceCheck:
        """The outcome of ``job``, awaited before this reply.

        The first time, this raises :class:`bot.checking.Awaiting`: the core starts the
        check and runs the handler again with the outcome here. So a handler asks
        before it writes anything.
        """
        self._asker("check_now")
        outcome: SourceCheck | None = self.awaited.get(job.key)
        if outcome is not None:
            return outcome
        from bot.checking import Awaiting

        raise Awaiting(job)


Handler = Callable[..., "Reply"]


@dataclass(frozen=True)
class Command:
    """One command. ``form``: on platforms with forms, what the call lacks is asked there.

    The handler takes the :class:`Request` and then exactly the declared options, by
    name; that is checked here, when the command is declared, so a renamed option can
    never reach a handler under its old name.
    """

    name: str
    description: str
    handler: Handler
    example: str
    options: tuple[Option, ...] = ()
    permission: Permission = Permission.EVERYONE
    more_examples: tuple[str, ...] = field(default=())
    form: bool = False
    #: Where ``/help`` lists it: lower first, then by name.
    order: int = 100
    #: Its reply depends on its options, the knowledge base, the ledger and the
    #: :class:`Surface` alone, never on who asks: the adapters may reuse it for the same
    #: question on the same surface until the ledger changes. Checked as it runs: its
    #: handler's request refuses reads of who asks (:class:`PureCommandReadCaller`).
    pure: bool = False
    #: Its reply may carry a chart: where matplotlib is not loaded yet, the platforms
    #: defer at once instead of waiting out their answer budget on the import.
    draws: bool = False
    #: A check across options once each is converted (a fraction of a count of clips);
    #: it raises a :class:`~bot.errors.UserError` saying what is wrong.
    check: Callable[[dict[str, Any]], None] | None = None
    #: Counts toward ``SCALEBOT_SUBMIT_LIMIT`` as well as the command limit: each time it
    #: stores something (in that write's own transaction; see ``Store.charging``).
    counts_as_submission: bool = False

    def __post_init__(self) -> None:
        wanted = ["request", *(option.name for option in self.options)]
        parameters = inspect.signature(self.handler).parameters.values()
        named = [p.name for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD]
        if len(named) < len(parameters):  # ``**options`` takes whatever is declared
            fits = named[:1] == ["request"] and set(named) <= set(wanted)
        else:
            fits = named == wanted
        if not fits:
            shown = ", ".join(str(p) for p in parameters)
            raise TypeError(
                f"/{self.name}: {self.handler.__name__}({shown}) does not match its options; "
                f"the declaration calls it with ({', '.join(wanted)})"
            )

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for option in self.options:
            shown = option.name.upper()
            parts.append(shown if option.required else f"[{shown}]")
        return " ".join(parts)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def option_groups(self) -> list[list[Option]]:
        """Consecutive options that name the same kind of thing: /compare's four fields."""
        groups: list[list[Option]] = []
        for option in self.options:
            if groups and groups[-1][0].noun == option.noun:
                groups[-1].append(option)
            else:
                groups.append([option])
        return groups

    def needs(self, given: Collection[str]) -> str:
        """What a call with the options ``given`` still lacks, in words; empty if nothing.

        ``at least two fields (you gave one)``, ``a dataset name, a quantity and a unit``.
        """
        parts = []
        for group in self.option_groups():
            required = [option for option in group if option.required]
            if all(option.name in given for option in required):
                continue
            noun = group[0].noun
            if len(group) > len(required):
                amount = f"at least {counted(len(required), noun)}"
            elif len(required) == 1:
                amount = with_article(noun)
            else:
                amount = counted(len(required), noun)
            have = sum(option.name in given for option in group)
            parts.append(f"{amount} (you gave {number_word(have)})" if have else amount)
        return join_and(parts)

    def takes(self) -> str:
        """How many values the command takes, in words: ``at most four fields``."""
        groups = self.option_groups()
        if not groups:
            return "nothing after its name"
        parts = []
        for group in groups:
            noun, size = group[0].noun, len(group)
            if size == 1 and len(groups) > 1:
                parts.append(with_article(noun))
            elif all(option.required for option in group):
                parts.append(counted(size, noun))
            else:
                parts.append(f"at most {counted(size, noun)}")
        return join_and(parts)
