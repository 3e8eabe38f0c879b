"""Fetching an address a user typed, safely: the one way the bot reads a cited source.

Every hop (the address typed and each redirect, at most five) is checked for its scheme
and port, its host name resolved once, and every address it resolved to checked against
the private ranges (:mod:`bot.sources.addresses`); the connection then goes to exactly
those addresses (a resolver pinned to them), so a name that answers a public address to
the check and a private one a moment later (DNS rebinding) reaches nothing new. The body
is capped, the whole fetch bounded in time, each host paced (:mod:`bot.sources.pace`) and
every page fetched kept for a day (:mod:`bot.sources.fetchcache`).

The outcome is a value, never an exception: :class:`Fetched`, :class:`Unreachable` or
:class:`Refused`, each with wording a moderator can read.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urldefrag, urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.sources.addresses import (
    RefusedAddress,
    Target,
    check_addresses,
    check_link,
    literal_address,
)
from bot.sources.fetchcache import CachedPage, FetchCache, cache_path
from bot.sources.pace import HostPace

if TYPE_CHECKING:
    from bot.config import Settings

#: Resolves a host name to its IP addresses (as text); tests inject their own.
Resolver = Callable[[str], Awaitable[list[str]]]
#: Where a checked (address, port) is connected to: itself in production; tests send a
#: public address to a fake server on 127.0.0.1, as a hosts file would.
Route = Callable[[str, int], tuple[str, int]]

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


def _version() -> str:
    try:
        return version("scalebot")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
        return "0+unknown"


#: Sent with every request, so that a site's operator sees who reads their pages and why.
USER_AGENT = f"scalebot/{_version()} (dataset-size checker)"


@dataclass(frozen=True)
class Fetched:
    """The page was read: where it ended up, its status, type and body."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: float
    from_cache: bool = False


@dataclass(frozen=True)
class Unreachable:
    """The fetch was tried and failed (time limit, 4xx, 5xx, too large...): ``reason`` says.

    ``network`` is true when no answer came because the host could not be found or
    connected to: what every fetch says on a machine without a network.
    """

    url: str
    reason: str
    network: bool = False


@dataclass(frozen=True)
class Refused:
    """The address may not be fetched at all: ``reason`` names the rule."""

    url: str
    reason: str


Outcome = Fetched | Unreachable | Refused


@dataclass(frozen=True)
class FetchLimits:
    """What a fetch may do. ``allow_private`` lifts the address and port rules (tests)."""

    allow_private: bool = False
    max_bytes: int = 10_000_000
    timeout: float = 20.0
    max_redirects: int = MAX_REDIRECTS


async def system_resolver(host: str) -> list[str]:
    """``host``'s addresses from the operating system's resolver, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _PinnedResolver(AbstractResolver):
    """aiohttp's resolver for one fetch: answers only the addresses already checked."""

    def __init__(self, route: Route | None = None) -> None:
        self.pinned: dict[str, list[str]] = {}
        self._route = route

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self.pinned.get(host.lower().rstrip("."))
        if not addresses:
            raise OSError(f"{host} was not checked before connecting")
        results = []
        for address in addresses:
            to, to_port = self._route(address, port) if self._route else (address, port)
            results.append(
                ResolveResult(
                    hostname=host,
                    host=to,
                    port=to_port,
                    family=socket.AF_INET6 if ":" in to else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
            )
        return results

    async def close(self) -> None:
        """Nothing to release: the answers are in memory."""


def _size(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count:,} bytes"


def _failure(host: str, exc: BaseException) -> str:
    """A failed connection or answer, in a moderator's words."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"{host}'s TLS certificate is not valid"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"could not connect to {host} ({exc.strerror or exc.os_error})"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"{host} closed the connection before answering"
    return f"{host} could not be read ({exc.__class__.__name__}: {exc})"


class Fetcher:
    """Fetches addresses under :class:`FetchLimits`, with one pace and one cache for all."""

    def __init__(
        self,
        limits: FetchLimits = FetchLimits(),
        *,
        cache: FetchCache | None = None,
        pace: HostPace | None = None,
        resolver: Resolver = system_resolver,
        route: Route | None = None,
        user_agent: str = USER_AGENT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits
        self.cache = cache
        self.pace = pace if pace is not None else HostPace()
        self._resolve = resolver
        self._route = route
        self._clock = clock
        self._headers = {"User-Agent": user_agent, "Accept": "*/*"}

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Self:
        """A fetcher with the ``SCALEBOT_CHECK_*`` limits and its cache beside the ledger."""
        limits = FetchLimits(
            allow_private=settings.check_allow_private,
            max_bytes=settings.check_max_bytes,
            timeout=settings.check_timeout,
        )
        kwargs.setdefault("cache", FetchCache(cache_path(settings.db)))
        return cls(limits, **kwargs)

    async def fetch(self, url: str, *, fresh: bool = False) -> Outcome:
        """Read ``url``: from the cache when fetched within a day (unless ``fresh``)."""
        asked = urldefrag(url.strip())[0]
        try:
            target = check_link(asked, allow_private=self.limits.allow_private)
        except RefusedAddress as exc:
            return Refused(asked, str(exc))
        if self.cache is not None and not fresh:
            page = await self._cached(self.cache, asked)
            if page is not None:
                return Fetched(
                    asked,
                    page.final_url,
                    page.status,
                    page.content_type,
                    page.body,
                    page.fetched_at,
                    from_cache=True,
                )
        outcome = await self._fetch(target)
        if isinstance(outcome, Fetched) and self.cache is not None:
            await self._keep(self.cache, outcome)
        return outcome

    @staticmethod
    async def _cached(cache: FetchCache, url: str) -> CachedPage | None:
        """The cached page, or None; a cache that cannot be read is a miss, not a failure."""
        try:
            return await cache.get(url)
        except sqlite3.Error as exc:
            log.warning("fetch cache %s could not be read: %s", cache.path, exc)
            return None

    @staticmethod
    async def _keep(cache: FetchCache, outcome: Fetched) -> None:
        """Cache ``outcome``; a cache that cannot be written costs a re-fetch, nothing more."""
        page = CachedPage(
            outcome.url,
            outcome.final_url,
            outcome.status,
            outcome.content_type,
            outcome.body,
            outcome.fetched_at,
        )
        try:
            await cache.put(page)
        except sqlite3.Error as exc:
            log.warning("fetch cache %s could not be written: %s", cache.path, exc)

    async def _fetch(self, target: Target) -> Outcome:
        resolver = _PinnedResolver(self._route)
        connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False, force_close=True)
        async with aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            trust_env=False,  # no proxy from the environment: it would resolve names itself
            timeout=aiohttp.ClientTimeout(total=None),
        ) as session:
            try:
                async with asyncio.timeout(self.limits.timeout) as deadline:
                    return await self._follow(session, resolver, target, deadline)
            except TimeoutError:
                return Unreachable(
                    target.url,
                    f"no complete answer within {self.limits.timeout:g} s (the time limit)",
                )

    async def _follow(
        self,
        session: aiohttp.ClientSession,
        resolver: _PinnedResolver,
        target: Target,
        deadline: asyncio.Timeout,
    ) -> Outcome:
        """The address and its redirects, each checked before it is asked."""
        current = target
        for hop in range(self.limits.max_redirects + 1):
            via = f"it redirects to {current.url}, and " if hop else ""
            admitted = await self._admit(current, resolver, target.url, via)
            if admitted is not None:
                return admitted
            waited = await self.pace.wait(current.host)
            when = deadline.when()
            if waited and when is not None:  # our own pace is not the server's slowness
                deadline.reschedule(when + waited)
            try:
                async with session.get(current.url, allow_redirects=False) as response:
                    if response.status in REDIRECTS:
                        location = response.headers.get("Location")
                        if not location:
                            return Unreachable(
                                target.url, f"{current.host} redirects without saying where"
                            )
                        following = urljoin(str(response.url), location)
                        try:
                            current = check_link(following, allow_private=self.limits.allow_private)
                        except RefusedAddress as exc:
                            return Refused(target.url, f"it redirects to {following}: {exc}")
                        continue
                    return await self._answer(target.url, current, response)
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                unconnected = isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(
                    exc, aiohttp.ClientConnectorCertificateError
                )
                return Unreachable(target.url, _failure(current.host, exc), network=unconnected)
        return Unreachable(
            target.url, f"more than {self.limits.max_redirects} redirects (the limit)"
        )

    async def _admit(
        self, target: Target, resolver: _PinnedResolver, asked: str, via: str
    ) -> Outcome | None:
        """Resolve ``target``'s host once, check every address, pin them; None when allowed.

        The name resolved and pinned is the one aiohttp asks the resolver for: an
        internationalised name in its ASCII form. Were the two encodings ever to differ,
        the pin would not be found and the connection would fail: closed, not open.
        """
        try:
            host = target.host if target.host.isascii() else target.host.encode("idna").decode()
        except UnicodeError as exc:
            return Refused(asked, f"{via}{target.host!r} is not a valid host name ({exc})")
        literal = literal_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = await self._resolve(host)
            except OSError as exc:
                return Unreachable(
                    asked, f"{via}{target.host} could not be found ({exc})", network=True
                )
        try:
            check_addresses(target.host, addresses, allow_private=self.limits.allow_private)
        except RefusedAddress as exc:
            return Refused(asked, f"{via}{exc}")
        resolver.pinned[host.lower().rstrip(".")] = addresses
        return None

    async def _answer(
        self, asked: str, target: Target, response: aiohttp.ClientResponse
    ) -> Outcome:
        """A final answer: its body within the cap, or why it is not a page to read."""
        if not 200 <= response.status < 300:
            return Unreachable(
                asked, f"{target.host} answered {response.status} {response.reason or ''}".strip()
            )
        cap = self.limits.max_bytes
        too_large = Unreachable(asked, f"too large: the page is over {_size(cap)} (the limit)")
        if response.content_length is not None and response.content_length > cap:
            return too_large
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            total += len(chunk)
            if total > cap:
                return too_large
            chunks.append(chunk)
        return Fetched(
            asked,
            str(response.url),
            response.status,
            response.content_type,
            b"".join(chunks),
            self._clock(),
        )
