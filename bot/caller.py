"""Who asks, and the neutral facts their adapter reports about where they ask from.

Its own module so that the core, the rate limits and the importer can all name a caller
without importing one another (``bot.core`` re-exports it for the Python API).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.capabilities import TEXT_ONLY, Capabilities


@dataclass(frozen=True)
class Caller:
    """Who is asking and from where; ``is_admin`` is the platform's own admin flag.

    ``request_id`` names the platform's request (Slack's trigger or view, Discord's
    interaction), so that the same request delivered twice (a replay, a retry) is
    answered from what the first delivery stored instead of storing it again. The
    terminal and the CLI have no such id: each line they send is a new request.

    ``capabilities`` and ``local_operator`` are neutral facts the adapter reports (what
    its platform shows; whether the person asking is the one at the terminal that runs
    the bot): the core decides on them, never on the platform's name.
    """

    user: str
    workspace: str | None = None
    channel: str | None = None
    is_admin: bool = False
    request_id: str | None = None
    capabilities: Capabilities = TEXT_ONLY
    local_operator: bool = False

    @property
    def platform(self) -> str:
        """The prefix of the user id (``slack:U1`` -> ``slack``): data, stored with a point."""
        return self.user.partition(":")[0]  # bot.notices.platform_of, inline: every request
