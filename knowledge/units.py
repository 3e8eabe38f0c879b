"""The fixed vocabulary of units a data point may be counted in.

A fixed list keeps figures comparable: ``/compare`` can only put two datasets on one
scale when both say "hours" the same way, so every spelling a user types is mapped to one
canonical unit here, and an unknown unit is refused with the closest ones suggested.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

#: canonical unit -> extra spellings accepted for it (case-insensitive).
UNITS: dict[str, tuple[str, ...]] = {
    "hours": ("hour", "hr", "hrs", "h"),
    "tokens": ("token", "tok", "toks"),
    "books": ("book",),
    "image-text pairs": (
        "image-text pair",
        "image text pairs",
        "image-text",
        "pairs",
        "pair",
        "img-text pairs",
    ),
    "images": ("image", "img", "imgs", "photos", "pictures"),
    "clips": ("clip", "video clips", "video clip"),
    "videos": ("video",),
    "objects": ("object", "3d objects", "models", "meshes", "assets", "shapes"),
    "scenes": ("scene",),
    "trajectories": ("trajectory", "traj", "demos", "demonstrations"),
    "episodes": ("episode", "eps"),
    "miles": ("mile", "mi"),
    "frames": ("frame",),
    "GiB": ("gib", "gibibyte", "gibibytes"),
    "words": ("word",),
    "documents": ("document", "docs", "doc", "pages"),
}

_LOOKUP: dict[str, str] = {}
for _canonical, _aliases in UNITS.items():
    for _spelling in (_canonical, *_aliases):
        _LOOKUP[_spelling.casefold()] = _canonical


#: canonical unit -> phrasings papers print for it that a user would not type as a unit
#: ("760K hours of video", "400M image-caption pairs"). Read only by
#: ``knowledge/figures_in_text.py``; ``canonical_unit`` does not accept them.
TEXT_PHRASES: dict[str, tuple[str, ...]] = {
    "hours": ("video hours", "hours of video", "hours of footage", "hours of audio"),
    "image-text pairs": (
        "image–text pairs",
        "image-caption pairs",
        "image caption pairs",
        "text-image pairs",
        "image-text examples",
    ),
    "clips": ("video segments",),
    "objects": ("3d assets", "3d models", "3d shapes"),
    "documents": ("web pages", "webpages"),
}

#: Spellings too generic to trust a word or three away from a number in running text
#: ("100M sentence pairs" is not image-text pairs, "7B parameter models" not 3D objects):
#: in text they name the unit only right after the figure ("400M pairs").
LOOSE_IN_TEXT = frozenset({"pairs", "pair", "models", "assets", "shapes", "pages", "h", "mi"})


def text_spellings() -> dict[str, str]:
    """Every spelling of every unit as printed in text (casefolded) -> canonical unit."""
    spellings = dict(_LOOKUP)
    for canonical, phrases in TEXT_PHRASES.items():
        for phrase in phrases:
            spellings[phrase.casefold()] = canonical
    return spellings


def canonical_unit(text: str) -> str | None:
    """The canonical unit for a spelling, or None when it is not in the vocabulary."""
    return _LOOKUP.get(" ".join(text.split()).casefold())


def suggest_units(text: str, limit: int = 3) -> list[str]:
    """Canonical units closest to an unknown spelling, best first."""
    matches = process.extract(text.casefold(), list(_LOOKUP), scorer=fuzz.WRatio, limit=10)
    suggestions: list[str] = []
    for spelling, score, _ in matches:
        unit = _LOOKUP[spelling]
        if score >= 60 and unit not in suggestions:
            suggestions.append(unit)
    return suggestions[:limit]


def all_units() -> Iterable[str]:
    return UNITS.keys()


#: Units that count whole things: a figure in them cannot have a fraction. The others
#: (hours, miles, GiB) measure, and may.
COUNTS = frozenset(
    {
        "tokens",
        "books",
        "image-text pairs",
        "images",
        "clips",
        "videos",
        "objects",
        "scenes",
        "trajectories",
        "episodes",
        "frames",
        "words",
        "documents",
    }
)


def is_count(unit: str) -> bool:
    """Whether ``unit`` (canonical) counts whole things."""
    return unit in COUNTS
