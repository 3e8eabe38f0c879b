"""The platform-neutral reply every command returns, and its plain-text rendering.

Handlers describe *what* to say (a title, fields, a table, citations, actions); each
adapter decides *how* it looks on its platform (embeds, Block Kit, terminal text) and
keeps it within that platform's limits. Plain text lives here because the console,
``scalebot ask`` and every platform's fallback text all use it.
"""

from __future__ import annotations

import textwrap
from typing import Any, Literal

from pydantic import BaseModel, Field

Visibility = Literal["public", "private"]


class Citation(BaseModel):
    """Where a number or statement comes from: an essay section or a URL."""

    label: str
    url: str | None = None


class ReplyField(BaseModel):
    name: str
    value: str
    inline: bool = True


class Table(BaseModel):
    """Rows with the same columns; the first column names the row."""

    columns: list[str]
    rows: list[list[str]]


#: Discord carries a button's command in its custom id: 100 characters, 13 of them the
#: adapter's ``scalebot:run:`` (or ``scalebot:ask:``) prefix.
ACTION_COMMAND_MAX = 87


class Action(BaseModel):
    """A button: pressing it runs ``command``, a line of text as a user would type it.

    With ``needs_reason`` the adapter first asks, in a one-field form, for the value the
    command still lacks (``/reject 12`` lacks its reason); the core says which option
    that is. Adapters render every action the same way and know no command.
    """

    id: str
    label: str
    command: str = Field(max_length=ACTION_COMMAND_MAX)
    style: Literal["primary", "danger", "secondary"] = "secondary"
    needs_reason: bool = False


class Attachment(BaseModel):
    """A file sent with the reply (a chart): adapters upload it, the console saves it.

    The bytes stay out of the JSON form of a reply (``scalebot ask --json``).
    """

    filename: str = Field(pattern=r"^[\w.-]{1,80}$")
    data: bytes = Field(exclude=True, repr=False)
    media_type: str = "image/png"
    description: str = ""
    #: The same content as lines of text, for where the file cannot go (a Slack channel
    #: the bot may not post files in): a chart's rows and bars.
    text: str = Field(default="", exclude=True, repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


class Page(BaseModel):
    number: int
    count: int
    next_command: str | None = None
    previous_command: str | None = None


class Reply(BaseModel):
    """One answer, as data. ``kind`` tells errors from answers; ``data`` is for programs."""

    title: str
    summary: str = ""
    fields: list[ReplyField] = Field(default_factory=list)
    table: Table | None = None
    items: list[str] = Field(default_factory=list, description="numbered steps or results")
    #: Lines shown exactly as they are, in a fixed-width font: a chart drawn in text for
    #: a platform that shows no images.
    preformatted: str = ""
    citations: list[Citation] = Field(default_factory=list)
    footer: str = ""
    actions: list[Action] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    page: Page | None = None
    visibility: Visibility = "public"
    #: Answering a pressed button, this reply takes the place of the message that held
    #: it (a decided review item and the refreshed queue); otherwise it is a new message.
    replace: bool = False
    kind: Literal["answer", "error"] = "answer"
    domain: str | None = None
    colour: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def as_text(self) -> str:
        """The reply as plain text, for the terminal and for platforms' fallback text."""
        return render_text(self)


#: Terminal tables wrap each cell to this width, so four columns still fit a laptop screen.
CELL_WIDTH = 30


def render_table(table: Table, cell_width: int = CELL_WIDTH) -> list[str]:
    """Columns aligned, long cells wrapped onto continuation lines."""
    wrapped = [
        [textwrap.wrap(cell, cell_width) or [""] for cell in row]
        for row in [table.columns, *table.rows]
    ]
    widths = [
        max(len(line) for row in wrapped for line in row[i]) for i in range(len(table.columns))
    ]

    def lines(cells: list[list[str]]) -> list[str]:
        height = max(len(cell) for cell in cells)
        out = []
        for n in range(height):
            parts = [
                (cell[n] if n < len(cell) else "").ljust(widths[i]) for i, cell in enumerate(cells)
            ]
            out.append("  ".join(parts).rstrip())
        return out

    rule = "  ".join("-" * w for w in widths)
    header, *rows = wrapped
    return [*lines(header), rule, *(line for row in rows for line in lines(row))]


def field_text(field: ReplyField) -> str:
    """``Name: value``; a value of several lines goes under its name, each line indented."""
    if "\n" not in field.value:
        return f"{field.name}: {field.value}"
    return "\n".join([f"{field.name}:", *(f"  {line}" for line in field.value.splitlines())])


def render_text(reply: Reply) -> str:
    lines = [reply.title]
    if reply.summary:
        lines += ["", reply.summary]
    if reply.fields:
        lines.append("")
        lines += [field_text(field) for field in reply.fields]
    if reply.table:
        lines.append("")
        lines += render_table(reply.table)
    if reply.items:
        lines.append("")
        lines += [f"{n}. {item}" for n, item in enumerate(reply.items, start=1)]
    if reply.preformatted:
        lines += ["", reply.preformatted]
    if reply.actions:
        lines.append("")
        # A button that asks for more (a reason) before it runs: the command is unfinished.
        lines += [
            f"[{action.label}] {action.command}" + (" …" if action.needs_reason else "")
            for action in reply.actions
        ]
    if reply.attachments:
        lines += ["", "Attachments:"]
        lines += [
            f"- {a.filename}" + (f": {a.description}" if a.description else "")
            for a in reply.attachments
        ]
    if reply.page and reply.page.count > 1:
        lines += ["", f"Page {reply.page.number} of {reply.page.count}"]
        if reply.page.next_command:
            lines[-1] += f" - next: {reply.page.next_command}"
    if reply.citations:
        lines += ["", "Sources:"]
        for n, citation in enumerate(reply.citations, start=1):
            lines.append(f"[{n}] {citation.label}")
    if reply.footer:
        lines += ["", reply.footer]
    return "\n".join(lines)
