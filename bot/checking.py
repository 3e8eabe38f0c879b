"""Source checks as the core runs them: after a reply, or awaited by a command.

Two ways a check is asked for, both by handlers:

- ``request.check_later(job)`` (``/submit``): the core keeps the job until whoever serves
  the caller has sent the reply, then starts it (:meth:`SourceChecks.start`); the asyncio
  runner awaits it on its loop, the console and ``scalebot ask`` wait for it after
  showing the reply (:meth:`SourceChecks.run_due`). The reply never waits for a fetch.
- ``request.check_now(job)`` (``/check``): the handler needs the outcome for its reply.
  It raises :class:`Awaiting` the first time; the core starts the check and runs the
  handler again with the outcome in ``request.awaited``. Run alone (the console), the
  core waits for it in place; under the asyncio runner it raises :class:`Suspended`
  instead, so the core's thread answers other commands while the page is fetched, and
  the runner resumes the call when the check is done. A handler asks before it writes,
  since it runs twice.

Either way the outcome is recorded on the core's thread by the job's own ``record``
(supplied by the handler, so the runtime imports no handler), which says who should
hear of it: the notices then go out as any command's do.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.checkloop import CheckLoop
from knowledge.sourcecheck import SourceCheck, now_iso

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notices import Notice
    from bot.reply import Reply
    from knowledge.store import Store

log = logging.getLogger(__name__)

#: Jobs kept for a caller that has not started them yet (an embedding program that never
#: does): the oldest are dropped beyond this, as notices are.
CHECK_BACKLOG = 200
#: Beyond the fetch's own time limit, what waiting for a check may take: arXiv's pace
#: (3 s per request, two requests) and the queue behind the concurrency bound.
WAIT_MARGIN = 30.0


@dataclass(frozen=True)
class CheckJob:
    """One point's figure to check against its source, copied off the ledger.

    ``record`` stores the outcome and returns who should hear of it; the handler that
    asks for the check supplies it.
    """

    point_id: int
    url: str
    value: float
    unit: str
    record: Callable[[Store, CheckJob, SourceCheck], list[Notice]] = field(
        compare=False, repr=False
    )
    #: Fetch again even when the page was read within the day (``/check``).
    fresh: bool = False

    @property
    def key(self) -> Hashable:
        """What the outcome is kept under in ``request.awaited``."""
        return ("check", self.point_id, self.url, self.fresh)


class Awaiting(Exception):
    """Raised by ``request.check_now`` when the outcome is not in yet (see module doc)."""

    def __init__(self, job: CheckJob) -> None:
        super().__init__(f"awaiting the source check of #{job.point_id}")
        self.job = job


class Suspended(Exception):
    """A call that waits for a check: ``start()`` begins it, ``resume(awaited)`` answers."""

    def __init__(
        self,
        job: CheckJob,
        start: Callable[[], Future[SourceCheck]],
        resume: Callable[[dict[Hashable, Any]], Reply],
        awaited: dict[Hashable, Any],
    ) -> None:
        super().__init__(f"suspended for the source check of #{job.point_id}")
        self.job = job
        self.start = start
        self._resume = resume
        self.awaited = awaited

    def resume(self, outcome: SourceCheck) -> Reply:
        """On the core's thread: the call again, with ``outcome`` awaited."""
        return self._resume({**self.awaited, self.job.key: outcome})


class SourceChecks:
    """The core's source checks: the jobs due, the loop they run on, their recording.

    ``enabled`` is ``SCALEBOT_CHECK_SOURCES``: off, jobs are dropped and ``/check``
    says so. ``inline``: a core run alone waits for an awaited check in place; the
    asyncio runner turns it off (see :class:`Suspended`).
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.enabled = settings.check_sources
        self.inline = True
        self._store = store
        self._timeout = settings.check_timeout + WAIT_MARGIN
        self._loop = CheckLoop.from_settings(settings)
        self._due: deque[CheckJob] = deque(maxlen=CHECK_BACKLOG)

    def warm(self) -> None:
        """Start the checks thread ahead of the first check (when checks are on)."""
        if self.enabled:
            self._loop.start()

    def keep(self, jobs: list[CheckJob]) -> None:
        """Jobs a command asked for, kept until its reply is sent (dropped when off)."""
        if self.enabled:
            self._due.extend(jobs)

    def take(self) -> list[CheckJob]:
        """The jobs due, handed to whoever starts them (each once)."""
        taken = list(self._due)
        self._due.clear()
        return taken

    def start(self, job: CheckJob) -> Future[SourceCheck]:
        """Begin ``job`` on the checks thread (safe from any thread)."""
        return self._loop.submit(job.url, job.value, job.unit, fresh=job.fresh)

    def wait(self, job: CheckJob) -> SourceCheck:
        """``job``'s outcome, waited for here (a core run alone)."""
        try:
            return self.start(job).result(self._timeout)
        except FutureTimeout:
            return gave_up(job, self._timeout)

    def record(self, job: CheckJob, outcome: SourceCheck) -> list[Notice]:
        """On the core's thread: store ``outcome``; the notices it calls for."""
        return job.record(self._store, job, outcome)

    def run_due(self, timeout: float | None = None) -> list[tuple[CheckJob, SourceCheck]]:
        """Start every job due and wait for them (at most ``timeout``): their outcomes.

        For callers with no event loop of their own (the console, ``scalebot ask``),
        after the reply is shown; the core records each (``Core.run_due_checks``). A
        check still running at the time limit is abandoned, and said to be.
        """
        jobs = self.take()
        if not jobs:
            return []
        started = [(job, self.start(job)) for job in jobs]
        wait([future for _, future in started], timeout=timeout or self._timeout)
        done: list[tuple[CheckJob, SourceCheck]] = []
        for job, future in started:
            outcome = future.result() if future.done() and not future.cancelled() else None
            if outcome is None:
                future.cancel()
                outcome = gave_up(job, timeout or self._timeout)
            done.append((job, outcome))
        return done

    def close(self) -> None:
        self._loop.close()


def gave_up(job: CheckJob, seconds: float) -> SourceCheck:
    """The outcome of a check that did not finish in time: unreachable, with why."""
    return SourceCheck(
        "unreachable",
        job.url,
        job.url,
        now_iso(),
        job.unit,
        reason=f"the check did not finish within {seconds:g} s",
    )
