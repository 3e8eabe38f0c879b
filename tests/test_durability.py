"""Crash safety: an acknowledged submission survives the process being killed mid-write.

A child process opens the core on a database file and submits points through ``/submit``
in a loop, printing each acknowledged id. The parent SIGKILLs it after K acknowledgements
(while it is in the middle of the next writes), reopens the file and checks that every
acknowledged point is there in full, that no half-written row exists (each row has its
audit entry, the full-text index agrees with the rows, the counters agree), and that
SQLite's integrity check passes. A kill during start-up (migration and curated seed) is
checked the same way.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from bot.limits import Limit
from tests.helpers import (
    MODERATOR,
    ROOT,
    assert_ledger_intact,
    curated_rows,
    environ_without_settings,
)

TIMEOUT = 60.0
MEMBER = "console:crash"

CHILD = r"""
import json, sys
from bot.core import Core

core = Core.open(sys.argv[1])
print(json.dumps({"ready": True}), flush=True)
for n in range(int(sys.argv[2])):
    reply = core.ask(
        f'/submit video "Crash {n}" {n + 1}k clips https://example.org/c/{n} '
        f'year:2024 note:"row {n}"',
        "console:crash",
        workspace="lab",
        channel="durability",
    )
    if reply.kind != "answer":
        print(json.dumps({"error": reply.summary}), flush=True)
        sys.exit(3)
    point_id = reply.data["id"]
    approved = n % 4 == 3  # every fourth point is also reviewed, so kills land in reviews too
    if approved:
        reply = core.ask(f"/approve {point_id} looks right", "console:mod")
        if reply.kind != "answer":
            print(json.dumps({"error": reply.summary}), flush=True)
            sys.exit(3)
    print(json.dumps({"n": n, "id": point_id, "approved": approved}), flush=True)
"""


def spawn(db: Path, submissions: int) -> subprocess.Popen[bytes]:
    env = {
        **environ_without_settings(),
        "PYTHONPATH": str(ROOT),
        "SCALEBOT_MODERATORS": MODERATOR,
        # Hundreds of submissions in seconds: far past the default submission limit.
        "SCALEBOT_SUBMIT_LIMIT": f"{10 * submissions}/hour",
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(submissions)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_messages(proc: subprocess.Popen[bytes], wanted: int, deadline: float) -> list[dict]:
    """Complete JSON lines from the child until ``wanted`` acks (or it ends, or time runs out)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    buffer = b""
    messages: list[dict] = []
    acks = 0
    while acks < wanted and time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            chunk = None
        if chunk == b"":  # the child closed stdout: it exited
            break
        if chunk is None:
            time.sleep(0.001)
            continue
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            messages.append(message)
            acks += "id" in message
    return messages


def kill(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=TIMEOUT)
    return stderr.decode(errors="replace")


def assert_consistent(db: Path) -> sqlite3.Connection:
    """The file after a crash: intact, and every row written whole."""
    conn = sqlite3.connect(db)
    assert_ledger_intact(conn)
    submits = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'submit'").fetchone()
    community = conn.execute("SELECT COUNT(*) FROM data_points WHERE origin = 'community'")
    assert submits[0] == community.fetchone()[0]
    return conn


@pytest.mark.parametrize("acks", [1, 40, 400])
def test_acknowledged_submissions_survive_sigkill(tmp_path: Path, acks: int) -> None:
    db = tmp_path / "crash.db"
    proc = spawn(db, 100_000)
    try:
        messages = read_messages(proc, acks, time.monotonic() + TIMEOUT)
    finally:
        stderr = kill(proc)
    errors = [m for m in messages if "error" in m]
    assert errors == [], stderr
    acked = {m["n"]: m["id"] for m in messages if "id" in m}
    approved = {m["n"] for m in messages if m.get("approved")}
    assert len(acked) >= acks, f"child acknowledged only {len(acked)}: {stderr}"
    assert proc.returncode == -signal.SIGKILL, "the child finished before it was killed"

    conn = assert_consistent(db)
    try:
        for n, point_id in acked.items():
            row = conn.execute(
                "SELECT domain, dataset, quantity_text, quantity, unit, year, source_url, note, "
                "status, origin, is_current, submitted_by, platform, workspace, channel, "
                "submitted_at, reviewed_by FROM data_points WHERE id = ?",
                (point_id,),
            ).fetchone()
            assert row is not None, f"acknowledged #{point_id} was lost"
            assert row[:15] == (
                "video",
                f"Crash {n}",
                f"{n + 1}k",
                (n + 1) * 1000.0,
                "clips",
                2024,
                f"https://example.org/c/{n}",
                f"row {n}",
                "approved" if n in approved else "pending",
                "community",
                1 if n in approved else 0,
                MEMBER,
                "console",
                "lab",
                "durability",
            )
            assert row[15]  # submitted_at
            audit = conn.execute(
                "SELECT actor, action FROM audit_log WHERE data_point_id = ? ORDER BY id",
                (point_id,),
            ).fetchall()
            if n in approved:
                assert row[16] == MODERATOR
                assert audit == [(MEMBER, "submit"), (MODERATOR, "approve")]
                found = conn.execute(
                    "SELECT rowid FROM data_points_fts WHERE data_points_fts MATCH ?",
                    (f'"Crash {n}"',),
                ).fetchall()
                assert (point_id,) in found
            else:
                assert row[16] is None  # not reviewed
                assert audit == [(MEMBER, "submit")]
        assert len(set(acked.values())) == len(acked)
    finally:
        conn.close()

    # The killed file opens normally and takes new writes; no curated point was seeded twice.
    # (The child's submissions count toward the submission limit here too: lift it.)
    with Core.open(db, Settings(submit_limit=Limit(1_000_000, "hour"))) as core:
        assert (
            core.ask("/submit video After 1k clips https://example.org/after", MEMBER).kind
            == "answer"
        )
        pending_ids = {p.id for p in core.store.queue.pending(limit=1_000_000)}
        assert {i for n, i in acked.items() if n not in approved} <= pending_ids
        curated = core.store.conn.execute(
            "SELECT COUNT(*) FROM data_points WHERE origin = 'curated'"
        ).fetchone()[0]
        assert curated == len(curated_rows())


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4])
def test_kill_during_startup_leaves_a_usable_file(tmp_path: Path, delay: float) -> None:
    """Killed while migrating or seeding: the next open finishes the job, exactly once."""
    db = tmp_path / "startup.db"
    proc = spawn(db, 0)
    time.sleep(delay)
    if proc.poll() is None:
        kill(proc)
    else:
        proc.communicate(timeout=TIMEOUT)
    if db.exists():
        conn = sqlite3.connect(db)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        conn.close()
        if "data_points" in tables:
            assert_consistent(db).close()
        else:
            # Killed before the first migration committed: no half-made schema is left.
            assert not tables - {"_sqlite_migrations"}, tables
    with Core.open(db) as core:
        conn = core.store.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        curated = conn.execute(
            "SELECT COUNT(*) FROM data_points WHERE origin = 'curated'"
        ).fetchone()[0]
        assert curated == len(curated_rows())
        seeds = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'seed'").fetchone()[0]
        assert seeds == curated
        assert "0001_ledger" in core.store.schema_version()
