"""The bot under test: ``scalebot run all`` as a subprocess, its output, its processes.

:class:`Bot` starts it in a session of its own (a Ctrl-C at the terminal reaches the
soak, which stops the bot in order), reads its output as it comes (each line logged
at ERROR kept with its time, by :class:`~bench.soakreport.LogWatch`), samples its
processes every second from ``/proc`` (the bot and every child: RSS, open descriptors,
CPU time) and the WAL's size, and stops it: SIGTERM, SIGKILL after a grace, and any
child that outlives it killed by pid and start time. :func:`bot_env` is its
environment: every surface on the soak's fakes, nothing from the caller's shell.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from bench.soakfakes import SoakDiscord, SoakSlackAPI
from bench.soakload import MODERATORS
from bench.soakreport import LogWatch, Sample
from tests.fakes.discord.objects import TOKEN
from tests.fakes.slack_client import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent

#: Seconds the bot has to stop after SIGTERM before it is killed.
GRACE = 20.0
#: Seconds a child of the bot's may take to end after the bot (its stdin closed...).
OUTLIVE = 5.0
#: How often the bot's processes are sampled, in seconds.
SAMPLE_EVERY = 1.0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (children, theirs...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo and len(found) < 10_000:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def started(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), or None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else int(fields[19])


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as line:
            return line.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return f"pid {pid}"


def sample(pid: int, wal: Path) -> Sample:
    """RSS and open descriptors of ``pid`` and its descendants, and the WAL's size, now."""
    rss = fds = processes = 0
    ticks = 0
    for each in descendants(pid):
        try:
            with open(f"/proc/{each}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            with open(f"/proc/{each}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) * 1024
            fds += len(os.listdir(f"/proc/{each}/fd"))
            processes += 1
        except (OSError, ValueError):
            continue  # it ended between the listing and the reading
    try:
        wal_bytes = wal.stat().st_size
    except OSError:
        wal_bytes = 0
    cpu = ticks / os.sysconf("SC_CLK_TCK")
    return Sample(time.perf_counter(), rss, fds, wal_bytes, processes, cpu)


class Bot:
    """``scalebot run all`` in its own session, its output logged and read as it comes."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.log = directory / "scalebot.log"
        self.wal = directory / "ledger.db-wal"
        self.errors: list[tuple[float, str]] = []
        self.samples: list[Sample] = []
        self.seen: set[int] = set()
        #: Whether it had to be killed, and how long it took to stop.
        self.killed = False
        self.stop_seconds = 0.0
        #: The command lines of children still running after the bot exited.
        self.outlived: list[str] = []
        self._stop = threading.Event()
        # A session of its own: a Ctrl-C at the terminal reaches the soak, which stops the
        # bot in order, not the bot directly.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "all"],
            cwd=directory,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self._threads = [
            threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self._sample, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        watch = LogWatch()
        with self.log.open("wb") as sink:
            for raw in iter(stream.readline, b""):
                sink.write(raw)
                line = raw.decode("utf-8", "replace").rstrip()
                if watch.error(line):
                    self.errors.append((time.perf_counter(), line))

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY) and self.process.poll() is None:
            taken = sample(self.process.pid, self.wal)
            self.samples.append(taken)
            self.seen.update(descendants(self.process.pid))

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after :data:`GRACE`; its exit status.

        A child of the bot's still running :data:`OUTLIVE` seconds after the bot exited
        is killed and kept in :attr:`outlived` (an error of the soak). Children are known
        by their pid and start time, so a pid the system gave to another process since
        is never signalled.
        """
        self._stop.set()
        began = time.perf_counter()
        children = [(pid, started(pid)) for pid in descendants(self.process.pid)[1:]]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            self.killed = True
            self.process.kill()
            code = self.process.wait(timeout=GRACE)
        self.stop_seconds = time.perf_counter() - began
        ends = time.monotonic() + OUTLIVE
        left = [(pid, start) for pid, start in children if start and started(pid) == start]
        while left and time.monotonic() < ends:
            time.sleep(0.1)
            left = [(pid, start) for pid, start in left if started(pid) == start]
        for pid, _start in left:
            self.outlived.append(command_line(pid))
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for thread in self._threads:
            thread.join(GRACE)
        return code


def bot_env(
    directory: Path, slack: SoakSlackAPI, discord: SoakDiscord, ports: dict[str, int]
) -> dict[str, str]:
    """The bot's environment: every surface on 127.0.0.1, no setting of this shell's."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SCALEBOT_", "SLACK_", "DISCORD_"))
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "SCALEBOT_DB": str(directory / "ledger.db"),
            "SCALEBOT_MODERATORS": MODERATORS,
            "SLACK_BOT_TOKEN": "xoxb-soak",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "SCALEBOT_SLACK_HOST": "127.0.0.1",
            "SCALEBOT_SLACK_PORT": str(ports["slack"]),
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "SCALEBOT_WEB_HOST": "127.0.0.1",
            "SCALEBOT_WEB_PORT": str(ports["web"]),
            # A few members send thousands of commands: limits no run reaches, so each
            # command is counted (as in production) and none refused.
            "SCALEBOT_COMMAND_LIMIT": "1000000000/minute",
            "SCALEBOT_SUBMIT_LIMIT": "1000000000/minute",
            # The sources /submit cites are served here, on 127.0.0.1.
            "SCALEBOT_CHECK_ALLOW_PRIVATE": "1",
            "SCALEBOT_LOG_LEVEL": "INFO",
        }
    )
    return env
