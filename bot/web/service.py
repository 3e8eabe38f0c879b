"""Serving the web view on the bot's event loop, as one more service beside the chat ones.

``scalebot web`` runs this service alone; ``scalebot run all`` runs it beside Slack and
Discord when ``SCALEBOT_WEB_PORT`` is set. Datasette is an ASGI app, served here by
uvicorn (a dependency of Datasette's) on the loop already running: uvicorn's own signal
handling is left out, since the bot's loop owns SIGINT and SIGTERM and stops every
service in turn. The socket is bound here, before uvicorn starts, so a port in use is
an error the caller can word, not a ``sys.exit`` from inside the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from datasette.app import Datasette

from bot.config import Settings
from bot.web import WebUnavailable, plugin
from bot.web.app import build
from knowledge.kb import Library

log = logging.getLogger(__name__)

#: The port ``scalebot web`` listens on when neither --port nor SCALEBOT_WEB_PORT says.
DEFAULT_PORT = 8001
#: How long a start waits for uvicorn to say it is serving.
START_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the bot's loop already has them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def page_url(host: str, port: int) -> str:
    """The address a person can open: a wildcard host is reached as this machine."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise WebUnavailable(
            f"the web view cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


class WebService:
    """The ledger, read-only, at ``http://HOST:PORT/`` until stopped."""

    name = "web"

    def __init__(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings
        self.host = settings.web_host
        self.port = settings.web_port if settings.web_port is not None else DEFAULT_PORT
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self._datasette: Datasette | None = None

    @property
    def url(self) -> str:
        return page_url(self.host, self.port)

    async def start(self) -> None:
        datasette = build(
            Path(self.settings.db),
            self.library,
            show_users=self.settings.web_show_users,
            allow_sql=self.settings.web_allow_sql,
        )
        self._datasette = datasette
        await datasette.invoke_startup()
        self._socket = _bind(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            datasette.app(),
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        await self._started()
        log.info("web: serving the ledger read-only at %s", self.url)

    async def _started(self) -> None:
        """Wait until uvicorn serves, or raise what stopped it."""
        assert self._server is not None and self._task is not None
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise WebUnavailable("the web server stopped while starting")
            if asyncio.get_running_loop().time() > deadline:
                raise WebUnavailable(f"the web server did not start within {START_TIMEOUT} s")
            await asyncio.sleep(0.01)

    async def problem(self) -> str | None:
        """Why the web view is not served (/health), or None while uvicorn serves."""
        if self._server is None or self._task is None or not self._server.started:
            return "not serving"
        return "the web server stopped" if self._task.done() else None

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._socket is not None:
            self._socket.close()
        if self._datasette is not None:
            for database in self._datasette.databases.values():
                database.close()
            site = plugin.site_of(self._datasette)
            if site is not None and site.community is not None:
                site.community.close()
            if self._datasette.executor is not None:
                self._datasette.executor.shutdown(wait=False)
