"""The JSON objects the fake Discord serves, shaped as Discord's API documents them.

One test guild ("scalebot lab") with @everyone, a moderator role and one text channel; the
bot, a moderator and a member; the application; messages. The ids are fixed so tests can
name them (``MODERATOR_ID``...), and every object carries the fields discord.py parses, so
the real client builds its models from them without special cases.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

APP_ID = "1100000000000000001"
BOT_ID = APP_ID
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
DM_CHANNEL_ID = "1300000000000000002"
MODERATOR_ID = "1400000000000000001"
MEMBER_ID = "1400000000000000002"
MODERATOR_ROLE_ID = "1500000000000000001"
OWNER_ID = MODERATOR_ID
#: The bot token the fake accepts on REST (``Authorization: Bot ...``) and in IDENTIFY.
TOKEN = "fake-token.for-tests.only"
#: Permissions Discord gives @everyone in a new server (as a decimal string).
EVERYONE_PERMISSIONS = "2222085186637376"
#: Administrator.
MODERATOR_PERMISSIONS = "8"

_ids = itertools.count(1)


def snowflake() -> str:
    """A fresh Discord-style id (timestamp-based, unique within the process)."""
    discord_epoch_ms = 1420070400000
    ms = int(time.time() * 1000) - discord_epoch_ms
    return str((ms << 22) | (next(_ids) & 0x3FFFFF))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user_object(user_id: str, username: str | None = None, *, bot: bool = False) -> dict[str, Any]:
    """A Discord user object as the API returns it."""
    names = {BOT_ID: "scalebot", MODERATOR_ID: "mod", MEMBER_ID: "alice"}
    name = username or names.get(user_id, f"user{user_id[-4:]}")
    data: dict[str, Any] = {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name.title(),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def bot_user() -> dict[str, Any]:
    """The bot's own user, as ``/users/@me`` and READY give it."""
    return user_object(BOT_ID, "scalebot", bot=True) | {
        "verified": True,
        "mfa_enabled": False,
        "email": None,
        "locale": "en-US",
        "premium_type": 0,
        "bio": "",
    }


def member_object(user_id: str, *, roles: list[str] | None = None) -> dict[str, Any]:
    """A guild member object (with its user), as GUILD_CREATE lists them."""
    if roles is None:
        roles = [MODERATOR_ROLE_ID] if user_id == MODERATOR_ID else []
    return {
        "user": user_object(user_id, bot=user_id == BOT_ID),
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": roles,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def role_object(role_id: str, name: str, permissions: str, position: int) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "description": None,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": permissions,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel_object(channel_id: str = CHANNEL_ID, name: str = "general") -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD_ID,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def dm_channel_object(user_id: str = MEMBER_ID, channel_id: str = DM_CHANNEL_ID) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipients": [user_object(user_id)],
    }


def guild_object() -> dict[str, Any]:
    """GUILD_CREATE for the test guild: @everyone and a moderator role, one text channel."""
    return {
        "id": GUILD_ID,
        "name": "scalebot lab",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": OWNER_ID,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "features": [],
        "system_channel_id": CHANNEL_ID,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "application_id": None,
        "roles": [
            role_object(GUILD_ID, "@everyone", EVERYONE_PERMISSIONS, 0),
            role_object(MODERATOR_ROLE_ID, "moderator", MODERATOR_PERMISSIONS, 1),
        ],
        "emojis": [],
        "stickers": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": False,
        "unavailable": False,
        "member_count": 3,
        "voice_states": [],
        "members": [member_object(BOT_ID)],
        "channels": [text_channel_object()],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "incidents_data": None,
        "lazy": True,
    }


def application_object() -> dict[str, Any]:
    """``GET /oauth2/applications/@me``."""
    return {
        "id": APP_ID,
        "name": "scalebot",
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": user_object(OWNER_ID),
        "team": None,
        "bot": bot_user(),
        "hook": True,
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "approximate_guild_count": 1,
        "integration_types_config": {"0": {}},
    }


def message_object(
    *,
    channel_id: str = CHANNEL_ID,
    content: str = "",
    message_id: str | None = None,
    author: dict[str, Any] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    message_type: int = 0,
    guild_id: str | None = GUILD_ID,
    webhook_id: str | None = None,
    interaction_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message object as the API returns it (authored by the bot unless told)."""
    data: dict[str, Any] = {
        "id": message_id or snowflake(),
        "type": message_type,
        "channel_id": channel_id,
        "author": author or user_object(BOT_ID, "scalebot", bot=True),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "pinned": False,
        "flags": flags,
        "components": components or [],
        "application_id": APP_ID,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if interaction_metadata is not None:
        data["interaction_metadata"] = interaction_metadata
    return data


def attachment_object(channel_id: str, filename: str, size: int) -> dict[str, Any]:
    """An attachment object as Discord answers it for an uploaded file (size, URLs...)."""
    attachment_id = snowflake()
    path = f"attachments/{channel_id}/{attachment_id}/{filename}"
    kinds = {"png": "image/png", "jpg": "image/jpeg", "txt": "text/plain", "csv": "text/csv"}
    data: dict[str, Any] = {
        "id": attachment_id,
        "filename": filename,
        "size": size,
        "url": f"https://cdn.discordapp.com/{path}",
        "proxy_url": f"https://media.discordapp.net/{path}",
    }
    kind = kinds.get(filename.rsplit(".", 1)[-1].lower())
    if kind is not None:
        data["content_type"] = kind
    return data
