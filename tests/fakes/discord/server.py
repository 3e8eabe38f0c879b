"""``FakeDiscord``: the REST API and the gateway on one 127.0.0.1 port, sharing one record.

Point discord.py at it with ``discord.http.Route.BASE = fake.api_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
Every request body is held to Discord's published OpenAPI spec (``validate=False`` turns
that off, for the benchmark only: see :mod:`tests.fakes.discord.contract`).
A test drives it from its own thread: ``dispatch`` an event, then ``wait_for`` the
requests the bot made in answer (``path`` of a recorded :class:`Request` is relative to
``/api/v10``, the same path discord.py's ``Route`` is built from).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.objects import TOKEN
from tests.fakes.discord.recorder import Matcher, Recorder, Request
from tests.fakes.discord.rest import API_PREFIX, RestAPI
from tests.fakes.loop import STEP_TIMEOUT


class FakeDiscord:
    """One fake Discord: start it on a loop, point a client at its addresses, assert on it.

    ``_api`` (the REST handler) and ``_record`` (called once an answer is written) are the
    two places a subclass may hook in; bench/discord.py stamps callbacks through them.
    """

    def __init__(self, token: str = TOKEN, *, validate: bool = True) -> None:
        self.token = token
        self.port = 0
        self.recorder = Recorder()
        self.rest = RestAPI(
            self.recorder, token, lambda: self.gateway_url, self._record, validate=validate
        )
        self.gateway = Gateway(self.recorder, token, lambda: self.gateway_url)
        self._runner: web.AppRunner | None = None

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
        app.router.add_get("/gateway", self.gateway.serve)
        app.router.add_get("/gateway/", self.gateway.serve)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.StreamResponse:
        return await self.rest.serve(request)

    def _record(self, request: Request) -> None:
        self.recorder.add_request(request)

    # -- what the bot sent and what the fake holds -----------------------------------------

    @property
    def requests(self) -> list[Request]:
        return self.recorder.requests

    @property
    def gateway_received(self) -> list[dict[str, Any]]:
        return self.recorder.gateway_received

    @property
    def gateway_queries(self) -> list[dict[str, str]]:
        return self.recorder.gateway_queries

    @property
    def commands(self) -> dict[str | None, list[dict[str, Any]]]:
        return self.rest.commands

    @property
    def messages(self) -> dict[str, dict[str, Any]]:
        return self.rest.messages

    def in_channel(self, channel_id: str) -> list[dict[str, Any]]:
        """The messages now in ``channel_id``, oldest first (as edited; deleted ones gone)."""
        with self.recorder.changed:
            return [dict(m) for m in self.rest.messages.values() if m["channel_id"] == channel_id]

    @property
    def interactions(self) -> dict[str, dict[str, Any]]:
        return self.rest.interactions

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def refusals(self) -> list[Request]:
        """The requests whose body Discord's contract refuses (answered 400, code 50035)."""
        with self.recorder.changed:
            return [r for r in self.recorder.requests if r.refused]

    def assert_contract_kept(self) -> None:
        """Fail, naming each field, if the bot sent any body Discord would refuse."""
        refused = [f"{r.method} {r.path}: {r.refused}" for r in self.refusals]
        assert not refused, "Discord would refuse what the bot sent:\n" + "\n".join(refused)

    def of(self, matcher: Matcher) -> list[Request]:
        """Recorded requests whose path (or ``"METHOD path"``) matches, or the predicate holds."""
        return self.recorder.of(matcher)

    def wait_for(
        self, matcher: Matcher, count: int = 1, timeout: float = STEP_TIMEOUT
    ) -> list[Request]:
        """The matching requests once there are ``count`` (call from the test's thread)."""
        return self.recorder.wait_for(matcher, count, timeout)

    def wait_for_gateway(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        count: int = 1,
        timeout: float = STEP_TIMEOUT,
    ) -> list[dict[str, Any]]:
        """Gateway payloads from the client matching ``predicate`` (bounded, blocking wait)."""
        return self.recorder.wait_for_gateway(predicate, count, timeout)

    # -- the gateway session ---------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one DISPATCH event; an INTERACTION_CREATE is kept to answer its callback."""
        if event == "INTERACTION_CREATE":
            self.rest.interactions[str(data["id"])] = data
        await self.gateway.dispatch(event, data)

    async def drop_connection(self, code: int = 4000, *, resume: bool = True) -> None:
        """Close the gateway socket as Discord does on a hiccup (see ``Gateway``)."""
        await self.gateway.drop_connection(code, resume=resume)

    async def wait_for_identify(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> None:
        """Until the client has sent ``count`` IDENTIFYs and got READY for the last one."""
        await self.gateway.wait_for_identify(count, timeout)

    async def wait_connected(self, timeout: float = STEP_TIMEOUT) -> None:
        """Until a gateway session is live (READY or RESUMED sent on an open socket)."""
        await self.gateway.wait_connected(timeout)

    async def wait_for_resume(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> None:
        await self.gateway.wait_for_resume(count, timeout)
