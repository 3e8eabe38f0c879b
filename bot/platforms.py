"""What each platform's adapter reports about a caller, looked up by the caller's id.

An adapter builds its :class:`~bot.caller.Caller` with these facts itself. The Python API
(:meth:`bot.core.Core.ask`, and ``scalebot ask --as``) is handed only an id such as
``slack:U1``; it answers as that platform's adapter would, so a program asking as a
Slack member sees the PNG charts and the command limit a Slack member gets. This table
is the one place outside the adapters where a platform's name is looked up: the core
reads the facts it returns, never the name.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.capabilities import TEXT_ONLY, Capabilities
from bot.discord import CAPABILITIES as DISCORD
from bot.slack import CAPABILITIES as SLACK


class Reported(NamedTuple):
    """The neutral facts an adapter puts on each of its callers."""

    capabilities: Capabilities
    #: The person at the terminal that runs the bot (spared the command limit).
    local_operator: bool


#: The terminal and ``scalebot ask``: whoever types there runs the bot.
LOCAL = Reported(TEXT_ONLY, local_operator=True)
#: An id of a platform no adapter here serves: plain text, and counted.
UNKNOWN = Reported(TEXT_ONLY, local_operator=False)
BY_PLATFORM: dict[str, Reported] = {
    "slack": Reported(SLACK, local_operator=False),
    "discord": Reported(DISCORD, local_operator=False),
    "console": LOCAL,
}


def reported(user: str) -> Reported:
    """What ``user``'s platform's adapter would report (no prefix: the terminal's user)."""
    return BY_PLATFORM.get(user.partition(":")[0] or "console", UNKNOWN)
