"""The fake Discord's gateway: the websocket session discord.py keeps open.

HELLO on connect, READY and GUILD_CREATE for an IDENTIFY with the right token, an ACK for
every heartbeat, RESUMED (or INVALID_SESSION when a test says so) for a RESUME, and
DISPATCH events a test sends. With ``compress=zlib-stream`` in the query, every payload
goes out through one zlib stream ending in Z_SYNC_FLUSH, as Discord's transport
compression does; discord.py inflates it as it would the real thing.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.discord.objects import APP_ID, GUILD_ID, bot_user, guild_object, snowflake
from tests.fakes.discord.recorder import Recorder
from tests.fakes.loop import STEP_TIMEOUT

HEARTBEAT_INTERVAL_MS = 41250
#: Each zlib-stream message ends with the Z_SYNC_FLUSH marker, which clients look for.
_ZLIB_SUFFIX = b"\x00\x00\xff\xff"

# Gateway opcodes (Discord's documentation, "Gateway Opcodes").
DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
RESUME = 6
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    compressor: Any | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: READY or RESUMED has been sent on this socket.
    live: bool = False

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        # One lock per socket: a zlib stream's chunks must reach the client in order.
        async with self.lock:
            if self.compressor is None:
                await self.ws.send_str(text)
            else:
                chunk = self.compressor.compress(text.encode())
                chunk += self.compressor.flush(zlib.Z_SYNC_FLUSH)
                assert chunk.endswith(_ZLIB_SUFFIX)
                await self.ws.send_bytes(chunk)


class Gateway:
    """The gateway of one fake Discord: one live session at a time, as a single shard has."""

    def __init__(self, recorder: Recorder, token: str, url: Callable[[], str]) -> None:
        self.recorder = recorder
        self.token = token
        #: The gateway's own address (known once the server listens), for READY.
        self._url = url
        self.identify_count = 0
        self.resume_count = 0
        #: Whether the next RESUME is accepted (else: INVALID_SESSION, the client re-IDENTIFYs).
        self.allow_resume = True
        self._conn: _Connection | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._seq = 0
        self._session_id: str | None = None

    # -- what a test does ------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one DISPATCH (op 0) with the next sequence number to the connected client."""
        conn = self._conn
        if conn is None or conn.ws.closed:
            raise AssertionError("no gateway connection to dispatch to")
        await self._send_dispatch(conn, event, data)

    async def drop_connection(self, code: int = 4000, *, resume: bool = True) -> None:
        """Close the gateway socket as Discord does on a hiccup; discord.py reconnects.

        With ``resume`` the client's RESUME is accepted (RESUMED); without it the session is
        invalidated and the client IDENTIFYs again (a new READY).
        """
        self.allow_resume = resume
        conn = self._conn
        if conn is None:
            raise AssertionError("no gateway connection to drop")
        self._conn = None
        await conn.ws.close(code=code, message=b"dropped by the test")

    async def close_all(self) -> None:
        """Close every open socket, as Discord going away does (the server is stopping)."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY)

    async def wait_for_identify(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> None:
        """Until the client has sent ``count`` IDENTIFYs and got READY for the last one."""
        await _until(lambda: self.identify_count >= count, f"{count} IDENTIFY", timeout)

    async def wait_connected(self, timeout: float = STEP_TIMEOUT) -> None:
        """Until a gateway session is live (READY or RESUMED sent on an open socket)."""

        def live() -> bool:
            conn = self._conn
            return conn is not None and conn.live and not conn.ws.closed

        await _until(live, "a live gateway session", timeout)

    async def wait_for_resume(self, count: int = 1, timeout: float = STEP_TIMEOUT) -> None:
        await _until(lambda: self.resume_count >= count, f"{count} RESUME", timeout)

    # -- the websocket ---------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp handler of ``GET /gateway``: one session until either side closes."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        compressor = None
        if query.get("compress") == "zlib-stream":
            compressor = zlib.compressobj()
        # Any other compression (zstd-stream) is answered uncompressed, which the client accepts.
        conn = _Connection(ws, compressor)
        self.recorder.add_gateway_query(query)
        self._sockets.add(ws)
        self._conn = conn
        try:
            await conn.send(
                {
                    "op": HELLO,
                    "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake-gateway"]},
                    "s": None,
                    "t": None,
                }
            )
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                raw = message.data
                if isinstance(raw, bytes):
                    raw = raw.decode()
                payload = json.loads(raw)
                self.recorder.add_gateway_payload(payload)
                await self._on_payload(conn, payload)
        finally:
            self._sockets.discard(ws)
            if self._conn is conn:
                self._conn = None
        return ws

    async def _send_dispatch(self, conn: _Connection, event: str, data: Any) -> None:
        self._seq += 1
        await conn.send({"op": DISPATCH, "t": event, "s": self._seq, "d": data})

    async def _on_payload(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        # PRESENCE_UPDATE (3), REQUEST_GUILD_MEMBERS (8) and the rest: recorded only.

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self._seq = 0
        self._session_id = f"session-{snowflake()}"
        ready = {
            "v": 10,
            "user": bot_user(),
            "user_settings": {},
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": self._session_id,
            "session_type": "normal",
            "resume_gateway_url": self._url(),
            "shard": data.get("shard") or [0, 1],
            "application": {"id": APP_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "_trace": ["fake-gateway"],
        }
        await self._send_dispatch(conn, "READY", ready)
        await self._send_dispatch(conn, "GUILD_CREATE", guild_object())
        conn.live = True
        with self.recorder.changed:
            self.identify_count += 1
            self.recorder.changed.notify_all()

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        with self.recorder.changed:
            self.resume_count += 1
            self.recorder.changed.notify_all()
        ok = (
            self.allow_resume
            and data.get("token") == self.token
            and data.get("session_id") == self._session_id
        )
        if ok:
            await self._send_dispatch(conn, "RESUMED", {"_trace": ["fake-gateway"]})
            conn.live = True
        else:
            self._session_id = None
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
        self.allow_resume = True


async def _until(check: Callable[[], bool], what: str, timeout: float) -> None:
    """Poll ``check`` on the fake's loop until it holds, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)
