"""What the replica looks like from here: :func:`replica_status` for doctor and metrics.

Litestream answers on a local control socket (``GET /list``: each database's state and
the time of its last successful sync to the replica). The supervisor of a running bot
asks every few seconds and keeps the answer (:data:`LAST_SEEN`), so
:func:`replica_status` in that process is a dictionary read. In another process
(``scalebot doctor``) it asks the socket once: a local file, never the network, and the
replica's storage is not touched.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.replica.litestream import socket_path

if TYPE_CHECKING:
    from bot.config import Settings

#: How long a question to the control socket may take.
ASK_TIMEOUT = 1.0


@dataclass(frozen=True)
class ReplicaStatus:
    """The replica of one database as last seen.

    ``state`` is ``replicating``, ``starting`` (Litestream runs and has not opened the
    database yet), ``stopped`` (Litestream runs, this database is not replicated),
    ``not running`` (no Litestream answers for it) or ``error``.
    ``lag_seconds`` is the time since Litestream last finished a sync to the replica
    (it syncs every interval, idle or not, so a healthy replica stays near the interval);
    None when it never has.
    """

    url: str
    state: str
    last_synced_at: datetime | None
    lag_seconds: float | None
    error: str | None = None
    pid: int | None = None

    def lines(self) -> list[str]:
        """How ``scalebot doctor`` shows it."""
        shown = [f"replica: {self.url} ({self.state})"]
        if self.last_synced_at is not None and self.lag_seconds is not None:
            shown.append(
                f"replica: last sync {self.last_synced_at.isoformat(timespec='seconds')}, "
                f"lag {self.lag_seconds:.1f} s"
            )
        if self.error:
            shown.append(f"replica: {self.error}")
        return shown


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over Litestream's Unix control socket."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def control(
    db: Path, method: str, what: str, body: dict | None = None, timeout: float = ASK_TIMEOUT
) -> tuple[int, dict] | None:
    """Ask ``db``'s Litestream on its control socket: the HTTP status and the JSON answer,
    or None when no Litestream answers there."""
    path = socket_path(db)
    if not path.exists():
        return None
    connection = _UnixConnection(path, timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        connection.request(method, what, body=payload, headers=headers)
        answer = connection.getresponse()
        found = json.loads(answer.read() or b"{}")
        return answer.status, found if isinstance(found, dict) else {}
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def ask_litestream(db: Path) -> dict | None:
    """``GET /list`` of ``db``'s Litestream, or None when none answers."""
    answer = control(db, "GET", "/list")
    return answer[1] if answer is not None and answer[0] == 200 else None


def observe(db: Path, url: str, pid: int | None = None) -> ReplicaStatus:
    """Ask ``db``'s Litestream now: its state and the age of its last sync."""
    answer = ask_litestream(db)
    if answer is None:
        return ReplicaStatus(
            url,
            "not running",
            None,
            None,
            "no Litestream answers for this database here: it replicates while "
            "`scalebot run` runs with SCALEBOT_REPLICA_URL set",
        )
    target = str(db.resolve())
    for entry in answer.get("databases", []):
        if entry.get("path") != target:
            continue
        synced = entry.get("last_sync_at")
        at = datetime.fromisoformat(synced).astimezone(UTC) if synced else None
        lag = (datetime.now(UTC) - at).total_seconds() if at else None
        state = "replicating" if entry.get("status") == "replicating" else "stopped"
        if entry.get("status") == "stopped" and at is None:
            state = "starting"  # the database is opened at Litestream's first interval
        return ReplicaStatus(url, state, at, max(lag, 0.0) if lag is not None else None, pid=pid)
    return ReplicaStatus(url, "stopped", None, None, "Litestream runs but not for this database")


#: database path -> (when seen, status): kept by the supervisor of a running bot.
LAST_SEEN: dict[str, tuple[float, ReplicaStatus]] = {}
_LOCK = threading.Lock()


def remember(db: Path, status: ReplicaStatus) -> None:
    with _LOCK:
        LAST_SEEN[str(db.resolve())] = (time.monotonic(), status)


def forget(db: Path) -> None:
    with _LOCK:
        LAST_SEEN.pop(str(db.resolve()), None)


def replica_status(settings: Settings) -> ReplicaStatus | None:
    """The replica's state for ``settings``' database; None when no replica is set.

    In the bot's own process, what its supervisor last saw, with the lag brought up to
    now; elsewhere, one question to the local control socket.
    """
    if settings.replica_url is None:
        return None
    db = Path(settings.db)
    with _LOCK:
        seen = LAST_SEEN.get(str(db.resolve()))
    if seen is None:
        return observe(db, settings.replica_url.masked)
    when, status = seen
    if status.lag_seconds is None:
        return status
    return replace(status, lag_seconds=status.lag_seconds + time.monotonic() - when)
