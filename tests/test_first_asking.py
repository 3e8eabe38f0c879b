"""The first asking's fast paths answer exactly what the slower ones did.

``DataPoint.as_dict`` copies fields instead of deep-copying them; the runner hands a call
to the core's thread as a plain future and waits for its budget without a task, and
answers a pure command on the loop itself when the core's thread is idle. The answers,
late ones and failures included, must be the same as before, and calls must still run
one at a time, in order, with every write on the core's thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import bot.runner
from bot.commands import Command, Request
from bot.config import Settings
from bot.core import Caller, Core
from bot.registry import COMMANDS
from bot.reply import Reply
from bot.runner import AsyncCore

WAIT = 10.0


def test_a_points_dict_is_dataclasses_asdict(settings: Settings) -> None:
    """Every field, in order, with equal values: what ``/scale``'s data held before."""
    with Core.open(settings=settings) as core:
        points = [core.store.reads.largest("video", "hours"), core.store.reads.newest("video")]
        points += core.store.queue.pending(50)
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


def _where(request: Request) -> Reply:
    return Reply(title=threading.current_thread().name)


#: Test only: commands that answer with the thread that ran them, one pure and one not.
WHERE_COMMANDS: dict[str, Command] = {
    **COMMANDS,
    "where": Command(
        name="where", description="Test only", handler=_where, example="/where", pure=True
    ),
    "wherever": Command(
        name="wherever", description="Test only", handler=_where, example="/wherever"
    ),
}


def _answered_on(runner: AsyncCore, name: str, typed: bool) -> str:
    async def ask() -> str:
        caller = Caller("slack:U1")
        if typed:
            timely = await runner.answer(f"/{name}", caller)
        else:
            timely = await runner.answer_options(name, {}, caller)
        reply = timely.reply if timely.reply is not None else await timely.later
        return reply.title

    return asyncio.run(ask())


@pytest.mark.parametrize("typed", [True, False])
def test_a_pure_command_is_answered_on_the_loop_only_when_the_core_is_idle(
    settings: Settings, typed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Idle: no hop. A command that may write, or a budget of 0: the core's thread."""
    with Core.open(settings=settings, commands=WHERE_COMMANDS) as core:
        runner = AsyncCore(core, cache=False)
        loop_thread = _answered_on(runner, "where", typed)
        other = _answered_on(runner, "wherever", typed)
        monkeypatch.setattr(bot.runner, "ANSWER_BUDGET", 0.0)
        deferred = _answered_on(runner, "where", typed)
        runner.close()
    assert loop_thread == threading.current_thread().name  # asyncio.run's loop is here
    assert other.startswith("scalebot-core")
    assert deferred.startswith("scalebot-core")


def test_a_pure_command_waits_its_turn_behind_a_busy_core(settings: Settings) -> None:
    """While the core's thread runs a call, a pure command is queued behind it, in order."""
    with Core.open(settings=settings, commands=WHERE_COMMANDS) as core:
        runner = AsyncCore(core, cache=False)
        order: list[str] = []

        def slow() -> None:
            time.sleep(0.2)
            order.append("slow")

        async def both() -> str:
            busy = runner.dispatch(slow)
            timely = await runner.answer_options("where", {}, Caller("slack:U1"))
            reply = timely.reply if timely.reply is not None else await timely.later
            order.append("where")
            await busy
            return reply.title

        where = asyncio.run(both())
        runner.close()
    assert order == ["slow", "where"]
    assert where.startswith("scalebot-core")


def test_command_counts_a_quick_answer_makes_due_are_written_on_the_cores_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop only reads: a batch of counts due after a quick answer goes to the core."""
    settings = Settings(db=tmp_path / "counts.db", command_limit="3/minute")  # batches of 1
    with Core.open(settings=settings) as core:
        runner = AsyncCore(core, cache=False)
        writers: list[str] = []
        write = core.store.rates.add_counts

        def recorded(*args: Any) -> dict[str, int]:
            writers.append(threading.current_thread().name)
            return write(*args)

        monkeypatch.setattr(core.store.rates, "add_counts", recorded)

        async def ask_twice() -> list[str]:
            kinds: list[str] = []
            for _ in range(2):
                timely = await runner.answer_options(
                    "scale", {"domain": "video"}, Caller("slack:U1")
                )
                reply = timely.reply if timely.reply is not None else await timely.later
                kinds.append(reply.kind)
            return kinds

        kinds = asyncio.run(ask_twice())
        runner.close()  # runs what is queued
    assert kinds == ["answer", "answer"]
    assert writers and all(name.startswith("scalebot-core") for name in writers), writers
