"""The soak's figures: requests, latency, errors and process state per window, and the verdict.

Pure bookkeeping, no I/O: ``bench/soak.py`` feeds it what it measured (each reply's
latency or error, each sample of the bot's processes, each line the bot logged at
``ERROR``) and prints what it returns; ``tests/test_soak.py`` holds the verdict's rules
to hand-made windows.

The targets are the issue's, for a 10-minute run: no error; RSS after the first window
grows under 10%; the last window's p99 at most 1.5x the first's; open file descriptors
and the WAL bounded. "Bounded" is made exact here: the last window's most descriptors
at most the first window's most plus :data:`FD_SLACK` (a few sockets in flight more or
less), and the WAL file never over :data:`WAL_LIMIT` (SQLite checkpoints it at 1,000
pages, about 4 MiB, and reuses the file from its start, so it stays near that size;
one that grows past 32 MiB means checkpoints stopped). The growth targets compare two
windows, so a run of one window (CI's minute) is judged on errors and the WAL only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: A record the bot logs, in its text format ("2026-12-03 10:00:00,123 LEVEL name: ...") or
#: as a JSON object per line (``SCALEBOT_LOG_FORMAT=json``): its level.
_LEVEL = re.compile(
    r'^\d{4}-\d\d-\d\d \S+ (?P<text>[A-Z]+) |"(?:level|levelname)": ?"(?P<json>[A-Z]+)"'
)
_ERRORS = {"ERROR", "CRITICAL"}


class LogWatch:
    """Tells which lines of the bot's output are errors, each counted once.

    A record at ERROR or CRITICAL is one; so is a traceback that follows no such record
    (an exception nothing logged: a thread's, or one logged at WARNING with its trace).
    The lines of a traceback after its first are not counted again.
    """

    def __init__(self) -> None:
        self._last_level = ""

    def error(self, line: str) -> bool:
        level = _LEVEL.search(line)
        if level is not None:
            self._last_level = level.group("text") or level.group("json") or ""
            return self._last_level in _ERRORS
        if line.startswith("Traceback (most recent call last)"):
            counted = self._last_level not in _ERRORS
            self._last_level = "ERROR"  # the rest of this traceback is that error's
            return counted
        return False


RSS_GROWTH = 0.10
P99_RATIO = 1.5
FD_SLACK = 16
WAL_LIMIT = 32 * 1024 * 1024
#: The kinds of latency a window reports: chat replies (Slack and Discord) and web pages.
KINDS = ("chat", "web")


@dataclass
class Sample:
    """The bot's processes (the bot and its children) at one moment."""

    at: float
    rss_bytes: int
    fds: int
    wal_bytes: int
    processes: int
    #: CPU time (user and system) the processes have used so far, in seconds.
    cpu_seconds: float = 0.0


@dataclass
class Window:
    """What one window (a minute, by default) of the soak saw."""

    index: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    #: Requests by transport (slack, discord, web).
    requests: Counter[str] = field(default_factory=Counter)
    #: Errors by kind ("slack /scale: unexpected reply", "log: ERROR", ...).
    errors: Counter[str] = field(default_factory=Counter)
    #: Expected refusals by kind ("web /ledger/figures: query time limit").
    refused: Counter[str] = field(default_factory=Counter)
    #: Ticks of the load's clock skipped because the concurrency cap was reached.
    shed: int = 0
    samples: list[Sample] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (None for no values): p99 of 100 values is the 99th."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def row(window: Window, seconds: float) -> dict[str, Any]:
    """One window as a row of the table (and of ``--json``): times in ms, sizes in bytes."""
    out: dict[str, Any] = {
        "window": window.index + 1,
        "seconds": seconds,
        "requests": sum(window.requests.values()),
        "by_transport": dict(window.requests),
        "errors": sum(window.errors.values()),
        "errors_by_kind": dict(window.errors),
        "refused": sum(window.refused.values()),
        "refused_by_kind": dict(window.refused),
        "shed": window.shed,
    }
    for kind in KINDS:
        values = window.latencies[kind]
        for name, fraction in (("p50", 0.50), ("p99", 0.99)):
            value = percentile(values, fraction)
            out[f"{kind}_{name}_ms"] = None if value is None else round(value * 1000, 2)
    samples = window.samples
    out["rss_max_bytes"] = max((s.rss_bytes for s in samples), default=None)
    out["rss_end_bytes"] = samples[-1].rss_bytes if samples else None
    out["fds_max"] = max((s.fds for s in samples), default=None)
    out["wal_max_bytes"] = max((s.wal_bytes for s in samples), default=None)
    out["processes_max"] = max((s.processes for s in samples), default=None)
    cpu = None
    if len(samples) >= 2 and samples[-1].at > samples[0].at:
        used = samples[-1].cpu_seconds - samples[0].cpu_seconds
        cpu = round(100 * used / (samples[-1].at - samples[0].at), 1)
    out["cpu_percent"] = cpu
    return out


@dataclass
class Check:
    """One target: what it asks, what was measured, and whether it holds (None: not judged)."""

    name: str
    target: str
    measured: str
    ok: bool | None


def verdict(rows: list[dict[str, Any]]) -> list[Check]:
    """Each target checked against the rows (the first and last windows, and every one)."""
    errors = sum(r["errors"] for r in rows)
    checks = [Check("errors", "0", str(errors), errors == 0)]
    first, last = rows[0], rows[-1]
    judged = len(rows) >= 2
    why = "not judged: one window"

    base, peak = first["rss_end_bytes"], last["rss_max_bytes"]
    if judged and base and peak is not None:
        growth = peak / base - 1
        checks.append(
            Check(
                "RSS growth after the first window",
                f"< {RSS_GROWTH:.0%}",
                f"{growth:+.1%} ({base / 2**20:.1f} -> {peak / 2**20:.1f} MiB)",
                growth < RSS_GROWTH,
            )
        )
    else:
        checks.append(Check("RSS growth after the first window", f"< {RSS_GROWTH:.0%}", why, None))

    for kind in KINDS:
        name = f"{kind} p99, last window / first"
        early, late = first[f"{kind}_p99_ms"], last[f"{kind}_p99_ms"]
        if judged and early and late is not None:
            ratio = late / early
            measured = f"{ratio:.2f}x ({early:.1f} -> {late:.1f} ms)"
            checks.append(Check(name, f"<= {P99_RATIO}x", measured, ratio <= P99_RATIO))
        else:
            checks.append(
                Check(name, f"<= {P99_RATIO}x", why if not judged else "no samples", None)
            )

    fds_first, fds_last = first["fds_max"], last["fds_max"]
    target = f"last window's most <= first's + {FD_SLACK}"
    if judged and fds_first is not None and fds_last is not None:
        measured = f"{fds_first} -> {fds_last}"
        checks.append(
            Check("open file descriptors", target, measured, fds_last <= fds_first + FD_SLACK)
        )
    else:
        checks.append(Check("open file descriptors", target, why, None))

    wal = max((r["wal_max_bytes"] or 0) for r in rows)
    checks.append(
        Check(
            "WAL file",
            f"<= {WAL_LIMIT // 2**20} MiB throughout",
            f"{wal / 2**20:.1f} MiB at most",
            wal <= WAL_LIMIT,
        )
    )
    return checks


def passed(checks: list[Check]) -> bool:
    """True when no judged target is missed."""
    return all(check.ok is not False for check in checks)


def table(rows: list[dict[str, Any]], window_seconds: float) -> str:
    """The rows as a Markdown table, as the README shows them."""
    unit = "minute" if window_seconds == 60 else f"{window_seconds:g} s window"
    head = (
        f"| {unit} | requests (shed) | chat p50 / p99 ms | web p50 / p99 ms | errors | RSS MiB "
        "| fds | WAL MiB | CPU % |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        chat = _pair(r["chat_p50_ms"], r["chat_p99_ms"])
        web = _pair(r["web_p50_ms"], r["web_p99_ms"])
        rss = _mib(r["rss_max_bytes"])
        wal = _mib(r["wal_max_bytes"])
        fds = "-" if r["fds_max"] is None else str(r["fds_max"])
        cpu = "-" if r["cpu_percent"] is None else f"{r['cpu_percent']:.0f}"
        lines.append(
            f"| {r['window']} | {r['requests']} ({r['shed']}) | {chat} | {web} | {r['errors']} "
            f"| {rss} | {fds} | {wal} | {cpu} |"
        )
    return "\n".join(lines)


def by_request(latencies: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    """Each kind of request's count, p50 and p99 in ms, slowest p99 first."""
    stats = {
        name: {
            "count": len(values),
            "p50_ms": round((percentile(values, 0.50) or 0) * 1000, 2),
            "p99_ms": round((percentile(values, 0.99) or 0) * 1000, 2),
        }
        for name, values in latencies.items()
        if values
    }
    return dict(sorted(stats.items(), key=lambda item: -item[1]["p99_ms"]))


def _pair(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "-"
    return f"{a:.1f} / {b:.1f}"


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f}"
