"""What counts as text we store and show back: one line of visible characters.

A dataset name, a note or a reason is read by other people in a review queue, a card or
an embed. Characters that do not look like what they do must not get that far: a line
break that forges a second queue line ("By console:mod"), a right-to-left override that
reverses what follows it, a name made only of zero-width spaces, bytes that were never
UTF-8. :func:`check_line` refuses them with the reason; :func:`shown` makes any text
safe to quote back in an error (control characters as ``\\x1b``, never raw).
"""

from __future__ import annotations

import re
import unicodedata

#: Direction controls (embeddings, overrides, isolates, marks): they reorder what follows.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
#: Joiners that some scripts need between letters (Persian, Indic, emoji sequences).
JOINERS = frozenset("\u200c\u200d")


class NotPlainText(ValueError):
    """The text holds something that would not read as what it is; the message says what."""


#: Halves of UTF-16 pairs: what undecodable bytes become in Python text.
_SURROGATES = re.compile("[\ud800-\udfff]")


def is_surrogate(char: str) -> bool:
    """Half of a UTF-16 pair on its own: what undecodable bytes become in Python text."""
    return 0xD800 <= ord(char) <= 0xDFFF


def check_text(text: str) -> None:
    """Refuse text that is not text: bytes that were not valid UTF-8 (lone surrogates)."""
    found = _SURROGATES.search(text)
    if found is not None:
        raise NotPlainText(
            f"holds bytes that are not valid UTF-8 text (at character {found.start() + 1})"
        )


def check_line(text: str) -> None:
    """Refuse what must not be stored in a one-line value shown to others."""
    if text.isascii() and text.isprintable() and text.strip():
        return  # the common case: nothing invisible, nothing that reorders, one line
    check_text(text)
    if "\n" in text or "\r" in text or "\u2028" in text or "\u2029" in text:
        raise NotPlainText("must be one line; it holds a line break")
    for char in text:
        if char in BIDI_CONTROLS:
            raise NotPlainText(
                f"holds an invisible direction mark ({_code(char)}), which would make it "
                "read differently from what it is"
            )
    if not any(_visible(char) for char in text):
        raise NotPlainText("has no visible characters")
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cf" and not _joining(text, position):
            raise NotPlainText(f"holds an invisible character ({_code(char)})")


def shown(text: str, limit: int = 80) -> str:
    """``text`` safe to quote in a reply: control and invisible characters spelled out."""
    out = []
    for char in text[:limit]:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs") or char in BIDI_CONTROLS or is_surrogate(char):
            out.append(_code(char))
        else:
            out.append(char)
    return "".join(out) + ("…" if len(text) > limit else "")


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNPS"


def _joining(text: str, position: int) -> bool:
    """A joiner between two visible characters is part of the writing, not a disguise."""
    if text[position] not in JOINERS:
        return False
    before = text[position - 1] if position > 0 else ""
    after = text[position + 1] if position + 1 < len(text) else ""
    return bool(before) and bool(after) and _visible(before) and _visible(after)


def _code(char: str) -> str:
    value = ord(char)
    return f"\\x{value:02x}" if value < 0x100 else f"U+{value:04X}"
