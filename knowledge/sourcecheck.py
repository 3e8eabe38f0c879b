"""A figure's source check: what its cited source was found to state, as one value.

The bot reads the page a submitter cites and tells the moderator whether it states the
submitted figure (``states``), other figures in that unit (``differs``), none in that
unit (``absent``), or could not be read (``unreachable``) or may not be read
(``refused``). :func:`judge` decides the first three from the page's text, with
:mod:`knowledge.figures_in_text` doing the reading; the last two come from the fetch.

:class:`SourceCheck` is what the ledger stores with the point and what every surface
shows (the review queue and cards, ``/history``, ``/check``, the web view). It travels
as plain JSON (:meth:`SourceCheck.as_data`), the shape of ``reply.data["check"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from knowledge.figures_in_text import Figure, UnknownUnit, figures_in, matches

Status = Literal["states", "differs", "absent", "unreachable", "refused"]
#: Every status, in the order a reader would rank them from best to worst.
STATUSES: tuple[Status, ...] = ("states", "differs", "absent", "unreachable", "refused")
#: At most this many figures are kept per check: a page listing hundreds of sizes
#: (a table of every split) says no more to a moderator than its first few.
MAX_FIGURES = 12
#: A quoted sentence is cut to this many characters.
MAX_SENTENCE = 400


def now_iso() -> str:
    """The time a check is stamped with: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class FoundFigure:
    """One figure the source states in the unit: its value, as printed, and where."""

    value: float
    printed: str
    sentence: str
    upper: float | None = None

    @classmethod
    def of(cls, figure: Figure) -> FoundFigure:
        sentence = " ".join(figure.sentence.split())
        if len(sentence) > MAX_SENTENCE:
            sentence = sentence[: MAX_SENTENCE - 1] + "…"
        return cls(figure.value, figure.printed, sentence, figure.upper)

    def as_data(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "printed": self.printed,
            "sentence": self.sentence,
            "upper": self.upper,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FoundFigure:
        upper = data.get("upper")
        return cls(
            float(data["value"]),
            str(data.get("printed", "")),
            str(data.get("sentence", "")),
            None if upper is None else float(upper),
        )


@dataclass(frozen=True)
class SourceCheck:
    """The outcome of one check of a point's source.

    ``url`` is the address the point cites; ``read_url`` the address actually read
    (an arXiv abstract is read through arXiv's export API, a redirect is followed);
    ``checked_at`` an ISO-8601 UTC time; ``reason`` says why a source was unreachable
    or refused (empty otherwise); ``figures`` are those stated in ``unit``, the
    matching ones first.
    """

    status: Status
    url: str
    read_url: str
    checked_at: str
    unit: str
    figures: tuple[FoundFigure, ...] = field(default_factory=tuple)
    reason: str = ""

    def as_data(self) -> dict[str, Any]:
        """Plain JSON: what the ledger stores and ``reply.data["check"]`` carries."""
        return {
            "status": self.status,
            "url": self.url,
            "read_url": self.read_url,
            "checked_at": self.checked_at,
            "unit": self.unit,
            "figures": [figure.as_data() for figure in self.figures],
            "reason": self.reason,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SourceCheck:
        status = next((known for known in STATUSES if known == data.get("status")), None)
        if status is None:
            raise ValueError(
                f"{data.get('status')!r} is not a source check status ({', '.join(STATUSES)})"
            )
        return cls(
            status=status,
            url=str(data.get("url", "")),
            read_url=str(data.get("read_url", "")),
            checked_at=str(data.get("checked_at", "")),
            unit=str(data.get("unit", "")),
            figures=tuple(FoundFigure.from_data(f) for f in data.get("figures") or ()),
            reason=str(data.get("reason", "")),
        )


def judge(
    submitted: float, unit: str, text: str, extra: Iterable[Figure] = ()
) -> tuple[Status, tuple[FoundFigure, ...]]:
    """Whether ``text`` states ``submitted`` in ``unit``: the status and the figures found.

    ``extra`` are figures a source states outside its running text (the size the Hub
    reports for a dataset); they count as the text's own. Figures that state the
    submitted one come first, then the others in reading order, each once.
    """
    try:
        in_text = figures_in(text, unit)
    except UnknownUnit:  # a unit papers have no spellings for: only ``extra`` can state it
        in_text = []
    found = [*in_text, *(f for f in extra if f.unit == unit)]
    if not found:
        return "absent", ()
    stating = [figure for figure in found if matches(submitted, figure)]
    others = [figure for figure in found if not matches(submitted, figure)]
    status: Status = "states" if stating else "differs"
    kept: list[FoundFigure] = []
    seen: set[tuple[float, float | None, str]] = set()
    for figure in (*stating, *others):
        key = (figure.value, figure.upper, figure.printed)
        if key in seen:
            continue
        seen.add(key)
        kept.append(FoundFigure.of(figure))
        if len(kept) == MAX_FIGURES:
            break
    return status, tuple(kept)
