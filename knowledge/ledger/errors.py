"""What the ledger refuses: an operation that cannot be done as asked.

Each refusal names the point (or dataset) it is about, so the handler can word it for
users (:mod:`handlers.refusals` is the one place that does). Storage faults, where
SQLite could not store a write at all, are :mod:`knowledge.ledger.faults`.
"""

from __future__ import annotations

from knowledge.identity import Dataset
from knowledge.ledger.values import DataPoint


class LedgerError(Exception):
    """A ledger operation that cannot be done as asked (the caller words it for users)."""


class PointNotFound(LedgerError):
    pass


class AlreadyReviewed(LedgerError):
    def __init__(self, point: DataPoint) -> None:
        super().__init__(f"#{point.id} is already {point.status}")
        self.point = point


class OwnPoint(LedgerError):
    """A member cannot vouch for their own figure."""

    def __init__(self, point: DataPoint) -> None:
        super().__init__(f"#{point.id} was submitted by {point.submitted_by}")
        self.point = point


class AlreadyVouched(LedgerError):
    """This member already confirmed (or has an open dispute on) this figure."""

    def __init__(self, point: DataPoint) -> None:
        super().__init__(f"#{point.id} already has your word")
        self.point = point


class SameDataset(LedgerError):
    """Two names given to merge mean one dataset (perhaps since a merge a moment ago)."""

    def __init__(self, dataset: Dataset) -> None:
        super().__init__(f"both names mean {dataset.name}")
        self.dataset = dataset
