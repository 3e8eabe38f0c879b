"""A fake Slack Web API (and ``response_url`` endpoint) on 127.0.0.1 that records calls.

slack-sdk's ``AsyncWebClient`` is pointed at it through ``SLACK_API_URL``; it answers
``auth.test`` as Slack does and ``ok`` to everything else, and keeps every call so a
test can assert what the adapter sent (``views.open``, ``chat.postMessage``...); a test
may make it refuse to post messages and files in a channel (``refused_channels``).
Messages posted with ``chat.postMessage`` are kept by channel and ``ts``
(:attr:`FakeSlackAPI.messages`), so ``chat.update`` and ``chat.delete`` act on them as
Slack documents: ``message_not_found`` for a ``ts`` it never gave (or deleted),
``cant_update_message`` / ``cant_delete_message`` for another user's message. File
uploads follow Slack's three steps (``files.getUploadURLExternal``, a POST of the bytes
to the URL it returns, ``files.completeUploadExternal``); the bytes are kept by file id.

It refuses what Slack refuses (``tests/fakes/slack_contract.py``): every ``blocks`` and
``view`` it is sent is checked with slack_sdk's own models and Slack's documented limits,
and a message with blocks must carry a top-level ``text``. A refusal is answered as
Slack answers it and kept in :attr:`FakeSlackAPI.refusals`, not in :attr:`calls`, so a
test that waits for the call fails and ``slack_stack`` fails any test that caused one.

With :attr:`FakeSlackAPI.oauth` set (``tests/fakes/slack_oauth.py``), it is also Slack's
side of installing the app through OAuth: ``oauth.v2.access`` answers as Slack does,
``auth.test`` names the workspace of the token it is asked with, a revoked or expired
token is refused, and a call without a token is ``not_authed``. ``users.info`` answers
for the members a test put in :attr:`FakeSlackAPI.members`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.loop import STEP_TIMEOUT
from tests.fakes.slack_contract import answer_errors, message_errors, missing_text, view_errors
from tests.fakes.slack_oauth import FakeOAuth

BOT_USER = "UBOT0001"
BOT_NAME = "labbot"
TEAM = "T0LAB0001"


#: Methods that post a message, with the arguments Slack requires of each.
MESSAGE_METHODS: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "chat.scheduleMessage": ("channel", "post_at"),
}
#: Other methods whose required arguments the fake checks.
OTHER_METHODS: dict[str, tuple[str, ...]] = {"chat.delete": ("channel", "ts")}
#: Methods that show a view, with the arguments Slack requires of each (``a|b``: either).
VIEW_METHODS: dict[str, tuple[str, ...]] = {
    "views.open": ("trigger_id|interactivity_pointer", "view"),
    "views.push": ("trigger_id|interactivity_pointer", "view"),
    "views.update": ("view_id|external_id", "view"),
    "views.publish": ("user_id", "view"),
}


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str | None


@dataclass
class Refusal:
    """A body the fake refused as Slack would, with Slack's reasons."""

    method: str
    body: dict[str, Any]
    errors: list[str]

    def __str__(self) -> str:
        return f"{self.method}: " + "; ".join(self.errors)


class FakeSlackAPI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.socket_url: str | None = None
        self._socket_open: asyncio.Event | None = None
        self._ws: web.WebSocketResponse | None = None
        self._from_app: asyncio.Queue[dict[str, Any]] | None = None
        #: Uploaded files: id -> (file name, bytes).
        self.files: dict[str, tuple[str, bytes]] = {}
        #: Channels ``chat.postMessage`` refuses, with Slack's error code for each
        #: (``channel_not_found``, ``not_in_channel``...), as Slack answers: HTTP 200 and
        #: ``"ok": false``.
        self.refused_channels: dict[str, str] = {}
        #: Response URLs (by name) that refuse every post, with the HTTP status and text
        #: Slack answers (``(404, "expired_url")``: used five times, or too late).
        self.refused_responses: dict[str, tuple[int, str]] = {}
        #: Bodies refused for breaking Slack's contract (bad blocks or view, no text).
        self.refusals: list[Refusal] = []
        #: Messages in channels, in the order posted: (channel, ts) -> the message
        #: (``user``, ``text``, ``blocks``, ``ts``); ``chat.update`` edits, ``chat.delete``
        #: drops them.
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._last_ts = 0
        #: Slack's side of OAuth installs, when a test installs the app that way.
        self.oauth: FakeOAuth | None = None
        #: Members ``users.info`` knows: user id -> their user object (``team_id``,
        #: ``is_admin``, ``is_owner``...).
        self.members: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def start(self) -> None:
        self._socket_open = asyncio.Event()
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # Slack takes GET (users.info's)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self.socket_url = f"ws://127.0.0.1:{self.port}/socket"

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _record(self, method: str, body: dict[str, Any], token: str | None) -> None:
        with self._changed:
            self.calls.append(Call(method, body, token))
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":
            body = {}
        elif request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        # slack-sdk sends some methods' arguments in the query string (conversations.open's
        # ``users``); Slack reads them from either place, and so does the fake.
        body = {**dict(request.query), **(body or {})}
        for key in ("view", "blocks"):
            if isinstance(body.get(key), str):
                try:
                    body[key] = json.loads(body[key])
                except json.JSONDecodeError:
                    error = "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
                    return self._refuse(method, body, error, [f"{key} is not JSON"])
        if (refused := self._breaks_contract(method, body)) is not None:
            return refused
        authorization = request.headers.get("Authorization", "")
        oauth = self.oauth
        if method == "oauth.v2.access" and oauth is not None:
            self._record(method, body, None)
            return web.json_response(oauth.access(body, authorization or None))
        token = authorization.removeprefix("Bearer ") or None
        if oauth is not None and (error := "not_authed" if token is None else oauth.refuses(token)):
            self._record(f"refused:{method}", body, token)
            return web.json_response({"ok": False, "error": error})
        self._record(method, body, token)
        answer: dict[str, Any] = {"ok": True}
        grant = oauth.grants.get(token or "") if oauth is not None else None
        refused = self.refused_channels.get(str(body.get("channel")))
        if method == "chat.postMessage" and refused is not None:
            return web.json_response({"ok": False, "error": refused})
        if method in ("chat.update", "chat.delete"):
            return self._change(method, body)
        # An upload names its channel only in its last step, where Slack refuses it.
        refused_upload = self.refused_channels.get(str(body.get("channel_id")))
        if method == "files.completeUploadExternal" and refused_upload is not None:
            return web.json_response({"ok": False, "error": refused_upload})
        if method == "auth.test" and grant is not None:
            answer |= {
                "user_id": grant.bot_user,
                "user": BOT_NAME,
                "bot_id": f"B{grant.team}",
                "team_id": grant.team,
                "team": grant.team_name,
                "is_enterprise_install": False,
            }
        elif method == "users.info":
            member = self.members.get(str(body.get("user")))
            if member is None:
                return web.json_response({"ok": False, "error": "user_not_found"})
            answer["user"] = {"id": body.get("user"), "deleted": False, **member}
        elif method == "auth.test":
            answer |= {
                "user_id": BOT_USER,
                "user": BOT_NAME,
                "bot_id": "B0BOT",
                "team_id": TEAM,
                "team": "lab",
            }
        elif method == "apps.connections.open":
            answer["url"] = self.socket_url
        elif method == "chat.postMessage":
            answer |= {"channel": body.get("channel"), "ts": self.keep(body, BOT_USER)}
        elif method.startswith("chat."):
            answer |= {"channel": body.get("channel"), "ts": self._next_ts()}
        elif method == "views.open":
            opened = len(self.of("views.open"))
            answer["view"] = {**body.get("view", {}), "id": f"V{opened:04d}"}
        elif method == "conversations.open":
            answer["channel"] = {"id": f"D{body.get('users', 'X')}"}
        elif method == "files.getUploadURLExternal":
            file_id = f"F{len(self.files) + 1:05d}"
            self.files[file_id] = (str(body.get("filename")), b"")
            upload = f"http://127.0.0.1:{self.port}/upload/{file_id}"
            answer |= {"file_id": file_id, "upload_url": upload}
        elif method == "files.completeUploadExternal":
            listed = body.get("files")
            files = json.loads(listed) if isinstance(listed, str) else listed or []
            answer["files"] = [{"id": f["id"], "title": f.get("title")} for f in files]
        return web.json_response(answer)

    def _breaks_contract(self, method: str, body: dict[str, Any]) -> web.Response | None:
        """Slack's refusal of ``body`` for ``method``, or None when Slack would take it.

        As Slack answers (HTTP 200, ``"ok": false``): a message with bad blocks
        ``invalid_blocks`` with ``errors`` and ``response_metadata.messages``; a bad view
        or a missing argument ``invalid_arguments`` with ``response_metadata.messages``.
        """
        required = (
            MESSAGE_METHODS.get(method)
            or VIEW_METHODS.get(method)
            or OTHER_METHODS.get(method)
            or ()
        )
        missing = [
            f"missing required field: {names.replace('|', ' or ')}"
            for names in required
            if not any(body.get(name) not in (None, "") for name in names.split("|"))
        ]
        if missing:
            return self._refuse(method, body, "invalid_arguments", missing)
        if method in MESSAGE_METHODS and "blocks" in body:
            errors = message_errors(body["blocks"])
            if errors:
                return self._refuse(method, body, "invalid_blocks", errors, listed=True)
            if (no_text := missing_text(body)) is not None:
                return self._refuse(method, body, "invalid_arguments", [no_text])
        if method in VIEW_METHODS:
            errors = view_errors(body["view"])
            if errors:
                schemas = "failed to match all allowed schemas [json-pointer:/view]"
                return self._refuse(method, body, "invalid_arguments", [schemas, *errors])
        return None

    def _next_ts(self) -> str:
        """A ``ts`` as Slack gives them: seconds and a unique, growing fraction."""
        with self._changed:
            self._last_ts = max(self._last_ts + 1, int(time.time() * 1_000_000))
            return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def keep(self, body: dict[str, Any], user: str) -> str:
        """Keep a message posted by ``user`` in ``body["channel"]``; its new ``ts``.

        A test may call it to put someone else's message in a channel.
        """
        ts = self._next_ts()
        message = {"user": user, "ts": ts, "text": body.get("text"), "blocks": body.get("blocks")}
        with self._changed:
            self.messages[(str(body.get("channel")), ts)] = message
            self._changed.notify_all()
        return ts

    def in_channel(self, channel: str) -> list[dict[str, Any]]:
        """The messages now in ``channel``, oldest first."""
        with self._changed:
            return [dict(m) for (where, _), m in self.messages.items() if where == channel]

    def _change(self, method: str, body: dict[str, Any]) -> web.Response:
        """``chat.update`` or ``chat.delete`` of a kept message, answered as Slack does."""
        key = (str(body["channel"]), str(body["ts"]))
        with self._changed:
            message = self.messages.get(key)
            if message is None:
                return web.json_response({"ok": False, "error": "message_not_found"})
            if message["user"] != BOT_USER:
                verb = "update" if method == "chat.update" else "delete"
                return web.json_response({"ok": False, "error": f"cant_{verb}_message"})
            if method == "chat.delete":
                del self.messages[key]
                self._changed.notify_all()
                return web.json_response({"ok": True, "channel": key[0], "ts": key[1]})
            # Slack replaces what the call gives: text, and blocks when sent.
            message["text"] = body.get("text")
            if "blocks" in body:
                message["blocks"] = body["blocks"]
            message["edited"] = {"user": BOT_USER, "ts": self._next_ts()}
            self._changed.notify_all()
            answer = {"channel": key[0], "ts": key[1], "text": message["text"]}
            return web.json_response({"ok": True, **answer, "message": dict(message)})

    def _refuse(
        self,
        method: str,
        body: dict[str, Any],
        error: str,
        errors: list[str],
        *,
        listed: bool = False,
    ) -> web.Response:
        with self._changed:
            self.refusals.append(Refusal(method, body, errors))
            self._changed.notify_all()
        answer: dict[str, Any] = {"ok": False, "error": error}
        if listed:
            answer["errors"] = errors
        answer["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in errors]}
        return web.json_response(answer)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        name, _ = self.files.get(file_id, ("", b""))
        self.files[file_id] = (name, await request.read())
        self._record(f"upload:{file_id}", {"filename": name}, None)
        return web.Response(text="OK - 1")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then relay envelopes both ways until closed."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self._from_app = asyncio.Queue()
        await ws.send_json({"type": "hello", "num_connections": 1})
        assert self._socket_open is not None
        self._socket_open.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self._from_app.put(json.loads(message.data))
        return ws

    async def wait_for_socket(self) -> None:
        assert self._socket_open is not None
        await asyncio.wait_for(self._socket_open.wait(), STEP_TIMEOUT)

    async def envelope(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one Socket Mode envelope and return the app's acknowledgement of it."""
        assert self._ws is not None and self._from_app is not None
        envelope_id = f"env-{len(self.calls)}-{time.monotonic_ns()}"
        await self._ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "payload": payload,
            }
        )
        while True:
            answer = await asyncio.wait_for(self._from_app.get(), STEP_TIMEOUT)
            if answer.get("envelope_id") == envelope_id:
                # The acknowledgement's payload is a reply Slack shows: Slack checks it.
                errors = answer_errors(answer.get("payload"))
                if errors:
                    self._refuse(f"ack:{kind}", answer, "invalid_blocks", errors)
                return answer

    async def _response(self, request: web.Request) -> web.Response:
        """A post to a ``response_url``: refused as Slack refuses it, else recorded.

        A ``response_url`` answers like an incoming webhook: HTTP 400 with the error as
        plain text (``invalid_blocks``; ``no_text`` for blocks without a top-level text,
        where Slack only warns, as for chat.postMessage).
        """
        body = await request.json()
        method = f"response:{request.match_info['name']}"
        if (refused := self.refused_responses.get(request.match_info["name"])) is not None:
            return web.Response(status=refused[0], text=refused[1])
        if "blocks" in body:
            errors = message_errors(body["blocks"])
            if errors:
                self._refuse(method, body, "invalid_blocks", errors)
                return web.Response(status=400, text="invalid_blocks")
            if (no_text := missing_text(body)) is not None:
                self._refuse(method, body, "no_text", [no_text])
                return web.Response(status=400, text="no_text")
        self._record(method, body, None)
        return web.Response(text="ok")

    def wait_for(self, method: str, count: int = 1, timeout: float = STEP_TIMEOUT) -> list[Call]:
        """The calls of ``method`` once there are ``count`` of them (bounded wait)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    refused = [str(r) for r in self.refusals]
                    raise AssertionError(
                        f"no {count} call(s) of {method}; saw {seen}; refused {refused}"
                    )
                self._changed.wait(left)

    def of(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def assert_nothing_refused(self) -> None:
        """Fail when the adapter sent anything Slack would refuse (see :attr:`refusals`)."""
        with self._changed:
            refused = [str(r) for r in self.refusals]
        assert not refused, "Slack would refuse what the adapter sent:\n" + "\n".join(refused)
