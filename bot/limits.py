"""What a rate limit is: ``COUNT/PERIOD`` as configured, its fixed windows, and its wording.

A limit counts in fixed windows of its period, aligned to UTC (each clock minute, each
hour, each UTC day), so every process computes the same window for the same moment
without asking another, and a window's count can be stored under its start.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import RateLimited
from bot.phrasing import join_and, plural

#: Period name -> its length in seconds.
PERIODS: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
#: A count past this is a typo, not a limit (and keeps every count an SQLite integer).
MOST = 1_000_000_000
#: A process may admit this share of a window's allowance before it writes its count
#: down (see :attr:`Limit.batch`): a tenth, so a user served by N processes at once can
#: get at most a tenth of the limit more per process beyond the first.
BATCH_SHARE = 10

_FORM = re.compile(r"^\s*(\d+)\s*/\s*([A-Za-z]+)\s*$")


class BadLimit(ValueError):
    """A limit that is not ``COUNT/PERIOD``; the message names the variable and an example."""


@dataclass(frozen=True)
class Limit:
    """At most ``count`` per ``period`` (one of :data:`PERIODS`)."""

    count: int
    period: str

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        if not 1 <= self.count <= MOST:
            raise ValueError(f"count must be from 1 to {MOST:,}, not {self.count}")

    def __str__(self) -> str:
        return f"{self.count}/{self.period}"

    @property
    def seconds(self) -> int:
        return PERIODS[self.period]

    @property
    def batch(self) -> int:
        """How many of a user's commands a process may admit before writing them down."""
        return max(1, math.ceil(self.count / BATCH_SHARE))

    def window(self, now: float) -> int:
        """The start (UTC epoch seconds) of the window ``now`` falls in."""
        return int(now // self.seconds) * self.seconds

    def ends(self, now: float) -> int:
        """When the window ``now`` falls in ends, and the next one starts."""
        return self.window(now) + self.seconds

    def per(self, noun: str) -> str:
        """``20 submissions per hour``."""
        return f"{self.count:,} {plural(noun, self.count)} per {self.period}"


def parse_limit(text: str, variable: str, example: str = "20/hour") -> Limit:
    """``"20/hour"`` -> ``Limit(20, "hour")``; anything else is :class:`BadLimit`.

    ``variable`` and ``example`` (a good value) are for the message: whoever set it
    wrong learns where, and sees a value that works.
    """
    found = _FORM.match(text)
    periods = ", ".join(PERIODS)
    example = f"{variable}={example}"
    if found is None:
        raise BadLimit(
            f"{variable}={text!r} is not COUNT/PERIOD, where PERIOD is one of {periods} "
            f"(example: {example})"
        )
    count, period = int(found.group(1)), found.group(2).casefold()
    if period not in PERIODS:
        raise BadLimit(
            f"{variable}={text!r}: the period must be one of {periods}, not {found.group(2)!r} "
            f"(example: {example})"
        )
    if not 1 <= count <= MOST:
        raise BadLimit(
            f"{variable}={text!r}: the count must be a whole number from 1 to {MOST:,} "
            f"(example: {example})"
        )
    return Limit(count, period)


def when(moment: float, now: float) -> str:
    """When a refused user may try again, both ways: ``in 12 minutes (at 14:05 UTC)``."""
    wait = max(1, math.ceil(moment - now))
    minutes = math.ceil(wait / 60)
    if wait < 60:
        after = f"{wait} {plural('second', wait)}"
    elif minutes < 60:
        after = f"{minutes} {plural('minute', minutes)}"
    else:
        hours, rest = divmod(minutes, 60)
        after = f"{hours} {plural('hour', hours)}" + (
            f" {rest} {plural('minute', rest)}" if rest else ""
        )
    at = datetime.fromtimestamp(moment, UTC)
    clock = at.strftime("%H:%M:%S" if wait < 60 else "%H:%M")
    return f"in {after} (at {clock} UTC)"


def too_many_commands(limit: Limit, now: float) -> RateLimited:
    """The refusal of a command over ``SCALEBOT_COMMAND_LIMIT``."""
    return RateLimited(
        f"You have reached the limit of {limit.per('command')}. Nothing was run or stored; "
        f"try again {when(limit.ends(now), now)}.",
        "commands",
    )


def too_many_submissions(limit: Limit, now: float, commands: list[str]) -> RateLimited:
    """The refusal of a submission over ``SCALEBOT_SUBMIT_LIMIT``; ``commands`` count."""
    named = join_and([f"/{name}" for name in commands])
    verb = "counts" if len(commands) == 1 else "each count"
    return RateLimited(
        f"You have reached the limit of {limit.per('submission')} ({named} {verb} as "
        f"one). Nothing was stored; try again {when(limit.ends(now), now)}.",
        "submissions",
    )
