"""A :class:`~bot.reply.Reply` drawn for a terminal with rich: colour, grids, real tables.

Only used where standard output is a terminal (the console and ``scalebot ask``); pipes
and files get :func:`bot.reply.render_text`, byte for byte, so scripts and the README's
session never see a colour code. rich honours ``NO_COLOR`` (no colours) and
``TERM=dumb`` (no escape sequences at all) by itself.

Everything a reply holds is user or knowledge-base text, so it is built as
:class:`rich.text.Text` and never parsed as rich markup: a dataset called
``[bold]x[/]`` prints as typed.
"""

from __future__ import annotations

import functools
import re
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.errors import StyleSyntaxError
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.reply import Action, Citation, Reply, ReplyField
from bot.reply import Table as ReplyTable

#: `code` in replies (commands, values the user typed) is shown in this style.
CODE = Style(bold=True, color="cyan")
ACTION_STYLES = {"primary": "bold green", "danger": "bold red", "secondary": "bold"}
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def make_console(file: TextIO) -> Console:
    """A rich console writing to ``file``, with rich's own guessing switched off."""
    return Console(file=file, highlight=False, markup=False, emoji=False)


@functools.cache
def console_for(file: TextIO) -> Console:
    """One console per stream, so every reply of a session shares its settings."""
    return make_console(file)


def with_code(text: str, style: Style | str = "") -> Text:
    """``text`` with its `backticked` spans shown as code (backticks dropped)."""
    result = Text(style=style)
    position = 0
    for match in _CODE_SPAN.finditer(text):
        result.append(text[position : match.start()])
        result.append(match[1], CODE)
        position = match.end()
    result.append(text[position:])
    return result


def title_style(reply: Reply) -> Style:
    """Bold, in the domain's colour when the reply has one rich can draw."""
    if reply.kind == "error":
        return Style(bold=True, color="red")
    if reply.colour:
        try:
            return Style.parse(f"bold {reply.colour}")
        except StyleSyntaxError:
            pass
    return Style(bold=True)


def fields_grid(fields: list[ReplyField], name_style: Style) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=name_style, max_width=40, overflow="fold")
    grid.add_column(overflow="fold")
    for field in fields:
        grid.add_row(Text(field.name), with_code(field.value))
    return grid


def real_table(table: ReplyTable, header_style: Style) -> Table:
    """The reply's table with borders; the first column names each row."""
    drawn = Table(box=box.ROUNDED, header_style=header_style, show_lines=True)
    for number, column in enumerate(table.columns):
        drawn.add_column(Text(column), style="bold" if number == 0 else "", overflow="fold")
    for row in table.rows:
        drawn.add_row(*(Text(cell) for cell in row))
    return drawn


def numbered(items: list[str]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold")
    grid.add_column(overflow="fold")
    for number, item in enumerate(items, start=1):
        grid.add_row(f"{number}.", with_code(item))
    return grid


def actions_line(actions: list[Action]) -> Text:
    line = Text()
    for action in actions:
        if line:
            line.append("   ")
        line.append(f"[{action.label}]", ACTION_STYLES[action.style])
        line.append(" ")
        line.append(action.command + (" …" if action.needs_reason else ""), CODE)
    return line


def sources(citations: list[Citation]) -> Group:
    lines: list[RenderableType] = [Text("Sources:", style="dim")]
    for number, citation in enumerate(citations, start=1):
        line = Text(f"[{number}] ", style="dim")
        line.append(citation.label, Style(link=citation.url) if citation.url else "")
        lines.append(line)
    return Group(*lines)


def renderable(reply: Reply) -> RenderableType:
    """The whole reply as one rich renderable, in the order the plain text has."""
    if reply.kind == "error":
        return error_panel(reply)
    heading = title_style(reply)
    parts: list[RenderableType] = [Text(reply.title, style=heading)]
    if reply.summary:
        parts.append(with_code(reply.summary))
    if reply.fields:
        parts.append(fields_grid(reply.fields, heading))
    if reply.table:
        parts.append(real_table(reply.table, heading))
    if reply.items:
        parts.append(numbered(reply.items))
    if reply.preformatted:
        # A text chart: drawn in the reply's colour, never wrapped (its rows are aligned).
        parts.append(Text(reply.preformatted, style=reply.colour or "", no_wrap=True))
    if reply.actions:
        parts.append(actions_line(reply.actions))
    if reply.attachments:
        files = Text("Attachments: ", style="dim")
        files.append(", ".join(a.filename for a in reply.attachments))
        parts.append(files)
    if reply.page and reply.page.count > 1:
        page = Text(f"Page {reply.page.number} of {reply.page.count}", style="dim")
        if reply.page.next_command:
            page.append(" - next: ")
            page.append(reply.page.next_command, CODE)
        parts.append(page)
    if reply.citations:
        parts.append(sources(reply.citations))
    if reply.footer:
        parts.append(with_code(reply.footer, "dim"))
    spaced: list[RenderableType] = [parts[0]]
    for part in parts[1:]:
        spaced += [Text(), part]
    return Group(*spaced)


def error_panel(reply: Reply) -> Panel:
    """The message in red, and the example that works, ready to copy."""
    example = reply.data.get("example")
    message = reply.summary
    if example and message.endswith(f"\nExample: {example}"):
        message = message.removesuffix(f"\nExample: {example}")
    body = Text()
    body.append_text(with_code(message, "red"))
    if example:
        body.append("\nExample: ", "dim")
        body.append(example, CODE)
    return Panel(
        body,
        title=Text(reply.title, style=title_style(reply)),
        title_align="left",
        border_style="red",
        expand=False,
    )


def print_reply(console: Console, reply: Reply) -> None:
    """The reply, then a blank line, as the plain console separates replies."""
    console.print(renderable(reply))
    console.print()
