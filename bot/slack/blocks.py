"""The core's :class:`~bot.reply.Reply` as Slack Block Kit, always inside Slack's limits.

Limits (``shared/reference/platform-limits.md``): 50 blocks a message, section text
3000 characters, 10 fields of 2000 each, header 150, 10 context elements, button text
75. Long text is split at line or word boundaries into more blocks, and blocks beyond
one message go into further messages: nothing is cut silently.

All text is escaped (``&``, ``<``, ``>``) before our own markup is added, so a
submission saying ``<!channel>`` or ``<@U123>`` reaches Slack as inert text.
"""

from __future__ import annotations

import re
from typing import Any

from bot.reply import Action, Reply
from bot.text import split_text

Block = dict[str, Any]

MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
ACTIONS_PER_BLOCK = 25
ACTION_ID = 255
FALLBACK_TEXT = 3000


def escape(text: str) -> str:
    """Slack's three mrkdwn escapes: ``&``, ``<`` and ``>`` (links, mentions, commands)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: mrkdwn's styling characters: bold, italic, strike, code.
_STYLING = re.compile(r"([*_~`])")


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters; a longer one ends at a word with "…".

    For the few places that hold one short line (a button, a modal's title): cut
    silently, ``Withdraw #123456`` could lose digits and still look whole.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def literal(text: str) -> str:
    """Text shown as typed in mrkdwn: escaped, and no styling character can style.

    Slack has no escape for ``*`` or ``_``; a styling character only styles next to a
    word character, so a zero-width space on each side leaves it as a plain character.
    A reply's text is plain text, and part of it is the users' (dataset names, notes).
    Most text has no styling character: it skips the substitution (every reply's every
    field passes here).
    """
    text = escape(text)
    if "*" in text or "_" in text or "~" in text or "`" in text:
        return _STYLING.sub("\u200b\\1\u200b", text)
    return text


def link(url: str, label: str) -> str:
    """A mrkdwn link; ``|`` would end the URL early, so it is percent-encoded."""
    return f"<{escape(url).replace('|', '%7C')}|{literal(label).replace('|', '¦')}>"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _sections(text: str) -> list[Block]:
    return [{"type": "section", "text": _mrkdwn(p)} for p in split_text(text, SECTION_TEXT)]


def _field(name: str, value: str) -> list[str]:
    """One field as ``*name*`` and value; a value too long for one field continues."""
    body = f"*{literal(name)}*\n{literal(value)}"
    return split_text(body, FIELD_TEXT)


def _header(title: str) -> list[Block]:
    """A header block; a title longer than a header may hold continues in a section."""
    pieces = split_text(title, HEADER_TEXT - 1)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": pieces[0], "emoji": False}}
    ]
    if len(pieces) > 1:
        blocks += _sections(f"*{literal(' '.join(pieces[1:]))}*")
    return blocks


def _field_sections(pairs: list[tuple[str, str, bool]]) -> list[Block]:
    """Inline fields share sections (10 a section); wide ones get a section of their own."""
    blocks: list[Block] = []
    pending: list[str] = []

    def flush() -> None:
        for start in range(0, len(pending), FIELDS_PER_SECTION):
            chunk = pending[start : start + FIELDS_PER_SECTION]
            blocks.append({"type": "section", "fields": [_mrkdwn(f) for f in chunk]})
        pending.clear()

    for name, value, inline in pairs:
        if inline:
            pending += _field(name, value)
        else:
            flush()
            blocks += _sections(f"*{literal(name)}*\n{literal(value)}")
    flush()
    return blocks


def _table(reply: Reply) -> list[Block]:
    """A table as one section per column (a field per row): readable on a phone."""
    assert reply.table is not None
    blocks: list[Block] = []
    columns = reply.table.columns
    for index in range(1, len(columns)):
        blocks += _sections(f"*{literal(columns[index])}*")
        pairs = [(row[0], row[index], True) for row in reply.table.rows]
        blocks += _field_sections(pairs)
    return blocks


def preformatted(text: str) -> list[Block]:
    """Lines kept as they are (a text chart) in code blocks, split at line ends to fit.

    Inside a code block Slack styles nothing, so only its three escapes are needed;
    three backquotes in the text itself would close the block, and are broken up.
    """
    safe = escape(text).replace("```", "`\u200b``")
    pieces = split_text(safe, SECTION_TEXT - 8)
    return [{"type": "section", "text": _mrkdwn(f"```{piece}```")} for piece in pieces]


def _context(texts: list[str]) -> list[Block]:
    blocks = []
    for start in range(0, len(texts), CONTEXT_ELEMENTS):
        chunk = texts[start : start + CONTEXT_ELEMENTS]
        blocks.append({"type": "context", "elements": [_mrkdwn(t) for t in chunk]})
    return blocks


#: Every button of ours: ``scalebot:run:ID`` runs its value (a command line) at once,
#: ``scalebot:ask:ID`` asks for the value the command lacks first.
ACTION_PATTERN = re.compile(r"^scalebot:(run|ask):")


def action_id(action: Action) -> str:
    mode = "ask" if action.needs_reason else "run"
    return f"scalebot:{mode}:{action.id}"[:ACTION_ID]


def action_needs_reason(pressed_id: str) -> bool:
    match = ACTION_PATTERN.match(pressed_id)
    return match is not None and match[1] == "ask"


def _actions(reply: Reply) -> list[Block]:
    buttons = []
    for action in reply.actions:
        button: Block = {
            "type": "button",
            "action_id": action_id(action),
            "text": {"type": "plain_text", "text": fit(action.label, BUTTON_TEXT)},
            "value": action.command,
        }
        if action.style != "secondary":
            button["style"] = action.style
        buttons.append(button)
    return [
        {"type": "actions", "elements": buttons[start : start + ACTIONS_PER_BLOCK]}
        for start in range(0, len(buttons), ACTIONS_PER_BLOCK)
    ]


def render_blocks(reply: Reply) -> list[Block]:
    """Every block of the reply, in order (possibly more than one message holds)."""
    blocks = _header(reply.title)
    if reply.summary:
        blocks += _sections(literal(reply.summary))
    if reply.fields:
        blocks += _field_sections([(f.name, f.value, f.inline) for f in reply.fields])
    if reply.table:
        blocks += _table(reply)
    if reply.items:
        numbered = "\n".join(f"{n}. {literal(item)}" for n, item in enumerate(reply.items, 1))
        blocks += _sections(numbered)
    if reply.preformatted:
        blocks += preformatted(reply.preformatted)
    if reply.actions:
        blocks += _actions(reply)
    notes = []
    if reply.page and reply.page.count > 1:
        more = f" · next: `{escape(reply.page.next_command)}`" if reply.page.next_command else ""
        notes.append(f"Page {reply.page.number} of {reply.page.count}{more}")
    notes += [
        f"[{n}] {link(c.url, c.label) if c.url else literal(c.label)}"
        for n, c in enumerate(reply.citations, 1)
    ]
    if reply.footer:
        notes.append(literal(reply.footer))
    blocks += _context([piece for note in notes for piece in split_text(note, SECTION_TEXT)])
    return blocks


def render_messages(reply: Reply) -> list[dict[str, Any]]:
    """The reply as one or more messages of at most 50 blocks, each with fallback text."""
    blocks = render_blocks(reply)
    fallback = escape(reply.as_text())
    if len(fallback) > FALLBACK_TEXT:
        fallback = split_text(fallback, FALLBACK_TEXT - 2)[0] + " …"
    messages = []
    for start in range(0, len(blocks), MAX_BLOCKS):
        messages.append({"blocks": blocks[start : start + MAX_BLOCKS], "text": fallback})
    return messages
