"""Running the chat platforms: every adapter on one asyncio loop, one core between them.

``scalebot run slack``, ``run discord``, ``run all`` and ``scalebot web`` end up here.
Each platform is a service with ``start()`` and ``stop()``; they share one
:class:`~bot.runner.AsyncCore`, so a point submitted on Slack is in the same database,
behind the same lock, as one submitted on Discord. The web view (``web``) is a service
too: it reads the same file through Datasette, on this loop when it runs alone
(``scalebot web``), in a process of its own beside chat (:mod:`bot.web.process`).
With a news channel set for a platform served here, the news desk (:mod:`bot.newsdesk`)
runs on the same loop: record announcements and the weekly digest. With
``SCALEBOT_METRICS_PORT`` set, ``/health`` and ``/metrics`` do too (:mod:`bot.health`).
SIGINT and SIGTERM stop every service cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.config import Settings
from bot.core import Core
from bot.errors import PlatformRefused as PlatformRefused
from bot.notices import Notice
from bot.runner import AsyncCore
from knowledge.store import Store

if TYPE_CHECKING:
    from bot.newsdesk import NewsDesk

log = logging.getLogger(__name__)


class Service(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def problem(self) -> str | None:
        """Why the service does not serve now (for /health), or None when it does."""
        ...


def build_services(platforms: list[str], core: AsyncCore, settings: Settings) -> list[Service]:
    """The adapters for ``platforms``, imported only when asked for."""
    services: list[Service] = []
    for platform in platforms:
        if platform == "slack":
            from bot.slack.serve import SlackService

            services.append(SlackService(core, settings))
        elif platform == "discord":
            from bot.discord.client import DiscordService

            services.append(DiscordService(core, settings))
        elif platform == "web" and len(platforms) > 1:
            # Beside chat, in a process of its own: no visitor can hold up an ack.
            from bot.web.process import WebProcess

            services.append(WebProcess(settings))
        elif platform == "web":
            from bot.web.service import WebService

            services.append(WebService(core.library, settings))
        else:
            raise ValueError(f"unknown platform {platform!r}")
    return services


def health_service(
    core: AsyncCore, store: Store, settings: Settings, services: list[Service]
) -> Service | None:
    """``/health`` and ``/metrics`` for ``services`` when ``SCALEBOT_METRICS_PORT`` is set.

    Imported only then (prometheus-client, aiohttp). Started before the others, so a
    start that waits for a platform is already seen as "not connected yet".
    """
    if settings.metrics_port is None:
        return None
    from bot.health import MetricsService

    service = MetricsService(core, store, settings, services)
    if settings.replica_url is not None:
        from bot.metrics import REPLICATION_LAG

        service.metrics.watch(
            REPLICATION_LAG,
            lambda: _replica_lag(settings),
            "Seconds the replica is behind the database (Litestream).",
        )
    return service


def _replica_lag(settings: Settings) -> float | None:
    """The replica's lag for /metrics: None (the gauge absent) while it is unknown."""
    from bot.replica import replica_status

    status = replica_status(settings)
    return None if status is None else status.lag_seconds


def news_desk(platforms: list[str], core: AsyncCore, settings: Settings) -> NewsDesk | None:
    """The news desk, when a platform served here has a news channel (else None)."""
    if not any(settings.news_channel(platform) for platform in platforms):
        return None
    from bot.newsdesk import NewsDesk

    return NewsDesk(core)


async def deliver_once(platform: str, notices: list[Notice], settings: Settings) -> None:
    """Deliver ``notices`` through ``platform``'s adapter, with a client opened for them.

    For a process that runs no chat platform (the console, ``scalebot ask``: see
    :mod:`bot.courier`); the adapter is imported only when it has something to deliver.
    """
    if platform == "slack":
        from bot.slack.notices import deliver_once as by_slack

        await by_slack(notices, settings)
    elif platform == "discord":
        from bot.discord.notices import deliver_once as by_discord

        await by_discord(notices, settings)
    else:
        raise ValueError(f"no adapter delivers notices on {platform!r}")


async def serve(
    platforms: list[str],
    core: Core,
    settings: Settings,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Sequence[Service]], None] | None = None,
) -> None:
    """Start every service, wait for ``stop`` (or a signal), then stop them all.

    ``on_ready`` is told the services once all have started (``scalebot web`` prints
    its address then).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or on Windows; Ctrl-C still ends the loop there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async_core = AsyncCore(core)
    services = build_services(platforms, async_core, settings)
    health = health_service(async_core, core.store, settings, services)
    if health is not None:
        services.insert(0, health)
    started: list[Service] = []
    desk: NewsDesk | None = None
    try:
        for service in services:
            await service.start()
            started.append(service)
        log.info("running: %s", ", ".join(s.name for s in started))
        # Pending figures never checked (checks were off, or a stop came first): their
        # cards are edited in place as each check ends.
        await async_core.catch_up_checks()
        desk = news_desk(platforms, async_core, settings)
        if desk is not None:
            await desk.start()
        if on_ready is not None:
            on_ready(started)
        await stop.wait()
    finally:
        if desk is not None:
            await desk.stop()
        await async_core.settle()  # notices already on their way still arrive
        for service in reversed(started):
            await service.stop()
        async_core.close()
