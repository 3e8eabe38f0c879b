"""The core's :class:`~bot.reply.Reply` as Discord embeds, always inside Discord's limits.

Limits (``shared/reference/platform-limits.md``): title 256, description 4096, 25
fields of name 256 and value 1024, footer 2048, at most 6000 characters across a
message's embeds and 10 embeds a message. Long text is split at line or word
boundaries into more embeds, and embeds beyond one message go into further messages:
nothing is cut silently.

Every piece of text passes through :func:`~bot.discord.markdown.inert`, so a submission
that says ``@everyone`` or ``<@&123…>`` is shown as typed and pings no one (messages also go
out with ``AllowedMentions.none()``, the second lock on the same door), and one that holds
masked links (``[Official](https://evil.example)``) shows them as text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from bot.discord.markdown import defused, inert
from bot.reply import Reply
from bot.text import split_text

TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
MESSAGE_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT = 2000

#: Embed colour when a reply belongs to no domain, and for errors.
NEUTRAL = 0x5865F2
ERROR = 0xED4245


def colour(reply: Reply) -> int:
    if reply.kind == "error":
        return ERROR
    if reply.colour:
        return int(reply.colour.lstrip("#"), 16)
    return NEUTRAL


@dataclass
class EmbedDraft:
    """One embed being filled, with the characters it already counts toward the limits."""

    title: str = ""
    description: str = ""
    fields: list[tuple[str, str, bool]] = field(default_factory=list)
    footer: str = ""

    @property
    def size(self) -> int:
        return (
            len(self.title)
            + len(self.description)
            + sum(len(n) + len(v) for n, v, _ in self.fields)
            + len(self.footer)
        )


def _table_fields(reply: Reply) -> list[tuple[str, str, bool]]:
    """A comparison table as one field per row: ``**3D**: value`` lines per column.

    The cells are made inert here, before the bold markup of our own is added.
    """
    if reply.table is None:
        return []
    columns = reply.table.columns[1:]
    rows = []
    for row in reply.table.rows:
        lines = [
            f"**{inert(name)}**: {inert(cell)}"
            for name, cell in zip(columns, row[1:], strict=False)
        ]
        rows.append((inert(row[0]) or "—", "\n".join(lines), False))
    return rows


def _citation_lines(reply: Reply) -> list[str]:
    lines = []
    for n, citation in enumerate(reply.citations, start=1):
        shown = citation.label
        if citation.url and citation.url not in shown:
            shown += f": {citation.url}"
        lines.append(f"[{n}] {shown}")
    return lines


def _fitted_fields(fields: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """Fields within the name and value limits: long values continue in further fields.

    Discord refuses a blank name or value ("—" stands in); a name over its limit goes on
    at the start of the value rather than being cut.
    """
    fitted = []
    for name, value, inline in fields:
        name, *rest = split_text(name.strip(), FIELD_NAME) or ["—"]
        pieces = split_text("\n".join([*rest, value]).strip(), FIELD_VALUE) or ["—"]
        for n, piece in enumerate(pieces):
            fitted.append((name if n == 0 else f"{name} (cont.)"[:FIELD_NAME], piece, inline))
    return fitted


def build_drafts(reply: Reply) -> list[EmbedDraft]:
    """The reply as embed drafts, each within the per-embed limits, in reading order."""
    title = inert(reply.title)
    title_pieces = split_text(title, TITLE)
    body = [inert(reply.summary)] if reply.summary else []
    if reply.items:
        body.append("\n".join(f"{n}. {inert(i)}" for n, i in enumerate(reply.items, start=1)))
    if reply.preformatted:
        # In a code block Discord neither styles nor pings; only a closing fence matters.
        fenced = defused(reply.preformatted).replace("```", "`\u200b``")
        body.append(f"```\n{fenced}\n```")
    if reply.page and reply.page.count > 1:
        page = f"Page {reply.page.number} of {reply.page.count}"
        if reply.page.next_command:
            page += f" · next: {reply.page.next_command}"
        body.append(inert(page))
    description_pieces = split_text("\n\n".join(body), DESCRIPTION)
    fields = _fitted_fields(
        [(inert(n), inert(v), i) for n, v, i in ((f.name, f.value, f.inline) for f in reply.fields)]
        + _table_fields(reply)
    )
    footer_lines = [*_citation_lines(reply), reply.footer]
    footer_text = "\n".join(map(defused, footer_lines)).strip()
    footer_pieces = split_text(footer_text, FOOTER)

    drafts = [EmbedDraft(title=title_pieces[0])]
    for extra_title in title_pieces[1:]:
        drafts.append(EmbedDraft(description=extra_title))
    for n, piece in enumerate(description_pieces):
        if n == 0 and not drafts[-1].description:
            drafts[-1].description = piece
        else:
            drafts.append(EmbedDraft(description=piece))
    for name, value, inline in fields:
        current = drafts[-1]
        added = len(name) + len(value)
        if len(current.fields) >= FIELDS or current.size + added > MESSAGE_TOTAL:
            current = EmbedDraft()
            drafts.append(current)
        current.fields.append((name, value, inline))
    for piece in footer_pieces:
        if drafts[-1].footer or drafts[-1].size + len(piece) > MESSAGE_TOTAL:
            drafts.append(EmbedDraft())
        drafts[-1].footer = piece
    return drafts


def _embed(draft: EmbedDraft, reply: Reply) -> discord.Embed:
    embed = discord.Embed(
        title=draft.title or None,
        description=draft.description or None,
        colour=colour(reply),
    )
    for name, value, inline in draft.fields:
        embed.add_field(name=name, value=value, inline=inline)
    if draft.footer:
        embed.set_footer(text=draft.footer)
    return embed


def render_embeds(reply: Reply) -> list[list[discord.Embed]]:
    """The reply as messages of embeds: at most 10 embeds and 6000 characters each."""
    messages: list[list[discord.Embed]] = [[]]
    used = 0
    for draft in build_drafts(reply):
        if len(messages[-1]) >= EMBEDS_PER_MESSAGE or used + draft.size > MESSAGE_TOTAL:
            messages.append([])
            used = 0
        messages[-1].append(_embed(draft, reply))
        used += draft.size
    return messages


def fallback_text(reply: Reply) -> str:
    """Plain text of a reply within a message's content limit (for mention replies' logs)."""
    return split_text(inert(reply.as_text()), CONTENT)[0]


def rendered(reply: Reply) -> list[list[discord.Embed]]:
    """The reply's embeds, message by message; an attached image shows in the first one."""
    messages = render_embeds(reply)
    image = next((a for a in reply.attachments if a.media_type.startswith("image/")), None)
    if image is not None and messages and messages[0]:
        messages[0][0].set_image(url=f"attachment://{image.filename}")
    return messages


def files_of(reply: Reply) -> list[discord.File]:
    """The reply's attachments as files to upload (fresh objects: each is read once)."""
    return [
        discord.File(io.BytesIO(a.data), filename=a.filename, description=a.description or None)
        for a in reply.attachments
    ]
