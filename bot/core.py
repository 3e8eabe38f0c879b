"""The shared core: one object that owns settings, knowledge base, store and commands.

Every adapter (console, Slack, Discord) and the CLI go through :meth:`Core.invoke` (options
already split, as Discord sends them) or :meth:`Core.ask` (one line of text, as Slack and
the terminal send it). Permissions, conversion, validation and the turning of user
errors into replies all happen here, once, so no platform can skip them.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import deque
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.caller import Caller as Caller
from bot.capabilities import Capabilities
from bot.checking import Awaiting, CheckJob, SourceChecks, Suspended
from bot.commands import Asker, Command, Option, Permission, Request, Surface
from bot.communityfields import CommunityFields
from bot.config import Settings
from bot.converters import clean_text, convert
from bot.errors import (
    InvalidValue,
    MissingOption,
    NotAllowed,
    NotText,
    TooLong,
    UnknownCommand,
    UserError,
)
from bot.failures import error_reply, internal_error, refused_write
from bot.grammar import MAX_COMMAND_LENGTH, bind, split_command
from bot.notices import Notice
from bot.plaintext import NotPlainText, check_text
from bot.platforms import reported
from bot.ratelimits import RateLimits
from bot.reply import Reply
from bot.seeding import catch_up
from bot.suggest import unknown_command
from knowledge.kb import Library
from knowledge.ledger.faults import StorageFault
from knowledge.rates import OverLimit
from knowledge.sourcecheck import SourceCheck
from knowledge.store import Store

if TYPE_CHECKING:
    from bot.notices import NewsRenderers

log = logging.getLogger(__name__)

#: Notices kept for a deliverer that has not taken them yet (see ``Core.take_notices``).
NOTICE_BACKLOG = 100


def readable(text: str, what: str) -> None:
    """Refuse text that was never text (undecodable bytes), before anything reads it."""
    try:
        check_text(text)
    except NotPlainText as problem:
        raise NotText(
            f"{what} {problem}. Nothing was stored: send it again as plain text.",
            example="/scale video",
        ) from None


class Core:
    """Runs a command for a caller: parse, permissions, limits, conversion, the handler.

    What it holds but does not do itself has a module of its own: the rate limits
    (:mod:`bot.ratelimits`), following community fields (:mod:`bot.communityfields`),
    what opening brings into the ledger (:mod:`bot.seeding`), the wording of failures
    (:mod:`bot.failures`). CSV imports go through :mod:`bot.importer`.
    """

    def __init__(
        self,
        settings: Settings,
        library: Library,
        store: Store,
        commands: dict[str, Command] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock``: UTC epoch seconds, for the rate limits' windows (tests move it)."""
        if commands is None:
            from bot.registry import COMMANDS

            commands = COMMANDS
        self.settings = settings
        self.library = library
        self.store = store
        self.commands = commands
        self._notices: deque[Notice] = deque(maxlen=NOTICE_BACKLOG)
        #: Each platform's :class:`Surface`, by what its adapter declared (see ``surface``).
        self._surfaces: dict[tuple[str, Capabilities], Surface] = {}
        #: Community fields another process adds are served at the next command.
        self.fields = CommunityFields(library, store)
        self.limits = RateLimits(settings, store, commands, self.is_moderator, clock)
        #: Source checks: the jobs commands ask for, and where they run (bot/checking.py).
        self.checks = SourceChecks(settings, store)

    @classmethod
    def open(
        cls,
        db_path: str | Path | None = None,
        settings: Settings | None = None,
        commands: dict[str, Command] | None = None,
    ) -> Core:
        """Load the knowledge base, open and migrate the database, seed it on first start.

        ``commands`` replaces the registry's (tests add commands of their own).
        """
        settings = settings or Settings()
        if db_path is not None:
            settings = settings.model_copy(update={"db": Path(db_path)})
        library = Library.load()
        store = Store.open(settings.db)
        core = cls(settings, library, store, commands)
        try:
            core.fields.load()
            catch_up(core)
        except BaseException:
            store.close()
            raise
        return core

    @functools.cached_property
    def news(self) -> NewsRenderers:
        """How news is worded (record announcements, the digest): the handlers' renderers,
        which the runtime reaches only through here (the registry imports them)."""
        from bot.registry import news_renderers

        return news_renderers()

    @property
    def clock(self) -> Callable[[], float]:
        """UTC epoch seconds, for the rate limits' windows (tests set it to move them)."""
        return self.limits.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.limits.clock = clock

    def close(self) -> None:
        """Write the command counts still in memory, stop checks, close the database."""
        try:
            self.limits.close()
        finally:
            try:
                self.checks.close()
            finally:
                self.store.close()

    def __enter__(self) -> Core:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- permissions ---------------------------------------------------------------------

    def is_moderator(self, caller: Caller) -> bool:
        """Moderators named in configuration, anywhere; a platform's admins, where trusted.

        The adapter only reports the platform's own flag (Discord's Manage Server); the
        decision is made here, so no adapter can hand out moderation by mistake.
        """
        return caller.user in self.settings.moderators or (
            caller.is_admin and self.trusts_admins_of(caller)
        )

    def trusts_admins_of(self, caller: Caller) -> bool:
        """Whether the caller's workspace is one whose admins the deployment trusts.

        Anyone can add the bot to a server they own and hold Manage Server there, so the
        flag counts only in the servers named in configuration
        (``SCALEBOT_DISCORD_TRUSTED_GUILDS``), never by default.
        """
        trusted = self.settings.trusted_workspaces(caller.platform)
        return caller.workspace is not None and caller.workspace in trusted

    def surface(self, caller: Caller) -> Surface:
        """Where ``caller``'s reply is shown: the one place a :class:`Surface` is made.

        The core's :class:`Request` and the reply cache's key both take it from here, so
        a pure reply is never served to a surface it was not made for. One per platform
        and the capabilities its adapter declared, made at its first request (the
        settings are fixed for the core's life): the cache's key costs a dictionary lookup.
        """
        key = (caller.platform, caller.capabilities)
        surface = self._surfaces.get(key)
        if surface is None:
            surface = self._surfaces[key] = Surface(
                platform=key[0],
                images=caller.capabilities.images,
                web_url=self.settings.web_url,
                auto_approve_confirmations=self.settings.auto_approve_confirmations,
                time_zone=self.settings.digest_tz,
            )
        return surface

    def in_review_channel(self, caller: Caller) -> bool:
        """Whether the caller writes from the platform's configured review channel."""
        channel = self.settings.review_channel(caller.platform)
        return channel is not None and caller.channel == channel

    def take_notices(self) -> list[Notice]:
        """The notices commands emitted since the last call, oldest first; clears them.

        Whoever delivers them (the asyncio runner, the console) takes them after each
        command. Nobody taking them (the Python API) loses only the oldest: the backlog
        is bounded, so an embedding program that never asks does not grow without end.
        """
        taken = list(self._notices)
        self._notices.clear()
        return taken

    def ask(
        self,
        text: str,
        user: str = "console:local",
        *,
        workspace: str | None = None,
        channel: str | None = None,
        is_admin: bool = False,
        request_id: str | None = None,
        capabilities: Capabilities | None = None,
        local_operator: bool | None = None,
    ) -> Reply:
        """Run one command typed as text; text without a leading ``/`` is a question.

        The Python API, handed an id: unless told otherwise, ``user`` is answered as its
        platform's adapter would report them (:func:`bot.platforms.reported`): a
        ``slack:`` or ``discord:`` member sees PNG charts and is counted by the command
        limit, the terminal's ``console:`` user is the local operator on plain text. The
        keywords are :class:`Caller`'s; an adapter holding one calls :meth:`run_line`.
        """
        if capabilities is None or local_operator is None:
            facts = reported(user)
            capabilities = facts.capabilities if capabilities is None else capabilities
            if local_operator is None:
                local_operator = facts.local_operator
        caller = Caller(
            user, workspace, channel, is_admin, request_id, capabilities, local_operator
        )
        return self.run_line(text, caller)

    def run_line(self, text: str, caller: Caller) -> Reply:
        """:meth:`ask` for a :class:`Caller` the adapter built (with its capabilities)."""
        try:
            readable(text, "Your message")
            if len(text) > MAX_COMMAND_LENGTH:
                raise TooLong(
                    f"That message is {len(text)} characters; the limit is {MAX_COMMAND_LENGTH}.",
                    example="/ask why does video scale",
                )
            if not text.strip():
                return self.invoke("help", {}, caller)
            if not text.lstrip().startswith("/"):
                return self.invoke("ask", {"question": text}, caller)
            command, options = self.parse(text)
            return self.invoke(command.name, options, caller)
        except UserError as error:
            return error_reply(error)

    def parse(self, text: str) -> tuple[Command, dict[str, str]]:
        """The command a line of text names and its options, still as typed.

        Adapters use this to see what is missing before deciding to open a form.
        """
        name, rest = split_command(text)
        command = self.command(name)
        return command, bind(command, rest)

    def missing_options(self, command: Command, options: dict[str, str]) -> list[str]:
        """Required options of ``command`` that ``options`` leaves empty."""
        return [
            option.name
            for option in command.options
            if option.required and not (options.get(option.name) or "").strip()
        ]

    def form_fields(self, command: Command, given: dict[str, str]) -> list[Option]:
        """What a form should ask for, or nothing when the call needs no form.

        A command declared with ``form`` that lacks a required option is finished in a
        form on platforms that have them; the form asks for every option not given yet.
        """
        if not command.form or not self.missing_options(command, given):
            return []
        return [o for o in command.options if not (given.get(o.name) or "").strip()]

    def reason_option(self, text: str) -> Option | None:
        """The option a button's one-field form fills in for the command ``text``.

        The first required option the text leaves out (``/reject 12`` lacks its reason),
        else the last free-text option it leaves out (``/approve 12``'s note).
        """
        try:
            command, given = self.parse(text)
        except UserError:
            return None
        left_out = [o for o in command.options if not (given.get(o.name) or "").strip()]
        required = [o for o in left_out if o.required]
        if required:
            return required[0]
        free = [o for o in left_out if o.type.takes_any_text]
        return free[-1] if free else None

    def may_run(self, text: str, caller: Caller) -> bool:
        """Whether ``caller`` may run the command ``text`` names (before asking for more)."""
        try:
            command, _ = self.parse(text)
        except UserError:
            return False
        return command.permission is not Permission.MODERATOR or self.is_moderator(caller)

    def press(self, text: str, caller: Caller, reason: str | None = None) -> Reply:
        """Run a reply's button: its command ``text``, plus the ``reason`` a form asked for."""
        try:
            command, options = self.parse(text)
            if reason is not None:
                option = self.reason_option(text)
                if option is not None:
                    options[option.name] = reason
            return self.invoke(command.name, options, caller, pressed=True)
        except UserError as error:
            return error_reply(error)

    def command(self, name: str) -> Command:
        command = self.commands.get(name.removeprefix("/").casefold())
        if command is None and not name.removeprefix("/"):
            raise UnknownCommand(
                "A command's name goes right after the slash. Type /help for the list.",
                example="/scale video",
            )
        if command is None:
            raise unknown_command(name, self.commands)
        return command

    def invoke(
        self,
        name: str,
        raw_options: dict[str, str],
        caller: Caller,
        *,
        pressed: bool = False,
        awaited: dict[Hashable, Any] | None = None,
    ) -> Reply:
        """Run a command whose options arrive already split (as Discord sends them).

        ``pressed``: the command comes from a button of an earlier reply. ``awaited``:
        the call is resumed with the checks it awaited (:mod:`bot.checking`); it was
        admitted by the rate limits when it began.
        """
        try:
            if awaited is None:
                self.limits.admit(caller)
            self.fields.follow()
            readable(name, "The command's name")
            command = self.command(name)
            for option_name, raw in raw_options.items():
                option = command.option(option_name)
                readable(raw, f"The {option.noun if option else option_name}")
            moderator = self.is_moderator(caller)
            if command.permission is Permission.MODERATOR and not moderator:
                raise NotAllowed(
                    f"/{command.name} is for moderators. Ask one to add your id "
                    f"(`{caller.user}`) to SCALEBOT_MODERATORS.",
                    example="/submit to propose a data point instead",
                )
            values = self.convert_options(command, raw_options)
            # A pure command's reply is kept for whoever asks next: it gets no asker.
            asker = None
            if not command.pure:
                asker = Asker(
                    user=caller.user,
                    is_moderator=moderator,
                    workspace=caller.workspace,
                    channel=caller.channel,
                    pressed=pressed,
                    request_id=caller.request_id,
                    in_review_channel=self.in_review_channel(caller),
                )
            request = Request(
                command=command.name,
                surface=self.surface(caller),
                library=self.library,
                store=self.store,
                commands=self.commands,
                asker=asker,
                checks_sources=self.checks.enabled,
                awaited=awaited or {},
            )
            charge = self.limits.submission_charge(command, caller)
            if charge is None:
                reply = command.handler(request, **values)
            else:
                with self.store.charging(charge):
                    reply = command.handler(request, **values)
            self._notices.extend(request.notices)
            self.checks.keep(request.checks)
            return reply
        except Awaiting as need:
            return self._awaiting(need.job, name, raw_options, caller, pressed, awaited or {})
        except UserError as error:
            return error_reply(error)
        except OverLimit:
            return error_reply(self.limits.too_many_submissions())
        except StorageFault as fault:
            return refused_write(name, fault)
        except Exception:
            log.exception("command /%s failed", name)
            return internal_error()

    def _awaiting(
        self,
        job: CheckJob,
        name: str,
        raw_options: dict[str, str],
        caller: Caller,
        pressed: bool,
        awaited: dict[Hashable, Any],
    ) -> Reply:
        """The call again once ``job`` is checked: waited for here, or :class:`Suspended`."""

        def resume(outcomes: dict[Hashable, Any]) -> Reply:
            return self.invoke(name, raw_options, caller, pressed=pressed, awaited=outcomes)

        if not self.checks.inline:
            raise Suspended(job, functools.partial(self.checks.start, job), resume, awaited)
        return resume({**awaited, job.key: self.checks.wait(job)})

    def record_check(self, job: CheckJob, outcome: SourceCheck) -> None:
        """Store a finished check and keep the notices it calls for (the core's thread)."""
        try:
            self._notices.extend(self.checks.record(job, outcome))
        except StorageFault as fault:
            log.warning("the source check of #%d was not stored: %s", job.point_id, fault)
        except Exception:
            log.exception("recording the source check of #%d failed", job.point_id)

    def run_due_checks(self, timeout: float | None = None) -> list[tuple[CheckJob, SourceCheck]]:
        """Run the checks due and record them here, for callers with no event loop.

        The console and ``scalebot ask`` call this after showing a reply; the notices
        the outcomes call for are then in :meth:`take_notices`.
        """
        finished = self.checks.run_due(timeout)
        for job, outcome in finished:
            self.record_check(job, outcome)
        return finished

    def convert_options(self, command: Command, raw_options: dict[str, str]) -> dict[str, Any]:
        """Typed values for every declared option; unknown names and gaps are refused."""
        unknown = set(raw_options) - {option.name for option in command.options}
        if unknown:
            raise InvalidValue(
                f"/{command.name} has no option {', '.join(sorted(unknown))}. "
                f"Usage: {command.usage}",
                example=command.example,
            )
        values: dict[str, Any] = {}
        missing = []
        for option in command.options:
            raw = raw_options.get(option.name)
            if raw is None or not clean_text(raw):
                if option.required:
                    missing.append(option.name)
                else:
                    values[option.name] = option.default
                continue
            try:
                values[option.name] = convert(option, raw, command, self.library, self.commands)
            except UserError as error:
                error.option = error.option or option.name
                raise
        if missing:
            given = [name for name, raw in raw_options.items() if raw and clean_text(raw)]
            raise MissingOption(
                f"/{command.name} needs {command.needs(given)}. Usage: {command.usage}",
                example=command.example,
                option=missing[0],
            )
        if command.check is not None:
            command.check(values)
        return values
