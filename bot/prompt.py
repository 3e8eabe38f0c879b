"""The console's line editor: prompt_toolkit with history kept beside the database.

Emacs keys, Up/Down and Ctrl-R through the history, Tab completion from the command
declarations (:mod:`bot.completion`). The history of ``--db data/scalebot.db`` is
``data/scalebot.history``, so each database keeps the commands typed against it; an
in-memory database keeps its history in memory too. The file holds the typed lines and
nothing else, readable by its owner only, like a shell's.

Imported only when both ends of the console are a terminal: piped runs and the chat
adapters never load prompt_toolkit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from bot.completion import CommandCompleter
from bot.core import Core

PROMPT = "> "
HISTORY_SUFFIX = ".history"

Warn = Callable[[str], None]


def history_path(db: str | Path) -> Path | None:
    """``data/scalebot.db`` -> ``data/scalebot.history``; None for ``:memory:``."""
    if str(db) == ":memory:":
        return None
    path = Path(db)
    return path.with_name(path.stem + HISTORY_SUFFIX)


def _not_kept(path: Path, error: OSError) -> str:
    reason = error.strerror or type(error).__name__
    return f"note: history is kept for this session only; {path} cannot be written ({reason})"


class KeptHistory(FileHistory):
    """A history file that turns into memory-only history if writing it starts failing.

    The lines typed so far stay available either way (prompt_toolkit keeps them in
    memory); only keeping them for the next session stops, and ``warn`` says so once.
    """

    def __init__(self, path: Path, warn: Warn) -> None:
        super().__init__(path)
        self.path = path
        self.warn = warn
        self.writable = True

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError:
            return []

    def store_string(self, string: str) -> None:
        if not self.writable:
            return
        try:
            super().store_string(string)
        except OSError as error:
            self.writable = False
            self.warn(_not_kept(self.path, error))


def open_history(path: Path | None, warn: Warn) -> History:
    """The history for ``path`` (created owner-only), or memory when it cannot be written."""
    if path is None:
        return InMemoryHistory()
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except OSError as error:
        warn(_not_kept(path, error))
        return InMemoryHistory()
    return KeptHistory(path, warn)


def typed_lines(core: Core, warn: Warn) -> Iterator[str]:
    """Lines as the user enters them, until Ctrl-D; Ctrl-C abandons just the line."""
    session: PromptSession[str] = PromptSession(
        history=open_history(history_path(core.store.path), warn),
        completer=CommandCompleter(core.library, core.store, core.commands),
        complete_while_typing=False,
        enable_history_search=True,
    )
    while True:
        try:
            yield session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
