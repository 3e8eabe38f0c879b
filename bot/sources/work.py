"""Reading a fetched page (its text, its figures) in a worker process, not a thread.

Turning a long paper into text and finding every figure in it is pure Python: up to a
few hundred milliseconds for a dense page. In a thread it would hold the interpreter's
lock that long in 5 ms slices, and every command answered meanwhile would wait for
slices of its own: measured by ``bench/checks.py``, checks read in a thread raised
/submit's p99 several-fold. So the reading runs in one worker process shared by the
whole process's checks, started with the checks (``spawn``: safe beside the threads
the bot runs). Should the worker die, a new one is started for the next page, and a
process that cannot start one reads in a thread, as before.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
#: Set when a worker process cannot be started here: read in threads from then on.
_no_processes = False


def _worker() -> ProcessPoolExecutor | None:
    global _pool, _no_processes
    with _pool_lock:
        if _pool is None and not _no_processes:
            try:
                _pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            except (OSError, ValueError, NotImplementedError) as error:
                log.warning("source checks read pages in a thread: %s", error)
                _no_processes = True
        return _pool


def _forget(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def start() -> None:
    """Start the worker now (it imports the readers once), not at the first page."""
    pool = _worker()
    if pool is not None:
        pool.submit(_ready).add_done_callback(_report_failure)


def _ready() -> bool:
    """In the worker: what reading pages needs, loaded before the first page."""
    from bot.sources import arxiv, hub, pagetext
    from knowledge import sourcecheck

    return all(module is not None for module in (arxiv, hub, pagetext, sourcecheck))


def _report_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("the source checks' worker process did not start: %s", future.exception())


async def off_the_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the worker process (a thread when there is none).

    ``function`` and its arguments cross to the worker and back by pickling: module-level
    functions and plain values only.
    """
    pool = _worker()
    if pool is not None:
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool as error:
            log.warning("the source checks' worker process stopped (%s); starting another", error)
            _forget(pool)
    return await asyncio.to_thread(functools.partial(function, *args))
