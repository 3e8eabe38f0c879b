"""The two rate limits as the core applies them: commands per user, submissions per user.

:mod:`bot.limits` says what a limit is and how a refusal is worded, :mod:`bot.limiter`
counts commands in memory and writes them in batches, :mod:`knowledge.rates` stores the
counts. This module decides who is counted (moderators and the terminal's user are
spared the command limit; only moderators the submission limit) and answers with the
refusal, so the core only asks "may this run?" and the runner the same for a reply it
serves from its cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.commands import Command
from bot.config import Settings
from bot.errors import RateLimited, UserError
from bot.failures import error_reply
from bot.limiter import SCOPE as COMMAND_SCOPE
from bot.limiter import CommandLimiter, OverCommandLimit, Verdict
from bot.limits import too_many_commands, too_many_submissions
from bot.reply import Reply
from knowledge.rates import Charge, CountReader
from knowledge.store import Store

if TYPE_CHECKING:
    from bot.caller import Caller

#: The scope submission counts are stored under in ``rate_counts``.
SUBMISSIONS = "submissions"


class RateLimits:
    """The core's rate limits: who is counted, the counts' storage, and the refusals."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        commands: dict[str, Command],
        is_moderator: Callable[[Caller], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``is_moderator``: the core's decision (moderators are spared); ``clock``: UTC
        epoch seconds, for the windows (tests move it through ``Core.clock``)."""
        self.settings = settings
        self.store = store
        self.commands = commands
        self.is_moderator = is_moderator
        self.clock = clock
        self._counts = CountReader(store.connect_again) if store.path != ":memory:" else None
        self._kept_counts: tuple[int, dict[str, int]] = (0, {})  # when writes are off
        self.limiter = CommandLimiter(settings.command_limit, self._read_count, self._add_counts)

    def close(self) -> None:
        """Write the command counts still in memory, then close the counts' connection."""
        try:
            self.limiter.close(self.clock())
        finally:
            if self._counts is not None:
                self._counts.close()

    # -- the command limit ---------------------------------------------------------------

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

    def flush(self) -> None:
        """Write the command counts due (the runner calls it on the core's thread)."""
        self.limiter.flush(self.clock())

    def _read_count(self, user: str, window: int) -> int:
        if self._counts is None:
            return self.store.rates.count(user, COMMAND_SCOPE, window)
        return self._counts.count(user, COMMAND_SCOPE, window)

    def _add_counts(self, window: int, expires: int, counts: dict[str, int]) -> dict[str, int]:
        """Store the command counts; on a read-only ledger, keep them in this process.

        Reads go on when writes are off, so the limit must too: it then holds per
        process rather than across them, which is the best a file we cannot write allows.
        """
        if self.store.read_only is None:
            return self.store.rates.add_counts(COMMAND_SCOPE, window, expires, counts)
        kept_window, kept = self._kept_counts
        if kept_window != window:
            kept = {}
            self._kept_counts = (window, kept)
        for user, count in counts.items():
            kept[user] = kept.get(user, 0) + count
        return {user: kept[user] for user in counts}

    # -- the submission limit ------------------------------------------------------------

    def submission_charge(self, command: Command, caller: Caller) -> Charge | None:
        """What a run of ``command`` must count toward the submission limit, if anything.

        Moderators are exempt; everyone else, the terminal's user too, is counted.
        """
        if not command.counts_as_submission or self.is_moderator(caller):
            return None
        limit = self.settings.submit_limit
        window = limit.window(self.clock())
        return Charge(caller.user, SUBMISSIONS, window, window + limit.seconds, limit.count)

    def too_many_submissions(self) -> RateLimited:
        """The refusal of a submission over the limit, naming every command it counts."""
        counted = [name for name, c in self.commands.items() if c.counts_as_submission]
        return too_many_submissions(self.settings.submit_limit, self.clock(), counted)
