"""What the fake Discord received, and blocking waits on it for tests on another thread.

The fake runs on a background event loop while the test's thread asserts; both meet on one
:class:`threading.Condition` (``changed``). The REST and gateway halves record into it, and
also guard the state they share with the test (stored commands, messages) with it, so a
test never reads a half-made change.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tests.fakes.loop import STEP_TIMEOUT

T = TypeVar("T")


@dataclass
class Request:
    """One REST request the bot made, recorded as it arrives.

    ``answered`` is set once the fake's answer is written: a test that stops the bot
    right after seeing a request waits for it, so the bot is never stopped mid-response.
    """

    method: str
    #: Relative to ``/api/v10`` (as discord.py's ``Route`` paths are).
    path: str
    query: dict[str, str]
    #: The JSON body (``payload_json`` of a multipart upload), or None.
    json: Any
    headers: dict[str, str]
    #: File names of a multipart upload.
    files: list[str] = field(default_factory=list)
    #: The uploaded files' bytes, in the order of ``files``.
    contents: list[bytes] = field(default_factory=list, repr=False)
    #: Sent as a multipart upload (the JSON is its ``payload_json`` part).
    multipart: bool = False
    #: Discord's ``errors`` tree when the fake refused the body (400, code 50035), else None.
    refused: dict[str, Any] | None = None
    answered: threading.Event = field(default_factory=threading.Event, compare=False)


#: A regular expression searched in the path (or in ``"METHOD path"``), or a predicate.
Matcher = str | Callable[[Request], bool]


def matches(matcher: Matcher, request: Request) -> bool:
    if callable(matcher):
        return matcher(request)
    return bool(
        re.search(matcher, request.path) or re.search(matcher, f"{request.method} {request.path}")
    )


class Recorder:
    """REST requests, gateway payloads and gateway connections, in the order they came."""

    def __init__(self) -> None:
        #: Held while recording or changing shared state; notified after each change.
        self.changed = threading.Condition()
        self.requests: list[Request] = []
        #: Every gateway payload the client sent (decoded JSON), in order.
        self.gateway_received: list[dict[str, Any]] = []
        #: Query strings of each gateway connection (``v``, ``encoding``, ``compress``).
        self.gateway_queries: list[dict[str, str]] = []

    def add_request(self, request: Request) -> None:
        self._append(self.requests, request)

    def add_gateway_payload(self, payload: dict[str, Any]) -> None:
        self._append(self.gateway_received, payload)

    def add_gateway_query(self, query: dict[str, str]) -> None:
        self._append(self.gateway_queries, query)

    def _append(self, into: list[Any], item: Any) -> None:
        with self.changed:
            into.append(item)
            self.changed.notify_all()

    def of(self, matcher: Matcher) -> list[Request]:
        """Recorded requests whose path (or ``"METHOD path"``) matches, or the predicate holds."""
        with self.changed:
            return [r for r in self.requests if matches(matcher, r)]

    def wait_for(
        self, matcher: Matcher, count: int = 1, timeout: float = STEP_TIMEOUT
    ) -> list[Request]:
        """The matching requests once there are ``count`` of them (bounded, blocking wait).

        Call it from the test's thread, not from the loop the fake runs on.
        """

        def found() -> list[Request]:
            return [r for r in self.requests if matches(matcher, r)]

        def failure() -> str:
            seen = [f"{r.method} {r.path}" for r in self.requests]
            refused = [f"{r.method} {r.path}: {r.refused}" for r in self.requests if r.refused]
            said = f"; the fake refused {refused}" if refused else ""
            return f"no {count} request(s) matching {matcher!r}; saw {seen}{said}"

        return self._wait(found, count, timeout, failure)

    def wait_for_gateway(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        count: int = 1,
        timeout: float = STEP_TIMEOUT,
    ) -> list[dict[str, Any]]:
        """Gateway payloads from the client matching ``predicate`` (bounded, blocking wait)."""

        def found() -> list[dict[str, Any]]:
            return [m for m in self.gateway_received if predicate(m)]

        def failure() -> str:
            ops = [m.get("op") for m in self.gateway_received]
            return f"no {count} gateway payload(s) matching; saw ops {ops}"

        return self._wait(found, count, timeout, failure)

    def _wait(
        self,
        found: Callable[[], list[T]],
        count: int,
        timeout: float,
        failure: Callable[[], str],
    ) -> list[T]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                items = found()
                if len(items) >= count:
                    return items
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(failure())
                self.changed.wait(left)
