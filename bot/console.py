"""The terminal console: a first-class platform, for trying the bot with no tokens.

Interactive use gets a prompt and line editing; piped input is read one command a line
with no prompt, so ``printf '/scale video\\n' | scalebot run console`` works in scripts.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.core import Core

EXIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})
BANNER = "scalebot console. Try /scale video, /compare 3d llm or /help. Type exit to leave."


def console_user(name: str) -> str:
    """``alice`` -> ``console:alice`` (the id moderators are configured with)."""
    return name if name.startswith("console:") else f"console:{name}"


def _lines(stdin: TextIO, interactive: bool):
    while True:
        if interactive:
            try:
                yield input("> ")
            except EOFError:
                print(file=sys.stdout)
                return
        else:
            line = stdin.readline()
            if not line:
                return
            yield line.rstrip("\n")


def run_console(
    core: Core, user: str, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    # Resolved at call time, so redirected streams (click's CliRunner, pipes) are honoured.
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        print(BANNER, file=stdout)
    try:
        for line in _lines(stdin, interactive):
            text = line.strip()
            if not text:
                continue
            if text.casefold() in EXIT_WORDS:
                break
            reply = core.ask(text, user, workspace="local", channel="terminal")
            print(reply.as_text(), file=stdout)
            print(file=stdout, flush=True)
    except KeyboardInterrupt:
        print(file=stdout)
