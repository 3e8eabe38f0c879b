"""A real ``scalebot run console`` with a ``file://`` replica, driven through its pipes.

The bot reads one command a line from its standard input and prints each reply once the
write is committed, so a "Submitted #N" line on its standard output is an acknowledged
write: :class:`ReplicatedBot` sends ``/submit`` lines one by one and notes when each was
acknowledged. Its log (standard error) goes to a file, where the supervisor names the
Litestream it started.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner, Result

from bot.cli import cli
from bot.replica.litestream import socket_path
from tests.helpers import MODERATOR, ROOT, environ_without_settings

TIMEOUT = 30.0
ACK = re.compile(rb"^Submitted #(\d+) ")
LITESTREAM_PID = re.compile(r"Litestream pid (\d+)")


def replica_env(replica: Path | None, interval: float | None = None) -> dict[str, str]:
    env = {
        **environ_without_settings(),
        "PYTHONPATH": str(ROOT),
        "SCALEBOT_MODERATORS": MODERATOR,
        "SCALEBOT_SUBMIT_LIMIT": "1000000/hour",
    }
    if replica is not None:
        env["SCALEBOT_REPLICA_URL"] = replica.as_uri()
    if interval is not None:
        env["SCALEBOT_REPLICA_SYNC_INTERVAL"] = str(interval)
    return env


def scalebot(
    *args: str, env: dict[str, str], timeout: float = TIMEOUT
) -> subprocess.CompletedProcess:
    """One ``scalebot`` command run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def invoke(*args: str, replica: str | None = None) -> Result:
    """One ``scalebot`` command in this process (click's runner), the replica URL set."""
    env = {"SCALEBOT_REPLICA_URL": replica} if replica is not None else {}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@dataclass
class ReplicatedBot:
    """``scalebot --db DB run console`` with ``SCALEBOT_REPLICA_URL`` set to ``replica``."""

    db: Path
    replica: Path | None
    log: Path
    interval: float | None = None
    proc: subprocess.Popen[bytes] = field(init=False)
    acked: dict[int, float] = field(default_factory=dict)  # id -> monotonic time of its ack
    _buffer: bytes = b""
    _sent: int = 0

    def __post_init__(self) -> None:
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--db", str(self.db), "run", "console"],
            cwd=ROOT,
            env=replica_env(self.replica, self.interval),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    def litestream_pid(self) -> int:
        """The pid of the Litestream the bot started, once it says it replicates."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = LITESTREAM_PID.search(self.log.read_text(errors="replace"))
            if found:
                return int(found.group(1))
            assert self.proc.poll() is None, f"the bot exited: {self.log_text()}"
            time.sleep(0.02)
        raise AssertionError(f"the bot never said it replicates: {self.log_text()}")

    def send(self) -> None:
        """Send the next /submit (a new dataset each time) without waiting for its ack."""
        n = self._sent
        self._sent += 1
        line = f'/submit video "Drill {n}" {n + 1}k clips https://example.org/d/{n} year:2024\n'
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()

    def wait_ack(self) -> int:
        """The id of the next acknowledged submission, noting when it came."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in self._lines():
                found = ACK.match(line)
                if found:
                    self.acked[int(found.group(1))] = time.monotonic()
                    return int(found.group(1))
            self._selector.select(timeout=0.5)
            chunk = self.proc.stdout.read(65536)
            if chunk == b"":
                raise AssertionError(f"the bot closed its output: {self.log_text()}")
            self._buffer += chunk or b""
        raise AssertionError("no acknowledgement within the timeout")

    def _lines(self) -> list[bytes]:
        *lines, self._buffer = self._buffer.split(b"\n")
        return lines

    def submit(self) -> int:
        self.send()
        return self.wait_ack()

    def stop(self) -> int:
        """Close its input, as a piped session ends: the bot stops cleanly; its exit status."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(TIMEOUT)
        self.close()
        return self.proc.returncode

    def crash(self, litestream: int) -> float:
        """The machine dies: Litestream and the bot killed outright at once; the time."""
        at = time.monotonic()
        os.kill(litestream, signal.SIGKILL)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)
        self.close()
        socket_path(self.db).unlink(missing_ok=True)  # what a killed Litestream leaves
        return at

    def close(self) -> None:
        self._selector.close()
        self._log.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def process_gone(pid: int, within: float = TIMEOUT) -> bool:
    """Whether process ``pid`` has ended (or is a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.02)
    return False


def restored_ids(db: Path) -> set[int]:
    """The ids of the drill's submissions in a restored ledger."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id FROM data_points WHERE dataset LIKE 'Drill %'").fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


def no_socket(db: Path) -> bool:
    return not socket_path(db).exists()
