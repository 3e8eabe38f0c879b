"""A fake Discord (REST API and gateway) on 127.0.0.1 that the real discord.py talks to.

Point discord.py at it with ``discord.http.Route.BASE = fake.api_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
It answers what discord.py asks at login (``/users/@me``, ``/oauth2/applications/@me``),
runs a gateway session (HELLO, READY, GUILD_CREATE, heartbeats, RESUME, zlib-stream
transport compression), stores the command schemas ``tree.sync()`` uploads, answers
interaction callbacks, followups and message edits with the JSON discord.py parses, and
records every request so a test can assert what the bot sent.

``path`` of a recorded :class:`Request` is relative to ``/api/v10`` (``/applications/...``),
the same path discord.py's ``Route`` is built from.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.loop import STEP_TIMEOUT

APP_ID = "1100000000000000001"
BOT_ID = APP_ID
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
DM_CHANNEL_ID = "1300000000000000002"
MODERATOR_ID = "1400000000000000001"
MEMBER_ID = "1400000000000000002"
MODERATOR_ROLE_ID = "1500000000000000001"
OWNER_ID = MODERATOR_ID
TOKEN = "fake-token.for-tests.only"
API_PREFIX = "/api/v10"
HEARTBEAT_INTERVAL_MS = 41250
#: Permissions Discord gives @everyone in a new server (as a decimal string).
EVERYONE_PERMISSIONS = "2222085186637376"
#: Administrator.
MODERATOR_PERMISSIONS = "8"

_ZLIB_SUFFIX = b"\x00\x00\xff\xff"
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


@dataclass
class Request:
    method: str
    #: Relative to ``/api/v10`` (as discord.py's ``Route`` paths are).
    path: str
    query: dict[str, str]
    #: The JSON body (``payload_json`` of a multipart upload), or None.
    json: Any
    headers: dict[str, str]
    #: File names of a multipart upload.
    files: list[str] = field(default_factory=list)


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    compressor: Any | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: READY or RESUMED has been sent on this socket.
    live: bool = False

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self.lock:
            if self.compressor is None:
                await self.ws.send_str(text)
            else:
                chunk = self.compressor.compress(text.encode())
                chunk += self.compressor.flush(zlib.Z_SYNC_FLUSH)
                assert chunk.endswith(_ZLIB_SUFFIX)
                await self.ws.send_bytes(chunk)


def _json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses a body whose Content-Type is exactly ``application/json``
    # (aiohttp's json_response would add ``; charset=utf-8``).
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json_response({"message": message, "code": code}, status)


Matcher = str | Callable[[Request], bool]


class FakeDiscord:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.requests: list[Request] = []
        #: Every gateway payload the client sent (decoded JSON), in order.
        self.gateway_received: list[dict[str, Any]] = []
        #: Query strings of each gateway connection (``v``, ``encoding``, ``compress``).
        self.gateway_queries: list[dict[str, str]] = []
        self.identify_count = 0
        self.resume_count = 0
        #: Whether the next RESUME is accepted (else: INVALID_SESSION, the client re-IDENTIFYs).
        self.allow_resume = True
        #: Stored command schemas: ``None`` for global, else the guild id.
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        #: Dispatched interactions by id (to answer their callbacks).
        self.interactions: dict[str, dict[str, Any]] = {}
        #: Messages the bot created or edited, by id.
        self.messages: dict[str, dict[str, Any]] = {}
        self._originals: dict[str, str] = {}  # interaction token -> message id
        self._command_ids: dict[tuple[str | None, str], str] = {}
        self._changed = threading.Condition()
        self._runner: web.AppRunner | None = None
        self._conn: _Connection | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._seq = 0
        self._session_id: str | None = None
        self.port = 0

    # -- addresses -------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY)
        if self._runner is not None:
            await self._runner.cleanup()

    # -- recording -------------------------------------------------------------------------

    def _record(self, request: Request) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    @staticmethod
    def _matches(matcher: Matcher, request: Request) -> bool:
        if callable(matcher):
            return matcher(request)
        return bool(
            re.search(matcher, request.path)
            or re.search(matcher, f"{request.method} {request.path}")
        )

    def of(self, matcher: Matcher) -> list[Request]:
        """Recorded requests whose path (or ``"METHOD path"``) matches, or the predicate holds."""
        with self._changed:
            return [r for r in self.requests if self._matches(matcher, r)]

    def wait_for(
        self, matcher: Matcher, count: int = 1, timeout: float = STEP_TIMEOUT
    ) -> list[Request]:
        """The matching requests once there are ``count`` of them (bounded, blocking wait).

        Call it from the test's thread, not from the loop the fake runs on.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.requests if self._matches(matcher, r)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{r.method} {r.path}" for r in self.requests]
                    raise AssertionError(f"no {count} request(s) matching {matcher!r}; saw {seen}")
                self._changed.wait(left)

    def wait_for_gateway(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        count: int = 1,
        timeout: float = STEP_TIMEOUT,
    ) -> list[dict[str, Any]]:
        """Gateway payloads from the client matching ``predicate`` (bounded, blocking wait)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [m for m in self.gateway_received if predicate(m)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    ops = [m.get("op") for m in self.gateway_received]
                    raise AssertionError(f"no {count} gateway payload(s) matching; saw ops {ops}")
                self._changed.wait(left)

    async def _until(self, check: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.01)

    async def wait_for_identify(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> None:
        """Until the client has sent ``count`` IDENTIFYs and got READY for the last one."""
        await self._until(lambda: self.identify_count >= count, f"{count} IDENTIFY", timeout)

    async def wait_connected(self, timeout: float = STEP_TIMEOUT) -> None:
        """Until a gateway session is live (READY or RESUMED sent on an open socket)."""

        def live() -> bool:
            conn = self._conn
            return conn is not None and conn.live and not conn.ws.closed

        await self._until(live, "a live gateway session", timeout)

    async def wait_for_resume(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> None:
        await self._until(lambda: self.resume_count >= count, f"{count} RESUME", timeout)

    # -- gateway ---------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one DISPATCH (op 0) with the next sequence number to the connected client."""
        if event == "INTERACTION_CREATE":
            self.interactions[str(data["id"])] = data
        conn = self._conn
        if conn is None or conn.ws.closed:
            raise AssertionError("no gateway connection to dispatch to")
        await self._send_dispatch(conn, event, data)

    async def _send_dispatch(self, conn: _Connection, event: str, data: Any) -> None:
        self._seq += 1
        await conn.send({"op": 0, "t": event, "s": self._seq, "d": data})

    async def drop_connection(self, code: int = 4000, *, resume: bool = True) -> None:
        """Close the gateway socket as Discord does on a hiccup; discord.py reconnects.

        With ``resume`` the client's RESUME is accepted (RESUMED); without it the session is
        invalidated and the client IDENTIFYs again (a new READY).
        """
        self.allow_resume = resume
        conn = self._conn
        if conn is None:
            raise AssertionError("no gateway connection to drop")
        self._conn = None
        await conn.ws.close(code=code, message=b"dropped by the test")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        compressor = None
        if query.get("compress") == "zlib-stream":
            compressor = zlib.compressobj()
        # Any other compression (zstd-stream) is answered uncompressed, which the client accepts.
        conn = _Connection(ws, compressor)
        with self._changed:
            self.gateway_queries.append(query)
            self._changed.notify_all()
        self._sockets.add(ws)
        self._conn = conn
        try:
            await conn.send(
                {
                    "op": 10,
                    "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake-gateway"]},
                    "s": None,
                    "t": None,
                }
            )
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                raw = message.data
                if isinstance(raw, bytes):
                    raw = raw.decode()
                payload = json.loads(raw)
                with self._changed:
                    self.gateway_received.append(payload)
                    self._changed.notify_all()
                await self._on_gateway(conn, payload)
        finally:
            self._sockets.discard(ws)
            if self._conn is conn:
                self._conn = None
        return ws

    async def _on_gateway(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            if data.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            self._seq = 0
            self._session_id = f"session-{snowflake()}"
            ready = {
                "v": 10,
                "user": bot_user(),
                "user_settings": {},
                "guilds": [{"id": GUILD_ID, "unavailable": True}],
                "session_id": self._session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "shard": data.get("shard") or [0, 1],
                "application": {"id": APP_ID, "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["local"],
                "_trace": ["fake-gateway"],
            }
            await self._send_dispatch(conn, "READY", ready)
            await self._send_dispatch(conn, "GUILD_CREATE", guild_object())
            conn.live = True
            with self._changed:
                self.identify_count += 1
                self._changed.notify_all()
        elif op == 6:
            with self._changed:
                self.resume_count += 1
                self._changed.notify_all()
            ok = (
                self.allow_resume
                and data.get("token") == self.token
                and data.get("session_id") == self._session_id
            )
            if ok:
                await self._send_dispatch(conn, "RESUMED", {"_trace": ["fake-gateway"]})
                conn.live = True
            else:
                self._session_id = None
                await conn.send({"op": 9, "d": False, "s": None, "t": None})
            self.allow_resume = True
        # PRESENCE_UPDATE (3), REQUEST_GUILD_MEMBERS (8) and the rest: recorded only.

    # -- REST ------------------------------------------------------------------------------

    async def _read_body(self, request: web.Request) -> tuple[Any, list[str]]:
        if request.content_type == "application/json":
            text = await request.text()
            return (json.loads(text) if text else None), []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[str] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(part.filename or part.name or "")
                    await part.read()
            return body, files
        return None, []

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        recorded = Request(
            request.method, path, dict(request.query), body, dict(request.headers), files
        )
        response = self._answer(recorded)
        # Recorded only once the answer is on the wire: a test that sees a request and
        # then stops the bot (SIGTERM) must not catch it waiting for this very response.
        await response.prepare(request)
        await response.write_eof()
        self._record(recorded)
        return response

    def _answer(self, recorded: Request) -> web.StreamResponse:
        public = recorded.path.startswith(("/webhooks/", "/interactions/"))
        if not public and recorded.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for pattern, method, handler in self._routes():
            if method != recorded.method:
                continue
            match = re.fullmatch(pattern, recorded.path)
            if match:
                return handler(recorded, *match.groups())
        return _json_response({})

    def _routes(self) -> list[tuple[str, str, Callable[..., web.StreamResponse]]]:
        app = r"/applications/(\d+)"
        hook = r"/webhooks/(\d+)/([^/]+)"
        return [
            ("/users/@me", "GET", lambda r: _json_response(bot_user())),
            ("/oauth2/applications/@me", "GET", lambda r: _json_response(application_object())),
            ("/applications/@me", "GET", lambda r: _json_response(application_object())),
            ("/gateway", "GET", lambda r: _json_response({"url": self.gateway_url})),
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
                "url": self.gateway_url,
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
        with self._changed:
            self.commands[guild_id] = stored
        return _json_response(stored)

    def _post_command(self, request: Request, app_id: str, guild_id: str | None) -> web.Response:
        if app_id != APP_ID or not isinstance(request.json, dict):
            return _error(400, 50035, "Invalid Form Body")
        command = self._stored_command(app_id, guild_id, request.json)
        with self._changed:
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
            with self._changed:
                self.messages[message["id"]] = message
                self._originals[token] = message["id"]
            resource["message"] = message
        elif response_type == 7 and interaction and "message" in interaction:  # update message
            message = self._apply_edit(dict(interaction["message"]), data)
            with self._changed:
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

    def _interaction_for(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self.interactions.values() if i.get("token") == token), None)

    def _followup(self, request: Request, app_id: str, token: str) -> web.Response:
        message = self._interaction_message(self._interaction_for(token), request.json or {})
        with self._changed:
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
        with self._changed:
            edited = self._apply_edit(dict(message), request.json or {})
            self.messages[edited["id"]] = edited
        return _json_response(edited)

    def _delete_webhook_message(
        self, request: Request, app_id: str, token: str, message_id: str | None
    ) -> web.Response:
        with self._changed:
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
        body = request.json or {}
        message = message_object(
            channel_id=channel_id,
            content=body.get("content") or "",
            embeds=body.get("embeds"),
            components=body.get("components"),
            flags=int(body.get("flags") or 0),
            guild_id=GUILD_ID if channel_id == CHANNEL_ID else None,
        )
        with self._changed:
            self.messages[message["id"]] = message
        return _json_response(message)

    def _get_message(self, request: Request, channel_id: str, message_id: str) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return _error(404, 10008, "Unknown Message")
        return _json_response(message)

    def _edit_message(self, request: Request, channel_id: str, message_id: str) -> web.Response:
        message = self.messages.get(message_id)
        if message is None:
            # A message the fake never saw (e.g. built by a payload helper): edit a stand-in.
            message = message_object(channel_id=channel_id, message_id=message_id)
        with self._changed:
            edited = self._apply_edit(dict(message), request.json or {})
            self.messages[message_id] = edited
        return _json_response(edited)

    def _delete_message(self, request: Request, channel_id: str, message_id: str) -> web.Response:
        with self._changed:
            self.messages.pop(message_id, None)
        return web.Response(status=204)

    def _create_dm(self, request: Request) -> web.Response:
        recipient = str((request.json or {}).get("recipient_id") or MEMBER_ID)
        return _json_response(dm_channel_object(recipient))

    def _get_member(self, request: Request, guild_id: str, user_id: str) -> web.Response:
        if guild_id != GUILD_ID or user_id not in (BOT_ID, MODERATOR_ID, MEMBER_ID):
            return _error(404, 10007, "Unknown Member")
        return _json_response(member_object(user_id))
