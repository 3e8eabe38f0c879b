"""The first asking's fast paths answer exactly what the slower ones did.

``DataPoint.as_dict`` copies fields instead of deep-copying them, and the runner hands a
call to the core's thread as a plain future and waits for its budget without a task:
the answers, late ones and failures included, must be the same as before.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time

import pytest

from bot.config import Settings
from bot.core import Caller, Core
from bot.reply import Reply
from bot.runner import AsyncCore

WAIT = 10.0


def test_a_points_dict_is_dataclasses_asdict(settings: Settings) -> None:
    """Every field, in order, with equal values: what ``/scale``'s data held before."""
    with Core.open(settings=settings) as core:
        points = [core.store.largest("video", "hours"), core.store.newest("video")]
        points += core.store.pending(50)
    assert points[0] is not None and points[1] is not None
    for point in filter(None, points):
        fast = point.as_dict()
        assert list(fast.items()) == list(dataclasses.asdict(point).items())
        assert all(v is None or isinstance(v, str | int | float) for v in fast.values())


def test_work_over_the_budget_is_late_but_still_answers(settings: Settings) -> None:
    """On time-out the work is not cancelled: ``later`` resolves to its answer."""
    with Core.open(settings=settings) as core:
        runner = AsyncCore(core, cache=False)

        def slow() -> Reply:
            time.sleep(0.3)
            return core.ask("/scale video", "slack:U1")

        async def ask() -> tuple[Reply | None, Reply]:
            timely = await runner.within(runner.dispatch(slow), budget=0.05)
            return timely.reply, await asyncio.wait_for(timely.later, WAIT)

        reply, later = asyncio.run(ask())
        runner.close()
    assert reply is None and later.title == "Video generation: scale and cost"


def test_a_quick_answer_comes_from_the_cores_thread_with_its_failures(
    settings: Settings,
) -> None:
    """The result comes back as it is; an exception comes back raised, not swallowed."""
    with Core.open(settings=settings) as core:
        runner = AsyncCore(core, cache=False)

        def broken() -> Reply:
            raise LookupError("no such thing")

        async def ask() -> tuple[str, Reply | None]:
            name = await runner.call(lambda: threading.current_thread().name)
            timely = await runner.within(runner.ask("/scale video", Caller("slack:U1")))
            with pytest.raises(LookupError, match="no such thing"):
                await runner.within(runner.dispatch(broken))
            return name, timely.reply

        name, reply = asyncio.run(ask())
        runner.close()
    assert name.startswith("scalebot-core")
    assert reply is not None and reply.title == "Video generation: scale and cost"
