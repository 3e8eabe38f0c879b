"""The Slack app manifest, generated from the core's command declarations.

``slack_manifest.yaml`` at the project root is this module's output (``make manifest``);
a test keeps the two equal, so a new command cannot be forgotten in Slack. Pass
``--url https://HOST/slack/events`` for an app served over HTTP instead of Socket Mode.

``scalebot manifest --url https://HOST --distribute`` (:func:`distributed_manifest`)
writes the manifest of the app installed through OAuth into many workspaces: the same
commands at ``HOST/slack/events``, the OAuth redirect ``HOST/slack/oauth_redirect``, the
scopes the install asks for (:data:`bot.slack.scopes.INSTALL_SCOPES`) and the
``app_uninstalled`` and ``tokens_revoked`` events that delete a workspace's token.
Tests validate every manifest against Slack's published app-manifest JSON schema
(version 1.0.0, the one for a manifest without ``_metadata``); the limits below are
that schema's.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from bot.commands import Command
from bot.slack.app import UMBRELLA
from bot.slack.oauth import REDIRECT_PATH
from bot.slack.scopes import BOT_SCOPES, INSTALL_SCOPES
from bot.slack.serve import EVENTS_PATH

#: Events an app installed in many workspaces hears of, to delete a workspace's token.
REVOCATION_EVENTS = ["app_uninstalled", "tokens_revoked"]
#: Slack's manifest limits for a slash command's description and usage hint.
DESCRIPTION_MAX = 2000
USAGE_HINT_MAX = 1000
#: Slack's schema for a request URL: an http(s) address, at most 3,000 characters for a
#: slash command's (3,500 for the events and interactivity ones).
REQUEST_URL = re.compile(r"^https?://\S+$")
URL_MAX = 3000
URL_EXAMPLE = "https://bot.example.org/slack/events"
BASE_EXAMPLE = "https://bot.example.org"


def request_url(url: str) -> str:
    """``url`` if Slack's manifest takes it as a request URL, else a ValueError saying why."""
    if not REQUEST_URL.match(url):
        raise ValueError(
            f"the request URL {url!r} is not one Slack takes: give the whole address, "
            f"https:// included, e.g. {URL_EXAMPLE}"
        )
    if len(url) > URL_MAX:
        raise ValueError(f"the request URL is {len(url)} characters; Slack takes {URL_MAX}")
    return url


def _usage_hint(command: Command) -> str:
    return command.usage.removeprefix(f"/{command.name}").strip()


def base_url(url: str) -> str:
    """The bot's public address from ``url``: ``https://HOST`` or ``https://HOST/slack/events``."""
    base = url.strip().rstrip("/").removesuffix(EVENTS_PATH)
    request_url(base + EVENTS_PATH)
    if "?" in base or "#" in base:
        raise ValueError(
            f"the address {url!r} has a query: give the bot's address alone, e.g. {BASE_EXAMPLE}"
        )
    return base


def distributed_manifest(commands: dict[str, Command], url: str) -> dict[str, Any]:
    """The manifest of the app installed through OAuth, served at ``url`` (its base).

    Slack's manifest has no key for public distribution: it is turned on once, on the
    app's "Manage Distribution" page. Org-wide installs stay off (each workspace of an
    Enterprise Grid org installs on its own, so each keeps its own token and trust);
    token rotation stays off (Slack cannot turn it off again) and works once turned on.
    """
    base = base_url(url)
    manifest = build_manifest(commands, base + EVENTS_PATH)
    manifest["oauth_config"] = {
        "redirect_urls": [request_url(base + REDIRECT_PATH)],
        "scopes": {"bot": list(INSTALL_SCOPES)},
    }
    events = manifest["settings"]["event_subscriptions"]
    events["bot_events"] = [*events["bot_events"], *REVOCATION_EVENTS]
    return manifest


def build_manifest(commands: dict[str, Command], url: str | None = None) -> dict[str, Any]:
    """The manifest as data: Socket Mode when ``url`` is None, else HTTP to ``url``."""
    if url is not None:
        url = request_url(url)
    slash_commands: list[dict[str, Any]] = []
    for command in commands.values():
        entry: dict[str, Any] = {
            "command": f"/{command.name}",
            "description": command.description[:DESCRIPTION_MAX],
            "should_escape": False,
        }
        if hint := _usage_hint(command):
            entry["usage_hint"] = hint[:USAGE_HINT_MAX]
        slash_commands.append(entry)
    slash_commands.append(
        {
            "command": f"/{UMBRELLA}",
            "description": "Any scalebot command, for workspaces where a name is taken",
            "usage_hint": "COMMAND [OPTIONS], e.g. scale video",
            "should_escape": False,
        }
    )
    if url:
        for entry in slash_commands:
            entry["url"] = url
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": ["app_mention"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": url is None,
        "token_rotation_enabled": False,
    }
    if url:
        settings["event_subscriptions"]["request_url"] = url
        settings["interactivity"]["request_url"] = url
    return {
        "display_information": {
            "name": "scalebot",
            "description": "Which AI fields have the data to scale, answered in chat.",
            "background_color": "#1d3557",
        },
        "features": {
            "bot_user": {"display_name": "scalebot", "always_online": True},
            "slash_commands": slash_commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


def main(argv: list[str] | None = None) -> None:
    from bot.registry import COMMANDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", type=_url_argument, help=f"request URL for HTTP mode, e.g. {URL_EXAMPLE}"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(as_yaml(build_manifest(COMMANDS, args.url)))


def as_yaml(manifest: dict[str, Any], made_by: str = "`make manifest`") -> str:
    """The manifest as the file Slack's app page takes, with two lines that say what it is."""
    import yaml  # PyYAML comes with Datasette; imported only when a manifest is written

    head = (
        f"# Generated by {made_by} from the command declarations; do not edit.\n"
        "# Paste into api.slack.com/apps > Create New App > From an app manifest.\n"
    )
    body = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)
    return head + body


def _url_argument(text: str) -> str:
    try:
        return request_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == "__main__":
    main()
