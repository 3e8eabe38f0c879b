"""Every command the bot serves: each module under ``handlers/`` that declares ``COMMAND``.

Adding a command is adding a module there; nothing else lists it. ``/help``, the Slack
manifest and Discord's command list show them by their declared ``order``, then name.
The news desk's wording (``handlers.news``) is handed out here too
(:func:`news_renderers`), so the runtime still imports no handler.
"""

from __future__ import annotations

import importlib
import pkgutil

import handlers
from bot.commands import Command
from bot.notices import NewsRenderers


def discover() -> dict[str, Command]:
    """The ``COMMAND`` of every handler module, in ``/help`` order; names must be unique."""
    found: dict[str, Command] = {}
    for module_info in pkgutil.iter_modules(handlers.__path__):
        module = importlib.import_module(f"handlers.{module_info.name}")
        command = getattr(module, "COMMAND", None)
        if not isinstance(command, Command):
            continue  # shared wording (present.py) and helpers (decide.py)
        if command.name in found:
            raise ValueError(f"two handler modules declare /{command.name}")
        found[command.name] = command
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


COMMANDS: dict[str, Command] = discover()


def news_renderers() -> NewsRenderers:
    """How a record announcement and a weekly digest are worded (``handlers.news``)."""
    from handlers.news import announcement, digest_reply

    return NewsRenderers(announcement=announcement, digest=digest_reply)
