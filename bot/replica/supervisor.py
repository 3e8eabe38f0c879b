"""Litestream as the bot's child: restore a missing database, replicate while the bot runs.

``scalebot run`` enters a :class:`Replication` before it opens the database (a missing
file is restored from the replica first, so a new container starts where the old one
stopped), starts Litestream once the database is open, and stops it after the database
is closed: Litestream's final sync then ships the last writes. Litestream runs in a
session of its own, so a Ctrl-C at the terminal reaches the bot, which stops it in
that order, and not Litestream first; on Linux it is told to stop (SIGTERM, a final
sync) if the bot dies without stopping it. A Litestream that exits by itself is started
again, after 1 s, 2 s, 4 s... up to a minute, and its last words are logged.
"""

from __future__ import annotations

import ctypes
import logging
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bot.replica import litestream
from bot.replica.status import (
    ReplicaStatus,
    ask_litestream,
    control,
    forget,
    observe,
    remember,
)

if TYPE_CHECKING:
    from types import TracebackType

    from bot.config import Settings

log = logging.getLogger("bot.replica")
relayed = logging.getLogger("bot.replica.litestream")

#: How often the supervisor asks Litestream how the replica is (a local socket).
POLL_SECONDS = 2.0
#: How long Litestream may take to open its control socket after it starts.
READY_SECONDS = 10.0
MAX_BACKOFF = 60.0
_LEVEL = re.compile(r"\blevel=(\w+)")
_PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> None:
    """In the child, before Litestream runs: SIGTERM when the bot's thread that started
    it dies (Linux), so a bot killed outright does not leave a Litestream behind."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


class Replication:
    """One database's replication, for the time a ``with`` block lasts."""

    def __init__(self, settings: Settings) -> None:
        assert settings.replica_url is not None
        self.db = Path(settings.db)
        self.url = settings.replica_url
        self.interval = settings.replica_sync_interval
        self.verbose = settings.log_level.upper() == "DEBUG"
        self.process: subprocess.Popen[str] | None = None
        self._config: Path | None = None
        self._ending = threading.Event()  # stop() has begun: an exit is not a crash
        self._stopping = threading.Event()  # Litestream has stopped: the watcher ends
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> Replication:
        self.restore_if_missing()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def restore_if_missing(self) -> None:
        """No database file: restore it from the replica, or start anew if that is empty.

        A replica that cannot be read stops the start (:class:`LitestreamFailed`): a new
        empty ledger replicated over it would bury the one it holds.
        """
        if self.db.exists():
            return
        started = time.monotonic()
        self.db.parent.mkdir(parents=True, exist_ok=True)
        if litestream.restore(self.url, self.db, if_replica_exists=True):
            log.info(
                "restored %s from the replica %s in %.1f s",
                self.db,
                self.url,
                time.monotonic() - started,
            )
        else:
            log.info("the replica %s holds no database yet: starting a new ledger", self.url)

    def start(self) -> None:
        """Start Litestream on the (open) database, unless one already replicates it."""
        if ask_litestream(self.db) is not None:
            log.warning(
                "another process already replicates %s to its replica; this one does not "
                "start a second Litestream",
                self.db,
            )
            return
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="litestream", daemon=True)
        self._watcher.start()

    def _spawn(self) -> None:
        if self._config is not None:
            self._config.unlink(missing_ok=True)
        self._config = litestream.write_config(self.interval)
        level = "info" if self.verbose else "warn"
        self.process = subprocess.Popen(
            [litestream.binary(), "replicate", "-config", str(self._config), "-log-level", level],
            env=litestream.environment(self.db, self.url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_parent_death_signal if _prctl is not None else None,
        )
        assert self.process.stdout is not None
        threading.Thread(
            target=self._relay, args=(self.process.stdout,), name="litestream-log", daemon=True
        ).start()
        deadline = time.monotonic() + READY_SECONDS
        while ask_litestream(self.db) is None and self.process.poll() is None:
            if time.monotonic() > deadline:
                log.warning("Litestream has not answered on its socket in %.0f s", READY_SECONDS)
                break
            time.sleep(0.02)
        if self.process.poll() is None and self._config is not None:
            self._config.unlink(missing_ok=True)  # read at its start: nothing left if killed
        log.info(
            "replicating %s to %s every %g s (Litestream pid %d)",
            self.db,
            self.url,
            self.interval,
            self.process.pid,
        )

    def _relay(self, output: IO[str]) -> None:
        """Litestream's log lines into ours, at their level, any password masked."""
        for line in output:
            found = _LEVEL.search(line)
            level = logging.getLevelName(found.group(1).upper()) if found else logging.INFO
            relayed.log(level if isinstance(level, int) else logging.INFO, self.url.redact(line))

    def _watch(self) -> None:
        """Every few seconds: note the replica's state; start Litestream again if it died."""
        backoff = 1.0
        while not self._stopping.wait(POLL_SECONDS):
            process = self.process
            if process is None or process.poll() is None:
                remember(self.db, self.status())
                continue
            if self._ending.is_set():
                continue
            message = f"Litestream exited with status {process.returncode}"
            log.error("%s; starting it again in %.0f s", message, backoff)
            remember(self.db, ReplicaStatus(self.url.masked, "error", None, None, message))
            if self._stopping.wait(backoff) or self._ending.is_set():
                return
            backoff = min(backoff * 2, MAX_BACKOFF)
            try:
                self._spawn()
            except (litestream.LitestreamFailed, OSError) as error:
                log.error("cannot start Litestream again: %s", self.url.redact(str(error)))

    def status(self) -> ReplicaStatus:
        """Asked now: the replica's state as Litestream reports it."""
        pid = self.process.pid if self.process is not None else None
        return observe(self.db, self.url.masked, pid)

    def stop(self) -> None:
        """Stop Litestream after its final sync (bounded), then the watcher.

        The watcher ends only once Litestream has: a Litestream it started again is told
        to stop by its parent thread's end too (Linux), and a second signal would cut
        Litestream's final sync short.
        """
        self._ending.set()
        if self.process is not None and self.process.poll() is None and self.sync_now():
            log.info("replica %s holds every write of this run", self.url)
        self._terminate(self.process)
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
            self._terminate(self.process)  # one the watcher started as stop() began
        if self._config is not None:
            self._config.unlink(missing_ok=True)
        forget(self.db)

    def sync_now(self, within: float = litestream.SHUTDOWN_SYNC_SECONDS) -> bool:
        """Have Litestream ship every write so far to the replica, waiting ``within`` s.

        Its own final sync on SIGTERM is skipped when it has not opened the database yet
        (it does so at its first interval): a short run would leave the replica empty.
        """
        deadline = time.monotonic() + within
        request = {"path": str(self.db.resolve()), "wait": True, "timeout": int(within) + 1}
        while time.monotonic() < deadline:
            answer = control(self.db, "POST", "/sync", request, timeout=within + 1)
            if answer is not None and answer[0] == 200:
                return True
            time.sleep(0.05)  # not open yet (409), or not listening yet
        log.warning("Litestream did not confirm a sync to %s within %.0f s", self.url, within)
        return False

    def _terminate(self, process: subprocess.Popen[str] | None) -> None:
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(litestream.SHUTDOWN_SYNC_SECONDS + 5)
            log.info("Litestream stopped")
        except subprocess.TimeoutExpired:
            log.error("Litestream did not stop after its final sync; killing it")
            process.kill()
            process.wait()
