"""Each host's pace: arXiv asks for one request every 3 seconds, other hosts wait for none.

A request reserves the next free slot of its host and sleeps until then; nothing is held
while it sleeps, so a slow queue for arXiv never delays a fetch from any other host, and
concurrent requests to arXiv leave in the order they asked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

#: Seconds between two requests to a host, by host name (its subdomains included).
#: arXiv's API terms: "no more than 1 request every 3 seconds".
DEFAULT_INTERVALS: Mapping[str, float] = {"arxiv.org": 3.0}


class HostPace:
    """The per-host slots: :meth:`wait` returns when ``host`` may be asked again."""

    def __init__(
        self,
        intervals: Mapping[str, float] = DEFAULT_INTERVALS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._intervals = {host.lower(): seconds for host, seconds in intervals.items()}
        self._clock = clock
        self._next: dict[str, float] = {}

    def interval(self, host: str) -> tuple[str, float]:
        """The paced name ``host`` falls under and its interval (0 when it has none)."""
        name = host.lower().rstrip(".")
        for paced, seconds in self._intervals.items():
            if name == paced or name.endswith("." + paced):
                return paced, seconds
        return name, 0.0

    async def wait(self, host: str) -> float:
        """Sleep until ``host``'s next slot (reserved now) and return the seconds waited."""
        paced, seconds = self.interval(host)
        if seconds <= 0:
            return 0.0
        now = self._clock()
        slot = max(now, self._next.get(paced, now))
        self._next[paced] = slot + seconds
        delay = slot - now
        if delay > 0:
            await asyncio.sleep(delay)
        return delay
