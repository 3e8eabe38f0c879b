"""The Web API client for a workspace, for what the bot posts outside a request.

Inside a request Bolt hands each listener a client with that request's workspace token.
Review cards, news posts and direct messages go out later, from the notice deliverer
(:mod:`bot.slack.notices`), and must pick the token of the workspace they post to:

- installed with ``SLACK_BOT_TOKEN`` (:class:`OneWorkspace`), there is one workspace
  and one client;
- installed through OAuth (:class:`Installed`), each workspace's client carries the
  token of its installation (rotated first when it is about to expire). The review
  and news channels are in the home workspace, the first of
  ``SCALEBOT_SLACK_TRUSTED_WORKSPACES``, where the moderators are; a direct message to a
  submitter goes through the workspace their point came from.

A workspace with no installation (never installed, or uninstalled since) has no client:
the deliverer logs that the notice could not go and carries on.
"""

from __future__ import annotations

import logging
from typing import Protocol

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.installs import Installations
from bot.slack.oauth import ROTATE_MINUTES, OAuth, build_oauth
from bot.slack.redact import SDK_LOGGER

log = logging.getLogger(__name__)


class Workspaces(Protocol):
    """Who holds the token for a workspace (None: the home workspace)."""

    async def client(self, team: str | None) -> AsyncWebClient | None: ...


class OneWorkspace:
    """A bot token's single workspace: the same client whatever is asked."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def client(self, team: str | None) -> AsyncWebClient | None:
        return self._client


class Installed:
    """Every installed workspace, each with its own token, from the installation store."""

    def __init__(self, oauth: OAuth, base: AsyncWebClient, home: str | None) -> None:
        self.oauth = oauth
        self.installations: Installations = oauth.installations
        self.rotator = oauth.rotator
        self.base = base
        self.home = home

    async def client(self, team: str | None) -> AsyncWebClient | None:
        team = team or self.home
        if team is None:
            log.warning(
                "slack: no home workspace to post in: name it first in "
                "SCALEBOT_SLACK_TRUSTED_WORKSPACES"
            )
            return None
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            log.warning(
                "slack: the app is not installed in workspace %s: install it from /slack/install",
                team,
            )
            return None
        if bot.bot_refresh_token is not None:
            try:
                rotated = await self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_MINUTES
                )
            except SlackTokenRotationError as error:
                reason = error.api_error.response.get("error")
                log.warning("slack: cannot refresh the token of workspace %s: %s", team, reason)
                return None
            if rotated is not None:
                await self.installations.async_save_bot(rotated)
                bot = rotated
        return AsyncWebClient(
            token=bot.bot_token,
            base_url=self.base.base_url,
            session=self.base.session,
            logger=SDK_LOGGER,
        )

    def close(self) -> None:
        self.oauth.file.close()


def workspaces_of(settings: Settings, client: AsyncWebClient) -> OneWorkspace | Installed:
    """The workspaces a process that runs no Slack app posts to, through ``client``'s API."""
    if not settings.slack_oauth:
        return OneWorkspace(client)
    return Installed(build_oauth(settings, client), client, settings.slack_home_workspace)
