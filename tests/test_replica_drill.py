"""The restore drill: write, kill -9, restore on "another machine", count what was lost.

A real ``scalebot run console`` with a ``file://`` replica takes ``/submit`` after
``/submit``, each acknowledged (its reply printed after the commit) and timed. Then the
machine dies: its Litestream and the bot are killed with SIGKILL at the same moment, a
write in flight. ``scalebot restore`` brings the replica into another folder, and every
acknowledged write is looked for: none older than the documented recovery point
(:func:`bot.replica.litestream.recovery_point`) may be missing. Killing the bot alone is
not that crash: its Litestream is told to stop (Linux) and ships everything; a graceful
stop too. Each drill writes for a few seconds at the production interval (1 s).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.replica.litestream import recovery_point
from tests.helpers import ROOT
from tests.replica_stack import (
    LITESTREAM_PID,
    TIMEOUT,
    ReplicatedBot,
    process_gone,
    replica_env,
    restored_ids,
    scalebot,
)

#: Seconds of acknowledged writes before the crash: several sync intervals.
WRITE_SECONDS = 4.0
PRODUCTION_INTERVAL = 1.0

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="kills by /proc and prctl")


def write_for(bot: ReplicatedBot, seconds: float) -> None:
    """Acknowledged submissions one by one for ``seconds`` (bounded by the clock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        bot.submit()


def restore_elsewhere(tmp_path: Path, replica: Path) -> set[int]:
    """``scalebot restore`` into another folder; the drill's ids it holds."""
    other = tmp_path / "other-machine" / "scalebot.db"
    done = scalebot("restore", "--from", replica.as_uri(), "-o", str(other), env=replica_env(None))
    assert done.returncode == 0, done.stderr
    assert "integrity ok" in done.stdout
    return restored_ids(other)


def test_a_crash_loses_no_acknowledged_write_older_than_the_recovery_point(
    tmp_path: Path,
) -> None:
    replica = tmp_path / "replica"
    bot = ReplicatedBot(tmp_path / "machine" / "scalebot.db", replica, tmp_path / "bot.log")
    try:
        litestream = bot.litestream_pid()
        write_for(bot, WRITE_SECONDS)
        bot.send()  # in flight when the machine dies
        crashed = bot.crash(litestream)
    finally:
        bot.close()
    assert process_gone(litestream)

    restored = restore_elsewhere(tmp_path, replica)
    lost = {point: crashed - acked for point, acked in bot.acked.items() if point not in restored}
    oldest = max(lost.values(), default=0.0)
    print(
        f"\ndrill: {len(bot.acked)} acknowledged in {WRITE_SECONDS:.0f} s, {len(lost)} lost, "
        f"the oldest lost acknowledged {oldest:.2f} s before the crash"
        + (f" (median lost {statistics.median(lost.values()):.2f} s)" if lost else "")
    )
    assert len(bot.acked) > 20, bot.log_text()
    bound = recovery_point(PRODUCTION_INTERVAL)
    assert oldest <= bound, (
        f"{len(lost)} acknowledged writes lost, the oldest {oldest:.2f} s old (bound {bound} s)"
    )
    # Everything restored was acknowledged or in flight: no write appears from nowhere.
    assert restored <= set(bot.acked) | {max(bot.acked) + 1}


def test_killing_the_bot_alone_stops_litestream_within_the_recovery_point(
    tmp_path: Path,
) -> None:
    """Its Litestream is told to stop when the bot dies (prctl) and syncs what it has
    seen of the WAL first: on a quiet machine every acknowledged write arrives; on a
    loaded one the last moments may not have been seen yet, as in a crash, so the
    bound is the crash's."""
    replica = tmp_path / "replica"
    bot = ReplicatedBot(tmp_path / "machine" / "scalebot.db", replica, tmp_path / "bot.log")
    try:
        litestream = bot.litestream_pid()
        # Longer than the recovery point, so the replica holds writes old enough to
        # count (after 1 s it may still hold nothing, which the bound allows).
        write_for(bot, WRITE_SECONDS)
        bot.proc.kill()
        killed = time.monotonic()
        bot.proc.wait(30)
    finally:
        bot.close()
    assert process_gone(litestream), "Litestream outlived the bot"
    restored = restore_elsewhere(tmp_path, replica)
    lost = [killed - acked for point, acked in bot.acked.items() if point not in restored]
    assert max(lost, default=0.0) <= recovery_point(PRODUCTION_INTERVAL), lost


def test_a_graceful_stop_ships_every_write_and_stops_litestream(tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    bot = ReplicatedBot(tmp_path / "machine" / "scalebot.db", replica, tmp_path / "bot.log")
    try:
        litestream = bot.litestream_pid()
        write_for(bot, 0.3)
        assert bot.stop() == 0, bot.log_text()
    finally:
        bot.close()
    assert process_gone(litestream, within=1.0), "Litestream still runs after the bot stopped"
    assert "holds every write of this run" in bot.log_text()
    assert set(bot.acked) <= restore_elsewhere(tmp_path, replica)


def test_run_all_stops_litestream_after_its_last_write_on_sigterm(tmp_path: Path) -> None:
    """``scalebot run all`` (the web view alone here) as ``docker stop`` ends it."""
    db, replica, log = tmp_path / "scalebot.db", tmp_path / "replica", tmp_path / "bot.log"
    env = {**replica_env(replica), "SCALEBOT_WEB_PORT": "0"}
    with log.open("wb") as output:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--db", str(db), "run", "all"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not LITESTREAM_PID.search(log.read_text()) and time.monotonic() < deadline:
            assert bot.poll() is None, log.read_text()
            time.sleep(0.05)
        found = LITESTREAM_PID.search(log.read_text())
        assert found, log.read_text()
        # Another process writes (as `scalebot import` would); the bot's Litestream ships it.
        asked = scalebot(
            "--db",
            str(db),
            "ask",
            "/submit video Last 9k clips https://example.org/last",
            env=replica_env(None),
        )
        assert asked.returncode == 0, asked.stderr
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(TIMEOUT) == 0, log.read_text()
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(TIMEOUT)
    assert process_gone(int(found.group(1)), within=1.0)
    other = tmp_path / "other" / "scalebot.db"
    done = scalebot("restore", "--from", replica.as_uri(), "-o", str(other), env=replica_env(None))
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(other)
    assert conn.execute("SELECT COUNT(*) FROM data_points WHERE dataset = 'Last'").fetchone() == (
        1,
    )
    conn.close()


def test_a_litestream_that_dies_is_started_again_and_catches_up(tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    bot = ReplicatedBot(tmp_path / "machine" / "scalebot.db", replica, tmp_path / "bot.log")
    try:
        first = bot.litestream_pid()
        write_for(bot, 0.3)
        os.kill(first, signal.SIGKILL)
        write_for(bot, 0.3)  # written while no Litestream runs
        deadline = time.monotonic() + TIMEOUT
        while len(LITESTREAM_PID.findall(bot.log.read_text())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Litestream exited with status -9; starting it again" in bot.log_text()
        second = int(LITESTREAM_PID.findall(bot.log.read_text())[-1])
        assert second != first
        write_for(bot, 0.3)
        assert bot.stop() == 0, bot.log_text()
    finally:
        bot.close()
    assert process_gone(second, within=1.0)
    assert set(bot.acked) <= restore_elsewhere(tmp_path, replica)
