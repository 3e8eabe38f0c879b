"""How Slack reaches the adapter: HTTP (signed requests) or Socket Mode.

With ``SLACK_APP_TOKEN`` set, the app dials out to Slack over a websocket (no public URL
needed). Otherwise it serves ``POST /slack/events`` on ``SCALEBOT_SLACK_PORT``, where
Bolt checks every request's signature and timestamp before any listener sees it, and
``GET /health`` for load balancers and container checks.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.config import Settings
from bot.runner import AsyncCore
from bot.slack.app import SlackAdapter

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/health"


class SlackService:
    """One Slack transport, started and stopped on the shared event loop."""

    name = "slack"

    def __init__(self, core: AsyncCore, settings: Settings) -> None:
        self.settings = settings
        self.adapter = SlackAdapter(core, settings)
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None

    @property
    def transport(self) -> str:
        return "socket-mode" if self.settings.slack_app_token else "http"

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(EVENTS_PATH, self._events)
        app.router.add_get(HEALTH_PATH, self._health)
        return app

    async def _events(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.adapter.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _health(self, _request: web.Request) -> web.Response:
        body: dict[str, Any] = {"status": "ok", "platform": "slack", "transport": "http"}
        return web.json_response(body)

    async def start(self) -> None:
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
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.slack_port
        log.info(
            "slack: listening on http://%s:%s%s",
            self.settings.slack_host,
            self.port,
            EVENTS_PATH,
        )

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
