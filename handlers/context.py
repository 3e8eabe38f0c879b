"""What a reader needs beside a figure: what it updates, and what looks wrong about it.

A submitter is told which dataset their figure updates and by how much; a moderator
sees, beside every pending figure, the dataset's current figure in that unit and the
change, and marks for what deserves a second look: lower than the current figure, a
name that looks like another dataset's misspelt, a source another point already cites,
a source the bot read that states another figure (its check, :mod:`handlers.checkwords`).
Shared by ``/submit``, ``/review`` and the review-channel posts, so all say it alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.checkwords import check_mark
from handlers.present import amount
from knowledge.ledger.values import DataPoint
from knowledge.sourcecheck import SourceCheck
from knowledge.store import Store


@dataclass(frozen=True)
class FigureContext:
    """A figure against its dataset's other figures and the rest of the ledger."""

    point: DataPoint
    #: The dataset's current figure in the same unit, when it is another point.
    current: DataPoint | None
    #: The figure is the first its dataset has: the name was new to the ledger.
    new_dataset: bool
    look_alikes: list[str] = field(default_factory=list)
    cited_by: DataPoint | None = None
    confirmations: int = 0
    #: The latest check of the point's source, None when it was never checked.
    check: SourceCheck | None = None

    @property
    def change(self) -> str | None:
        """``×1.08 (+8%)`` against the current figure, or None when there is none."""
        if self.current is None or self.current.quantity <= 0:
            return None
        factor = self.point.quantity / self.current.quantity
        percent = (factor - 1) * 100
        shown = f"×{factor:,.3g}"
        return f"{shown} ({percent:+,.0f}%)"

    @property
    def lower(self) -> bool:
        return self.current is not None and self.point.quantity < self.current.quantity

    def marks(self) -> list[str]:
        """Short warnings for a reviewer, most important first."""
        marks = []
        differs = check_mark(self.check)
        if differs is not None:
            marks.append(differs)
        if self.lower:
            marks.append("lower than the current figure")
        if self.look_alikes:
            marks.append("possible duplicate of " + ", ".join(self.look_alikes))
        if self.cited_by is not None:
            marks.append(f"source already cited by #{self.cited_by.id}")
        if self.point.disputes:
            marks.append(f"disputed ({self.point.disputes})")
        return marks

    def against_current(self) -> str:
        """One line: the current figure and the change, or that the dataset is new."""
        if self.current is not None:
            return f"current {amount(self.current)} (#{self.current.id}), change {self.change}"
        if self.new_dataset:
            return "a new dataset"
        return f"its first figure in {self.point.unit}"


def figure_context(
    store: Store,
    point: DataPoint,
    *,
    look_alikes: int = 3,
    new_dataset: bool | None = None,
    just_stored: bool = False,
    checks: Mapping[int, SourceCheck] | None = None,
) -> FigureContext:
    """Everything :class:`FigureContext` says about ``point``, read from the ledger.

    A caller that has just stored ``point`` knows two answers without reading them:
    whether its dataset is new (``new_dataset``) and that nobody has confirmed it yet
    (``just_stored``). Passing them saves ``/submit`` two of its reads, and the check
    of its source, which cannot have been made yet.

    ``checks``: the checks of a page of points, read at once
    (:meth:`~knowledge.ledger.checks.Checks.of_points`); a point not in it has none.
    Without it, the point's check is read on its own.
    """
    if checks is not None:
        check = checks.get(point.id)
    else:
        check = None if just_stored else store.checks.of(point.id)
    if point.dataset_id is None:
        return FigureContext(point, None, True, check=check)
    # A dataset whose only figure is this one has no current figure to compare with, and
    # only then are look-alike names worth the search.
    if new_dataset is None:
        new_dataset = store.history.size(point.dataset_id) == 1
    if new_dataset:
        current = None
        alike = [
            d.name for d in store.catalog.look_alikes(point.domain, point.dataset)[:look_alikes]
        ]
    else:
        current = store.reads.current_figure(point.dataset_id, point.unit, besides=point.id)
        alike = []
    vouched = 0 if just_stored else store.queue.confirmations(point.id)
    cited_by = store.history.cited_by(point)
    return FigureContext(point, current, new_dataset, alike, cited_by, vouched, check)
