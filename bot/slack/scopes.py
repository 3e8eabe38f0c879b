"""The bot scopes the Slack app asks for: in its manifests and in the OAuth install.

Read by :mod:`bot.slack.manifest` (both manifests) and :mod:`bot.slack.oauth` (the
authorize address ``/slack/install`` sends a workspace to), so the two cannot differ.
"""

from __future__ import annotations

#: ``im:write`` opens the direct messages that tell a submitter of a decision (and carry
#: a private reply's files); ``files:write`` uploads the charts of /trend and /compare
#: (``files_upload_v2``), which Slack refuses without it.
BOT_SCOPES = ["app_mentions:read", "chat:write", "commands", "files:write", "im:write"]
#: Installed through OAuth into many workspaces, the bot also reads whether a member is
#: their workspace's admin or owner (``users.info``), which makes a moderator in a
#: workspace of ``SCALEBOT_SLACK_TRUSTED_WORKSPACES``.
INSTALL_SCOPES = [*BOT_SCOPES, "users:read"]
