"""How Slack reaches the adapter: HTTP (signed requests) or Socket Mode.

With ``SLACK_APP_TOKEN`` set, the app dials out to Slack over a websocket (no public URL
needed). Otherwise it serves ``POST /slack/events`` on ``SCALEBOT_SLACK_PORT`` and
``GET /health`` for load balancers and container checks.

Every request to ``/slack/events`` passes :mod:`bot.slack.gate` first: its signature is
checked on the raw bytes before anything is decoded, then its shape and the types of
the fields Bolt and the listeners read; a refusal is one warning in the log and a 401,
400 or 413, never an exception, and a sender that hangs up mid-body is one info line.
Bolt then checks the signature once more (a second lock on the same door) and
dispatches to the listeners.

Installed through OAuth (:mod:`bot.slack.oauth`), it also serves ``GET /slack/install``
(a redirect to Slack's authorize address, with a new state) and ``GET
/slack/oauth_redirect`` (where Slack sends the installer back with a code), both
answered by Bolt's OAuth flow. Neither address is logged with its query, which holds
the state and the code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.config import Settings
from bot.errors import PlatformRefused
from bot.runner import AsyncCore
from bot.slack.app import SlackAdapter
from bot.slack.gate import (
    MAX_BODY,
    Refused,
    check_fields,
    check_signature,
    check_size,
    decode,
    parse,
)
from bot.slack.notices import SlackNotices
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.slack.workspaces import Installed, OneWorkspace, Workspaces

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/health"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


class SlackService:
    """One Slack transport, started and stopped on the shared event loop."""

    name = "slack"

    def __init__(self, core: AsyncCore, settings: Settings) -> None:
        problem = settings.slack_install_problem()
        if problem is not None:
            raise PlatformRefused(f"Slack cannot start: {problem}")
        self.settings = settings
        self.core = core
        self.adapter = SlackAdapter(core, settings)
        client = self.adapter.app.client
        oauth = self.adapter.oauth
        workspaces: Workspaces = (
            OneWorkspace(client)
            if oauth is None
            else Installed(oauth, client, settings.slack_home_workspace)
        )
        self.notices = SlackNotices(workspaces, settings)
        secret = settings.slack_signing_secret
        self._signing_secret = secret.get_secret_value() if secret is not None else ""
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._site: web.TCPSite | None = None

    @property
    def transport(self) -> str:
        return "socket-mode" if self.settings.slack_app_token else "http"

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(EVENTS_PATH, self._events)
        app.router.add_get(HEALTH_PATH, self._health)
        if self.adapter.oauth is not None:
            app.router.add_get(INSTALL_PATH, self._install)
            app.router.add_get(REDIRECT_PATH, self._redirect)
        return app

    async def _install(self, request: web.Request) -> web.Response:
        """``/slack/install``: a new state, and off to Slack's authorize address with it."""
        flow = self.adapter.app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_installation(_get(request)))

    async def _redirect(self, request: web.Request) -> web.Response:
        """``/slack/oauth_redirect``: the state checked and used up, the code exchanged."""
        flow = self.adapter.app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(_get(request)))

    async def _events(self, request: web.Request) -> web.Response:
        try:
            bolt_request = await self._admit(request)
        except Refused as refusal:
            return _refuse(request, refusal)
        except ConnectionResetError:
            # The sender hung up mid-body: nobody is left to answer, and nothing of ours
            # broke. One line (aiohttp would log a traceback for each such request).
            log.info("slack: %s hung up before its body ended", request.remote)
            return web.Response(status=400)
        bolt_response = await self.adapter.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _admit(self, request: web.Request) -> AsyncBoltRequest:
        """The request for Bolt, once it is signed and readable; else :class:`Refused`.

        The order matters: size (before reading), signature (before decoding), then
        content type, charset, UTF-8, JSON and the fields the listeners read.
        """
        check_size(request.content_length)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Refused(413, f"body over {MAX_BODY} bytes") from None
        headers = request.headers
        check_signature(
            self._signing_secret,
            headers.get(TIMESTAMP_HEADER),
            headers.get(SIGNATURE_HEADER),
            raw,
            time.time(),
        )
        text = decode(request.content_type, request.charset, raw)
        body = parse(request.content_type, text)
        check_fields(body)
        return bolt_request(request, text, body)

    async def _health(self, _request: web.Request) -> web.Response:
        body: dict[str, Any] = {"status": "ok", "platform": "slack", "transport": "http"}
        return web.json_response(body)

    async def start(self) -> None:
        """Listen (HTTP) or connect (Socket Mode), then take notices to deliver."""
        await self._connect()
        self.core.listen(self.notices)

    async def _connect(self) -> None:
        token = self.settings.slack_app_token
        if token is not None:
            self._socket = AsyncSocketModeHandler(self.adapter.app, token.get_secret_value())
            await self._socket.connect_async()
            log.info("slack: connected over Socket Mode")
            return
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.slack_host, self.settings.slack_port)
        await site.start()
        self._site = site
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.slack_port
        log.info(
            "slack: listening on http://%s:%s%s",
            self.settings.slack_host,
            self.port,
            EVENTS_PATH,
        )

    async def problem(self) -> str | None:
        """Why Slack cannot reach the bot (/health), or None: listening, or connected.

        Socket Mode asks slack-sdk's client, which also fails a connection whose pings
        go unanswered; HTTP asks whether the server still accepts connections.
        """
        if self._socket is not None:
            connected = await self._socket.client.is_connected()
            return None if connected else "Socket Mode is not connected"
        server = self._site._server if self._site is not None else None
        if server is None or not getattr(server, "is_serving", lambda: False)():
            return "the HTTP transport is not listening"
        return None

    async def stop(self) -> None:
        self.core.unlisten(self.notices)
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.adapter.oauth is not None:
            self.adapter.oauth.file.close()


def _get(request: web.Request) -> AsyncBoltRequest:
    """Bolt's request for a browser's GET: its query and headers (the state's cookie)."""
    headers: dict[str, str | Sequence[str]] = dict(request.headers)
    return AsyncBoltRequest(body="", query=request.query_string, headers=headers)


def bolt_request(request: web.Request, text: str, body: dict[str, Any]) -> AsyncBoltRequest:
    """Bolt's request for a body already parsed here, with its raw text for Bolt's check.

    Bolt's own parser takes any form that contains the word "payload" for an
    interaction and loses it (``/ask payload sizes`` would reach no listener), and it
    would parse the body a second time. Building the request from the parsed body (as
    Bolt does for Socket Mode) and then marking it as HTTP with its raw text keeps
    Bolt's signature check, which reads ``raw_body``, on the exact bytes Slack signed.
    """
    headers: dict[str, str | Sequence[str]] = dict(request.headers)
    bolt = AsyncBoltRequest(
        body=body, query=request.query_string, headers=headers, mode="socket_mode"
    )
    bolt.mode = "http"
    bolt.raw_body = text
    return bolt


def _refuse(request: web.Request, refusal: Refused) -> web.Response:
    """One warning line (no traceback, no body) and a short answer to the sender."""
    log.warning(
        "slack: refused a request from %s with %d: %s",
        request.remote,
        refusal.status,
        refusal.reason,
    )
    answer = "invalid request" if refusal.status == 401 else refusal.reason
    return web.json_response({"error": answer}, status=refusal.status)
