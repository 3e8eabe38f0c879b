"""The soak's load: what members, moderators and visitors ask, and how each answer is judged.

One step is one request: a read command, a web page, or the next step of a submitted
point's life. A point is submitted by a member, may be confirmed by a second and
flagged by a third, and is approved (kept, if disputed) or rejected by a moderator;
its steps run one after another, each on Slack or Discord at random (a point submitted
on Slack may be confirmed on Discord), so no two steps of one point race and every
answer has one right title. A reply whose title is not the expected one (an error
reply, a refusal, our "Something went wrong") is an error of the soak; so is a web page
that does not answer 200, and a request that fails or takes over :data:`TIMEOUT`. The
one refusal expected is the web view's query time limit (:data:`TIME_LIMIT`): counted
and shown apart, not an error, since it is the web view protecting itself as designed.

Latency is measured to the reply: on Slack the HTTP acknowledgement when it carries the
answer, else the answer's post to the ``response_url`` (slower commands acknowledge
"Working on it…" first); on Discord from the INTERACTION_CREATE the fake sends to the
callback that answers it (or, after a deferral, to the edit of the original message);
on the web the whole page read.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.soakfakes import SoakDiscord, SoakSlackAPI, SourcePages
from tests.fakes.discord.objects import MEMBER_ID, MODERATOR_ID
from tests.fakes.discord.payloads import slash_command
from tests.fakes.slack_api import TEAM
from tests.fakes.slack_client import signed_headers

#: No request of the soak may take longer than this; one that does is an error.
TIMEOUT = 30.0
EVENTS_PATH = "/slack/events"
SLACK_MEMBERS = ("USOAKMEMBER1", "USOAKMEMBER2", "USOAKMEMBER3")
SLACK_MODERATOR = "USOAKMODERATOR"
DISCORD_MEMBERS = (MEMBER_ID, "1400000000000000003", "1400000000000000004")
#: The moderators the bot is started with (``SCALEBOT_MODERATORS``).
MODERATORS = f"slack:{SLACK_MODERATOR},discord:{MODERATOR_ID}"
#: A unit per field for submissions: whole counts, so any quantity is valid.
UNITS = {
    "video": "clips",
    "3d": "objects",
    "image": "images",
    "llm": "tokens",
    "robotics": "trajectories",
    "self-driving": "hours",
}
#: Submitted points whose steps are not done yet, at most: past it, new points wait.
MAX_OPEN_POINTS = 40
#: Datasets a field's submissions spread over (names repeat, as a community's do).
DATASETS_PER_FIELD = 40


@dataclass(frozen=True)
class Ask:
    """One command, as Slack's text and Discord's options, and the title its answer has."""

    name: str
    text: str
    options: dict[str, Any]
    expect: str
    moderator: bool = False
    member: int = 0


def reads() -> list[Ask]:
    """The read commands the soak asks, over every field."""
    asks = []
    for domain in UNITS:
        asks.append(Ask("scale", domain, {"domain": domain}, r": scale and cost$"))
        asks.append(Ask("datasets", domain, {"domain": domain}, r": datasets \("))
        asks.append(Ask("trend", domain, {"domain": domain}, r": how fast the record grows"))
        asks.append(Ask("why", domain, {"domain": domain}, r"^Why "))
    pairs = [("video", "llm"), ("3d", "robotics"), ("image", "self-driving")]
    for first, second in pairs:
        options = {"first": first, "second": second}
        asks.append(Ask("compare", f"{first} {second}", options, r" vs "))
    for name in ("InternVid", "WebVid-10M", "LAION-5B", "Objaverse-XL", "DROID", "nuScenes"):
        asks.append(Ask("history", name, {"dataset": name}, rf"^History of {re.escape(name)}"))
    for question in ("how many robot trajectories", "how much video data is there"):
        asks.append(Ask("ask", question, {"question": question}, r"^Best matches"))
    asks.append(Ask("why", "", {}, r"^Why "))
    asks.append(Ask("domains", "", {}, r"^Domains$"))
    asks.append(Ask("digest", "", {}, r"^Weekly digest"))
    asks.append(Ask("help", "", {}, r"^scalebot commands$"))
    asks.append(Ask("review", "", {}, r"^(Review queue|Nothing to review)", moderator=True))
    return asks


#: Datasette's words when a query ran over its time limit (``sql_time_limit_ms``, 1 s):
#: the web view refuses such a page with 400 rather than let one query hold its process.
TIME_LIMIT = b"SQL query took too long"
#: Web pages and canned queries, each expected to answer 200 (or that refusal).
PAGES = (
    "/",
    "/ledger/current_figures?domain=video",
    "/ledger/current_figures?domain=3d",
    "/ledger/figures?_size=50",
    "/ledger/figures.json?_size=100&_facet=unit",
    "/ledger/figures.csv?_size=100",
    "/ledger/datasets",
    "/ledger/current_by_field?field=3d",
    "/ledger/pending_review",
    "/ledger/dataset_history?name=InternVid",
    "/ledger/growth_record?field=video",
    "/-/charts",
    "/-/charts/video.png",
    "/-/charts/compare.png?fields=video,3d",
)


@dataclass
class Point:
    """A submitted point and the steps of its life still to come."""

    number: int
    domain: str
    steps: deque[str]
    id: int | None = None
    busy: bool = False


@dataclass
class Result:
    """One request's outcome: its transport, its name, the latency, or what went wrong."""

    transport: str
    name: str
    seconds: float | None
    error: str | None = None
    #: The id a ``/submit`` answer gave its point.
    point_id: int | None = None
    #: An expected refusal instead of the answer (not an error): the web view's query
    #: time limit, Datasette's 400 for a query that ran over ``sql_time_limit_ms``.
    refused: str | None = None


@dataclass
class Targets:
    """Where the soak sends requests, and the fakes that see the bot's replies."""

    slack_port: int
    web_port: int
    slack: SoakSlackAPI
    discord: SoakDiscord
    pages: SourcePages
    session: aiohttp.ClientSession


@dataclass
class Load:
    """Chooses each next request and sends it: reads, pages and points' steps in a mix."""

    targets: Targets
    seed: int = 1
    #: Shares of the mix: read commands, web pages, steps of points.
    weights: tuple[float, float, float] = (0.55, 0.25, 0.20)
    random: random.Random = field(init=False)
    points: list[Point] = field(default_factory=list)
    submitted: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    sent: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.asks = reads()

    def choose(self) -> str:
        """The kind of the next request: ``read``, ``web`` or ``write``, by the weights."""
        return self.random.choices(("read", "web", "write"), self.weights)[0]

    async def step(self, kind: str) -> Result:
        """Send a request of ``kind`` and judge its answer (never raises)."""
        if kind == "web":
            return await self.page(self.random.choice(PAGES))
        if kind == "write":
            point = self._next_point()
            if point is not None:
                return await self.advance(point)
        return await self.command(self.random.choice(self.asks), self._transport())

    def _transport(self) -> str:
        return self.random.choice(("slack", "discord"))

    # -- points --------------------------------------------------------------------------

    def _next_point(self) -> Point | None:
        """A point whose next step may run now, or a new one (None when too many are open)."""
        ready = [p for p in self.points if not p.busy and p.id is not None]
        if ready and (len(self.points) >= MAX_OPEN_POINTS or self.random.random() < 0.75):
            return self.random.choice(ready)
        if len(self.points) >= MAX_OPEN_POINTS:
            return None
        number = next(self.submitted)
        domain = self.random.choice(list(UNITS))
        steps: deque[str] = deque(["submit"])
        if self.random.random() < 0.7:
            steps.append("confirm")
        if self.random.random() < 0.2:
            steps.append("flag")
        steps.append("approve" if self.random.random() < 0.7 else "reject")
        point = Point(number, domain, steps)
        self.points.append(point)
        return point

    def point_ask(self, point: Point, step: str) -> Ask:
        """The command of ``step`` for ``point``, and the title of its right answer."""
        if step == "submit":
            unit = UNITS[point.domain]
            dataset = f"Soak {point.domain} set {point.number % DATASETS_PER_FIELD}"
            quantity = 1000 + point.number
            source = self.targets.pages.url(point.number, quantity, unit)
            options: dict[str, Any] = {
                "domain": point.domain,
                "dataset": dataset,
                "quantity": str(quantity),
                "unit": unit,
                "source": source,
            }
            text = f'{point.domain} "{dataset}" {quantity} {unit} {source}'
            return Ask("submit", text, options, r"^Submitted #(\d+)")
        number = point.id
        if step == "confirm":
            return Ask("confirm", f"{number}", {"id": number}, rf"^Confirmed #{number}$", member=1)
        if step == "flag":
            reason = "the source gives another count"
            options = {"id": number, "reason": reason}
            return Ask("flag", f"{number} {reason}", options, rf"^Flagged #{number}$", member=2)
        if step == "approve":
            return Ask(
                "approve", f"{number}", {"id": number}, rf"^(Approved|Kept) #{number}$", True
            )
        reason = "not a dataset of this field"
        options = {"id": number, "reason": reason}
        expect = rf"^(Rejected|Withdrew) #{number}$"
        return Ask("reject", f"{number} {reason}", options, expect, True)

    async def advance(self, point: Point) -> Result:
        """Run the point's next step; a point whose step failed is dropped (counted once)."""
        point.busy = True
        step = point.steps.popleft()
        try:
            ask = self.point_ask(point, step)
            result = await self.command(ask, self._transport())
            if result.error is not None:
                self.points.remove(point)
            elif step == "submit":
                point.id = result.point_id
            if not point.steps and point in self.points:
                self.points.remove(point)
            return result
        finally:
            point.busy = False

    # -- one command on a platform ---------------------------------------------------------

    async def command(self, ask: Ask, transport: str) -> Result:
        name = f"{transport} /{ask.name}"
        began = time.perf_counter()
        try:
            if transport == "slack":
                stamp, title = await asyncio.wait_for(self._slack(ask), TIMEOUT)
            else:
                stamp, title = await asyncio.wait_for(self._discord(ask), TIMEOUT)
        except TimeoutError:
            return Result(transport, name, None, f"{name}: no reply within {TIMEOUT:g} s")
        except (aiohttp.ClientError, OSError, RuntimeError) as error:
            return Result(transport, name, None, f"{name}: {type(error).__name__}: {error}")
        match = re.search(ask.expect, title)
        if match is None:
            return Result(transport, name, stamp - began, f"{name}: unexpected reply {title!r}")
        point_id = int(match.group(1)) if ask.name == "submit" else None
        return Result(transport, name, stamp - began, point_id=point_id)

    async def _slack(self, ask: Ask) -> tuple[float, str]:
        """A signed slash command; the reply's first line, from the ack or the response_url."""
        number = next(self.sent)
        user = SLACK_MODERATOR if ask.moderator else SLACK_MEMBERS[ask.member]
        response = f"soak{number}"
        form = {
            "token": "legacy-unused",
            "team_id": TEAM,
            "team_domain": "lab",
            "channel_id": "C0SOAK001",
            "channel_name": "research",
            "user_id": user,
            "user_name": user.lower(),
            "command": f"/{ask.name}",
            "text": ask.text,
            "api_app_id": "A0SCALEBOT",
            "response_url": self.targets.slack.response_url(response),
            "trigger_id": f"soak.trigger.{number}",
        }
        body = urllib.parse.urlencode(form).encode()
        later = self.targets.slack.expect(response)
        try:
            url = f"http://127.0.0.1:{self.targets.slack_port}{EVENTS_PATH}"
            async with self.targets.session.post(url, data=body, headers=signed_headers(body)) as r:
                payload = await r.read()
                stamp = time.perf_counter()
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status} {payload[:200]!r}")
            answer = _json(payload)
            text = str(answer.get("text") or "")
            if not text.startswith("Working on it"):
                return stamp, text.split("\n", 1)[0]
            stamp, posted = await later
            return stamp, str(posted.get("text") or "").split("\n", 1)[0]
        finally:
            self.targets.slack.waiting.pop(response, None)
            later.cancel()

    async def _discord(self, ask: Ask) -> tuple[float, str]:
        """An INTERACTION_CREATE through the fake gateway; the answering embed's title."""
        user = MODERATOR_ID if ask.moderator else DISCORD_MEMBERS[ask.member]
        payload = slash_command(ask.name, ask.options or None, user_id=user)
        fake = self.targets.discord
        answered = fake.expect(str(payload["token"]))
        try:
            await fake.dispatch("INTERACTION_CREATE", payload)
            stamp, body = await answered
        finally:
            fake.waiting.pop(str(payload["token"]), None)
            answered.cancel()
        embeds = body.get("embeds") or []
        title = str(embeds[0].get("title") or "") if embeds else str(body.get("content") or "")
        return stamp, title

    # -- one web page ------------------------------------------------------------------------

    async def page(self, path: str) -> Result:
        name = f"web {path.split('?')[0]}"
        began = time.perf_counter()
        url = f"http://127.0.0.1:{self.targets.web_port}{path}"
        try:
            async with asyncio.timeout(TIMEOUT), self.targets.session.get(url) as response:
                body = await response.read()
                seconds = time.perf_counter() - began
                if response.status == 400 and TIME_LIMIT in body:
                    return Result("web", name, seconds, refused=f"{name}: query time limit")
                if response.status != 200:
                    shown = re.sub(rb"\s+", b" ", re.sub(rb"<[^>]*>", b" ", body))[-300:]
                    error = f"{name}: HTTP {response.status} {shown.decode(errors='replace')}"
                    return Result("web", name, seconds, error)
        except TimeoutError:
            return Result("web", name, None, f"{name}: no answer within {TIMEOUT:g} s")
        except (aiohttp.ClientError, OSError) as error:
            return Result("web", name, None, f"{name}: {type(error).__name__}: {error}")
        return Result("web", name, seconds)


def _json(payload: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(payload) if payload else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
