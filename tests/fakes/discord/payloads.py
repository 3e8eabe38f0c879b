"""INTERACTION_CREATE payloads shaped as Discord documents them, for :class:`FakeDiscord`.

Each builder returns the ``d`` of an INTERACTION_CREATE dispatch with a fresh interaction
id and token: ``await fake.dispatch("INTERACTION_CREATE", slash_command("ping"))``.
Options use Discord's option types (3 string, 4 integer, 5 boolean, 10 number...).
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.fakes.discord.objects import (
    APP_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    MODERATOR_PERMISSIONS,
    MODERATOR_ROLE_ID,
    member_object,
    message_object,
    snowflake,
    text_channel_object,
    user_object,
)

__all__ = [
    "APP_PERMISSIONS",
    "autocomplete",
    "bot_message",
    "button",
    "interaction",
    "modal_submit",
    "option",
    "slash_command",
]

#: What the bot may do in the channel (send messages, embed links, ...), as a string.
APP_PERMISSIONS = "2248473465835073"
#: Bytes (25 MiB): Discord sends this with every interaction; discord.py requires it.
ATTACHMENT_SIZE_LIMIT = 26214400

OPTION_TYPES = {str: 3, bool: 5, int: 4, float: 10}


def option(name: str, value: Any, type: int | None = None, **extra: Any) -> dict[str, Any]:
    """One application-command option; the type is guessed from the value unless given."""
    kind = type if type is not None else OPTION_TYPES[value.__class__]
    return {"name": name, "type": kind, "value": value, **extra}


def _normalise(options: list[dict[str, Any]] | dict[str, Any] | None) -> list[dict[str, Any]]:
    if options is None:
        return []
    if isinstance(options, dict):
        return [option(name, value) for name, value in options.items()]
    return [dict(o) for o in options]


def interaction(
    kind: int,
    data: dict[str, Any] | None,
    *,
    user_id: str = MEMBER_ID,
    guild: bool = True,
    permissions: str | None = None,
    roles: list[str] | None = None,
    message: dict[str, Any] | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """The envelope every interaction shares (id, token, channel, member or user...).

    In a guild the invoker comes as ``member`` (with ``permissions``, their permissions in
    the channel, as a decimal string); in a DM as ``user`` and with no ``guild_id``.
    """
    payload: dict[str, Any] = {
        "id": snowflake(),
        "application_id": APP_ID,
        "type": kind,
        "token": f"fake-interaction-token-{secrets.token_urlsafe(24)}",
        "version": 1,
        "app_permissions": APP_PERMISSIONS,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if data is not None:
        payload["data"] = data
    if guild:
        if roles is None:
            roles = [MODERATOR_ROLE_ID] if user_id == MODERATOR_ID else []
        if permissions is None:
            permissions = MODERATOR_PERMISSIONS if user_id == MODERATOR_ID else "0"
        member = member_object(user_id, roles=roles) | {"permissions": permissions}
        channel = text_channel_object() | {"permissions": permissions}
        payload |= {
            "guild_id": GUILD_ID,
            "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": CHANNEL_ID,
            "channel": channel,
            "member": member,
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
        }
    else:
        user = user_object(user_id)
        payload |= {
            "channel_id": DM_CHANNEL_ID,
            "channel": {
                "id": DM_CHANNEL_ID,
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user],
            },
            "user": user,
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 1,
        }
    if message is not None:
        payload["message"] = message
    return payload


def slash_command(
    name: str,
    options: list[dict[str, Any]] | dict[str, Any] | None = None,
    *,
    user_id: str = MEMBER_ID,
    guild: bool = True,
    permissions: str | None = None,
    command_id: str | None = None,
    command_guild_id: str | None = None,
    subcommand: str | None = None,
) -> dict[str, Any]:
    """A chat-input command (type 2). ``options`` as Discord option dicts or ``{name: value}``.

    ``command_guild_id`` is set for a command registered to a guild (not globally);
    ``permissions`` defaults to Administrator for MODERATOR_ID, to "0" for anyone else.
    """
    opts = _normalise(options)
    if subcommand is not None:
        opts = [{"name": subcommand, "type": 1, "options": opts}]
    data: dict[str, Any] = {"id": command_id or snowflake(), "name": name, "type": 1}
    if opts:
        data["options"] = opts
    if command_guild_id is not None:
        data["guild_id"] = command_guild_id
    return interaction(2, data, user_id=user_id, guild=guild, permissions=permissions)


def autocomplete(
    name: str,
    options: list[dict[str, Any]] | dict[str, Any] | None,
    focused: str,
    *,
    user_id: str = MEMBER_ID,
    guild: bool = True,
    command_id: str | None = None,
    command_guild_id: str | None = None,
) -> dict[str, Any]:
    """An autocomplete request (type 4): the option named ``focused`` carries ``focused``.

    The focused option's value is the partial text typed so far (a string, always); an
    absent focused option is added with the empty string.
    """
    opts = _normalise(options)
    if not any(o["name"] == focused for o in opts):
        opts.append(option(focused, ""))
    for o in opts:
        if o["name"] == focused:
            o["focused"] = True
            o["value"] = str(o["value"])
    data: dict[str, Any] = {
        "id": command_id or snowflake(),
        "name": name,
        "type": 1,
        "options": opts,
    }
    if command_guild_id is not None:
        data["guild_id"] = command_guild_id
    return interaction(4, data, user_id=user_id, guild=guild)


def modal_submit(
    custom_id: str,
    values: dict[str, str],
    *,
    user_id: str = MEMBER_ID,
    guild: bool = True,
    permissions: str | None = None,
    message: dict[str, Any] | None = None,
    labels: bool = False,
) -> dict[str, Any]:
    """A modal submission (type 5): one action row per text input (component type 4).

    ``labels=True`` wraps each input in a Label (type 18) instead, as Discord does for
    modals built from labels.
    """

    def wrap(index: int, field_id: str, value: str) -> dict[str, Any]:
        # Discord numbers components in order (``id``), the wrapper before its input.
        text_input = {"type": 4, "id": 2 * index + 2, "custom_id": field_id, "value": value}
        if labels:
            return {"type": 18, "id": 2 * index + 1, "component": text_input}
        return {"type": 1, "id": 2 * index + 1, "components": [text_input]}

    rows = [wrap(i, field_id, value) for i, (field_id, value) in enumerate(values.items())]
    data = {"custom_id": custom_id, "components": rows}
    return interaction(
        5, data, user_id=user_id, guild=guild, permissions=permissions, message=message
    )


def bot_message(
    content: str = "",
    *,
    components: list[dict[str, Any]] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    guild: bool = True,
    flags: int = 0,
) -> dict[str, Any]:
    """A message the bot posted (for a button on it): with ``components`` if given."""
    return message_object(
        channel_id=CHANNEL_ID if guild else DM_CHANNEL_ID,
        content=content,
        components=components,
        embeds=embeds,
        flags=flags,
        guild_id=GUILD_ID if guild else None,
    )


def button(
    custom_id: str,
    message: dict[str, Any] | None = None,
    *,
    user_id: str = MEMBER_ID,
    guild: bool = True,
    permissions: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """A button press (type 3, component_type 2) on ``message`` (default: a bot message
    with that one button, labelled ``label``)."""
    if message is None:
        shown = {"type": 2, "style": 1, "label": label or custom_id, "custom_id": custom_id}
        message = bot_message(
            components=[{"type": 1, "components": [shown]}],
            guild=guild,
        )
    data = {"custom_id": custom_id, "component_type": 2}
    return interaction(
        3, data, user_id=user_id, guild=guild, permissions=permissions, message=message
    )
