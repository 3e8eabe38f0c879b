"""The sizes a text states in a unit, as papers print them.

A moderator checking ``InternVid: 800K hours`` reads the abstract for "hours" and the
figure beside it. This module does that reading: it finds every figure printed as
"234M", "234 million", "234,000,000", "2.34 × 10^8" (or "2.34x10^8", "2.34e8", "10^9"),
"over 100 trillion", "760K hours", "7.6K" and ranges ("1–2M", "between 1 and 2
million"), keeps those followed (within a few words) by a spelling of the unit asked for,
and records the precision each was printed with, so that :func:`matches` can say whether
a submitted figure is the one the text states: "760K" states 760,000 and so does "about
0.76M", but "800K" does not.

The unit's spellings come from :mod:`knowledge.units` and the multiplier words from
:mod:`knowledge.quantity`, so a figure means the same here as when typed at the bot.
A page is scanned once with one regular expression that starts at a digit; only the few
numbers followed by a unit are looked at further, which keeps a 1 MB page well under
50 ms (``bench/parse.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from knowledge.quantity import MULTIPLIERS
from knowledge.units import LOOSE_IN_TEXT, UNITS, canonical_unit, text_spellings

#: Words a unit may sit behind: "760K *high-quality video* hours", "2B *English* tokens".
MAX_WORDS_BEFORE_UNIT = 3
#: A sentence quoted with a figure is cut to this many characters either side of it.
SENTENCE_REACH = 300

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")


def _alternation(words: list[str]) -> str:
    """Longest first, so "image-text pairs" wins over "image" and "mn" over "m"."""
    escaped = (re.escape(word).replace(r"\ ", r"\s+") for word in words)
    return "|".join(sorted(escaped, key=len, reverse=True))


_ABBREVIATIONS = [word for word in MULTIPLIERS if len(word) <= 3]
_WORDS = [word for word in MULTIPLIERS if len(word) > 3]
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+)(?:\.\d+)?(?!\.?\d)"
_EXPONENT = (
    r"(?:\s*[×xX·∙*]\s*10(?:\s*\^\s*\{?\s*(?P<exp>[+\-−]?\d{1,2})\s*\}?"
    r"|(?P<sup>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2}))"
    r"|[eE](?P<sci>[+\-]?\d{1,2}))"
)
_MULTIPLIER = (
    rf"(?:(?P<abbr>{_alternation(_ABBREVIATIONS)})(?![A-Za-z])"
    rf"|[ \u00a0\u202f]?(?P<word>{_alternation(_WORDS)})\b)"
)
#: One figure: a number with an exponent or a multiplier, or a bare power of ten.
_FIGURE = re.compile(
    rf"""(?P<power>10\s*\^\s*\{{?\s*(?P<pexp>\d{{1,2}})\s*\}}?|10(?P<psup>[⁰¹²³⁴⁵⁶⁷⁸⁹]{{1,2}}))
    |(?P<number>{_NUMBER})(?:{_EXPONENT}|{_MULTIPLIER}|(?![A-Za-z_]))""",
    re.VERBOSE | re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"\s*(?:[-–—]|to\b|and\b)\s*", re.IGNORECASE)
_QUALIFIERS = (
    "about|approximately|approx\\.|around|roughly|nearly|almost|over|more than|"
    "less than|fewer than|up to|at least|at most|under|above|below|some|between|from|"
    "~|≈|∼|>|<|≥|≤"
)
_QUALIFIER_BEFORE = re.compile(rf"(?:^|(?<=[\s(]))(?P<q>{_QUALIFIERS})\s*$", re.IGNORECASE)

_SPELLINGS = text_spellings()
_STRICT = [s for s in _SPELLINGS if s not in LOOSE_IN_TEXT]
_UNIT_TAIL = re.compile(
    rf"""[ \t\u00a0\u202f]*\n?[ \t\u00a0\u202f]*(?:
        (?P<near>{_alternation(_STRICT)}|{_alternation(sorted(LOOSE_IN_TEXT))})
      | (?:(?!\d)[\w][\w'’-]*\s+){{1,{MAX_WORDS_BEFORE_UNIT}}}?(?P<far>{_alternation(_STRICT)})
    )(?![\w-])""",
    re.VERBOSE | re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n")


@dataclass(frozen=True)
class Figure:
    """A size a text states: its value, how precisely it was printed, where it was.

    ``precision`` is one unit in the last digit printed ("760K" -> 1,000, "0.76M" ->
    10,000, "2.34 × 10^8" -> 1,000,000). A range ("1–2M") keeps its lower end in
    ``value`` and its upper end in ``upper``, both to the finer precision of the two.
    """

    value: float
    precision: float
    unit: str
    sentence: str
    printed: str
    qualifier: str = ""
    upper: float | None = None


class UnknownUnit(ValueError):
    """The unit asked for is not in the vocabulary; the message shows one that is."""


def matches(submitted: float, found: Figure) -> bool:
    """Whether ``found`` states ``submitted``: equal to the precision it was printed with.

    A submitted 760,000 is stated by "760K" (759,500 to 760,500) and by "about 0.76M"
    (755,000 to 765,000), not by "800K". A range states its two ends, not every figure
    between them: "between 1 and 2 million" does not state 1.5 million.
    """
    tolerance = found.precision / 2 * (1 + 1e-9)
    ends = (found.value,) if found.upper is None else (found.value, found.upper)
    return any(abs(submitted - end) <= tolerance for end in ends)


def figures_in(text: str, unit: str) -> list[Figure]:
    """Every figure ``text`` states in ``unit`` (any spelling of it), in reading order."""
    canonical = canonical_unit(unit)
    if canonical is None:
        raise UnknownUnit(
            f"{unit!r} is not a unit figures are counted in; use one of "
            f"{', '.join(UNITS)} (for example figures_in(text, 'hours'))"
        )
    return [figure for figure in all_figures(text) if figure.unit == canonical]


def all_figures(text: str) -> list[Figure]:
    """Every figure ``text`` states in any unit of the vocabulary, in reading order."""
    found: list[Figure] = []
    position = 0
    while (match := _FIGURE.search(text, position)) is not None:
        position = match.end()
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "._^"):
            continue  # the middle of "v1.5", "GPT4", "x10^8": not a figure of its own
        parsed = _parse(match)
        if parsed is None:
            continue
        value, precision = parsed
        upper = None
        end = match.end()
        qualifier = _qualifier(text, start)
        ranged = _range_end(text, end, qualifier)
        if ranged is not None:
            (high, high_precision, high_match), multiplied = ranged
            scale = _scale(high_match) if multiplied and _is_bare(match) else None
            if scale is not None:
                value, precision = float(value * float(scale)), float(precision * float(scale))
            if high > value:
                upper, precision = high, min(precision, high_precision)
                end = position = high_match.end()
        tail = _UNIT_TAIL.match(text, end)
        if tail is None:
            continue
        spelling = " ".join((tail["near"] or tail["far"]).split()).casefold()
        unit = _SPELLINGS[spelling]
        printed_from = start - len(qualifier) if qualifier else start
        found.append(
            Figure(
                value=value,
                precision=precision,
                unit=unit,
                sentence=_sentence(text, start, tail.end()),
                printed=" ".join(text[printed_from : tail.end()].split()),
                qualifier=" ".join(qualifier.split()).casefold(),
                upper=upper,
            )
        )
        position = max(position, tail.end())
    return found


def _parse(match: re.Match[str]) -> tuple[float, float] | None:
    """The value and precision of one figure, or None for a number that is no size."""
    if match["power"]:
        exponent = int(match["pexp"] or (match["psup"] or "").translate(_SUPERSCRIPTS))
        return float(10**exponent), float(10**exponent)
    try:
        mantissa = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    scale = _scale(match)
    if scale is None:
        return None
    exponent = mantissa.as_tuple().exponent
    assert isinstance(exponent, int)
    value = mantissa * scale
    if value <= 0:
        return None
    return float(value), float(Decimal(10) ** exponent * scale)


def _scale(match: re.Match[str]) -> Decimal | None:
    """What a figure's number is multiplied by: its exponent's power of ten or its word."""
    power = match["exp"] or match["sup"] or match["sci"]
    if power:
        exponent = int(power.translate(_SUPERSCRIPTS).replace("−", "-"))
        return Decimal(10) ** exponent
    word = match["abbr"] or match["word"]
    if word:
        return MULTIPLIERS.get(word.casefold())
    return Decimal(1)


def _is_bare(match: re.Match[str]) -> bool:
    return not (match["power"] or match["exp"] or match["sup"] or match["sci"]) and not (
        match["abbr"] or match["word"]
    )


def _range_end(
    text: str, end: int, qualifier: str
) -> tuple[tuple[float, float, re.Match[str]], bool] | None:
    """The upper end of "1–2M", "1 to 2 million", "between 1 and 2 million", if any."""
    join = _RANGE_JOIN.match(text, end)
    if join is None:
        return None
    if join.group().strip().casefold() == "and" and qualifier.strip().casefold() != "between":
        return None
    high_match = _FIGURE.match(text, join.end())
    if high_match is None or high_match["power"]:
        return None
    parsed = _parse(high_match)
    if parsed is None:
        return None
    return (parsed[0], parsed[1], high_match), not _is_bare(high_match)


def _qualifier(text: str, start: int) -> str:
    """ "over", "about", "between", ... printed just before the figure, as printed."""
    found = _QUALIFIER_BEFORE.search(text, max(0, start - 16), start)
    return text[found.start() : start] if found else ""


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around ``start``..``end``, on one line, cut to a readable length."""
    low = max(0, start - SENTENCE_REACH)
    head = low
    for boundary in _SENTENCE_END.finditer(text, low, start):
        head = boundary.end()
    tail = _SENTENCE_END.search(text, end, end + SENTENCE_REACH)
    stop = tail.end() if tail else min(len(text), end + SENTENCE_REACH)
    return " ".join(text[head:stop].split())
