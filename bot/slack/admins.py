"""Whether a Slack member is their workspace's admin: Slack's flag, asked in trusted ones only.

Discord reports a member's Manage Server permission with every interaction; Slack sends
nothing of the kind, so the adapter asks ``users.info`` (the ``users:read`` scope) with
the workspace's own token. It asks only in a workspace of
``SCALEBOT_SLACK_TRUSTED_WORKSPACES``, the only place the flag counts
(:meth:`bot.core.Core.trusts_admins_of` decides): a request from any other workspace
costs no call at all. The answer is kept for :data:`KEEP_SECONDS`, so a moderator's
busy hour costs one call, and a member made admin (or no longer) counts within minutes.

An admin is Slack's ``is_admin`` or ``is_owner`` of the workspace asked about; a member
of another workspace (a shared channel) or a deactivated account is not one. Slack
refusing (``missing_scope`` when the app was installed without ``users:read``, a
network failure) is one warning, and the member is not taken for an admin.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
#: Seconds an answer of ``users.info`` is kept.
KEEP_SECONDS = 300.0
#: Members remembered at most (the least recently asked go first).
KEEP_MEMBERS = 4096


class WorkspaceAdmins:
    """Slack's admin flag of members of trusted workspaces, kept for a few minutes."""

    def __init__(
        self, trusted: frozenset[str], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.trusted = trusted
        self.clock = clock
        self._known: OrderedDict[tuple[str, str], tuple[bool, float]] = OrderedDict()

    async def is_admin(self, client: AsyncWebClient, team: str | None, user: str) -> bool:
        """Whether ``user`` administers ``team``; False, without asking, outside trust."""
        if team is None or team not in self.trusted:
            return False
        key = (team, user)
        known = self._known.get(key)
        now = self.clock()
        if known is not None and known[1] > now:
            self._known.move_to_end(key)
            return known[0]
        admin = await self._ask(client, team, user)
        self._known[key] = (admin, now + KEEP_SECONDS)
        self._known.move_to_end(key)
        while len(self._known) > KEEP_MEMBERS:
            self._known.popitem(last=False)
        return admin

    async def _ask(self, client: AsyncWebClient, team: str, user: str) -> bool:
        try:
            answer = await client.users_info(user=user)
        except SlackApiError as error:
            data = error.response.data if error.response is not None else None
            code = data.get("error") if isinstance(data, dict) else error
            hint = (
                " (reinstall the app with the users:read scope)" if code == "missing_scope" else ""
            )
            log.warning(
                "slack: cannot tell whether %s administers %s: %s%s", user, team, code, hint
            )
            return False
        except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as error:
            log.warning("slack: cannot tell whether %s administers %s: %s", user, team, error)
            return False
        member = answer.get("user") or {}
        if member.get("deleted") or member.get("team_id", team) != team:
            return False
        return bool(member.get("is_admin") or member.get("is_owner"))
