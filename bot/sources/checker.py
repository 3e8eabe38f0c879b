"""Checking a figure against its cited source: fetch, read as text, judge.

:class:`SourceChecker` is the one entry point: ``await checker.check(url, value, unit)``
returns a :class:`~knowledge.sourcecheck.SourceCheck` and never raises for anything the
source does. Checks run concurrently up to ``max_concurrent`` (a burst of submissions
does not start a fetch each at once); the fetcher's per-host pace and day's cache apply.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.sources.fetch import Fetched, Fetcher, Refused
from knowledge.sourcecheck import SourceCheck, Status, judge, now_iso

if TYPE_CHECKING:
    from bot.config import Settings

#: Checks at once, per checker: enough to overlap slow hosts, few enough to be polite.
MAX_CONCURRENT = 4


class SourceChecker:
    """Checks figures against their sources, at most ``max_concurrent`` at a time."""

    def __init__(self, fetcher: Fetcher, *, max_concurrent: int = MAX_CONCURRENT) -> None:
        self.fetcher = fetcher
        self.max_concurrent = max_concurrent
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SourceChecker:
        return cls(Fetcher.from_settings(settings), **kwargs)

    async def check(self, url: str, value: float, unit: str, *, fresh: bool = False) -> SourceCheck:
        """What the source at ``url`` states about ``value`` ``unit``."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        async with self._slots:
            return await self._check(url, value, unit, fresh)

    async def _check(self, url: str, value: float, unit: str, fresh: bool) -> SourceCheck:
        outcome = await self.fetcher.fetch(url, fresh=fresh)
        if not isinstance(outcome, Fetched):
            status: Status = "refused" if isinstance(outcome, Refused) else "unreachable"
            return SourceCheck(status, url, url, now_iso(), unit, reason=outcome.reason)
        text = outcome.body.decode("utf-8", errors="replace")
        status_found, figures = judge(value, unit, text)
        return SourceCheck(status_found, url, outcome.final_url, now_iso(), unit, figures)
