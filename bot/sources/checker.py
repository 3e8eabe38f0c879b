"""Checking a figure against its cited source: read it as its publisher intends, judge.

:class:`SourceChecker` is the one entry point: ``await checker.check(url, value, unit)``
returns a :class:`~knowledge.sourcecheck.SourceCheck` and never raises for anything the
source does. The source is read by :mod:`bot.sources.readers` (arXiv's export API, the
Hub's card and API, a README, a page or PDF's text); ``read_url`` is the address read.
Checks run concurrently up to ``max_concurrent`` (a burst of submissions does not start
a fetch each at once); the fetcher's per-host pace and day's cache apply. Parsing and
judging a large page run in a worker thread, so a check never stalls the chat loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.sources.fetch import Fetcher, Refused
from bot.sources.readers import Endpoints, Reading, read
from bot.sources.work import off_the_loop
from knowledge.sourcecheck import SourceCheck, Status, judge, now_iso

if TYPE_CHECKING:
    from bot.config import Settings

#: The publishers' own addresses (the settings' defaults).
PUBLISHERS = Endpoints()
#: Checks at once, per checker: enough to overlap slow hosts, few enough to be polite.
MAX_CONCURRENT = 4


class SourceChecker:
    """Checks figures against their sources, at most ``max_concurrent`` at a time."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        max_concurrent: int = MAX_CONCURRENT,
        endpoints: Endpoints = PUBLISHERS,
    ) -> None:
        self.fetcher = fetcher
        self.max_concurrent = max_concurrent
        self.endpoints = endpoints
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SourceChecker:
        """A checker with the ``SCALEBOT_CHECK_*`` limits and the publishers' addresses."""
        kwargs.setdefault("endpoints", Endpoints.from_settings(settings))
        return cls(Fetcher.from_settings(settings), **kwargs)

    async def check(self, url: str, value: float, unit: str, *, fresh: bool = False) -> SourceCheck:
        """What the source at ``url`` states about ``value`` ``unit``."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        async with self._slots:
            return await self._check(url, value, unit, fresh)

    async def _check(self, url: str, value: float, unit: str, fresh: bool) -> SourceCheck:
        outcome = await read(url, unit, self.fetcher, self.endpoints, fresh=fresh)
        if not isinstance(outcome, Reading):
            status: Status = "refused" if isinstance(outcome, Refused) else "unreachable"
            return SourceCheck(status, url, url, now_iso(), unit, reason=outcome.reason)
        found, figures = await off_the_loop(judge, value, unit, outcome.text, outcome.extra)
        return SourceCheck(found, url, outcome.read_url, now_iso(), unit, figures)
