"""Users' text shown as typed on Discord: no masked link, no styling, no ping.

Dataset names, notes and flag reasons reach embeds that Discord renders as markdown.
``discord.utils.escape_markdown`` is not enough: it escapes a masked link by one
backslash before a greedy ``\\[.+\\]\\(.+\\)`` match, so on a line of two links
(``[a](https://example.org) [Official](https://evil.example)``) only the first ``[`` is
escaped and the second link stays live. Here every ``[`` and ``]`` outside a bare URL
is escaped, so no masked link can open or close; inside a bare URL (left unescaped so
the link still works, as discord.py does) brackets and backslashes are percent-encoded,
which a browser reads as the same address. :func:`inert` is the one function every
adapter path calls for text Discord renders as markdown; :func:`defused` is for places
it shows as typed anyway (footers).
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{15,21})")

#: A bare URL as Discord autolinks it (the pattern discord.py uses for ``ignore_links``).
_URL = r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]"
#: Characters that style text or build a link, anywhere.
_MARKDOWN = r"[\\*_~`|\[\]]"
#: A line start that makes a quote, a heading, subtext or a list: its mark is escaped
#: (not the indent before it: a backslash before a blank would show as typed).
_LINE_START = r"^(?P<indent>[ \t]*(?:[0-9]+(?=\.\s))?)(?P<mark>(?<=[0-9])\.|[>#-])"
_ESCAPE = re.compile(rf"(?P<url>{_URL})|(?P<markdown>{_MARKDOWN})|{_LINE_START}", re.MULTILINE)
_IN_URL = str.maketrans({"[": "%5B", "]": "%5D", "\\": "%5C"})
#: What any change ``_ESCAPE`` makes needs: a markdown character or a line-start mark (a
#: URL alone, with no bracket or backslash in it, is kept as it is). Text with neither
#: is returned as is, without the slower pattern's scan.
_MIGHT_ESCAPE = re.compile(rf"{_MARKDOWN}|^[ \t]*(?:[0-9]+\.|[>#-])", re.MULTILINE)


def _escaped(match: re.Match[str]) -> str:
    url = match["url"]
    if url is not None:
        return url.translate(_IN_URL)
    if match["markdown"] is not None:
        return "\\" + match["markdown"]
    return f"{match['indent']}\\{match['mark']}"


def inert(text: str) -> str:
    """Text shown as typed where Discord renders markdown: mentions defused, markdown escaped.

    ``@everyone`` gets a zero-width space after the ``@`` so it pings no one; every
    bracket is escaped, so ``[Official](https://evil.example)`` shows as typed instead of
    a masked link however many there are on a line; ``**`` or ``# `` do not restyle a card.
    One pass, linear in the text: it runs on every reply.
    """
    text = defused(text)
    return _ESCAPE.sub(_escaped, text) if _MIGHT_ESCAPE.search(text) else text


def defused(text: str) -> str:
    """Mentions defused only: for footers, where Discord shows markdown as typed anyway.

    Every mention starts with ``@``: text without one (most of a reply) is returned as is,
    without the substitution's cost.
    """
    if "@" not in text:
        return text
    return _MENTION.sub("@\u200b\\1", text)
