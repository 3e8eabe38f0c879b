"""The ledger's value types: what a caller hands the ledger and what it gets back.

Plain frozen dataclasses (and one named tuple), free of SQL, so handlers, the core and
the web view can name them without opening anything. The time stamps are here too:
every module writes moments the same way, as sortable ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, TypeVar

from knowledge.identity import Dataset

#: Who approves a point that enough members confirmed (SCALEBOT_AUTO_APPROVE_CONFIRMATIONS).
AUTO_APPROVER = "system:confirmations"

Status = Literal["pending", "approved", "rejected"]
Outcome = Literal["approve", "reject", "keep", "withdraw"]
Origin = Literal["community", "curated", "import"]
DatasetSort = Literal["largest", "newest"]


def now() -> str:
    """UTC timestamps as ISO text: sortable as strings, readable in the database."""
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """A UTC moment as :func:`now` writes it."""
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class NewPoint:
    """A validated data point, before it has an id or a status."""

    domain: str
    dataset: str
    quantity_text: str
    quantity: float
    unit: str
    source_url: str
    year: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Submitter:
    """Who submitted a point and where from."""

    user: str
    platform: str
    workspace: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Submission:
    """A stored submission: its id and its point as stored.

    ``replayed``: a request with the same key stored it earlier, so nothing was written
    now and ``point`` is the earlier one's (the reply then repeats the first reply).
    """

    id: int
    point: NewPoint
    replayed: bool = False
    #: The submission created its dataset (None for a replay: not known without a read).
    new_dataset: bool | None = None
    #: The point as a read would give it, built from what was written (None: a replay).
    stored: DataPoint | None = None


@dataclass(frozen=True)
class DataPoint:
    id: int
    domain: str
    dataset: str
    quantity_text: str
    quantity: float
    unit: str
    year: int | None
    source_url: str
    note: str
    status: Status
    origin: Origin
    is_current: int
    submitted_by: str
    platform: str
    workspace: str | None
    channel: str | None
    submitted_at: str
    reviewed_by: str | None
    reviewed_at: str | None
    review_note: str | None
    #: The dataset it is a figure of (its canonical name is ``dataset``).
    dataset_id: int | None = None
    #: The name as the submitter spelled it.
    typed_name: str = ""
    #: Open disputes (``/flag``) of this figure.
    disputes: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Every field by name. Each value is a str, number or None, so a shallow copy is
        ``asdict``'s answer without its deep copy (a quarter of ``/scale``'s time)."""
        return {name: getattr(self, name) for name in _POINT_FIELD_NAMES}


#: DataPoint's fields in declaration order (what :meth:`DataPoint.as_dict` copies).
_POINT_FIELD_NAMES = tuple(field.name for field in fields(DataPoint))


@dataclass(frozen=True)
class Decision:
    """A moderator's decision on a point, and what it did: approve, reject, or (for a
    disputed approved figure) keep or withdraw; ``cleared``: disputes it answered."""

    point: DataPoint
    outcome: Outcome
    cleared: int = 0
    #: When it was decided: a kept figure's ``reviewed_at`` stays its first approval's.
    at: str = ""


@dataclass(frozen=True)
class Confirmation:
    point: DataPoint
    count: int
    auto_approved: bool = False
    #: The answer a request with the same key got before (nothing was written now).
    replayed: bool = False


@dataclass(frozen=True)
class Flagging:
    point: DataPoint
    disputes: int
    #: The reason as stored (a replay's is its first delivery's, whatever it says now).
    reason: str = ""
    #: The answer a request with the same key got before (nothing was written now).
    replayed: bool = False


#: What ``/confirm`` and ``/flag`` answer; a request's key keeps it for a replay.
Answer = TypeVar("Answer", Confirmation, Flagging)


@dataclass(frozen=True)
class Merged:
    """A merge as committed: the datasets the names meant then, and how many figures moved."""

    source: Dataset
    target: Dataset
    moved: int


@dataclass(frozen=True)
class Flag:
    """One member's open dispute of a figure: who, why, and when."""

    user: str
    reason: str
    at: str


@dataclass(frozen=True)
class Listed:
    """A dataset as ``/datasets`` lists it: its canonical name and its current figures."""

    dataset: Dataset
    figures: list[Measure]


class Measure(NamedTuple):
    """A dataset's current figure in one unit, as a listing shows it.

    The part of a :class:`DataPoint` a line of ``/datasets`` needs: reading all 23
    columns of a point, for the 30 figures of a page, cost more than the rest of the
    command. A named tuple, since a row becomes one without a call per field.
    """

    id: int
    dataset_id: int
    dataset: str
    quantity: float
    unit: str
    year: int | None
    source_url: str
    disputes: int
    reviewed_at: str | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    data_point_id: int | None
    details: dict[str, Any]


NewsKind = Literal["record", "correction"]
#: What caused a news item: a moderator's approval, the Nth confirmation's, a withdrawal.
NewsDecision = Literal["approve", "confirmations", "withdraw", "correct"]


@dataclass(frozen=True)
class NewsItem:
    """An announcement a decision owes the news channels, as the outbox keeps it.

    ``kind``: ``record`` (the point became its field's record in ``unit``) or
    ``correction`` (the decision lowered that record). ``facts`` were written with the
    decision, so a post made later says what was true then (:mod:`knowledge.ledger.news`
    lists the keys): ``record_id``, ``dataset``, ``value``, ``quantity_text``, ``year``,
    ``source_url`` (the record after the decision; all None when a correction left the
    field with none) and ``previous_id``, ``previous_dataset``, ``previous_value``,
    ``previous_quantity_text``, ``previous_year``, ``previous_source_url`` (the record
    before it; None for each when there was none).
    """

    id: int
    kind: NewsKind
    point_id: int
    domain: str
    unit: str
    decision: NewsDecision
    created_at: str
    facts: dict[str, Any] = dataclass_field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ClaimHit:
    id: str
    domain: str | None
    section: str
    text: str
    rank: float
