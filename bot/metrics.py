"""The bot's metrics, in Prometheus' text format (prometheus-client), one registry a bot.

Every command an adapter hands the runner is recorded once, when its reply is ready
(:meth:`Metrics.command`, called by :mod:`bot.runner`): counted by command, platform
and outcome, timed in a histogram per command and platform. Figures that live in the
ledger (pending and disputed figures, the ledger's size, the news outbox) are read at
scrape time from a few indexed counts (:mod:`bot.probe`), never on a command's path.
Other parts of the bot report a figure through :meth:`Metrics.watch`: a callable read
at each scrape, whose metric is absent while it answers None (replication lag).

Each :class:`Metrics` has a :class:`~prometheus_client.CollectorRegistry` of its own,
never the library's global one, so two bots in one process (tests) never share a count.
The recording path is a few dictionary and list operations on the event loop, with no
lock (:class:`_Commands`): about 1 µs a command.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import time
from asyncio import Future
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from bot.errors import DiskFull, LedgerBusyError, NotStored, RateLimited, WritesOff
from bot.reply import Reply

PREFIX = "scalebot"
#: Seconds from the adapter's call to the reply: most replies take well under 10 ms
#: (a cached one under 1 ms); writes, charts and source checks take longer.
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
#: The label a command name gets when it is none of the bot's (a typo, a probe).
UNKNOWN = "unknown"
#: An error reply's class (``Reply.data["error"]``) -> its outcome; other errors: "error".
OUTCOMES = {
    RateLimited.__name__: "refused",
    "InternalError": "failed",
    **{cls.__name__: "not_stored" for cls in (LedgerBusyError, WritesOff, DiskFull, NotStored)},
}
#: The figure :mod:`bot.replica` reports, once the lead wires it (see :meth:`Metrics.watch`).
REPLICATION_LAG = "replication_lag_seconds"
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def outcome(reply: Reply) -> str:
    """``answer``, ``error`` (the user's mistake), ``refused`` (a rate limit),
    ``not_stored`` (SQLite refused the write) or ``failed`` (our own bug)."""
    if reply.kind == "answer":
        return "answer"
    return OUTCOMES.get(str(reply.data.get("error")), "error")


class _Watched(Collector):
    """The :meth:`Metrics.watch` figures and the ledger's, read at each scrape."""

    def __init__(self) -> None:
        self.gauges: dict[str, tuple[str, Callable[[], float | None]]] = {}
        self.ledger: Callable[[], Mapping[str, tuple[str, float]]] | None = None

    def collect(self) -> Iterator[Metric]:
        if self.ledger is not None:
            try:
                figures = self.ledger()
            except Exception as error:  # /health says why; the other metrics still answer
                logging.getLogger(__name__).warning("the ledger's gauges: %s", error)
                figures = {}
            for name, (help_text, figure) in figures.items():
                yield GaugeMetricFamily(f"{PREFIX}_{name}", help_text, value=figure)
        for name, (help_text, read) in self.gauges.items():
            try:
                value = read()
            except Exception:
                logging.getLogger(__name__).exception("reading the metric %s failed", name)
                continue
            if value is not None:
                yield GaugeMetricFamily(f"{PREFIX}_{name}", help_text, value=value)


class _ErrorLog(logging.Handler):
    """Counts the log records at ERROR and above: every exception the bot logs."""

    def __init__(self, counter: Counter) -> None:
        super().__init__(logging.ERROR)
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        self.counter.labels(record.name).inc()


class _Commands(Collector):
    """Commands counted and timed as plain numbers, exposed as a counter and a histogram.

    Recorded on the event loop only (the runner's callbacks), so an update is a few
    list and dictionary operations with no lock; a scrape copies them (each copy is one
    step under the interpreter's lock) and derives every cumulative bucket and the
    count from one copy, so ``_count`` always equals the ``+Inf`` bucket.
    prometheus-client's own Counter and Histogram take a lock per child and per bucket:
    about 6 µs a command here, this about 1 µs.
    """

    def __init__(self) -> None:
        #: (command, platform, outcome) -> how many.
        self.counts: dict[tuple[str, str, str], int] = {}
        #: (command, platform) -> [count in each bucket (le order, then +Inf)..., sum].
        self.timings: dict[tuple[str, str], list[float]] = {}
        #: (limit, platform) -> refusals.
        self.refusals: dict[tuple[str, str], int] = {}

    def collect(self) -> Iterator[Metric]:
        commands = CounterMetricFamily(
            f"{PREFIX}_commands",
            "Commands answered, by command, platform and outcome "
            "(answer, error, refused, not_stored, failed).",
            labels=["command", "platform", "outcome"],
        )
        for key, count in list(self.counts.items()):
            commands.add_metric(key, count)
        yield commands
        latency = HistogramMetricFamily(
            f"{PREFIX}_command_seconds",
            "Seconds from the adapter's call to the reply, by command and platform.",
            labels=["command", "platform"],
        )
        bounds = [*(floatToGoString(b) for b in LATENCY_BUCKETS), "+Inf"]
        for pair, timing in list(self.timings.items()):
            copy = list(timing)
            cumulative = list(itertools.accumulate(copy[:-1]))
            latency.add_metric(pair, list(zip(bounds, cumulative, strict=True)), copy[-1])
        yield latency
        refusals = CounterMetricFamily(
            f"{PREFIX}_rate_limit_refusals",
            "Commands refused by a rate limit (commands: SCALEBOT_COMMAND_LIMIT, "
            "submissions: SCALEBOT_SUBMIT_LIMIT), by limit and platform.",
            labels=["limit", "platform"],
        )
        for limit, count in list(self.refusals.items()):
            refusals.add_metric(limit, count)
        yield refusals


class Metrics:
    """The instruments and the registry they are exposed from."""

    def __init__(self, commands: Iterable[str]) -> None:
        """``commands``: the bot's command names (any other name is counted as unknown)."""
        self.registry = CollectorRegistry()
        self.known = frozenset(commands)
        self._commands = _Commands()
        self.registry.register(self._commands)
        self.errors = Counter(
            f"{PREFIX}_errors",
            "Log records at ERROR or above (every exception the bot logs), by logger.",
            ["logger"],
            registry=self.registry,
        )
        self._watched = _Watched()
        self.registry.register(self._watched)
        self._error_log: _ErrorLog | None = None

    # -- the hot path: on the event loop -------------------------------------------------

    def command(self, name: str, platform: str, reply: Reply, seconds: float) -> None:
        """One command's reply, ``seconds`` after the adapter asked (the runner calls it
        on the event loop, and only there)."""
        result = "answer" if reply.kind == "answer" else outcome(reply)
        self._record(name, platform, result, seconds)
        if result == "refused":
            key = (str(reply.data.get("limit", "commands")), platform)
            refusals = self._commands.refusals
            refusals[key] = refusals.get(key, 0) + 1

    def resolved(self, name: str, platform: str, started: float, reply: Future[Reply]) -> None:
        """A command's reply future, done: recorded with the time since ``started``
        (``time.perf_counter()`` at the adapter's call); a cancelled one is not counted."""
        seconds = time.perf_counter() - started
        if reply.cancelled():
            return
        if reply.exception() is None:
            self.command(name, platform, reply.result(), seconds)
        else:
            self.failed(name, platform, seconds)

    def failed(self, name: str, platform: str, seconds: float) -> None:
        """A command whose reply never came: the call raised (counted as ``failed``)."""
        self._record(name, platform, "failed", seconds)

    def _record(self, name: str, platform: str, result: str, seconds: float) -> None:
        if name not in self.known:
            name = UNKNOWN  # a stream of typos adds no series
        counts = self._commands.counts
        key = (name, platform, result)
        counts[key] = counts.get(key, 0) + 1
        timing = self._commands.timings.get((name, platform))
        if timing is None:
            timing = self._commands.timings[(name, platform)] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        timing[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        timing[-1] += seconds

    # -- figures read at scrape time ---------------------------------------------------------

    def watch(self, name: str, read: Callable[[], float | None], help_text: str = "") -> None:
        """Expose ``read()`` as the gauge ``scalebot_NAME`` at each scrape; None: absent.

        For figures another part of the bot knows (the replica's lag); ``read`` must be
        cheap (no network): it runs at every scrape, off the event loop. Watching a name
        again replaces its reader.
        """
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a metric name (example: replication_lag_seconds)")
        self._watched.gauges[name] = (help_text or name.replace("_", " "), read)

    def ledger(self, read: Callable[[], Mapping[str, tuple[str, float]]]) -> None:
        """Read the ledger's gauges with ``read`` at each scrape: name -> (help, value)."""
        self._watched.ledger = read

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format (reads the watched figures: call it
        off the event loop)."""
        return generate_latest(self.registry)

    # -- errors, from the log ----------------------------------------------------------------

    def count_errors(self, logger: logging.Logger | None = None) -> None:
        """Count the error records that reach ``logger`` (default: the root logger)."""
        self._error_log = _ErrorLog(self.errors)
        (logger or logging.getLogger()).addHandler(self._error_log)

    def close(self, logger: logging.Logger | None = None) -> None:
        if self._error_log is not None:
            (logger or logging.getLogger()).removeHandler(self._error_log)
            self._error_log = None
