"""The shared core: one object that owns settings, knowledge base, store and commands.

Every adapter (console, Slack, Discord) and the CLI go through :meth:`Core.invoke` (options
already split, as Discord sends them) or :meth:`Core.ask` (one line of text, as Slack and
the terminal send it). Permissions, conversion, validation and the turning of user
errors into replies all happen here, once, so no platform can skip them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import importer
from bot.capabilities import TEXT_ONLY, Capabilities
from bot.commands import Asker, Command, Option, Permission, Request, Surface
from bot.config import Settings
from bot.converters import clean_text, convert
from bot.errors import (
    DiskFull,
    InvalidValue,
    LedgerBusyError,
    MissingOption,
    NotAllowed,
    NotStored,
    NotText,
    RateLimited,
    TooLong,
    UnknownCommand,
    UserError,
    WritesOff,
)
from bot.grammar import MAX_COMMAND_LENGTH, bind, split_command
from bot.importer import IMPORT_COLUMNS as IMPORT_COLUMNS
from bot.importer import Imported
from bot.importer import ImportFailed as ImportFailed
from bot.importer import ImportInterrupted as ImportInterrupted
from bot.kinds import Quantity, suggest_commands
from bot.limiter import SCOPE as COMMAND_SCOPE
from bot.limiter import CommandLimiter, OverCommandLimit, Verdict
from bot.limits import too_many_commands, too_many_submissions
from bot.notices import Notice
from bot.plaintext import NotPlainText, check_text, shown
from bot.reply import Reply
from knowledge.imports import Import, Undone
from knowledge.kb import KB_DIR, Library
from knowledge.rates import Charge, CountReader, OverLimit
from knowledge.store import (
    LedgerBusy,
    LedgerFull,
    LedgerReadOnly,
    LedgerUnavailable,
    NewPoint,
    StorageFault,
    Store,
    Submitter,
)

log = logging.getLogger(__name__)

CURATED_CSV = KB_DIR / "datasets.csv"
#: The scope submission counts are stored under in ``rate_counts``.
SUBMISSIONS = "submissions"
#: Notices kept for a deliverer that has not taken them yet (see ``Core.take_notices``).
NOTICE_BACKLOG = 100


@dataclass(frozen=True)
class Caller:
    """Who is asking and from where; ``is_admin`` is the platform's own admin flag.

    ``request_id`` names the platform's request (Slack's trigger or view, Discord's
    interaction), so that the same request delivered twice (a replay, a retry) is
    answered from what the first delivery stored instead of storing it again. The
    terminal and the CLI have no such id: each line they send is a new request.

    ``capabilities`` and ``local_operator`` are neutral facts the adapter reports (what
    its platform shows; whether the person asking is the one at the terminal that runs
    the bot): the core decides on them, never on the platform's name.
    """

    user: str
    workspace: str | None = None
    channel: str | None = None
    is_admin: bool = False
    request_id: str | None = None
    capabilities: Capabilities = TEXT_ONLY
    local_operator: bool = False

    @property
    def platform(self) -> str:
        """The prefix of the user id (``slack:U1`` -> ``slack``): data, stored with a point."""
        return self.user.partition(":")[0]  # bot.notices.platform_of, inline: every request


def curated_edition(path: Path) -> str:
    """A fingerprint of the curated file: a new edition is brought into every ledger."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def readable(text: str, what: str) -> None:
    """Refuse text that was never text (undecodable bytes), before anything reads it."""
    try:
        check_text(text)
    except NotPlainText as problem:
        raise NotText(
            f"{what} {problem}. Nothing was stored: send it again as plain text.",
            example="/scale video",
        ) from None


def internal_error() -> Reply:
    """What a user is told when something of ours failed, on every platform alike.

    Never the exception's text: that is for the log, with the traceback.
    """
    return Reply(
        title="Something went wrong on our side",
        summary="The error is logged for the admin; nothing you sent was lost. "
        "Please try again in a moment.",
        kind="error",
        visibility="private",
        data={"error": "InternalError"},
    )


def storage_error(fault: StorageFault) -> UserError:
    """What a user is told when SQLite could not store a write, in chat and in the CLI alike.

    Each says that nothing was stored and whether trying again can help: a held lock
    passes, a read-only file or a full disk does not until the admin acts.
    """
    if isinstance(fault, LedgerBusy):
        return LedgerBusyError(
            f"The ledger is busy: another process (a bulk import, say) has held its write "
            f"lock for over {fault.seconds:g} s. Nothing was stored; try again in a minute."
        )
    if isinstance(fault, LedgerReadOnly):
        return WritesOff(
            f"Writes are off because {fault.reason}. Nothing was stored; "
            "commands that only read still answer.",
            example="/scale video",
        )
    if isinstance(fault, LedgerFull):
        return DiskFull(
            "The disk that holds the ledger is full, so nothing was stored. Trying again "
            "will not help until the admin frees space; the log names the file."
        )
    if isinstance(fault, LedgerUnavailable):
        return NotStored(f"The ledger cannot be opened: {fault}.")
    return NotStored(
        "The ledger's disk failed to write, so nothing was stored. "
        "The admin has the cause in the log."
    )


def error_reply(error: UserError) -> Reply:
    summary = error.message
    if error.example:
        summary += f"\nExample: {error.example}"
    return Reply(
        title=error.title,
        summary=summary,
        kind="error",
        visibility="private",
        data={"error": type(error).__name__, "example": error.example, "option": error.option},
    )


def refused_write(name: str, fault: StorageFault) -> Reply:
    """The reply to a command whose write SQLite refused, and one log line for the admin.

    A full disk or an I/O error needs the admin, so it is an error naming the cause and
    the file; a held lock or a read-only file is a warning. No traceback: the cause is
    known, and the rest of the bot is fine.
    """
    needs_admin = not isinstance(fault, LedgerBusy | LedgerReadOnly)
    log.log(
        logging.ERROR if needs_admin else logging.WARNING,
        "/%s stored nothing: %s",
        name,
        fault,
    )
    return error_reply(storage_error(fault))


class Core:
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
        #: The ledger's ``data_version`` and community fields as last read: another
        #: process adding a field is seen at the next command (see ``_follow_domains``).
        self._seen_version: int | None = None
        self._seen_domains: tuple[int, int] | None = None
        self.clock = clock
        self._counts = CountReader(store.connect_again) if store.path != ":memory:" else None
        self._kept_counts: tuple[int, dict[str, int]] = (0, {})  # when writes are off
        self.limiter = CommandLimiter(settings.command_limit, self._read_count, self._add_counts)

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
            core.load_domains()
            core._catch_up()
        except BaseException:
            store.close()
            raise
        return core

    def _catch_up(self) -> None:
        """Index the knowledge base's claims and seed the curated points, if not done yet.

        Both check with a plain read first, so an up-to-date database opens without the
        write lock. A read-only one that is behind is served as it is, and the log says
        what is missing.
        """
        store = self.store
        try:
            store.compile_claims(self.library)
            store.adopt_units(
                {
                    domain.slug: domain.headline_unit
                    for domain in self.library.domains.values()
                    if domain.headline_unit
                }
            )
        except LedgerReadOnly as fault:
            log.warning("the claims index predates the knowledge base files: %s", fault)
        edition = curated_edition(CURATED_CSV)
        if store.meta("curated_edition") == edition:
            return
        points = self.read_csv(CURATED_CSV)
        try:
            store.sync_curated(points, Submitter("system:curated", "system"), edition)
        except LedgerReadOnly as fault:
            log.warning("the curated data points are not up to date: %s", fault)

    def load_domains(self) -> None:
        """Serve every community field the ledger holds that the library lacks.

        A field whose name the knowledge base has taken since it was added (a new alias
        in a domain file) is left out with a warning: the essay's names come first.
        """
        self._seen_domains = self.store.community_signature()
        # All at once: one index build however many fields (one a field was quadratic).
        for domain, clash in self.library.add_communities(self.store.community_domains()):
            log.warning(
                "community field %r is not served: %r is now a name of %r",
                domain.slug,
                clash.name,
                clash.owner.slug,
            )

    def _follow_domains(self) -> None:
        """Load fields another process added, when the ledger has changed since last look.

        One pragma per command; the community table is read only after another
        connection committed, and only reloaded when it changed.
        """
        version = self.store.version()
        if version == self._seen_version:
            return
        self._seen_version = version
        if self.store.community_signature() != self._seen_domains:
            self.load_domains()

    def close(self) -> None:
        """Write the command counts still in memory, then close the database."""
        try:
            self.limiter.close(self.clock())
        finally:
            if self._counts is not None:
                self._counts.close()
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

    # -- rate limits ---------------------------------------------------------------------

    def command_limited(self, caller: Caller) -> bool:
        """The command limit spares moderators and the local operator (who runs the bot)."""
        return not caller.local_operator and not self.is_moderator(caller)

    def admit(self, caller: Caller) -> None:
        """Count one command of ``caller``'s, or raise :class:`RateLimited` (core thread)."""
        if not self.command_limited(caller):
            return
        now = self.clock()
        try:
            self.limiter.admit(caller.user, now)
        except OverCommandLimit:
            raise too_many_commands(self.settings.command_limit, now) from None

    def admit_quickly(self, caller: Caller) -> Verdict:
        """:meth:`admit` without writing, for a reply served from the adapters' cache.

        ASK: only :meth:`admission` on the core's thread can tell.
        """
        if not self.command_limited(caller):
            return Verdict.ADMIT
        return self.limiter.quick(caller.user, self.clock())

    def admission(self, caller: Caller) -> Reply | None:
        """:meth:`admit` as a reply: None when admitted, else the refusal to send."""
        try:
            self.admit(caller)
        except UserError as error:
            return error_reply(error)
        return None

    def refusal(self) -> Reply:
        """The reply to a command over the command limit (the window is the same for all)."""
        return error_reply(too_many_commands(self.settings.command_limit, self.clock()))

    def flush_limits(self) -> None:
        """Write the command counts due (the runner calls it on the core's thread)."""
        self.limiter.flush(self.clock())

    def _read_count(self, user: str, window: int) -> int:
        if self._counts is None:
            return self.store.rate_count(user, COMMAND_SCOPE, window)
        return self._counts.count(user, COMMAND_SCOPE, window)

    def _add_counts(self, window: int, expires: int, counts: dict[str, int]) -> dict[str, int]:
        """Store the command counts; on a read-only ledger, keep them in this process.

        Reads go on when writes are off, so the limit must too: it then holds per
        process rather than across them, which is the best a file we cannot write allows.
        """
        if self.store.read_only is None:
            return self.store.add_rate_counts(COMMAND_SCOPE, window, expires, counts)
        kept_window, kept = self._kept_counts
        if kept_window != window:
            kept = {}
            self._kept_counts = (window, kept)
        for user, count in counts.items():
            kept[user] = kept.get(user, 0) + count
        return {user: kept[user] for user in counts}

    def submission_charge(self, command: Command, caller: Caller) -> Charge | None:
        """What a run of ``command`` must count toward the submission limit, if anything.

        Moderators are exempt; everyone else, the terminal's user too, is counted.
        """
        if not command.counts_as_submission or self.is_moderator(caller):
            return None
        limit = self.settings.submit_limit
        window = limit.window(self.clock())
        return Charge(caller.user, SUBMISSIONS, window, window + limit.seconds, limit.count)

    def _too_many_submissions(self) -> RateLimited:
        counted = [name for name, c in self.commands.items() if c.counts_as_submission]
        return too_many_submissions(self.settings.submit_limit, self.clock(), counted)

    # -- entry points --------------------------------------------------------------------

    def ask(
        self,
        text: str,
        user: str = "console:local",
        *,
        workspace: str | None = None,
        channel: str | None = None,
        is_admin: bool = False,
        request_id: str | None = None,
        capabilities: Capabilities = TEXT_ONLY,
        local_operator: bool = True,
    ) -> Reply:
        """Run one command typed as text; text without a leading ``/`` is a question.

        The Python API: the program that holds the core asks, so by default as the local
        operator (spared the command limit, like the terminal) on a text-only surface.
        The keywords are :class:`Caller`'s; an adapter holding one calls :meth:`run_line`.
        """
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
            suggestions = suggest_commands(name, self.commands)
            hint = f" Did you mean /{suggestions[0]}?" if suggestions else ""
            raise UnknownCommand(
                f"There is no command /{shown(name)}.{hint} Type /help for the list.",
                example=f"/{suggestions[0]}" if suggestions else "/help",
            )
        return command

    def invoke(
        self, name: str, raw_options: dict[str, str], caller: Caller, *, pressed: bool = False
    ) -> Reply:
        """Run a command whose options arrive already split (as Discord sends them).

        ``pressed``: the command comes from a button of an earlier reply.
        """
        try:
            self.admit(caller)
            self._follow_domains()
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
            )
            charge = self.submission_charge(command, caller)
            if charge is None:
                reply = command.handler(request, **values)
            else:
                with self.store.charging(charge):
                    reply = command.handler(request, **values)
            self._notices.extend(request.notices)
            return reply
        except UserError as error:
            return error_reply(error)
        except OverLimit:
            return error_reply(self._too_many_submissions())
        except StorageFault as fault:
            return refused_write(name, fault)
        except Exception:
            log.exception("command /%s failed", name)
            return internal_error()

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

    # -- bulk data -----------------------------------------------------------------------

    def new_point(self, raw: dict[str, str]) -> NewPoint:
        """Validate one data point exactly as ``/submit`` does (used by imports and forms)."""
        values = self.convert_options(self.command("submit"), raw)
        quantity: Quantity = values["quantity"]
        return NewPoint(
            domain=values["domain"].slug,
            dataset=values["dataset"],
            quantity_text=quantity.text,
            quantity=quantity.value,
            unit=values["unit"],
            source_url=values["source"],
            year=values["year"],
            note=values["note"] or "",
        )

    def read_csv(self, path: Path) -> list[NewPoint]:
        """Every row of a small CSV file as a point (the curated file), or
        :class:`ImportFailed` naming every bad line."""
        return importer.read_all(path, self.new_point)

    def import_csv(
        self,
        path: Path,
        user: str,
        *,
        resume: int | None = None,
        started: Callable[[Import], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Imported:
        """Load a CSV file as approved points: checked whole, stored in short batches.

        All or nothing: a bad row stores nothing, and rows stored before a failure are
        taken out again (see :mod:`bot.importer` for resuming or undoing an import that
        could not be). ``started`` is told the import's id before the first batch,
        ``progress`` how many rows are stored after each.
        """
        who = Submitter(user, Caller(user).platform)
        return importer.run(
            self.store,
            path,
            self.new_point,
            who,
            resume=resume,
            started=started,
            progress=progress,
        )

    def undo_import(self, import_id: int, user: str) -> Undone:
        """Take out the points an unfinished import stored."""
        return importer.undo(self.store, import_id, user)

    def unfinished_imports(self) -> list[Import]:
        """Imports interrupted partway (or being written by another process now)."""
        return importer.unfinished(self.store)
