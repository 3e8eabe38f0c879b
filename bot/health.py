"""``/health`` and ``/metrics`` on ``SCALEBOT_METRICS_PORT``, beside the chat platforms.

An aiohttp server on the bot's own event loop (the one Slack's acks and Discord's
gateway run on), not a thread of its own: a ``/health`` that answers proves that loop
is responsive (a wedged loop, which answers no platform, fails the check by time-out,
where a threaded server would go on saying 200), and the platforms' readiness
(Discord's gateway, Socket Mode's ping) is read on the loop that owns it. Nothing here
waits for the core's thread: the database is probed, and the scrape's ledger figures
read, on a connection of their own in a worker thread (:mod:`bot.probe`), so
``/health`` answers while the core is busy with a long write or a chart.

``/health`` is 200 with a small JSON when every service is up (each platform connected,
the web view's process alive) and the ledger file answers a read; 503 naming what
failed otherwise. ``scalebot health`` (:mod:`bot.healthcli`) asks it for Docker's
``HEALTHCHECK``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.config import Settings
from bot.errors import MetricsUnavailable
from bot.metrics import Metrics
from bot.probe import LedgerProbe
from bot.runner import AsyncCore
from knowledge.store import Store

log = logging.getLogger(__name__)

HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"
#: How long the database probe may take before /health says it did not answer.
PROBE_TIMEOUT = 2.0


class Checked(Protocol):
    """What /health asks of a service (:class:`bot.serve.Service` has it)."""

    name: str

    async def problem(self) -> str | None: ...


class MetricsService:
    """The health and metrics endpoints for ``services``, on the bot's loop."""

    name = "metrics"

    def __init__(
        self, core: AsyncCore, store: Store, settings: Settings, services: Sequence[Checked]
    ) -> None:
        self.core = core
        self.settings = settings
        self.services = services
        self.metrics = Metrics(core.commands)
        self.probe = LedgerProbe(store)
        self.store = store
        self.metrics.ledger(self.probe.gauges)
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.metrics_host}:{self.port}"

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(HEALTH_PATH, self._health)
        app.router.add_get(METRICS_PATH, self._metrics)
        return app

    async def start(self) -> None:
        """Listen, then record every command and count every error logged."""
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.metrics_host, self.settings.metrics_port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise MetricsUnavailable(
                f"/health and /metrics cannot listen on {self.settings.metrics_host}:"
                f"{self.settings.metrics_port} ({error.strerror or error}); choose another "
                "port (example: SCALEBOT_METRICS_PORT=9101) or unset it"
            ) from None
        self._runner = runner
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.metrics_port
        self.core.metrics = self.metrics
        self.metrics.count_errors()
        log.info("health and metrics at %s%s and %s", self.url, HEALTH_PATH, METRICS_PATH)

    async def stop(self) -> None:
        self.core.metrics = None
        self.metrics.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def problem(self) -> str | None:
        return None if self._runner is not None else "not listening"

    async def health(self) -> tuple[int, dict[str, Any]]:
        """The status code and body of ``/health``: what is up, what failed and why."""
        checks: dict[str, str] = {}
        for service in self.services:
            if service is not self:
                checks[service.name] = await service.problem() or "ok"
        body: dict[str, Any] = {}
        try:
            probe = asyncio.to_thread(self.probe.version)
            body["ledger_version"] = await asyncio.wait_for(probe, PROBE_TIMEOUT)
            checks["database"] = "ok"
        except TimeoutError:
            checks["database"] = f"no answer to a read within {PROBE_TIMEOUT:g} s"
        except Exception as error:  # whatever SQLite says, /health reports it
            checks["database"] = f"{type(error).__name__}: {error}"
        if self.store.read_only is not None:
            # Reads still answer, and a restart would not make the file writable: said,
            # not failed.
            body["writes_off"] = self.store.read_only
        failed = sorted(name for name, said in checks.items() if said != "ok")
        body = {
            "status": "unhealthy" if failed else "ok",
            "failed": failed,
            "checks": checks,
            **body,
        }
        return (503 if failed else 200), body

    async def _health(self, _request: web.Request) -> web.Response:
        status, body = await self.health()
        if status != 200:
            log.warning(
                "health: %s", "; ".join(f"{n}: {body['checks'][n]}" for n in body["failed"])
            )
        return web.json_response(body, status=status)

    async def _metrics(self, _request: web.Request) -> web.Response:
        # The ledger's figures are read during the scrape: off the loop.
        exposition = await asyncio.to_thread(self.metrics.exposition)
        return web.Response(body=exposition, headers={"Content-Type": CONTENT_TYPE_LATEST})
