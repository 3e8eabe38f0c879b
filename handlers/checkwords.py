"""A source check in words: one wording for every place a moderator or member reads it.

``/review`` and the review cards (:mod:`handlers.cards`), ``/history``, ``/check`` and
the submitter's notice all say what the bot found at a figure's source through these
functions, so a check reads the same wherever it is shown:

- :func:`check_line`: one line, ``Source check: the source states 760K hours, not 800K``;
- :func:`check_details`: each figure found with the sentence it came from;
- :func:`check_mark`: the reviewer's mark for a source that states another figure;
- :func:`check_status`: the few words a line of ``/history`` has room for.
"""

from __future__ import annotations

from knowledge.ledger.values import DataPoint
from knowledge.quantity import format_quantity
from knowledge.sourcecheck import FoundFigure, SourceCheck

#: Figures named in one line; the rest are counted (``and 3 more``).
FIGURES_IN_LINE = 3
#: A quoted sentence in :func:`check_details` is cut to this many characters.
SENTENCE_SHOWN = 200
#: An address in a line is cut to this many characters.
ADDRESS_SHOWN = 60
#: A reason a source was not read is cut to this many characters.
REASON_SHOWN = 120
#: What a line says of a figure whose source was not checked (yet).
NOT_CHECKED = "Source check: not checked yet"


def address(url: str) -> str:
    """``https://www.arxiv.org/abs/2307.06942/`` as read in a line: ``arxiv.org/abs/2307.06942``."""
    return _cut(url.split("://", 1)[-1].removeprefix("www.").rstrip("/"), ADDRESS_SHOWN)


def _cut(text: str, most: int) -> str:
    """``text`` on one line, at most ``most`` characters (an ellipsis ends a cut one)."""
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def _number(value: float, exact: bool) -> str:
    return f"{value:,.0f}" if exact and value == int(value) else format_quantity(value)


def _figure(figure: FoundFigure, unit: str, exact: bool = False) -> str:
    """``760K hours``, or a range ``1M-2M hours``; ``exact``: every digit (``760,400``)."""
    shown = _number(figure.value, exact)
    if figure.upper is not None:
        shown += f"-{_number(figure.upper, exact)}"
    return f"{shown} {unit}"


def _exact(check: SourceCheck, submitted: float) -> bool:
    """Whether short figures would read alike though they differ (760,400 and 760,000)."""
    ours = format_quantity(submitted)
    return any(
        format_quantity(figure.value) == ours and figure.value != submitted
        for figure in check.figures
    )


def _figures(check: SourceCheck, exact: bool = False) -> str:
    """Up to :data:`FIGURES_IN_LINE` figures the source states, the rest counted."""
    named = [_figure(figure, check.unit, exact) for figure in check.figures[:FIGURES_IN_LINE]]
    more = len(check.figures) - len(named)
    shown = ", ".join(named)
    return shown + (f" and {more} more" if more > 0 else "")


def check_line(check: SourceCheck | None, point: DataPoint) -> str:
    """What the bot found at ``point``'s source, in one line.

    ``Source check: states 760K hours (arxiv.org/abs/2307.06942)``, ``... the source
    states 760K hours, not 800K``, ``... no figure in hours``, ``... could not be read:
    REASON``, ``... not fetched: REASON``, or ``... not checked yet`` (None).
    """
    if check is None:
        return NOT_CHECKED
    where = address(check.url or point.source_url)
    if check.status == "states":
        stated = _figure(check.figures[0], check.unit) if check.figures else "the figure"
        return f"Source check: states {stated} ({where})"
    if check.status == "differs":
        exact = _exact(check, point.quantity)
        ours = _number(point.quantity, exact)
        return f"Source check: the source states {_figures(check, exact)}, not {ours}"
    if check.status == "absent":
        return f"Source check: no figure in {check.unit or point.unit} ({where})"
    reason = _cut(check.reason, REASON_SHOWN) or "no reason given"
    if check.status == "unreachable":
        return f"Source check: could not be read: {reason}"
    return f"Source check: not fetched: {reason}"


def check_details(check: SourceCheck) -> list[str]:
    """One line per figure found, with the sentence it came from, quoted and cut.

    ``760K hours: “We collect 760K hours of video with captions.”``; none when the
    source stated no figure in the unit or was not read.
    """
    lines = []
    for figure in check.figures:
        sentence = _cut(figure.sentence, SENTENCE_SHOWN)
        lines.append(f"{_figure(figure, check.unit)}: “{sentence}”")
    return lines


def check_mark(check: SourceCheck | None) -> str | None:
    """The reviewer's mark when the source states other figures: ``the source states
    760K hours``; None for any other outcome (a failed read is no sign of a wrong figure)."""
    if check is None or check.status != "differs" or not check.figures:
        return None
    return f"the source states {_figures(check)}"


def check_status(check: SourceCheck | None, point: DataPoint) -> str | None:
    """A few words for a list line: ``source states it``, ``source states 760K hours``,
    ``no figure in hours at the source``, ``source could not be read``, ``source not
    fetched``; ``source not checked yet`` for a pending point, None for a decided one
    never checked (the curated set, figures decided before checks)."""
    if check is None:
        return "source not checked yet" if point.status == "pending" else None
    if check.status == "states":
        return "source states it"
    if check.status == "differs":
        return f"source states {_figures(check, _exact(check, point.quantity))}"
    if check.status == "absent":
        return f"no figure in {check.unit or point.unit} at the source"
    if check.status == "unreachable":
        return "source could not be read"
    return "source not fetched"
