"""scalebot's runtime: configuration, the command core, the adapters and the CLI.

``from bot import Core`` is the Python entry point; it is imported lazily so that
handler modules can import :mod:`bot.commands` without pulling in the whole core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core import Core
    from bot.reply import Reply

__all__ = ["Core", "Reply"]


def __getattr__(name: str) -> Any:
    if name == "Core":
        from bot.core import Core

        return Core
    if name == "Reply":
        from bot.reply import Reply

        return Reply
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
