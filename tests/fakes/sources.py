"""Fake publishers on 127.0.0.1: arXiv's export API and HTML, the Hub, raw GitHub, the web.

Each answers as the real service does, in the shapes its documentation shows:

- arXiv's export API (``GET /api/query?id_list=ID``): an Atom feed as the API user's
  manual prints it (``feed``, ``opensearch:totalResults``, ``entry`` with ``id``,
  ``updated``, ``published``, ``title``, ``summary``, ``author/name``,
  ``arxiv:primary_category``, ``link`` rel=alternate and rel=related title=pdf). An id it
  does not know answers a feed without entries (totalResults 0); a malformed id an
  error entry (``id`` under ``arxiv.org/api/errors``, title ``Error``), as arXiv does.
- arXiv HTML (``GET /html/ID``): the full text, or 404 when the paper has none.
- the Hub: ``GET /datasets/OWNER/NAME/raw/main/README.md`` (the card, text/plain) and
  ``GET /api/datasets/OWNER/NAME`` (the JSON the Hub answers, with ``cardData``'s
  ``dataset_info``); an unknown dataset answers 404 ``{"error": "..."}``.
- raw GitHub: ``GET /OWNER/REPO/REF/PATH`` (text/plain; 404 "404: Not Found").
- the web: pages by path, plus ``/hang`` (30 s), ``/huge`` (50 MB streamed) and
  ``/to?location=`` (a redirect anywhere).

Every request is recorded with its arrival time, and the fetches in flight are counted
(each answer is held ``delay`` seconds, so overlapping fetches are seen overlapping).
Requests are checked as the real services would check them (tests only).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

MB = 1_000_000
_NEW_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
_OLD_ID = re.compile(r"^[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7}(v\d+)?$")


@dataclass
class Paper:
    """One arXiv paper: the feed's fields, and its HTML full text if arXiv renders one."""

    title: str
    summary: str
    html: str | None = None
    authors: tuple[str, ...] = ("A. Author",)
    category: str = "cs.CV"


@dataclass
class Dataset:
    """One Hub dataset: its card (markdown) and ``cardData.dataset_info``."""

    card: str
    dataset_info: Any = None


@dataclass
class Request:
    service: str
    path: str
    query: str
    arrived: float


@dataclass
class SourceFakes:
    """The fake publishers' content, what they were asked, and their addresses once started."""

    papers: dict[str, Paper] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    readmes: dict[str, str] = field(default_factory=dict)  # "owner/repo/ref/path" -> text
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> body, type
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    ports: dict[str, int] = field(default_factory=dict)
    release: asyncio.Event | None = None

    # -- addresses -------------------------------------------------------------------

    def base(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def arxiv_api(self) -> str:
        return f"{self.base('arxiv')}/api/query"

    @property
    def arxiv_html(self) -> str:
        return f"{self.base('arxiv')}/html"

    @property
    def hf(self) -> str:
        return self.base("hub")

    @property
    def github_raw(self) -> str:
        return self.base("github")

    def page_url(self, path: str) -> str:
        return f"{self.base('web')}{path}"

    def environment(self) -> dict[str, str]:
        """The settings that point the bot at these fakes."""
        return {
            "SCALEBOT_ARXIV_API_URL": self.arxiv_api,
            "SCALEBOT_ARXIV_HTML_URL": self.arxiv_html,
            "SCALEBOT_HF_URL": self.hf,
            "SCALEBOT_GITHUB_RAW_URL": self.github_raw,
            "SCALEBOT_CHECK_ALLOW_PRIVATE": "1",
        }

    def paths(self, service: str) -> list[str]:
        return [r.path for r in self.requests if r.service == service]

    # -- the applications --------------------------------------------------------------

    def _app(self, service: str, routes: list[tuple[str, Any]]) -> web.Application:
        @web.middleware
        async def record(
            request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
        ) -> Any:
            self.requests.append(
                Request(service, request.path, request.query_string, time.monotonic())
            )
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                if self.delay:
                    await asyncio.sleep(self.delay)
                return await handler(request)
            finally:
                self.in_flight -= 1

        app = web.Application(middlewares=[record])
        for path, handler in routes:
            app.router.add_get(path, handler)
        return app

    def apps(self) -> dict[str, web.Application]:
        return {
            "arxiv": self._app(
                "arxiv", [("/api/query", self.arxiv_query), ("/html/{id:.+}", self.arxiv_page)]
            ),
            "hub": self._app(
                "hub",
                [
                    ("/datasets/{owner}/{name}/raw/main/README.md", self.hub_card),
                    ("/api/datasets/{owner}/{name}", self.hub_api),
                ],
            ),
            "github": self._app("github", [("/{path:.+}", self.github_file)]),
            "web": self._app(
                "web",
                [
                    ("/hang", self.hang),
                    ("/huge", self.huge),
                    ("/to", self.to),
                    ("/{path:.*}", self.page),
                ],
            ),
        }

    # -- arXiv -----------------------------------------------------------------------

    async def arxiv_query(self, request: web.Request) -> web.Response:
        assert set(request.query) <= {"id_list", "search_query", "start", "max_results"}, (
            f"the export API has no parameter among {sorted(request.query)}"
        )
        ids = [i for i in request.query.get("id_list", "").split(",") if i]
        entries = []
        for paper_id in ids:
            if not (_NEW_ID.match(paper_id) or _OLD_ID.match(paper_id)):
                entries.append(_error_entry(paper_id))
                continue
            bare = re.sub(r"v\d+$", "", paper_id)
            paper = self.papers.get(bare)
            if paper is not None:
                version = paper_id[len(bare) :] or "v1"
                entries.append(_entry(bare + version, paper))
        body = _feed(request.query_string, entries)
        return web.Response(
            body=body.encode(), content_type="application/atom+xml", charset="utf-8"
        )

    async def arxiv_page(self, request: web.Request) -> web.Response:
        bare = re.sub(r"v\d+$", "", request.match_info["id"])
        paper = self.papers.get(bare)
        if paper is None or paper.html is None:
            return web.Response(status=404, text="No HTML for this paper", content_type="text/html")
        return web.Response(text=paper.html, content_type="text/html")

    # -- the Hub ---------------------------------------------------------------------

    def _dataset(self, request: web.Request) -> tuple[str, Dataset | None]:
        name = f"{request.match_info['owner']}/{request.match_info['name']}"
        return name, self.datasets.get(name)

    async def hub_card(self, request: web.Request) -> web.Response:
        _, dataset = self._dataset(request)
        if dataset is None:
            return web.Response(status=404, text="Repository not found")
        return web.Response(text=dataset.card, content_type="text/plain")

    async def hub_api(self, request: web.Request) -> web.Response:
        name, dataset = self._dataset(request)
        if dataset is None:
            return web.json_response({"error": "Repository not found"}, status=404)
        return web.json_response(_hub_json(name, dataset))

    # -- GitHub and the web ----------------------------------------------------------

    async def github_file(self, request: web.Request) -> web.Response:
        text = self.readmes.get(request.match_info["path"])
        if text is None:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(text=text, content_type="text/plain")

    async def page(self, request: web.Request) -> web.Response:
        found = self.pages.get(request.path)
        if found is None:
            return web.Response(status=404, text="Not Found", content_type="text/html")
        body, content_type = found
        return web.Response(body=body, content_type=content_type)

    async def hang(self, request: web.Request) -> web.Response:
        """Answers after 30 s, or as soon as the test is over."""
        if self.release is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), 30)
        return web.Response(text="<p>760K hours</p>", content_type="text/html")

    async def huge(self, request: web.Request) -> web.StreamResponse:
        """50 MB of text without a Content-Length."""
        response = web.StreamResponse()
        response.content_type = "text/plain"
        response.enable_chunked_encoding()
        await response.prepare(request)
        with suppress(ConnectionError, RuntimeError):
            for _ in range(50):
                await response.write(b"760K hours. " * (MB // 12))
        return response

    async def to(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["location"])


def _entry(versioned: str, paper: Paper) -> str:
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in paper.authors)
    return f"""  <entry>
    <id>http://arxiv.org/abs/{versioned}</id>
    <updated>2023-07-14T07:24:28Z</updated>
    <published>2023-07-13T17:58:32Z</published>
    <title>{escape(paper.title)}</title>
    <summary>  {escape(paper.summary)}
</summary>
    {authors}
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">10 pages</arxiv:comment>
    <link href="http://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{paper.category}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="{paper.category}" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def _error_entry(paper_id: str) -> str:
    slug = f"incorrect_id_format_for_{paper_id}"
    return f"""  <entry>
    <id>http://arxiv.org/api/errors#{escape(slug)}</id>
    <title>Error</title>
    <summary>incorrect id format for {escape(paper_id)}</summary>
    <updated>2023-07-14T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#{escape(slug)}" rel="alternate" type="text/html"/>
    <author><name>arXiv api core</name></author>
  </entry>
"""


def _feed(query: str, entries: list[str]) -> str:
    found = sum(1 for e in entries if "/api/errors#" not in e)
    total = len(entries) if any("/api/errors#" in e for e in entries) else found
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: {escape(query)}</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2023-07-14T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">10</opensearch:itemsPerPage>
{"".join(entries)}</feed>
"""


def _hub_json(name: str, dataset: Dataset) -> dict[str, Any]:
    card_data: dict[str, Any] = {"license": "cc-by-4.0", "task_categories": ["other"]}
    if dataset.dataset_info is not None:
        card_data["dataset_info"] = dataset.dataset_info
    return {
        "_id": "64b0f1e2a3c4d5e6f7a8b9c0",
        "id": name,
        "author": name.split("/")[0],
        "sha": "3f6c2a1e9b8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
        "lastModified": "2024-01-05T10:11:12.000Z",
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 1234,
        "likes": 56,
        "tags": ["license:cc-by-4.0", "region:us"],
        "cardData": card_data,
        "siblings": [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}],
        "createdAt": "2023-07-01T00:00:00.000Z",
    }


@asynccontextmanager
async def serving(fakes: SourceFakes | None = None) -> AsyncIterator[SourceFakes]:
    """The four fake publishers on 127.0.0.1, each on a port of its own."""
    fakes = fakes or SourceFakes()
    fakes.release = asyncio.Event()
    runners = []
    try:
        for service, app in fakes.apps().items():
            runner = web.AppRunner(app, shutdown_timeout=1)
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            fakes.ports[service] = runner.addresses[0][1]
        yield fakes
    finally:
        fakes.release.set()
        for runner in runners:
            await runner.cleanup()


@contextmanager
def serving_in_thread(fakes: SourceFakes | None = None) -> Iterator[SourceFakes]:
    """:func:`serving` on an event loop of its own thread (for code that runs its own loop)."""
    started: list[SourceFakes] = []
    ready = threading.Event()
    stop: list[asyncio.Event] = []
    loop = asyncio.new_event_loop()

    async def main() -> None:
        stop.append(asyncio.Event())
        async with serving(fakes) as running:
            started.append(running)
            ready.set()
            await stop[0].wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(10), "the fake publishers did not start within 10 s"
        yield started[0]
    finally:
        if stop:
            loop.call_soon_threadsafe(stop[0].set)
        thread.join(10)
        loop.close()


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF (1.4) whose page shows ``text`` in Helvetica, with a correct xref."""
    line = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()
