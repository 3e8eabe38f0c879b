"""Where source checks run: a thread of their own, with its own event loop.

A check fetches a page (seconds, up to ``SCALEBOT_CHECK_TIMEOUT``) and parses it (tens
of milliseconds for a long paper). Neither may hold up the core's thread, which answers
every command one at a time, nor the adapters' event loop, which acknowledges Slack and
Discord within their 3 s. So checks run here, on a loop owned by one daemon thread and
shared by every caller: the asyncio adapters (:mod:`bot.runner` awaits the futures),
the console and ``scalebot ask`` (they wait for them after showing the reply). One
loop means one :class:`~bot.sources.checker.SourceChecker`: one bound on concurrent
fetches, one per-host pace (arXiv's 3 s) and one cache for the whole process.

A :class:`~bot.checking.CheckJob` is all a check needs, copied from the point on the
core's thread: the check itself never reads the ledger. Recording its outcome happens
back on the core's thread (:mod:`bot.checking`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from knowledge.sourcecheck import SourceCheck

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.sources.checker import SourceChecker

log = logging.getLogger(__name__)

#: How long a stop waits for the checks thread to finish what it is doing.
STOP_GRACE = 2.0


class CheckLoop:
    """A daemon thread running an event loop for source checks; started on first use."""

    def __init__(self, make_checker: Callable[[], SourceChecker]) -> None:
        self._make_checker = make_checker
        self._loop: asyncio.AbstractEventLoop | None = None
        self._checker: SourceChecker | None = None
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckLoop:
        def make_checker() -> SourceChecker:
            from bot.sources.checker import SourceChecker  # aiohttp, only when checking

            return SourceChecker.from_settings(settings)

        return cls(make_checker)

    def start(self) -> None:
        """Start the thread, make the checker and start its worker process now (imports
        included), not at the first check: a process that serves chat does this before
        it answers anyone."""
        self._started()
        from bot.sources import work

        work.start()

    def submit(self, url: str, value: float, unit: str, *, fresh: bool) -> Future[SourceCheck]:
        """Start checking ``value unit`` against ``url`` on the checks thread."""
        loop, checker = self._started()
        return asyncio.run_coroutine_threadsafe(checker.check(url, value, unit, fresh=fresh), loop)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, SourceChecker]:
        with self._starting:
            if self._loop is None or self._checker is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, ready), name="scalebot-checks", daemon=True
                )
                thread.start()
                ready.wait()
                self._checker = self._make_checker()
                self._loop, self._thread = loop, thread
            return self._loop, self._checker

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.close()

    def close(self) -> None:
        """Stop the loop: checks still running are abandoned (the next /check redoes them)."""
        with self._starting:
            loop, thread = self._loop, self._thread
            self._loop = self._checker = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(_cancel_all, loop)
        thread.join(STOP_GRACE)
        if thread.is_alive():
            log.warning("source checks did not stop within %.0f s; left to end", STOP_GRACE)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    """On the checks loop: cancel every task, then stop once they have unwound."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if not tasks:
        loop.stop()
        return
    gathered = asyncio.gather(*tasks, return_exceptions=True)
    gathered.add_done_callback(lambda _: loop.stop())
