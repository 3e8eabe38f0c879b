"""Small pieces of English for replies: articles, counts, plurals and lists.

Error replies name things the way a person would ("needs at least two fields", "a source
link and a year"), built from the options' labels; these helpers keep that wording
consistent wherever a reply is put together from parts.
"""

from __future__ import annotations

from collections.abc import Sequence

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_word(count: int) -> str:
    """``2`` -> ``two``; numbers past nine stay digits, as style guides have them."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else f"{count:,}"


def plural(noun: str, count: int = 2) -> str:
    """The noun for ``count`` things; the last word takes the ``s`` (``source links``)."""
    if count == 1:
        return noun
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(count: int, noun: str) -> str:
    """``counted(2, "field")`` -> ``two fields``; ``counted(1, "page")`` -> ``one page``."""
    return f"{number_word(count)} {plural(noun, count)}"


#: Words that start with a vowel letter but a consonant sound: "a unit", "a one-off".
_CONSONANT_SOUNDS = ("uni", "use", "usu", "eu", "one")


def with_article(noun: str) -> str:
    """``a field``, ``an image``, ``a unit``: the article follows the first sound, roughly."""
    lowered = noun.casefold()
    vowel = lowered[:1] in tuple("aeiou") and not lowered.startswith(_CONSONANT_SOUNDS)
    return f"{'an' if vowel else 'a'} {noun}"


def join_and(items: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def capitalized(text: str) -> str:
    """The first letter upper-cased and the rest left alone (``sort order`` -> ``Sort order``)."""
    return text[:1].upper() + text[1:]
