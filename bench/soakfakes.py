"""The tests' fakes, made to run for hours: they hand each reply to its waiter and keep little.

The fake Slack Web API and the fake Discord keep every call a test may assert on; over a
soak's thousands of commands that is memory in the soak's own process and a list each
wait scans. These subclasses keep what the fakes need to answer (recent messages,
interactions) and drop the rest, and resolve a future the moment a reply arrives, so
the latency measured is the bot's:

- :class:`SoakSlackAPI`: a post to a ``response_url`` resolves the future of that name;
  Web API calls are counted by method.
- :class:`SoakDiscord`: an interaction's callback (or, after a deferral, the edit of its
  original message) resolves the future of its token.

Contract checks are off in both, as in ``bench/discord.py``: they belong to the tests
(which hold every reply the soak asks for to the platforms' contracts), and on this
machine's two cores their CPU would be taken from the bot's.
- :class:`SourcePages`: the pages ``/submit`` cites, each stating its figure, so every
  submission's source check finds what it looks for.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Any

from aiohttp import web

from tests.fakes.discord import FakeDiscord, Request
from tests.fakes.slack_api import FakeSlackAPI

#: How many messages, interactions and files each fake keeps (the newest).
KEEP = 500
_CALLBACK = re.compile(r"^/interactions/[0-9]+/([^/]+)/callback$")
_ORIGINAL = re.compile(r"^/webhooks/[0-9]+/([^/]+)/messages/@original$")
#: Discord's callback types that answer at once (a message, an edit of the pressed one).
_ANSWERS = {4, 7}
#: The callback type of a deferral: the answer comes as an edit of the original message.
_DEFERRED = 5

#: A reply as it arrived: ``perf_counter()`` then, and its body.
Arrival = tuple[float, dict[str, Any]]


def _trim(mapping: dict[Any, Any], keep: int = KEEP) -> None:
    """Drop the oldest entries of ``mapping`` (insertion order) beyond ``keep``."""
    for key in list(mapping)[: max(0, len(mapping) - keep)]:
        del mapping[key]


class SoakSlackAPI(FakeSlackAPI):
    """The fake Slack Web API, keeping counts instead of calls, checking no body.

    Contract checks (slack_sdk's Block Kit models over every message) are off, as
    Discord's are: they cost the soak's process more CPU than the bot's replies do.
    """

    def __init__(self) -> None:
        super().__init__()
        #: Response URL name -> the future its first post resolves.
        self.waiting: dict[str, asyncio.Future[Arrival]] = {}
        self.methods: Counter[str] = Counter()

    def expect(self, name: str) -> asyncio.Future[Arrival]:
        """A future resolved by the first post to :meth:`response_url` ``name``."""
        future: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self.waiting[name] = future
        return future

    def _record(self, method: str, body: dict[str, Any], token: str | None) -> None:
        stamp = time.perf_counter()
        if method.startswith("response:"):
            future = self.waiting.pop(method.removeprefix("response:"), None)
            if future is not None and not future.done():
                future.set_result((stamp, body))
            method = "response_url"
        elif method.startswith("upload:"):
            method = "upload"
        self.methods[method] += 1

    def _breaks_contract(self, method: str, body: dict[str, Any]) -> web.Response | None:
        return None

    async def _response(self, request: web.Request) -> web.Response:
        self._record(f"response:{request.match_info['name']}", await request.json(), None)
        return web.Response(text="ok")

    def trim(self) -> None:
        """Keep the newest messages and uploaded files (the fake answers edits from them)."""
        with self._changed:
            _trim(self.messages)
            _trim(self.files)


class SoakDiscord(FakeDiscord):
    """The fake Discord, keeping recent state only and no record of requests."""

    def __init__(self) -> None:
        super().__init__(validate=False)
        #: Interaction token -> the future its answer resolves.
        self.waiting: dict[str, asyncio.Future[Arrival]] = {}
        self.methods: Counter[str] = Counter()

    def expect(self, token: str) -> asyncio.Future[Arrival]:
        future: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self.waiting[token] = future
        return future

    def _record(self, request: Request) -> None:
        stamp = time.perf_counter()
        body = request.json if isinstance(request.json, dict) else {}
        callback = _CALLBACK.match(request.path)
        original = _ORIGINAL.match(request.path)
        if callback and request.method == "POST":
            self.methods["callback"] += 1
            if body.get("type") in _ANSWERS:
                self._resolve(callback.group(1), stamp, body.get("data") or {})
        elif original and request.method == "PATCH":
            self.methods["edit original"] += 1
            self._resolve(original.group(1), stamp, body)
        else:
            self.methods[f"{request.method} {re.sub(r'[0-9]{6,}', 'ID', request.path)}"] += 1
        # Nothing is kept: a request of the bot's is answered from the fake's state alone.

    def _resolve(self, token: str, stamp: float, body: dict[str, Any]) -> None:
        future = self.waiting.pop(token, None)
        if future is not None and not future.done():
            future.set_result((stamp, body))

    def trim(self) -> None:
        """Keep the newest interactions and messages (the fake scans them to answer)."""
        with self.recorder.changed:
            _trim(self.rest.interactions)
            _trim(self.rest.messages)
            _trim(self.rest._originals)
            self.recorder.gateway_received.clear()


class SourcePages:
    """``GET /paper/N?q=QUANTITY&u=UNIT``: a page that states the figure a submission cites."""

    def __init__(self) -> None:
        self.port = 0
        self.served = 0
        self._runner: web.AppRunner | None = None

    def url(self, number: int, quantity: int, unit: str) -> str:
        return f"http://127.0.0.1:{self.port}/paper/{number}?q={quantity}&u={unit}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/paper/{number}", self._page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _page(self, request: web.Request) -> web.Response:
        self.served += 1
        quantity = int(request.query.get("q", "0"))
        unit = request.query.get("u", "clips")
        number = request.match_info["number"]
        text = (
            f"<html><head><title>Soak paper {number}</title></head><body>"
            f"<h1>A dataset for the soak</h1><p>The dataset holds {quantity:,} {unit}, "
            "collected for this paper.</p></body></html>"
        )
        return web.Response(text=text, content_type="text/html")
