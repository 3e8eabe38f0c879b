"""The terminal console: a first-class platform, for trying the bot with no tokens.

At a terminal it behaves like one: a line editor with history and Tab completion
(:mod:`bot.prompt`), and replies drawn with colour and real tables
(:mod:`bot.terminal`). Piped input is read one command a line with no prompt, so
``printf '/scale video\\n' | scalebot run console`` works in scripts, and output that is
not a terminal is the plain text of :func:`bot.reply.render_text`, byte for byte.

prompt_toolkit and rich are imported only when they are used, so a piped run or
``scalebot ask`` starts without them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from bot.core import Core
from bot.courier import after_reply
from bot.reply import Reply

EXIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})
BANNER = (
    "scalebot console. Try /scale video, /compare 3d llm or /help. "
    "Tab completes, Up recalls; exit or Ctrl-D leaves."
)


def console_user(name: str) -> str:
    """``alice`` -> ``console:alice`` (the id moderators are configured with)."""
    return name if name.startswith("console:") else f"console:{name}"


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False


def reply_printer(stdout: TextIO) -> Callable[[Reply], None]:
    """How replies are shown on ``stdout``: drawn with rich at a terminal, else plain text."""
    if is_terminal(stdout):

        def drawn(reply: Reply) -> None:
            # rich is imported at the first reply, not before the prompt: start-up is sooner.
            from bot.terminal import console_for, print_reply

            print_reply(console_for(stdout), reply)

        return drawn

    def plain(reply: Reply) -> None:
        print(reply.as_text(), file=stdout)
        print(file=stdout, flush=True)

    return plain


def files_folder(database: Path) -> Path:
    """Where the console keeps replies' files: ``data/scalebot-files`` for ``data/scalebot.db``.

    A terminal cannot show a chart inline, so it is saved beside the database and its
    path printed; an in-memory database keeps them in the working directory.
    """
    if str(database) == ":memory:":
        return Path("scalebot-files")
    return database.parent / f"{database.stem}-files"


def save_attachments(reply: Reply, folder: Path) -> list[Path]:
    """Write the reply's files into ``folder`` (created when needed); their paths."""
    if not reply.attachments:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for attachment in reply.attachments:
        path = folder / attachment.filename
        path.write_bytes(attachment.data)
        saved.append(path)
    return saved


def saved_lines(paths: list[Path]) -> list[str]:
    return [f"Saved {path.name} ({path.stat().st_size:,} bytes) to {path}" for path in paths]


def piped_lines(stdin: TextIO) -> Iterator[str]:
    while line := stdin.readline():
        yield line.rstrip("\n")


def run_console(
    core: Core, user: str, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    # Resolved at call time, so redirected streams (click's CliRunner, pipes) are honoured.
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    show = reply_printer(stdout)
    if is_terminal(stdin) and is_terminal(stdout):
        from bot.prompt import typed_lines

        print(BANNER, file=stdout, flush=True)
        lines = typed_lines(core, warn=lambda note: print(note, file=sys.stderr, flush=True))
    else:
        lines = piped_lines(stdin)
    try:
        for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.casefold() in EXIT_WORDS:
                break
            reply = core.ask(text, user, workspace="local", channel="terminal")
            show(reply)
            for line in saved_lines(save_attachments(reply, files_folder(core.settings.db))):
                print(line, file=stdout, flush=True)
            # After the reply is shown: the review channels, a submitter told by DM, and
            # the source checks the command asked for.
            after_reply(core, lambda note: print(note, file=stdout, flush=True))
    except KeyboardInterrupt:
        print(file=stdout)
