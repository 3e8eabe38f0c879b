"""The web view in a process of its own, beside the chat platforms (``scalebot run all``).

On the bot's event loop, a page that takes CPU (a big table, a chart, an abusive
visitor's thousand error pages) would hold up Slack's and Discord's acknowledgements,
which have 3 s. A thread with its own loop would still share the interpreter's lock.
So :class:`WebProcess` starts ``python -m bot.web.process``: a child that reads the
settings from its stdin, serves :class:`~bot.web.service.WebService` on its own loop,
and reports its port (or why it could not start) as one JSON line on its stdout. It
runs at a lower CPU priority (nice), so when the machine is busy chat comes first.

The child stops when its stdin closes: when the bot stops it, and when the bot dies,
so no web view outlives its bot. Ctrl-C in a terminal reaches both processes; the child
ignores it and waits for the bot to stop it in order. If the child dies on its own, the
bot logs it and chat goes on.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import pickle
import signal
import sys
import threading
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr

from bot import logs
from bot.config import Settings
from bot.web import WebUnavailable

log = logging.getLogger(__name__)

#: How long a start waits for the child's report: a fresh interpreter imports
#: Datasette and the knowledge base first (2-3 s on an idle machine).
START_TIMEOUT = 60.0
#: How long a stop waits for the child to finish its requests before it is killed.
STOP_TIMEOUT = 10.0
#: How much lower the child's CPU priority is than the bot's (``nice``).
NICENESS = 10
#: The directory that holds the ``bot`` package, so the child imports the same code.
_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class WebProcess:
    """The ledger, read-only, at ``http://HOST:PORT/``, served by a child process."""

    name = "web"

    def __init__(self, settings: Settings) -> None:
        # The process that faces anonymous visitors holds no chat platform's secret.
        self.settings = settings.model_copy(
            update={name: None for name, value in settings if isinstance(value, SecretStr)}
        )
        self.host = settings.web_host
        self.port: int | None = settings.web_port
        self._process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        from bot.web.service import DEFAULT_PORT, page_url

        return page_url(self.host, self.port if self.port is not None else DEFAULT_PORT)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, env.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.web.process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(base64.b64encode(pickle.dumps(self.settings)) + b"\n")
        try:
            await process.stdin.drain()
            line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        except (TimeoutError, ConnectionError):
            await self._end()
            raise WebUnavailable(
                f"the web view's process did not start within {START_TIMEOUT:.0f} s"
            ) from None
        if not line:
            code = await self._end()
            raise WebUnavailable(
                f"the web view's process exited while starting (exit code {code}); its log says why"
            )
        report = json.loads(line)
        if "error" in report:
            await self._end()
            raise WebUnavailable(str(report["error"]))
        self.port = int(report["port"])
        self._watch = asyncio.create_task(self._watch_exit(process))
        log.info("web: serving the ledger read-only at %s (process %d)", self.url, process.pid)

    async def _watch_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        if not self._stopping:
            log.error("web: the web view's process exited (exit code %s); chat goes on", code)

    async def _end(self) -> int | None:
        """Close the child's stdin (its signal to stop), wait for it, kill it if it lingers."""
        process = self._process
        if process is None:
            return None
        if process.stdin is not None:
            process.stdin.close()
        try:
            return await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            log.warning("web: the web view's process did not stop in time; killing it")
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            return await process.wait()

    async def problem(self) -> str | None:
        """Why the web view is not served (/health), or None while its process runs."""
        process = self._process
        if process is None or process.returncode is not None:
            code = None if process is None else process.returncode
            return f"the web view's process is not running (exit code {code})"
        return None

    async def stop(self) -> None:
        self._stopping = True
        await self._end()
        if self._watch is not None:
            await self._watch


# -- the child -------------------------------------------------------------------------------


def _report(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _stop_at_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Block until stdin closes (the bot stopped us, or died), then set ``stop``."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdin.buffer.read()
    with contextlib.suppress(RuntimeError):  # the loop already closed
        loop.call_soon_threadsafe(stop.set)


async def _serve(settings: Settings, channel: IO[str]) -> int:
    from bot.web.service import WebService
    from knowledge.kb import KnowledgeBaseError, Library

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    threading.Thread(target=_stop_at_eof, args=(loop, stop), daemon=True).start()
    try:
        service = WebService(Library.load(), settings)
        await service.start()
    except (WebUnavailable, KnowledgeBaseError) as error:
        _report(channel, {"error": str(error)})
        return 1
    _report(channel, {"port": service.port})
    try:
        await stop.wait()
    finally:
        await service.stop()
    return 0


def main() -> None:
    """The child's entry: settings from stdin, the port on stdout, until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bot stops us, in order
    settings = pickle.loads(base64.b64decode(sys.stdin.buffer.readline()))
    assert isinstance(settings, Settings)
    # The report goes on the real stdout; anything else printed goes to the log.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logs.configure(settings)  # the bot's format (SCALEBOT_LOG_FORMAT) for its lines too
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    sys.exit(asyncio.run(_serve(settings, channel)))


if __name__ == "__main__":
    main()
