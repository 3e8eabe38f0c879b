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
A page is scanned once, in C, by one regular expression that starts only where a number
starts and needs a unit after it (``_CANDIDATE``); only those few figures are parsed in
Python. ``bench/parse.py`` times a 1 MB page against a bare digit search.
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


#: "760K" but not "760 K": a lone letter after a space is too often something else
#: ("5 m" of cable); "3 bn" and "234 million" may have the space.
_ABBREVIATIONS = [word for word in MULTIPLIERS if len(word) == 1]
_WORDS = [word for word in MULTIPLIERS if len(word) > 1]
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
#: Words printed before a figure that say how it bounds or rounds the size, longest first.
_QUALIFIERS = tuple(
    sorted(
        [
            *"about approximately approx. around roughly nearly almost over under above".split(),
            *"below some between from ~ ≈ ∼ > < ≥ ≤".split(),
            *("more than", "less than", "fewer than", "up to", "at least", "at most"),
        ],
        key=len,
        reverse=True,
    )
)
_QUALIFIER_REACH = max(len(qualifier) for qualifier in _QUALIFIERS) + 4


def _trie(words: list[str]) -> str:
    """One pattern for many lowercase words, factored by common prefix.

    Python's ``re`` tries an alternation's branches one by one; factored, a position that
    starts no unit fails on its first character, which is what keeps a page fast.
    Continuations come before a word's end, so the longest spelling wins.
    """
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for character in word:
            node = node.setdefault(character, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [
            (r"\s+" if character == " " else re.escape(character)) + emit(child)
            for character, child in sorted(node.items())
            if character
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


_SPELLINGS = text_spellings()
_STRICT = _trie([s for s in _SPELLINGS if s not in LOOSE_IN_TEXT])
_LOOSE = _trie(sorted(LOOSE_IN_TEXT))
_GAP = r"[ \t\u00a0\u202f]*+\n?[ \t\u00a0\u202f]*+"
#: The unit after a figure, read in lowercased text: right after it (any spelling) or
#: behind at most three words (not a loose spelling); the nearest wins.
_UNIT = (
    rf"(?:(?P<near>{_STRICT}|{_LOOSE})"
    rf"|(?:(?!\d)\w[\w'’-]*+\s+){{1,{MAX_WORDS_BEFORE_UNIT}}}?(?P<far>{_STRICT}))(?![\w-])"
)
_UNIT_TAIL = re.compile(_GAP + _UNIT)
#: A cheap first pass over the lowercased page, run in C: digits, anything a figure may
#: print after them (multiplier, exponent, a range's second number), then a unit. It
#: finds at least every figure ``_read`` accepts; ``_read`` then parses each exactly.
_SUFFIX = (
    r"(?>\s*[×x·∙*]\s*10(?:\s*\^\s*\{?\s*[-+−]?\d+\s*\}?|[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻]+)"
    r"|e[-+]?\d+|\s*\^\s*\{?\s*\d+\s*\}?|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|[a-z]{1,8}+)?"
    rf"(?:[ \u00a0\u202f]?(?:{_trie(_WORDS)})\b)?"
)
#: Starts only where a number starts (the lookbehind follows the first digit, so ``re``
#: still skips to digits in C); ``_read`` refuses the same neighbours.
_CANDIDATE = re.compile(
    rf"\d(?<![\w,.^]\d)(?<!\w-\d)[\d,.]*+{_SUFFIX}"
    rf"(?:\s*(?:[-–—]|to|and)\s*\d[\d,.]*+{_SUFFIX})?{_GAP}{_UNIT}"
)
#: Where a sentence ends: its mark and the space after it, or a blank line.
_SENTENCE_ENDS = (". ", "? ", "! ", ".\n", "?\n", "!\n", "\n\n")


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
    between them: "1,000-2,000" does not state 1,500. A figure printed to one significant
    digit ("1B", "10^9") states what rounds to it (1.2B), as its author chose to print it.
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
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters: keep offsets aligned
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    found: list[Figure] = []
    position = 0
    while (candidate := _CANDIDATE.search(lowered, position)) is not None:
        read = _read(text, lowered, candidate.start())
        if read is None:
            position = candidate.start() + 1
            continue
        figure, position = read
        found.append(figure)
    return found


def _read(text: str, lowered: str, start: int) -> tuple[Figure, int] | None:
    """The figure printed at ``start`` with its unit, and where reading goes on, or None."""
    before = text[max(0, start - 2) : start]
    if before[-1:].isalnum() or before[-1:] in tuple("._^,") or _is_name_part(before):
        return None  # the middle of "v1.5", "GPT4", "x10^8", "GPT-4": not a figure
    match = _FIGURE.match(text, start)
    parsed = _parse(match) if match else None
    if match is None or parsed is None:
        return None
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
            end = high_match.end()
    tail = _UNIT_TAIL.match(lowered, end)
    if tail is None:
        return None
    spelling = " ".join((tail["near"] or tail["far"]).split())
    printed_from = start - len(qualifier)
    figure = Figure(
        value=value,
        precision=precision,
        unit=_SPELLINGS[spelling],
        sentence=_sentence(text, start, tail.end()),
        printed=" ".join(text[printed_from : tail.end()].split()),
        qualifier=" ".join(qualifier.split()).casefold(),
        upper=upper,
    )
    return figure, tail.end()


def _is_name_part(before: str) -> bool:
    """Whether a number continues a hyphenated name ("GPT-4", "Llama-2")."""
    return len(before) == 2 and before[1] == "-" and before[0].isalnum()


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
    places = mantissa.as_tuple().exponent
    assert isinstance(places, int)  # a finite number: no 'n', 'N' or 'F'
    value = mantissa * scale
    if value <= 0:
        return None
    return float(value), float(Decimal(10) ** places * scale)


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
    window = text[max(0, start - _QUALIFIER_REACH) : start]
    before = window.rstrip().lower()
    if not before.endswith(_QUALIFIERS):
        return ""
    for qualifier in _QUALIFIERS:
        cut = len(before) - len(qualifier)
        if before.endswith(qualifier) and (cut == 0 or not before[cut - 1].isalnum()):
            if cut == 0 and start > len(window) and text[start - len(window) - 1].isalnum():
                return ""  # the window cut a word: "moreover" is no qualifier
            return window[cut:]
    return ""


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around ``start``..``end``, on one line, cut to a readable length."""
    low = max(0, start - SENTENCE_REACH)
    heads = [at + len(mark) for mark in _SENTENCE_ENDS if (at := text.rfind(mark, low, start)) >= 0]
    head = max(heads, default=low)
    high = min(len(text), end + SENTENCE_REACH)
    stops = [at + 1 for mark in _SENTENCE_ENDS if (at := text.find(mark, end, high)) >= 0]
    return " ".join(text[head : min(stops, default=high)].split())
