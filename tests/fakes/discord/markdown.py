"""Masked links that Discord would render live, found the way its markdown parser reads text.

Discord's parser (simple-markdown) reads left to right: a backslash before any character
that is neither a letter, a digit nor a blank is an escape, shown as that character and
never markup; an unescaped ``[`` opens a label that an unescaped ``](`` closes, and the
link is live when the target (after optional blanks and ``<``) is an ``http(s)`` URL.

The checker is deliberately stricter than Discord: a label may span lines and hold
anything, bare URLs and code spans get no special treatment. So a text it passes has
no live masked link under any reading, and one it flags is at least suspicious.
"""

from __future__ import annotations

import re
from typing import Any

#: Stands in for an escaped character: neither opens nor closes anything.
_ESCAPED = "\x00"
#: An escape: a backslash before a character that is not an ASCII letter, digit or blank.
_ESCAPE = re.compile(r"\\([^0-9A-Za-z\s])")
_LIVE = re.compile(r"\[[\s\S]*?\]\(\s*<?\s*https?:", re.IGNORECASE)


def unescaped(text: str) -> str:
    """``text`` with each escape (``\\`` and the character after it) blanked out.

    Read left to right as the parser does: in ``\\\\[`` the first backslash escapes the
    second, and the ``[`` is live.
    """
    return _ESCAPE.sub(_ESCAPED * 2, text)


def shown_as(text: str) -> str:
    """What Discord shows of escapes: each escaped character without its backslash."""
    return _ESCAPE.sub(r"\1", text)


def live_masked_links(text: str) -> list[str]:
    """Each ``[label](http…`` that would render as a masked link (as the parser sees it)."""
    return _LIVE.findall(unescaped(text))


def rendered_markdown(embed: dict[str, Any]) -> list[str]:
    """The texts of an embed (as JSON) that Discord renders as markdown (not the footer)."""
    texts = [embed.get("title", ""), embed.get("description", "")]
    for field in embed.get("fields", []):
        texts += [field["name"], field["value"]]
    return texts
