"""The fake Discord's REST API: the routes discord.py calls, answered as Discord answers.

Login (``/users/@me``, ``/oauth2/applications/@me``, ``/gateway/bot``), the command
schemas ``tree.sync()`` uploads (global or per guild, stored so a test can read them),
interaction callbacks, followups, webhook and channel messages (stored, edited, deleted),
DM channels and guild members. Every route but ``/webhooks/`` and ``/interactions/`` wants
``Authorization: Bot <token>``, as Discord does. An unknown route answers ``{}``.

Every body is first held to Discord's published contract (:mod:`tests.fakes.discord.contract`):
one the spec (or a documented limit) refuses is answered 400, code 50035, "Invalid Form
Body", with the ``errors`` tree naming the field, and is kept on its recorded request
(``Request.refused``) so a test can see what the bot sent that Discord would not take.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.discord.contract import INVALID_FORM_BODY, Contract, contract
from tests.fakes.discord.objects import (
    APP_ID,
    BOT_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    application_object,
    attachment_object,
    bot_user,
    dm_channel_object,
    member_object,
    message_object,
    now_iso,
    snowflake,
    text_channel_object,
    user_object,
)
from tests.fakes.discord.recorder import Recorder, Request

#: discord.py's ``Route.BASE`` path; recorded paths are relative to it.
API_PREFIX = "/api/v10"


def _json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses a body whose Content-Type is exactly ``application/json``
    # (aiohttp's json_response would add ``; charset=utf-8``).
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json_response({"message": message, "code": code}, status)


async def read_body(request: web.Request) -> tuple[Any, list[str], list[bytes]]:
    """The JSON body (or a multipart upload's ``payload_json``), uploaded names and bytes."""
    if request.content_type == "application/json":
        text = await request.text()
        return (json.loads(text) if text else None), [], []
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[str] = []
        contents: list[bytes] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                files.append(part.filename or part.name or "")
                contents.append(bytes(await part.read()))
        return body, files, contents
    return None, [], []


class RestAPI:
    """The REST half of one fake Discord, with the state its answers build on."""

    def __init__(
        self,
        recorder: Recorder,
        token: str,
        gateway_url: Callable[[], str],
        record: Callable[[Request], None],
        *,
        validate: bool = True,
    ) -> None:
        self.recorder = recorder
        #: The contract bodies are checked against; None: accept any body (the benchmark).
        self.contract: Contract | None = contract() if validate else None
        self.token = token
        self._gateway_url = gateway_url
        #: Called with each request once its answer is written (the server records it).
        self._record = record
        #: Stored command schemas: ``None`` for global, else the guild id.
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        #: Dispatched interactions by id (to answer their callbacks).
        self.interactions: dict[str, dict[str, Any]] = {}
        #: Messages the bot created or edited, by id.
        self.messages: dict[str, dict[str, Any]] = {}
        self._originals: dict[str, str] = {}  # interaction token -> message id
        #: Channels where creating a message is refused: channel id -> (HTTP status,
        #: Discord's error code, message), e.g. (403, 50007, "Cannot send messages to
        #: this user") for a member who does not accept direct messages.
        self.refused_channels: dict[str, tuple[int, int, str]] = {}
        self._command_ids: dict[tuple[str | None, str], str] = {}

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler of every ``/api/v10/...`` request."""
        path = "/" + request.match_info["tail"]
        body, files, contents = await read_body(request)
        recorded = Request(
            request.method,
            path,
            dict(request.query),
            body,
            dict(request.headers),
            files,
            contents,
            multipart=request.content_type.startswith("multipart/"),
        )
        # Checked and recorded first, so whatever the bot does after this answer sees it
        # recorded, refusal included; ``answered`` tells a test that stops the bot that
        # the answer is on the wire.
        if self._authorized(recorded):
            recorded.refused = self._refusal(recorded) or None
        self._record(recorded)
        response = self._answer(recorded)
        await response.prepare(request)
        await response.write_eof()
        recorded.answered.set()
        return response

    def _authorized(self, recorded: Request) -> bool:
        public = recorded.path.startswith(("/webhooks/", "/interactions/"))
        return public or recorded.headers.get("Authorization") == f"Bot {self.token}"

    def _answer(self, recorded: Request) -> web.StreamResponse:
        if not self._authorized(recorded):
            return _error(401, 0, "401: Unauthorized")
        if recorded.refused:
            body = {
                "message": "Invalid Form Body",
                "code": INVALID_FORM_BODY,
                "errors": recorded.refused,
            }
            return _json_response(body, 400)
        for pattern, method, handler in self._routes():
            if method != recorded.method:
                continue
            match = re.fullmatch(pattern, recorded.path)
            if match:
                return handler(recorded, *match.groups())
        return _json_response({})

    def _refusal(self, recorded: Request) -> dict[str, Any]:
        """Discord's ``errors`` tree for a body it would refuse; empty if it would take it."""
        if self.contract is None or recorded.json is None:
            return {}
        return self.contract.check(
            recorded.method, recorded.path, recorded.json, multipart=recorded.multipart
        )

    def _routes(self) -> list[tuple[str, str, Callable[..., web.StreamResponse]]]:
        app = r"/applications/(\d+)"
        hook = r"/webhooks/(\d+)/([^/]+)"
        return [
            ("/users/@me", "GET", lambda r: _json_response(bot_user())),
            ("/oauth2/applications/@me", "GET", lambda r: _json_response(application_object())),
            ("/applications/@me", "GET", lambda r: _json_response(application_object())),
            ("/gateway", "GET", lambda r: _json_response({"url": self._gateway_url()})),
            ("/gateway/bot", "GET", self._gateway_bot),
            (app + "/commands", "GET", lambda r, a: self._get_commands(a, None)),
            (app + "/commands", "PUT", lambda r, a: self._put_commands(r, a, None)),
            (app + "/commands", "POST", lambda r, a: self._post_command(r, a, None)),
            (app + r"/guilds/(\d+)/commands", "GET", self._get_commands_guild),
            (app + r"/guilds/(\d+)/commands", "PUT", self._put_commands_guild),
            (app + r"/guilds/(\d+)/commands", "POST", self._post_command_guild),
            (r"/interactions/(\d+)/([^/]+)/callback", "POST", self._callback),
            (hook, "POST", self._followup),
            (hook + "/messages/@original", "GET", self._get_original),
            (hook + "/messages/@original", "PATCH", self._edit_original),
            (hook + "/messages/@original", "DELETE", self._delete_original),
            (hook + r"/messages/(\d+)", "GET", self._get_webhook_message),
            (hook + r"/messages/(\d+)", "PATCH", self._edit_webhook_message),
            (hook + r"/messages/(\d+)", "DELETE", self._delete_webhook_message),
            (r"/channels/(\d+)", "GET", self._get_channel),
            (r"/channels/(\d+)/messages", "POST", self._create_message),
            (r"/channels/(\d+)/messages/(\d+)", "GET", self._get_message),
            (r"/channels/(\d+)/messages/(\d+)", "PATCH", self._edit_message),
            (r"/channels/(\d+)/messages/(\d+)", "DELETE", self._delete_message),
            ("/users/@me/channels", "POST", self._create_dm),
            (r"/users/(\d+)", "GET", lambda r, u: _json_response(user_object(u))),
            (r"/guilds/(\d+)/members/(\d+)", "GET", self._get_member),
        ]

    def _gateway_bot(self, request: Request) -> web.Response:
        return _json_response(
            {
                "url": self._gateway_url(),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    # commands

    def _stored_command(self, app_id: str, guild_id: str | None, schema: dict[str, Any]) -> dict:
        key = (guild_id, schema["name"])
        command_id = self._command_ids.setdefault(key, snowflake())
        stored: dict[str, Any] = {
            "type": 1,
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "contexts": None,
            "integration_types": [0],
            **schema,
            "id": command_id,
            "application_id": app_id,
            "version": snowflake(),
        }
        if guild_id is not None:
            stored["guild_id"] = guild_id
        return stored

    def _get_commands(self, app_id: str, guild_id: str | None) -> web.Response:
        if app_id != APP_ID:
            return _error(403, 50001, "Missing Access")
        return _json_response(self.commands.get(guild_id, []))

    def _put_commands(self, request: Request, app_id: str, guild_id: str | None) -> web.Response:
        if app_id != APP_ID or not isinstance(request.json, list):
            return _error(400, 50035, "Invalid Form Body")
        stored = [self._stored_command(app_id, guild_id, c) for c in request.json]
        with self.recorder.changed:
            self.commands[guild_id] = stored
        return _json_response(stored)

    def _post_command(self, request: Request, app_id: str, guild_id: str | None) -> web.Response:
        if app_id != APP_ID or not isinstance(request.json, dict):
            return _error(400, 50035, "Invalid Form Body")
        command = self._stored_command(app_id, guild_id, request.json)
        with self.recorder.changed:
            kept = [c for c in self.commands.get(guild_id, []) if c["name"] != command["name"]]
            self.commands[guild_id] = [*kept, command]
        return _json_response(command, 201)

    def _get_commands_guild(self, request: Request, app_id: str, guild_id: str) -> web.Response:
        return self._get_commands(app_id, guild_id)

    def _put_commands_guild(self, request: Request, app_id: str, guild_id: str) -> web.Response:
        return self._put_commands(request, app_id, guild_id)

    def _post_command_guild(self, request: Request, app_id: str, guild_id: str) -> web.Response:
        return self._post_command(request, app_id, guild_id)

    # interactions

    def _interaction_message(
        self, interaction: dict[str, Any] | None, data: dict[str, Any], *, loading: bool = False
    ) -> dict[str, Any]:
        """The message an interaction response or followup creates."""
        flags = int(data.get("flags") or 0) | (128 if loading else 0)
        metadata = None
        channel_id, guild_id = CHANNEL_ID, GUILD_ID
        message_type = 0
        if interaction is not None:
            channel_id = interaction.get("channel_id") or channel_id
            guild_id = interaction.get("guild_id")
            who = interaction.get("member", {}).get("user") or interaction.get("user")
            metadata = {
                "id": interaction["id"],
                "type": interaction["type"],
                "user": who,
                "authorizing_integration_owners": interaction.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if interaction["type"] == 2:
                message_type = 20  # CHAT_INPUT_COMMAND
                metadata["name"] = interaction["data"]["name"]
        return message_object(
            channel_id=channel_id,
            content=data.get("content") or "",
            embeds=data.get("embeds"),
            components=data.get("components"),
            flags=flags,
            message_type=message_type,
            guild_id=guild_id,
            webhook_id=APP_ID,
            interaction_metadata=metadata,
        )

    def _callback(self, request: Request, interaction_id: str, token: str) -> web.Response:
        body = request.json or {}
        interaction = self.interactions.get(interaction_id)
        if interaction is not None and interaction.get("token") != token:
            return _error(401, 50027, "Invalid Webhook Token")
        response_type = body.get("type")
        data = body.get("data") or {}
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": interaction["type"] if interaction else 2,
            }
        }
        resource: dict[str, Any] = {"type": response_type}
        if response_type in (4, 5):  # a new message (5: "thinking" until edited)
            message = self._interaction_message(interaction, data, loading=response_type == 5)
            with self.recorder.changed:
                self.messages[message["id"]] = message
                self._originals[token] = message["id"]
            resource["message"] = message
        elif response_type == 7 and interaction and "message" in interaction:  # update message
            message = self._apply_edit(dict(interaction["message"]), data)
            with self.recorder.changed:
                self.messages[message["id"]] = message
                self._originals[token] = message["id"]
            resource["message"] = message
        if "message" in resource:
            message = resource["message"]
            answer["interaction"] |= {
                "response_message_id": message["id"],
                "response_message_loading": response_type == 5,
                "response_message_ephemeral": bool(message["flags"] & 64),
            }
        answer["resource"] = resource
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json_response(answer)
        return web.Response(status=204)

    @staticmethod
    def _apply_edit(message: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "attachments"):
            if key in data:
                message[key] = (
                    data[key] if data[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in data and data["flags"] is not None:
            message["flags"] = int(data["flags"])
        else:
            message["flags"] = int(message.get("flags", 0)) & ~128  # no longer "thinking"
        message["edited_timestamp"] = now_iso()
        return message

    @staticmethod
    def _uploaded(request: Request, message: dict[str, Any]) -> dict[str, Any]:
        """An edit's body with its ``attachments`` as Discord answers them: full objects.

        The request lists partial ones (``{"id": 0, "filename": ...}``, the id indexing
        the uploaded files) and those to keep by their id; the answer has each file's
        size and URLs, which discord.py reads.
        """
        data = dict(request.json or {})
        if not isinstance(data.get("attachments"), list):
            return data
        kept = {str(a.get("id")): a for a in message.get("attachments") or []}
        answered = []
        for listed in data["attachments"]:
            key = str(listed.get("id"))
            if key in kept:
                answered.append(kept[key])
                continue
            index = int(key) if key.isdigit() and int(key) < len(request.files) else None
            name = listed.get("filename") or (request.files[index] if index is not None else "")
            size = len(request.contents[index]) if index is not None else 0
            answered.append(attachment_object(message["channel_id"], name, size))
        data["attachments"] = answered
        return data

    def _interaction_for(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self.interactions.values() if i.get("token") == token), None)

    def _followup(self, request: Request, app_id: str, token: str) -> web.Response:
        message = self._interaction_message(self._interaction_for(token), request.json or {})
        with self.recorder.changed:
            self.messages[message["id"]] = message
        if request.query.get("wait") in ("1", "true", "True"):
            return _json_response(message)
        return web.Response(status=204)

    def _original_id(self, token: str) -> str | None:
        return self._originals.get(token)

    def _get_original(self, request: Request, app_id: str, token: str) -> web.Response:
        return self._get_webhook_message(request, app_id, token, self._original_id(token))

    def _edit_original(self, request: Request, app_id: str, token: str) -> web.Response:
        return self._edit_webhook_message(request, app_id, token, self._original_id(token))

    def _delete_original(self, request: Request, app_id: str, token: str) -> web.Response:
        return self._delete_webhook_message(request, app_id, token, self._original_id(token))

    def _get_webhook_message(
        self, request: Request, app_id: str, token: str, message_id: str | None
    ) -> web.Response:
        message = self.messages.get(message_id or "")
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json_response(message)

    def _edit_webhook_message(
        self, request: Request, app_id: str, token: str, message_id: str | None
    ) -> web.Response:
        message = self.messages.get(message_id or "")
        if message is None:
            return _error(404, 10008, "Unknown Message")
        with self.recorder.changed:
            edited = self._apply_edit(dict(message), self._uploaded(request, message))
            self.messages[edited["id"]] = edited
        return _json_response(edited)

    def _delete_webhook_message(
        self, request: Request, app_id: str, token: str, message_id: str | None
    ) -> web.Response:
        with self.recorder.changed:
            if self.messages.pop(message_id or "", None) is None:
                return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)

    # channels, users, members

    def _get_channel(self, request: Request, channel_id: str) -> web.Response:
        if channel_id == CHANNEL_ID:
            return _json_response(text_channel_object())
        if channel_id == DM_CHANNEL_ID:
            return _json_response(dm_channel_object())
        return _error(404, 10003, "Unknown Channel")

    def _create_message(self, request: Request, channel_id: str) -> web.Response:
        refused = self.refused_channels.get(channel_id)
        if refused is not None:
            return _error(*refused)
        body = request.json or {}
        message = message_object(
            channel_id=channel_id,
            content=body.get("content") or "",
            embeds=body.get("embeds"),
            components=body.get("components"),
            flags=int(body.get("flags") or 0),
            guild_id=GUILD_ID if channel_id == CHANNEL_ID else None,
        )
        with self.recorder.changed:
            self.messages[message["id"]] = message
        return _json_response(message)

    def _in_channel(self, channel_id: str, message_id: str) -> dict[str, Any] | None:
        message = self.messages.get(message_id)
        return message if message is not None and message["channel_id"] == channel_id else None

    def _get_message(self, request: Request, channel_id: str, message_id: str) -> web.Response:
        message = self._in_channel(channel_id, message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json_response(message)

    def _edit_message(self, request: Request, channel_id: str, message_id: str) -> web.Response:
        """PATCH a message the fake holds in that channel; 404 Unknown Message otherwise,
        403 (50005) for a message someone else wrote, as Discord answers."""
        with self.recorder.changed:
            message = self._in_channel(channel_id, message_id)
            if message is None:
                return _error(404, 10008, "Unknown Message")
            if (message.get("author") or {}).get("id") != BOT_ID:
                return _error(403, 50005, "Cannot edit a message authored by another user")
            edited = self._apply_edit(dict(message), self._uploaded(request, message))
            self.messages[message_id] = edited
        return _json_response(edited)

    def _delete_message(self, request: Request, channel_id: str, message_id: str) -> web.Response:
        with self.recorder.changed:
            if self._in_channel(channel_id, message_id) is None:
                return _error(404, 10008, "Unknown Message")
            del self.messages[message_id]
        return web.Response(status=204)

    def _create_dm(self, request: Request) -> web.Response:
        recipient = str((request.json or {}).get("recipient_id") or MEMBER_ID)
        return _json_response(dm_channel_object(recipient))

    def _get_member(self, request: Request, guild_id: str, user_id: str) -> web.Response:
        if guild_id != GUILD_ID or user_id not in (BOT_ID, MODERATOR_ID, MEMBER_ID):
            return _error(404, 10007, "Unknown Member")
        return _json_response(member_object(user_id))
