"""Safe fetching (issue 21, item 4) against a fake web server on 127.0.0.1.

The address rules are tested with ``allow_private`` off and a resolver the test injects
(10.0.0.1, 169.254.169.254, ::1, ::ffff:127.0.0.1...): no real DNS lookup is made and no
packet leaves the machine. Where a fetch with the rules on must still reach the fake
server, a public address the injected resolver answers is routed to 127.0.0.1 the way a
hosts file would (``route``), after the check, so the check under test is the real one.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.sources.addresses import RefusedAddress, check_addresses, forbidden_kind
from bot.sources.fetch import (
    USER_AGENT,
    Fetched,
    Fetcher,
    FetchLimits,
    Refused,
    Unreachable,
)
from bot.sources.fetchcache import DAY, FetchCache, cache_path
from bot.sources.pace import HostPace

#: An address the injected resolver gives public names (it is global: the rules pass it).
PUBLIC = "93.184.215.14"
PAGE = b"<html><body><p>InternVid: 760K hours of video.</p></body></html>"
MB = 1_000_000


class FakeWeb:
    """A plain web server with one route per scenario; it records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, float]] = []  # (host header, path, arrival)
        self.user_agents: list[str] = []
        self.release = asyncio.Event()
        self.sent = 0
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/page", self.page)
        app.router.add_get("/missing", self.missing)
        app.router.add_get("/broken", self.broken)
        app.router.add_get("/hang", self.hang)
        app.router.add_get("/huge", self.huge)
        app.router.add_get("/huge-declared", self.huge_declared)
        app.router.add_get("/bomb", self.bomb)
        app.router.add_get("/r/{n}", self.redirects)
        app.router.add_get("/to", self.to)
        app.router.add_get("/loop", self.loop)
        return app

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> Any:
        self.requests.append((request.host, request.path, time.monotonic()))
        self.user_agents.append(request.headers.get("User-Agent", ""))
        return await handler(request)

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html")

    async def missing(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="no such page")

    async def broken(self, request: web.Request) -> web.Response:
        return web.Response(status=503, text="down")

    async def hang(self, request: web.Request) -> web.Response:
        """Answers after 30 s, or as soon as the test is over."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self.release.wait(), 30)
        return web.Response(body=PAGE, content_type="text/html")

    async def _stream(self, response: web.StreamResponse, request: web.Request) -> None:
        await response.prepare(request)
        chunk = b"x" * MB
        try:
            for _ in range(50):  # 50 MB at most, then the answer ends
                await response.write(chunk)
                self.sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass

    async def huge(self, request: web.Request) -> web.StreamResponse:
        """50 MB without a Content-Length: only counting what arrives can stop it."""
        response = web.StreamResponse()
        response.content_type = "text/plain"
        response.enable_chunked_encoding()
        await self._stream(response, request)
        return response

    async def huge_declared(self, request: web.Request) -> web.StreamResponse:
        """50 MB with its Content-Length declared up front."""
        response = web.StreamResponse(headers={"Content-Length": str(50 * MB)})
        response.content_type = "text/plain"
        await self._stream(response, request)
        return response

    async def bomb(self, request: web.Request) -> web.Response:
        """50 MB of zeros gzipped to about 50 KB: small on the wire, huge once read."""
        body = gzip.compress(bytes(50 * MB), compresslevel=9)
        return web.Response(
            body=body, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"}
        )

    async def redirects(self, request: web.Request) -> web.Response:
        """/r/N redirects to /r/N-1; /r/0 is the page: N redirects in all."""
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(body=PAGE, content_type="text/html")
        raise web.HTTPFound(f"/r/{n - 1}")

    async def to(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["location"])

    async def loop(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/loop")


@asynccontextmanager
async def serving() -> AsyncIterator[FakeWeb]:
    fake = FakeWeb()
    runner = web.AppRunner(fake.app(), shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.port = runner.addresses[0][1]
    try:
        yield fake
    finally:
        fake.release.set()
        await runner.cleanup()


def resolver_of(answers: dict[str, list[str]], asked: list[str] | None = None) -> Any:
    """A resolver answering from ``answers`` only (never the network), noting each name."""

    async def resolve(host: str) -> list[str]:
        if asked is not None:
            asked.append(host)
        if host not in answers:
            raise OSError(f"no test answer for {host}")
        return answers[host]

    return resolve


def local(**limits: Any) -> FetchLimits:
    """Limits for fetching the fake server itself: private addresses and ports allowed."""
    return FetchLimits(allow_private=True, **limits)


def to_fake(fake: FakeWeb) -> Callable[[str, int], tuple[str, int]]:
    """The route a hosts file would give: the public test address is the fake server."""

    def route(address: str, port: int) -> tuple[str, int]:
        assert address == PUBLIC, f"the fetcher connected to {address}, not the checked one"
        return "127.0.0.1", fake.port

    return route


def run(scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(scenario())


# --- what comes back --------------------------------------------------------------------


def test_a_page_is_fetched_with_its_final_address_status_type_and_body() -> None:
    async def scenario() -> None:
        async with serving() as fake:
            url = f"http://127.0.0.1:{fake.port}/r/1"
            outcome = await Fetcher(local()).fetch(url)
            assert isinstance(outcome, Fetched), outcome
            assert outcome.url == url
            assert outcome.final_url == f"http://127.0.0.1:{fake.port}/r/0"
            assert (outcome.status, outcome.content_type) == (200, "text/html")
            assert outcome.body == PAGE
            assert not outcome.from_cache

    run(scenario)


def test_the_user_agent_names_the_project_its_version_and_purpose() -> None:
    async def scenario() -> None:
        async with serving() as fake:
            await Fetcher(local()).fetch(f"http://127.0.0.1:{fake.port}/page")
            assert fake.user_agents == [USER_AGENT]

    run(scenario)
    from importlib.metadata import version

    assert f"scalebot/{version('scalebot')} (dataset-size checker)" == USER_AGENT


@pytest.mark.parametrize(
    ("path", "words"), [("/missing", "404 Not Found"), ("/broken", "503 Service Unavailable")]
)
def test_an_error_status_is_unreachable_with_the_status(path: str, words: str) -> None:
    async def scenario() -> Any:
        async with serving() as fake:
            return await Fetcher(local()).fetch(f"http://127.0.0.1:{fake.port}{path}")

    outcome = run(scenario)
    assert isinstance(outcome, Unreachable), outcome
    assert outcome.reason == f"127.0.0.1 answered {words}"


def test_a_server_that_hangs_for_30_seconds_is_given_up_at_the_time_limit() -> None:
    async def scenario() -> tuple[Any, float]:
        async with serving() as fake:
            start = time.monotonic()
            outcome = await Fetcher(local(timeout=0.5)).fetch(f"http://127.0.0.1:{fake.port}/hang")
            return outcome, time.monotonic() - start

    outcome, elapsed = run(scenario)
    assert isinstance(outcome, Unreachable), outcome
    assert outcome.reason == "no complete answer within 0.5 s (the time limit)"
    assert 0.4 < elapsed < 5


def test_nothing_listening_is_unreachable() -> None:
    async def scenario() -> Any:
        async with serving() as fake:
            port = fake.port
        return await Fetcher(local()).fetch(f"http://127.0.0.1:{port}/page")

    outcome = run(scenario)
    assert isinstance(outcome, Unreachable), outcome
    assert outcome.reason.startswith("could not connect to 127.0.0.1")


@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_a_50_mb_body_is_too_large_and_not_read_past_the_cap(path: str) -> None:
    async def scenario() -> tuple[Any, int]:
        async with serving() as fake:
            outcome = await Fetcher(local()).fetch(f"http://127.0.0.1:{fake.port}{path}")
            return outcome, fake.sent

    outcome, sent = run(scenario)
    assert isinstance(outcome, Unreachable), outcome
    assert outcome.reason == "too large: the page is over 10 MB (the limit)"
    # The server could push a few more megabytes into the socket's buffers, never 50.
    assert sent < 30 * MB


def test_a_compressed_body_is_capped_by_its_size_once_decompressed() -> None:
    async def scenario() -> Any:
        async with serving() as fake:
            return await Fetcher(local()).fetch(f"http://127.0.0.1:{fake.port}/bomb")

    outcome = run(scenario)
    assert isinstance(outcome, Unreachable), outcome
    assert outcome.reason == "too large: the page is over 10 MB (the limit)"


def test_a_body_at_the_cap_is_read_whole() -> None:
    async def scenario() -> Any:
        async with serving() as fake:
            return await Fetcher(local(max_bytes=len(PAGE))).fetch(
                f"http://127.0.0.1:{fake.port}/page"
            )

    outcome = run(scenario)
    assert isinstance(outcome, Fetched) and outcome.body == PAGE


# --- redirects --------------------------------------------------------------------------


def test_five_redirects_are_followed_and_a_sixth_is_not() -> None:
    async def scenario() -> tuple[Any, Any, list[str]]:
        async with serving() as fake:
            fetcher = Fetcher(local())
            five = await fetcher.fetch(f"http://127.0.0.1:{fake.port}/r/5")
            paths_before = len(fake.paths())
            six = await fetcher.fetch(f"http://127.0.0.1:{fake.port}/r/6")
            return five, six, fake.paths()[paths_before:]

    five, six, asked = run(scenario)
    assert isinstance(five, Fetched) and five.final_url.endswith("/r/0")
    assert isinstance(six, Unreachable), six
    assert six.reason == "more than 5 redirects (the limit)"
    assert asked == ["/r/6", "/r/5", "/r/4", "/r/3", "/r/2", "/r/1"]


def test_a_redirect_loop_ends_at_the_limit() -> None:
    async def scenario() -> tuple[Any, int]:
        async with serving() as fake:
            outcome = await Fetcher(local(max_redirects=2)).fetch(
                f"http://127.0.0.1:{fake.port}/loop"
            )
            return outcome, len(fake.requests)

    outcome, requests = run(scenario)
    assert (
        isinstance(outcome, Unreachable) and outcome.reason == "more than 2 redirects (the limit)"
    )
    assert requests == 3


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (
            "http://127.0.0.1/secret",
            "it redirects to http://127.0.0.1/secret, and 127.0.0.1 is a loopback address; "
            "only public addresses are fetched",
        ),
        (
            "http://[::ffff:127.0.0.1]/secret",
            # (the fake's aiohttp writes the Location in IPv6's own notation)
            "it redirects to http://[::ffff:7f00:1]/secret, and ::ffff:7f00:1 is a "
            "loopback address; only public addresses are fetched",
        ),
        (
            "http://metadata.test/latest/meta-data/",
            "it redirects to http://metadata.test/latest/meta-data/, and metadata.test "
            "(169.254.169.254) is a link-local address; only public addresses are fetched",
        ),
        (
            "file:///etc/passwd",
            "it redirects to file:///etc/passwd: only http:// and https:// addresses are "
            "fetched, not file: (example: https://arxiv.org/abs/2307.06942)",
        ),
        (
            "http://127.0.0.1:8080/",
            "it redirects to http://127.0.0.1:8080/: port 8080 is not fetched: only the "
            "web's ports 80 and 443 are (example: https://arxiv.org/abs/2307.06942)",
        ),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_when_private_is_off(
    location: str, reason: str
) -> None:
    async def scenario() -> tuple[Any, list[str]]:
        async with serving() as fake:
            fetcher = Fetcher(
                FetchLimits(),
                resolver=resolver_of(
                    {"public.test": [PUBLIC], "metadata.test": ["169.254.169.254"]}
                ),
                route=to_fake(fake),
            )
            outcome = await fetcher.fetch(f"http://public.test/to?location={location}")
            return outcome, fake.paths()

    outcome, paths = run(scenario)
    assert isinstance(outcome, Refused), outcome
    assert outcome.reason == reason
    assert paths == ["/to"]  # the first hop was fetched; the redirect never was


def test_the_same_redirect_is_followed_when_private_is_allowed() -> None:
    async def scenario() -> Any:
        async with serving() as fake:
            target = f"http://127.0.0.1:{fake.port}/page"
            return await Fetcher(local()).fetch(
                f"http://127.0.0.1:{fake.port}/to?location={target}"
            )

    outcome = run(scenario)
    assert isinstance(outcome, Fetched) and outcome.body == PAGE


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup() -> None:
    """DNS rebinding: a name that would answer a private address to a second lookup."""
    asked: list[str] = []
    answers = iter([[PUBLIC], ["10.0.0.1"], ["10.0.0.1"]])

    async def rebinding(host: str) -> list[str]:
        asked.append(host)
        return next(answers)

    async def scenario() -> Any:
        async with serving() as fake:
            fetcher = Fetcher(FetchLimits(), resolver=rebinding, route=to_fake(fake))
            return await fetcher.fetch("http://public.test/page")

    outcome = run(scenario)
    assert isinstance(outcome, Fetched) and outcome.body == PAGE
    assert asked == ["public.test"]


def test_a_redirect_to_the_same_host_is_resolved_and_checked_again() -> None:
    answers = iter([[PUBLIC], ["10.0.0.1"]])

    async def rebinding(host: str) -> list[str]:
        return next(answers)

    async def scenario() -> Any:
        async with serving() as fake:
            fetcher = Fetcher(FetchLimits(), resolver=rebinding, route=to_fake(fake))
            return await fetcher.fetch("http://public.test/r/1")

    outcome = run(scenario)
    assert isinstance(outcome, Refused), outcome
    assert outcome.reason == (
        "it redirects to http://public.test/r/0, and public.test (10.0.0.1) is a private "
        "address; only public addresses are fetched"
    )


def test_an_internationalised_name_is_resolved_and_pinned_in_its_ascii_form() -> None:
    asked: list[str] = []

    async def scenario() -> Any:
        async with serving() as fake:
            fetcher = Fetcher(
                FetchLimits(),
                resolver=resolver_of({"xn--bcher-kva.test": [PUBLIC]}, asked),
                route=to_fake(fake),
            )
            return await fetcher.fetch("http://bücher.test/page")

    outcome = run(scenario)
    assert isinstance(outcome, Fetched) and outcome.body == PAGE, outcome
    assert asked == ["xn--bcher-kva.test"]


# --- refusals before any connection -----------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://example.org/data.csv", "file:///etc/passwd", "gopher://x/", "example.org/x"]
)
@pytest.mark.parametrize("allow_private", [False, True])
def test_a_scheme_other_than_http_or_https_is_refused(url: str, allow_private: bool) -> None:
    asked: list[str] = []
    fetcher = Fetcher(FetchLimits(allow_private=allow_private), resolver=resolver_of({}, asked))
    outcome = run(lambda: fetcher.fetch(url))
    assert isinstance(outcome, Refused), outcome
    assert outcome.reason.startswith("only http:// and https:// addresses are fetched")
    assert asked == []


@pytest.mark.parametrize("url", ["http://public.test:8080/", "https://public.test:22/"])
def test_a_port_other_than_80_or_443_is_refused(url: str) -> None:
    asked: list[str] = []
    fetcher = Fetcher(FetchLimits(), resolver=resolver_of({"public.test": [PUBLIC]}, asked))
    outcome = run(lambda: fetcher.fetch(url))
    assert isinstance(outcome, Refused), outcome
    assert "is not fetched: only the web's ports 80 and 443 are" in outcome.reason
    assert asked == []


@pytest.mark.parametrize(
    ("addresses", "kind"),
    [
        (["10.0.0.1"], "a private"),
        (["192.168.1.20"], "a private"),
        (["169.254.169.254"], "a link-local"),
        (["127.0.0.1"], "a loopback"),
        (["::1"], "a loopback"),
        (["::ffff:127.0.0.1"], "a loopback"),
        (["::ffff:10.1.2.3"], "a private"),
        (["2002:7f00:1::"], "a loopback"),  # 6to4, carrying 127.0.0.1
        (["0.0.0.0"], "an unspecified"),
        (["::"], "an unspecified"),
        (["224.0.0.251"], "a multicast"),
        (["ff02::1"], "a multicast"),
        (["fe80::1"], "a link-local"),
        (["fc00::5"], "a private"),
        (["240.0.0.1"], "a private"),
        (["100.64.0.1"], "a non-public"),
        ([PUBLIC, "10.0.0.1"], "a private"),  # one private answer is enough
    ],
)
def test_a_name_resolving_to_a_private_range_is_refused(addresses: list[str], kind: str) -> None:
    fetcher = Fetcher(FetchLimits(), resolver=resolver_of({"sneaky.test": addresses}))
    outcome = run(lambda: fetcher.fetch("https://sneaky.test/paper"))
    assert isinstance(outcome, Refused), outcome
    assert outcome.reason.startswith("sneaky.test (")
    assert outcome.reason.endswith(f") is {kind} address; only public addresses are fetched")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://0.0.0.0/",
    ],
)
def test_an_address_typed_as_a_number_is_refused_without_a_lookup(url: str) -> None:
    asked: list[str] = []
    outcome = run(lambda: Fetcher(FetchLimits(), resolver=resolver_of({}, asked)).fetch(url))
    assert isinstance(outcome, Refused), outcome
    assert "only public addresses are fetched" in outcome.reason
    assert asked == []


def test_allow_private_lifts_the_address_rule() -> None:
    check_addresses("x.test", ["10.0.0.1", "::1", "169.254.169.254"], allow_private=True)
    with pytest.raises(RefusedAddress, match="a private address"):
        check_addresses("x.test", ["10.0.0.1"])
    check_addresses("x.test", [PUBLIC, "2606:4700::1111"])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:secret@public.test/", "addresses with a user name or password"),
        ("http://[::1/", "is not a valid web address"),
        ("http:///nohost", "names no host"),
    ],
)
def test_a_malformed_address_is_refused_with_what_is_wrong(url: str, reason: str) -> None:
    outcome = run(lambda: Fetcher(FetchLimits(), resolver=resolver_of({})).fetch(url))
    assert isinstance(outcome, Refused) and reason in outcome.reason, outcome


def test_a_name_that_does_not_resolve_is_unreachable() -> None:
    outcome = run(
        lambda: Fetcher(FetchLimits(), resolver=resolver_of({})).fetch("http://gone.test/")
    )
    assert isinstance(outcome, Unreachable), outcome
    assert outcome.reason.startswith("gone.test could not be found")


# --- the cache --------------------------------------------------------------------------


def test_a_fetched_address_is_served_from_the_cache_for_a_day(tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = FetchCache(tmp_path / "cache.db", clock=lambda: now[0])

    async def scenario() -> tuple[list[Any], int, int]:
        async with serving() as fake:
            fetcher = Fetcher(local(), cache=cache, clock=lambda: now[0])
            url = f"http://127.0.0.1:{fake.port}/page"
            outcomes = [await fetcher.fetch(url), await fetcher.fetch(url)]
            after_first = len(fake.requests)
            outcomes.append(await fetcher.fetch(url, fresh=True))
            now[0] += DAY + 1
            outcomes.append(await fetcher.fetch(url))
            return outcomes, after_first, len(fake.requests)

    (first, hit, fresh, expired), after_first, total = run(scenario)
    assert after_first == 1 and total == 3
    assert isinstance(hit, Fetched) and hit.from_cache
    assert (hit.final_url, hit.status, hit.content_type, hit.body) == (
        first.final_url,
        200,
        "text/html",
        PAGE,
    )
    assert isinstance(fresh, Fetched) and not fresh.from_cache
    assert isinstance(expired, Fetched) and not expired.from_cache


def test_a_failed_fetch_is_not_cached(tmp_path: Path) -> None:
    async def scenario() -> int:
        async with serving() as fake:
            fetcher = Fetcher(local(), cache=FetchCache(tmp_path / "cache.db"))
            for _ in range(2):
                await fetcher.fetch(f"http://127.0.0.1:{fake.port}/missing")
            return len(fake.requests)

    assert run(scenario) == 2


def test_a_cache_that_cannot_be_written_costs_a_refetch_not_the_page(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Any], int]:
        async with serving() as fake:
            cache = FetchCache(tmp_path / "no such folder" / "cache.db")
            fetcher = Fetcher(local(), cache=cache)
            url = f"http://127.0.0.1:{fake.port}/page"
            return [await fetcher.fetch(url), await fetcher.fetch(url)], len(fake.requests)

    outcomes, requests = run(scenario)
    assert all(isinstance(o, Fetched) and o.body == PAGE for o in outcomes), outcomes
    assert requests == 2


def test_the_cache_file_sits_beside_the_ledger(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "scalebot.db")
    fetcher = Fetcher.from_settings(settings)
    assert fetcher.cache is not None and fetcher.cache.path == tmp_path / "scalebot.fetched.db"
    assert cache_path(Path("data/ledger.sqlite")) == Path("data/ledger.fetched.db")


# --- the pace ---------------------------------------------------------------------------


def test_arxiv_is_paced_without_holding_back_other_hosts() -> None:
    interval = 0.4
    names = {"export.arxiv.org": ["127.0.0.1"], "other.test": ["127.0.0.1"]}

    async def scenario() -> tuple[list[tuple[str, str, float]], float]:
        async with serving() as fake:
            fetcher = Fetcher(
                local(), pace=HostPace({"arxiv.org": interval}), resolver=resolver_of(names)
            )
            start = time.monotonic()
            outcomes = await asyncio.gather(
                *(fetcher.fetch(f"http://export.arxiv.org:{fake.port}/r/0?{i}") for i in range(3)),
                fetcher.fetch(f"http://other.test:{fake.port}/page"),
            )
            assert all(isinstance(outcome, Fetched) for outcome in outcomes), outcomes
            return fake.requests, start

    requests, start = run(scenario)
    arxiv = [at for host, _, at in requests if host.startswith("export.arxiv.org")]
    other = [at for host, _, at in requests if host.startswith("other.test")]
    assert len(arxiv) == 3 and len(other) == 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(arxiv)]
    assert all(gap >= interval - 0.05 for gap in gaps), gaps
    assert other[0] - start < interval  # not queued behind arXiv


def test_the_default_pace_is_arxivs_published_one() -> None:
    pace = HostPace()
    assert pace.interval("export.arxiv.org") == ("arxiv.org", 3.0)
    assert pace.interval("arxiv.org") == ("arxiv.org", 3.0)
    assert pace.interval("notarxiv.org")[1] == 0.0
    assert pace.interval("huggingface.co")[1] == 0.0


# --- settings ---------------------------------------------------------------------------


def test_the_check_settings_and_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLOW_PRIVATE", "MAX_BYTES", "TIMEOUT", "SOURCES"):
        monkeypatch.delenv(f"SCALEBOT_CHECK_{name}", raising=False)
    defaults = Settings(_env_file=None)
    assert (defaults.check_sources, defaults.check_allow_private) == (True, False)
    assert (defaults.check_max_bytes, defaults.check_timeout) == (10_000_000, 20.0)
    limits = Fetcher.from_settings(defaults).limits
    assert limits == FetchLimits(allow_private=False, max_bytes=10_000_000, timeout=20.0)

    monkeypatch.setenv("SCALEBOT_CHECK_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("SCALEBOT_CHECK_MAX_BYTES", "2048")
    monkeypatch.setenv("SCALEBOT_CHECK_TIMEOUT", "1.5")
    monkeypatch.setenv("SCALEBOT_CHECK_SOURCES", "0")
    chosen = Settings(_env_file=None)
    assert Fetcher.from_settings(chosen).limits == FetchLimits(True, 2048, 1.5)
    assert chosen.check_sources is False


# --- the address rules as properties ----------------------------------------------------

PRIVATE_V4 = [
    ipaddress.IPv4Network(net)
    for net in ("10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16")
]


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.sampled_from(PRIVATE_V4), st.integers(min_value=0, max_value=2**32 - 1))
def test_every_address_of_a_private_v4_range_is_refused_plain_and_mapped(
    network: ipaddress.IPv4Network, offset: int
) -> None:
    address = network[offset % network.num_addresses]
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    for form in (address, mapped):
        with pytest.raises(RefusedAddress, match="only public addresses are fetched"):
            check_addresses("x.test", [str(form)])


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_an_ipv4_mapped_address_gets_the_verdict_of_the_ipv4_one(number: int) -> None:
    address = ipaddress.IPv4Address(number)
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    assert forbidden_kind(mapped) == forbidden_kind(address)
