"""The web view served for tests: a real ``WebService`` (Datasette under uvicorn) on 127.0.0.1.

A ledger with community activity in it (a pending figure, an approved one with a
moderator's note, a rejected one, a dispute and a confirmation), each done by platform
users whose ids must never reach a public page, and a client that fetches pages from
the running server with bounded waits.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import Core
from bot.web.service import WebService
from tests.fakes.loop import BackgroundLoop
from tests.helpers import MODERATOR

#: Platform ids and texts that only moderators may see: no public page may hold any.
SUBMITTER = "slack:U0SUBMITTER7"
FLAGGER = "discord:80351110224678912"
CONFIRMER = "console:carol-confirms"
WORKSPACE = "T0WORKSPACE9"
CHANNEL = "C0CHANNEL42"
REVIEW_NOTE = "checked against the paper by the moderators only"
PRIVATE = (
    SUBMITTER,
    "U0SUBMITTER7",
    FLAGGER,
    CONFIRMER,
    WORKSPACE,
    CHANNEL,
    REVIEW_NOTE,
    MODERATOR,
)

#: What the community added: a figure approved, one pending, one rejected.
APPROVED = ("Community Clips", "5M", "clips", "https://example.org/community-clips", 2025)
PENDING = ("Pending Hours", "900K", "hours", "https://example.org/pending-hours", 2025)
REJECTED = ("Rejected Hours", "12", "hours", "https://example.org/rejected-hours", 2020)


def submit(core: Core, name: str, amount: str, unit: str, source: str, year: int) -> int:
    reply = core.ask(
        f'/submit video "{name}" {amount} {unit} {source} {year}',
        SUBMITTER,
        workspace=WORKSPACE,
        channel=CHANNEL,
    )
    assert reply.kind == "answer", reply.as_text()
    point_id = reply.data["id"]
    assert isinstance(point_id, int)
    return point_id


def community_ledger(path: Path) -> dict[str, int]:
    """A seeded ledger at ``path`` with community activity; the points' ids by role."""
    settings = Settings(db=path, moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core:
        approved = submit(core, *APPROVED)
        decided = core.ask(f"/approve {approved} {REVIEW_NOTE}", MODERATOR)
        assert decided.kind == "answer", decided.as_text()
        rejected = submit(core, *REJECTED)
        decided = core.ask(f"/reject {rejected} {REVIEW_NOTE}", MODERATOR)
        assert decided.kind == "answer", decided.as_text()
        pending = submit(core, *PENDING)
        core.store.vouches.flag(approved, FLAGGER, "the paper says fewer")
        core.store.vouches.confirm(pending, CONFIRMER)
    return {"approved": approved, "pending": pending, "rejected": rejected}


@dataclass
class Page:
    status: int
    body: str
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Site:
    """A running web view: its base URL (no trailing slash) and a fetcher."""

    base: str

    def get(self, path: str) -> Page:
        """``path`` from the server, whatever its status (bounded by a 20 s timeout)."""
        url = path if path.startswith("http") else self.base + path
        try:
            with urllib.request.urlopen(url, timeout=20) as response:
                body = response.read()
                return Page(response.status, _text(body), response.headers["content-type"])
        except urllib.error.HTTPError as error:
            body = error.read()
            return Page(error.code, _text(body), error.headers.get("content-type", ""))

    def raw(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=20) as response:
            assert response.status == 200
            return response.read()


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


@contextmanager
def serving(settings: Settings) -> Iterator[Site]:
    """The web view of ``settings.db`` on 127.0.0.1 (a free port) until the block ends."""
    settings = settings.model_copy(update={"web_host": "127.0.0.1", "web_port": 0})
    with Core.open(settings=settings) as core, BackgroundLoop() as background:
        service = WebService(core.library, settings)
        background.run(service.start(), timeout=30)
        try:
            yield Site(service.url.rstrip("/"))
        finally:
            background.run(service.stop(), timeout=30)
