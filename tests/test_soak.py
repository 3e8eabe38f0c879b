"""``bench/soak.py`` keeps working between the runs that matter.

CI runs the soak for a minute (``.ci/run``); the full 10 minutes are run by hand for the
README. These keep its machinery honest in the normal suite: a few seconds of the real
soak against the real ``scalebot run all`` (every transport answered, no error, the
load held to its rate, the bot and its children gone after), a Ctrl-C that stops the
bot in order, and the verdict's rules on hand-made windows.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.soakreport import (
    FD_SLACK,
    WAL_LIMIT,
    LogWatch,
    Sample,
    Window,
    passed,
    row,
    verdict,
)

ROOT = Path(__file__).resolve().parent.parent
SOAK = ROOT / "bench" / "soak.py"
#: No soak here may run longer than this, start and stop included.
DEADLINE = 180.0
MIB = 2**20


def _gone(pid: int) -> bool:
    """No such process, or a zombie (ended; init has not reaped it yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


@pytest.mark.slow
def test_a_short_soak_answers_every_transport_without_error(tmp_path: Path) -> None:
    out, log = tmp_path / "soak.json", tmp_path / "bot.log"
    seconds, rate = 6, 20
    options = ["--minutes", str(seconds / 60), "--window", str(seconds), "--rate", str(rate)]
    options += ["--points", "0", "--json", str(out), "--log", str(log)]
    done = subprocess.run(
        [sys.executable, str(SOAK), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASS" in done.stdout
    document = json.loads(out.read_text())
    (window,) = document["windows"]
    assert window["errors"] == 0, document["errors"]
    # Every transport was asked, and reads, points' steps and pages all answered.
    assert set(window["by_transport"]) == {"slack", "discord", "web"}
    names = set(document["by_request"])
    assert any(name.endswith("/submit") for name in names), names
    assert any(name.endswith(("/scale", "/trend", "/compare", "/history")) for name in names)
    assert any(name.startswith("web /ledger/") for name in names), names
    # The load keeps its rate: a tick is a request or, at the concurrency cap, shed.
    ticks = window["requests"] + window["shed"]
    assert rate * seconds * 0.7 <= ticks <= rate * seconds + 1, window
    # The bot's processes were sampled: the bot and the web view's own process at least.
    assert window["processes_max"] >= 2
    assert window["rss_max_bytes"] > 50 * MIB
    assert window["fds_max"] > 10
    assert "running: discord, slack, web" in log.read_text()
    # Stopped by SIGTERM, cleanly, and nothing of the bot's is left.
    assert "exit status 0" in done.stdout
    assert document["facts"]["pids"], document["facts"]
    assert document["facts"]["outlived"] == []
    assert all(_gone(pid) for pid in document["facts"]["pids"])


@pytest.mark.slow
def test_ctrl_c_stops_the_bot_in_order(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, str(SOAK), "--minutes", "5", "--points", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A shell's background job ignores SIGINT; a terminal's Ctrl-C does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    bot = None
    try:
        ends = time.monotonic() + DEADLINE
        while bot is None and time.monotonic() < ends and process.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if found := re.search(r"the bot \(pid (\d+)\) serves", line):
                bot = int(found.group(1))
        assert bot is not None, "".join(seen)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    reader.join(10)
    while not lines.empty():
        seen.append(lines.get())
    output = "".join(seen)
    assert "exit status 0" in output, output
    assert "interrupted" in output
    assert _gone(bot)


# -- the verdict's rules, on hand-made windows ---------------------------------------------


def window(
    index: int,
    *,
    p99_ms: float = 100.0,
    rss_mib: float = 400.0,
    fds: int = 80,
    wal: int = 4 * MIB,
    errors: int = 0,
) -> dict[str, object]:
    """A minute whose p99 (chat and web), RSS, descriptors and WAL are as given."""
    made = Window(index)
    for kind in ("chat", "web"):
        # 100 latencies: the 99th smallest is the p99.
        made.latencies[kind] = [0.001] * 98 + [p99_ms / 1000] * 2
    made.requests["slack"] = 100
    if errors:
        made.errors["slack /scale"] = errors
    start = index * 60.0
    for at in (start, start + 59):
        made.samples.append(Sample(at, int(rss_mib * MIB), fds, wal, 3, at / 2))
    return row(made, 60.0)


def outcome(rows: list[dict[str, object]]) -> dict[str, bool | None]:
    return {check.name: check.ok for check in verdict(rows)}


def test_a_steady_run_meets_every_target() -> None:
    rows = [window(0), window(1, p99_ms=120, rss_mib=420, fds=85), window(2, p99_ms=140)]
    assert set(outcome(rows).values()) == {True}
    assert passed(verdict(rows))


def test_rss_growing_by_a_tenth_after_the_first_minute_misses() -> None:
    rows = [window(0, rss_mib=400), window(1, rss_mib=430), window(2, rss_mib=440.1)]
    assert outcome(rows)["RSS growth after the first window"] is False
    assert not passed(verdict(rows))


def test_a_last_p99_over_one_and_a_half_times_the_first_misses() -> None:
    rows = [window(0, p99_ms=100), window(1, p99_ms=151)]
    assert outcome(rows)["chat p99, last window / first"] is False
    assert outcome([window(0, p99_ms=100), window(1, p99_ms=150)])["chat p99, last window / first"]


def test_descriptors_and_the_wal_must_stay_bounded() -> None:
    leaking = [window(0, fds=80), window(1, fds=80 + FD_SLACK + 1)]
    assert outcome(leaking)["open file descriptors"] is False
    swollen = [window(0), window(1, wal=WAL_LIMIT + 1)]
    assert outcome(swollen)["WAL file"] is False


def test_one_error_fails_the_run() -> None:
    rows = [window(0), window(1, errors=1)]
    assert outcome(rows)["errors"] is False
    assert not passed(verdict(rows))


def test_one_window_is_judged_on_errors_and_the_wal_only() -> None:
    checks = outcome([window(0, rss_mib=400)])
    assert checks["errors"] is True and checks["WAL file"] is True
    assert checks["RSS growth after the first window"] is None
    assert checks["chat p99, last window / first"] is None
    assert passed(verdict([window(0)]))


def test_the_log_watch_counts_each_error_once() -> None:
    watch = LogWatch()
    lines = [
        "2026-12-03 10:41:01,555 INFO discord.client: logging in using static token",
        "2026-12-03 10:41:02,000 WARNING bot.x: a message that says ERROR in passing",
        "2026-12-03 10:41:03,000 ERROR bot.slack.app: Slack /scale failed",
        "Traceback (most recent call last):",
        '  File "bot/core.py", line 1, in ask',
        "ValueError: boom",
        '{"time": "2026-12-03T10:41:04", "level": "ERROR", "message": "json"}',
        "2026-12-03 10:41:05,000 INFO bot.serve: running",
        "Traceback (most recent call last):",  # an exception nobody logged
        "RuntimeError: in a thread",
    ]
    assert [watch.error(line) for line in lines] == [
        False,
        False,
        True,
        False,
        False,
        False,
        True,
        False,
        True,
        False,
    ]
