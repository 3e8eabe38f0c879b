"""The core for asyncio adapters: calls run one at a time, in order, writes on one thread.

Slack's and Discord's adapters live on one event loop (``scalebot run all``). The core
is synchronous and its SQLite connection belongs to one thread at a time, so the
adapters never call it directly: they hold an :class:`AsyncCore` and use its public
methods only (a test keeps them from reaching through to ``.core``). Whatever touches
the ledger is awaited and handed to a single dedicated thread, so the loop stays free
to ack other requests meanwhile and the store sees calls strictly one after another, as
it expects. What is fixed for the core's life or held in memory (the command list,
the fields, parsing a line, who may run a command) is answered on the loop. One
exception saves the hop where it costs more than the work: a pure command that draws
nothing, asked while the core's thread is idle, is answered on the loop under the lock
that thread takes for every call (:meth:`AsyncCore._start`); it only reads, as the
reply cache's version check does.

The notices a call leaves (a review card, a submitter's news; see :mod:`bot.notices`)
are taken on that same thread, then handed to every running platform as background
tasks: the reply is on its way first, and a platform refusing a notice fails nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot import charts
from bot.cache import Kept, ReplyCache
from bot.caller import Caller
from bot.checking import CheckJob, Suspended
from bot.commands import Command, Option
from bot.core import Core
from bot.grammar import split_command
from bot.kinds import Context, suggest
from bot.limiter import Verdict
from bot.notices import Deliverer, Notice
from bot.reply import Reply
from bot.suggest import LIMIT, Suggestion
from knowledge.kb import Library

if TYPE_CHECKING:
    from bot.metrics import Metrics

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Answer in the platform's first response when the core is this quick; Slack and
#: Discord both allow 3 s before they give up on a request, so this leaves a margin.
ANSWER_BUDGET = 2.0
#: Pending figures a start checks at most (the rest wait for the next start or /check).
CATCH_UP = 50
#: The command a catch-up runs, and who runs it: the bot itself, at its own terminal
#: (not counted by the command limit).
CHECK_COMMAND = "check"
CATCHING_UP = Caller("system:source-checks", local_operator=True)
#: How long a stop waits for notices still being delivered.
DELIVERY_GRACE = 5.0

log = logging.getLogger(__name__)


#: What a call left besides its result: its notices and the source checks it asked for.
Left = tuple[list[Notice], list[CheckJob]]


def _with_notices(core: Core, work: Callable[[], T]) -> tuple[T, Left]:
    """``work()``'s result, the notices it emitted and the checks it asked for (run on
    the core's thread)."""
    return work(), (core.take_notices(), core.checks.take())


async def deliver_safely(deliverer: Deliverer, notice: Notice) -> None:
    """One delivery; a failure the deliverer did not expect is logged here, never raised."""
    try:
        await deliverer.deliver(notice)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception(
            "%s: could not deliver the notice about #%d", deliverer.platform, notice.point_id
        )


@dataclass(frozen=True)
class Timely:
    """A reply that may be late: ``reply`` when it came within the budget, else None.

    ``later`` always resolves to the reply; a late one is delivered from it after the
    adapter has deferred (Discord's "thinking…", Slack's ephemeral "Working on it").
    ``kept`` is the cache entry when the reply is a pure command's, so its rendering for
    a platform is drawn once and reused.
    """

    reply: Reply | None
    later: asyncio.Future[Reply]
    kept: Kept | None = None

    def render(self, platform: str, draw: Callable[[Reply], T]) -> T:
        """``draw`` applied to the (timely) reply, from the cache when it is kept there."""
        assert self.reply is not None, "a late reply is drawn from ``later``"
        return self.kept.render(platform, draw) if self.kept else draw(self.reply)


class AsyncCore:
    def __init__(self, core: Core, *, cache: bool = True) -> None:
        """``cache=False`` answers every question afresh (benchmarks of the first asking)."""
        self.core = core
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scalebot-core")
        #: Held by whoever runs the core: its thread for each call, or the loop for a quick
        #: read (:meth:`_start`); so calls still run one at a time.
        self._core_lock = threading.Lock()
        #: Calls queued for the core's thread and not finished yet (under ``_counting``).
        self._queued = 0
        self._counting = threading.Lock()
        self.cache = ReplyCache(core.store if cache else ":memory:")
        #: The running platforms' deliverers (see :meth:`listen`).
        self._deliverers: list[Deliverer] = []
        self._deliveries: set[asyncio.Task[None]] = set()
        #: Source checks under way (see :meth:`check_sources`).
        self._checking: set[asyncio.Task[None]] = set()
        # A command that awaits a check frees the core's thread meanwhile (bot/checking.py);
        # the checks' thread starts now, not on the event loop at the first submission.
        core.checks.inline = False
        core.checks.warm()
        # Command counts are written on the core's thread after the reply, not before it.
        core.limits.limiter.defer = self._flush_limits_later
        #: Where each command's outcome and latency go (``SCALEBOT_METRICS_PORT``): set
        #: by :func:`bot.serve.serve`; None records nothing.
        self.metrics: Metrics | None = None

    async def call(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run ``function(*args, **kwargs)`` on the core's thread and await its result.

        The notices the call emitted are taken on the same thread, in the same turn, so
        they belong to this call; they go out in the background (:meth:`announce`).
        """
        return await self.dispatch(function, *args, **kwargs)

    def dispatch(
        self, function: Callable[..., T], *args: object, **kwargs: object
    ) -> asyncio.Future[T]:
        """:meth:`call` handed to the core's thread now, as a future of its result.

        The hot path of every asking: the work is queued before this returns (no task to
        schedule first), and the worker's completion resolves the future in one callback
        on the loop, which also starts the notices. A future
        cancelled before the worker took the call cancels it.
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        work = functools.partial(function, *args, **kwargs)
        job = self._queue(functools.partial(_with_notices, self.core, work))
        answer.add_done_callback(lambda done: job.cancel() if done.cancelled() else None)

        def finished(job: Future[tuple[T, Left]]) -> None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting
                loop.call_soon_threadsafe(self._resolve, answer, job)

        job.add_done_callback(finished)
        return answer

    def _queue(self, work: Callable[[], T]) -> Future[T]:
        """``work`` for the core's thread, counted until it has run (:meth:`_start`)."""
        with self._counting:
            self._queued += 1
        try:
            return self._worker.submit(self._locked, work)
        except BaseException:
            self._finished()
            raise

    def _locked(self, work: Callable[[], T]) -> T:
        """On the core's thread: ``work`` under the core's lock, then counted as done."""
        try:
            with self._core_lock:
                return work()
        finally:
            self._finished()

    def _finished(self) -> None:
        with self._counting:
            self._queued -= 1

    def _start(self, command: Command | None, work: Callable[[], Reply]) -> asyncio.Future[Reply]:
        """``work``'s reply: computed here at once when that is quick and safe, else queued.

        A pure command that draws nothing only reads, for a few hundred microseconds at
        most, while the hop to the core's thread and back costs two thread wake-ups (on a
        busy machine, each can wait for a scheduler slice). So when nothing is queued for
        or running on the core's thread, it runs on the loop, under the lock the core's
        thread takes for each call: calls still run one at a time and in order, and
        nothing the store writes is written here (a command count that comes due is
        queued for the core's thread, as always). Anything else is queued: writes,
        charts, any call while the core's thread is busy, and every call when the budget
        is 0 (the platform is to be told at once that the answer is coming).
        """
        quick = command is not None and command.pure and not command.draws
        idle = quick and ANSWER_BUDGET > 0 and self._queued == 0
        if idle and self._core_lock.acquire(blocking=False):
            try:
                return self._here(work)
            finally:
                self._core_lock.release()
        return self.dispatch(work)

    def _here(self, work: Callable[[], Reply]) -> asyncio.Future[Reply]:
        """``work`` run on the loop, as a done future; its notices go out as after a hop."""
        answer: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        try:
            reply, (notices, checks) = _with_notices(self.core, work)
        except Exception as error:
            answer.set_exception(error)
            return answer
        self.announce(notices)
        answer.set_result(reply)
        self.check_sources(checks)
        return answer

    def _resolve(self, answer: asyncio.Future[T], job: Future[tuple[T, Left]]) -> None:
        """On the loop: ``answer`` takes the worker's outcome; its notices go out, then
        the source checks it asked for start."""
        if job.cancelled():
            if not answer.done():
                answer.cancel()
            return
        failure = job.exception()
        if isinstance(failure, Suspended):
            self._track(self._checking, self._resume(answer, failure))
            return
        if failure is not None:
            if not answer.done():
                answer.set_exception(failure)
            return
        result, (notices, checks) = job.result()
        # Deliveries are scheduled first, as when the call returned them before its reply:
        # they are on their way by the time the reply is sent (and a stop right after it).
        self.announce(notices)
        if not answer.done():
            answer.set_result(result)
        self.check_sources(checks)

    async def _resume(self, answer: asyncio.Future[T], suspended: Suspended) -> None:
        """A call that awaits a check: the check on its own thread, then the call again."""
        try:
            outcome = await asyncio.wrap_future(suspended.start())
            result: T = await self.dispatch(suspended.resume, outcome)  # type: ignore[arg-type]
        except BaseException as error:
            if not answer.done():
                answer.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        if not answer.done():
            answer.set_result(result)

    # -- source checks ---------------------------------------------------------------------

    def check_sources(self, jobs: list[CheckJob]) -> None:
        """Start ``jobs`` (after their command's reply); each is recorded when it is done.

        They run on the checks thread, a few at a time (bot/checking.py); recording goes
        to the core's thread like any call, and its notices (the card with the outcome,
        the submitter's news) go out from there.
        """
        for job in jobs:
            self._track(self._checking, self._check(job))

    async def _check(self, job: CheckJob) -> None:
        try:
            outcome = await asyncio.wrap_future(self.core.checks.start(job))
            await self.call(self.core.record_check, job, outcome)
        except Exception:
            log.exception("the source check of #%d failed", job.point_id)

    async def catch_up_checks(self, limit: int = CATCH_UP) -> int:
        """Check the pending figures whose source was never checked, oldest first, as
        ``/check ID`` run by the bot itself; how many were started.

        For a bot that starts with figures submitted while checks were off, or whose
        checks a stop cut short. Each runs as the command does (fetched afresh, recorded,
        the card redrawn) a few at a time, in the background.
        """
        if not self.core.checks.enabled or CHECK_COMMAND not in self.core.commands:
            return 0
        points = await self.call(self.core.store.checks.unchecked_pending, limit)
        for point in points:
            options = {"id": str(point.id)}
            self._track(self._checking, self._catch_up(options))
        return len(points)

    async def _catch_up(self, options: dict[str, str]) -> None:
        try:
            await self.invoke(CHECK_COMMAND, options, CATCHING_UP)
        except Exception:
            log.exception("catching up the source check of #%s failed", options["id"])

    async def settle_checks(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) for the checks under way (tests, a stop)."""
        pending = set(self._checking)
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    @staticmethod
    def _track(tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # -- what adapters read: declarations and settings, answered on the loop --------------
    #
    # Each reads only what is fixed for the core's life (the commands, the library's
    # fields, the settings) or in memory, so none waits for the core's thread.

    @property
    def commands(self) -> Mapping[str, Command]:
        """Every command by name: the slash commands an adapter registers."""
        return self.core.commands

    @property
    def library(self) -> Library:
        """The knowledge base (fields and their names): completion, the web view."""
        return self.core.library

    def parse(self, line: str) -> tuple[Command, dict[str, str]]:
        """The command ``line`` names and its options as typed (:class:`UserError` if none)."""
        return self.core.parse(line)

    def form_fields(self, command: Command, given: dict[str, str]) -> list[Option]:
        """What a form should ask for before ``command`` runs; empty: it needs no form."""
        return self.core.form_fields(command, given)

    def reason_option(self, text: str) -> Option | None:
        """The option a button's one-field form fills in for the command ``text``."""
        return self.core.reason_option(text)

    def may_run(self, text: str, caller: Caller) -> bool:
        """Whether ``caller`` may run ``text``'s command (moderators' commands are checked)."""
        return self.core.may_run(text, caller)

    async def suggest(
        self,
        command: Command,
        option: Option,
        current: str,
        given: dict[str, str],
        limit: int = LIMIT,
    ) -> list[Suggestion]:
        """What to offer for ``option`` while ``current`` is typed, as :func:`bot.kinds.suggest`.

        Kinds that read the ledger (dataset names) are asked on the core's thread, which
        owns the connection; the rest answer from memory, on the loop.
        """
        if option.type.reads_ledger:
            return await self.call(self._suggest, command, option, current, given, limit, True)
        return self._suggest(command, option, current, given, limit, False)

    def _suggest(
        self,
        command: Command,
        option: Option,
        current: str,
        given: dict[str, str],
        limit: int,
        ledger: bool,
    ) -> list[Suggestion]:
        core = self.core
        store = core.store if ledger else None
        context = Context(command, core.library, core.commands, store, given)
        return suggest(option, current, context, limit)

    # -- notices -------------------------------------------------------------------------

    def listen(self, deliverer: Deliverer) -> None:
        """Hand every future notice to ``deliverer`` (a platform's, while it runs)."""
        self._deliverers.append(deliverer)

    def unlisten(self, deliverer: Deliverer) -> None:
        if deliverer in self._deliverers:
            self._deliverers.remove(deliverer)

    def announce(self, notices: list[Notice]) -> list[asyncio.Task[None]]:
        """Start delivering ``notices`` to every listening platform, without waiting.

        Each delivery is its own task: a slow or failing platform holds up neither the
        reply (already on its way) nor the other platforms. The tasks are returned for
        a caller that must know when they are done (the news desk marks a post sent).
        """
        started = []
        for notice in notices:
            for deliverer in self._deliverers:
                task = asyncio.ensure_future(deliver_safely(deliverer, notice))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
                started.append(task)
        return started

    async def settle(self, timeout: float = DELIVERY_GRACE) -> None:
        """Wait (at most ``timeout`` seconds) for the notices on their way: before a stop."""
        pending = set(self._deliveries)
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    def _metered(
        self, name: str, caller: Caller, reply: asyncio.Future[Reply], started: float
    ) -> None:
        """The one place every command's reply is recorded (when metrics are on).

        Each public way in (:meth:`answer`, :meth:`answer_options`, :meth:`ask`,
        :meth:`invoke`, :meth:`press`) passes its reply's future here once, so a command
        is counted once whether its reply came from the cache, the loop, the core's
        thread or late; ``started`` is the adapter's call (``time.perf_counter()``).
        """
        metrics = self.metrics
        if metrics is None:
            return
        if reply.done():  # from the cache or the loop: no callback to schedule
            metrics.resolved(name, caller.platform, started, reply)
        else:
            reply.add_done_callback(
                functools.partial(metrics.resolved, name, caller.platform, started)
            )

    def ask(self, text: str, caller: Caller) -> asyncio.Future[Reply]:
        """``Core.run_line`` on the core's thread, queued at once (:meth:`dispatch`)."""
        started = time.perf_counter()
        reply = self.dispatch(self._asking(text, caller))
        self._metered(command_name(text), caller, reply, started)
        return reply

    def _asking(self, text: str, caller: Caller) -> Callable[[], Reply]:
        return functools.partial(self.core.run_line, text, caller)

    def invoke(
        self, name: str, options: dict[str, str], caller: Caller, *, pressed: bool = False
    ) -> asyncio.Future[Reply]:
        """``Core.invoke`` on the core's thread, queued at once (:meth:`dispatch`)."""
        started = time.perf_counter()
        reply = self.dispatch(self.core.invoke, name, options, caller, pressed=pressed)
        self._metered(name.removeprefix("/").casefold(), caller, reply, started)
        return reply

    async def press(self, text: str, caller: Caller, reason: str | None = None) -> Reply:
        """A reply's button: ``Core.press`` on the core's thread."""
        started = time.perf_counter()
        reply = self.dispatch(self.core.press, text, caller, reason)
        self._metered(command_name(text), caller, reply, started)
        return await reply

    async def within(self, work: Awaitable[Reply], budget: float | None = None) -> Timely:
        """``work``'s reply if it is ready within ``budget`` seconds (default
        :data:`ANSWER_BUDGET`), else a late one."""
        later = asyncio.ensure_future(work)  # a future (see :meth:`dispatch`) stays itself
        budget = ANSWER_BUDGET if budget is None else budget
        if not later.done() and budget > 0:
            # Waits without cancelling ``later`` on time-out (as a shielded wait_for would),
            # in two turns of the loop where wait_for and shield took five.
            await asyncio.wait((later,), timeout=budget)
        if not later.done():
            return Timely(None, later)
        return Timely(later.result(), later)

    def _flush_limits_later(self) -> None:
        """Queue the write of due command counts behind the core's current work."""
        try:
            job = self._queue(self.core.limits.flush)
        except RuntimeError:  # shut down: Core.close() writes what is left
            return
        job.add_done_callback(_log_failure)

    async def answer(self, text: str, caller: Caller) -> Timely:
        """The reply to a typed command within the budget; a pure command's from the cache.

        A pure reply is kept by the question and the surface it was made for
        (``Core.surface``: platform, images, web URL), never by who asked: a pure
        handler cannot read that (see ``Request``).
        """
        started = time.perf_counter()
        line = text.strip()
        name = command_name(line)
        command = self.core.commands.get(name)
        key = None
        if line and command is not None and command.pure:
            key = ("text", self.core.surface(caller), line)
        start = functools.partial(self._start, command, self._asking(text, caller))
        timely = await self._answer(key, start, caller, command)
        self._metered(name, caller, timely.later, started)
        return timely

    async def answer_options(self, name: str, options: dict[str, str], caller: Caller) -> Timely:
        """The reply to a command whose options came split (Discord), as :meth:`answer`."""
        started = time.perf_counter()
        command = self.core.commands.get(name)
        key = None
        if command is not None and command.pure:
            key = ("options", self.core.surface(caller), name, tuple(sorted(options.items())))
        work = functools.partial(self.core.invoke, name, options, caller)
        start = functools.partial(self._start, command, work)
        timely = await self._answer(key, start, caller, command)
        self._metered(name, caller, timely.later, started)
        return timely

    @staticmethod
    def budget_for(command: Command | None) -> float | None:
        """No wait at all for a chart while matplotlib is not loaded yet; else the default.

        The first chart after a start imports matplotlib on the core's thread (about a
        second): the platform is told at once that the answer is coming (Discord's
        "thinking…", Slack's acknowledgement) rather than after most of its 3 s.
        """
        if command is not None and command.draws and not charts.loaded():
            return 0.0
        return None

    async def _answer(
        self,
        key: Hashable | None,
        start: Callable[[], Awaitable[Reply]],
        caller: Caller,
        command: Command | None = None,
    ) -> Timely:
        budget = self.budget_for(command)
        if key is None or not self.cache.enabled:
            return await self.within(start(), budget)
        version = self.cache.version()  # before the work: a write meanwhile makes it stale
        kept = self.cache.get(key, version)
        if kept is not None:
            # Served without the core, so counted here: the core counts everything else.
            verdict = self.core.limits.admit_quickly(caller)
            if verdict is Verdict.ADMIT:
                return Timely(kept.reply, _done(kept.reply), kept)
            if verdict is Verdict.REFUSE:
                refusal = self.core.limits.refusal()
                return Timely(refusal, _done(refusal))
            timely = await self.within(self._admitted(kept, caller))
            return Timely(timely.reply, timely.later, kept if timely.reply is kept.reply else None)
        timely = await self.within(start(), budget)
        if timely.reply is not None:
            return Timely(timely.reply, timely.later, self.cache.put(key, version, timely.reply))
        timely.later.add_done_callback(
            lambda late: (
                None
                if late.cancelled() or late.exception()
                else self.cache.put(key, version, late.result())
            )
        )
        return timely

    async def _admitted(self, kept: Kept, caller: Caller) -> Reply:
        """The kept reply once the core's thread admits ``caller``, else its refusal."""
        refusal = await self.call(self.core.limits.admission, caller)
        return kept.reply if refusal is None else refusal

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self.core.limits.limiter.defer = None
        self.cache.close()


def command_name(line: str) -> str:
    """The command a typed line runs, as the core reads it: text without ``/`` asks."""
    line = line.strip()
    if not line:
        return "help"
    return split_command(line)[0] if line.startswith("/") else "ask"


def _done(reply: Reply) -> asyncio.Future[Reply]:
    """A future that already holds ``reply`` (a reply that needed no work)."""
    done: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
    done.set_result(reply)
    return done


def _log_failure(job: Future[None]) -> None:
    if not job.cancelled() and job.exception() is not None:
        log.error("writing command counts failed", exc_info=job.exception())
