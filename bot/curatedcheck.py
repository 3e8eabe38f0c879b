"""``scalebot check --curated``: every curated figure checked against its cited source.

The curated record is read as seeding reads it (:func:`bot.importer.read_csv`), and each
figure goes through the same :class:`~bot.sources.checker.SourceChecker` a submission
does, so a maintainer sees what a moderator would: a table of dataset, field, figure,
status and what the source was found to state (or why it could not be read).

A machine without a network would report every figure ``unreachable``, which reads like
a finding about the sources; when every fetch failed to find or connect to its host the
command says plainly that the network is not reachable and fails instead. A maintainer's
command, not CI's: it needs the network, and arXiv's pace (one request every 3 s) makes
a full run take minutes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.importer import SubmitChecks, read_csv
from bot.seeding import CURATED_CSV
from bot.sources.checker import SourceChecker
from bot.sources.fetch import Fetched, Fetcher, Outcome, Unreachable
from bot.sources.readers import Endpoints
from knowledge.sourcecheck import STATUSES, SourceCheck

if TYPE_CHECKING:
    from pathlib import Path

    from bot.config import Settings
    from knowledge.ledger.values import NewPoint

HEADERS = ("dataset", "field", "figure", "status", "found / reason")
#: Characters of a column at most (the last one is never cut).
MAX_COLUMN = 40


class WatchedFetcher(Fetcher):
    """A fetcher that counts its outcomes: were any answered, did all fail to connect?"""

    answered = 0
    unconnected = 0
    example = ""

    async def fetch(self, url: str, *, fresh: bool = False) -> Outcome:
        outcome = await super().fetch(url, fresh=fresh)
        if isinstance(outcome, Fetched) or (
            isinstance(outcome, Unreachable) and not outcome.network
        ):
            self.answered += 1
        elif isinstance(outcome, Unreachable):
            self.unconnected += 1
            self.example = self.example or outcome.reason
        return outcome

    def offline(self) -> bool:
        """Whether every fetch tried failed to find or connect to its host."""
        return self.unconnected > 0 and self.answered == 0


@dataclass(frozen=True)
class CuratedReport:
    """The checks in the file's order, and why the network is unreachable (if it is)."""

    checks: tuple[tuple[NewPoint, SourceCheck], ...]
    offline: str = ""

    def table(self) -> list[str]:
        """The table as lines of fixed-width columns."""
        rows = [HEADERS, *(row(point, check) for point, check in self.checks)]
        widths = [
            min(MAX_COLUMN, max(len(r[column]) for r in rows)) for column in range(len(HEADERS))
        ]
        return [
            "  ".join(
                cell if column == len(HEADERS) - 1 else _cut(cell).ljust(widths[column])
                for column, cell in enumerate(r)
            ).rstrip()
            for r in rows
        ]

    def summary(self) -> str:
        counts = Counter(check.status for _, check in self.checks)
        parts = [f"{counts[status]} {status}" for status in STATUSES if counts[status]]
        return f"{len(self.checks)} curated figures checked: {', '.join(parts) or 'none'}"


def _cut(cell: str) -> str:
    return cell if len(cell) <= MAX_COLUMN else cell[: MAX_COLUMN - 1] + "…"


def found(check: SourceCheck) -> str:
    """What the source states, in a few words: its figures, or why none were read."""
    if check.status in ("unreachable", "refused"):
        return check.reason
    if not check.figures:
        return f"no figure in {check.unit} ({check.read_url})"
    return "; ".join(figure.printed for figure in check.figures)


def row(point: NewPoint, check: SourceCheck) -> tuple[str, str, str, str, str]:
    value = point.quantity
    exact = f"{int(value):,}" if value == int(value) else f"{value:,g}"  # as the file has it
    figure = f"{exact} {point.unit}"
    return (point.dataset, point.domain, figure, check.status, found(check))


async def check_points(
    checker: SourceChecker, points: Iterable[NewPoint], *, fresh: bool = False
) -> list[SourceCheck]:
    """Each point's check, in order, at most the checker's bound at a time."""
    return list(
        await asyncio.gather(
            *(checker.check(p.source_url, p.quantity, p.unit, fresh=fresh) for p in points)
        )
    )


def check_curated(
    settings: Settings, core: SubmitChecks, path: Path | None = None, *, fresh: bool = False
) -> CuratedReport:
    """Check the curated file's figures (``path``, else the knowledge base's) (blocking).

    The file is read as seeding reads it (:class:`~bot.importer.ImportFailed` names its
    bad lines); each figure is checked with the settings' fetcher and publishers.
    """
    points = read_csv(core, path or CURATED_CSV)
    fetcher = WatchedFetcher.from_settings(settings)
    checker = SourceChecker(fetcher, endpoints=Endpoints.from_settings(settings))
    checks = asyncio.run(check_points(checker, points, fresh=fresh))
    offline = ""
    if fetcher.offline():
        offline = (
            "the network is not reachable: no source's host could be found or connected to "
            f"(for example: {fetcher.example}). Run `scalebot check --curated` where the "
            "machine can reach arXiv, the Hugging Face Hub and GitHub."
        )
    return CuratedReport(tuple(zip(points, checks, strict=True)), offline)
