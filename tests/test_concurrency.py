"""Several processes writing one database file at once, as two bots and a CLI would.

Two submitter processes open a fresh file at the same moment (racing the migration and
the curated seed), wait at a start line, then each submit M points through ``/submit``.
Both must exit 0 with no "database is locked", every point stored once with a distinct id,
and the seed present exactly once. A third process reviewing the queue while the
submitters write must leave the ledger consistent: one current figure per dataset, the
counters equal to the rows, an audit entry for every write and decision.
"""

from __future__ import annotations

import json
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlite_utils import Database

from knowledge.migrations import migrations
from tests.helpers import (
    MODERATOR,
    ROOT,
    assert_ledger_intact,
    curated_rows,
    environ_without_settings,
)

TIMEOUT = 60.0
M = 200

SUBMITTER = r"""
import json, sys
from bot.core import Core

db, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
core = Core.open(db)
print("ready", flush=True)
sys.stdin.readline()  # the start line: every process is open before anyone writes
ids = []
for n in range(count):
    # Half the points share dataset names across processes (same current-figure rows).
    name = f"Shared {n % 10}" if n % 2 else f"{tag} {n}"
    reply = core.ask(
        f'/submit video "{name}" {n + 1}k clips https://example.org/{tag}/{n} year:{2000 + n % 25}',
        f"console:{tag}",
    )
    if reply.kind != "answer":
        sys.exit(f"submission {n} refused: {reply.title}: {reply.summary}")
    ids.append(reply.data["id"])
core.close()
print(json.dumps(ids), flush=True)
"""

REVIEWER = r"""
import json, sys, time
from bot.core import Core

db, wanted, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
core = Core.open(db)
print("ready", flush=True)
sys.stdin.readline()
decided = []
deadline = time.monotonic() + seconds
while len(decided) < wanted and time.monotonic() < deadline:
    queue = core.store.queue.pending(limit=20)
    if not queue:
        time.sleep(0.002)
        continue
    for point in queue:
        verb = "approve" if point.id % 3 else "reject"
        reply = core.ask(f"/{verb} {point.id} concurrent review", "console:mod")
        if reply.kind != "answer":
            sys.exit(f"/{verb} {point.id} failed: {reply.title}: {reply.summary}")
        decided.append([point.id, verb])
        if len(decided) >= wanted:
            break
core.close()
print(json.dumps(decided), flush=True)
"""


def start(script: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **environ_without_settings(),
        "PYTHONPATH": str(ROOT),
        "SCALEBOT_MODERATORS": MODERATOR,
        # Each submitter stores M points in seconds: far past the default submission limit.
        "SCALEBOT_SUBMIT_LIMIT": f"{10 * M}/hour",
    }
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_together(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """Wait for every process to be open, release them at once, collect (rc, out, err)."""
    try:
        started = time.monotonic() + TIMEOUT
        for proc in procs:
            assert proc.stdout is not None and proc.stdin is not None
            readable, _, _ = select.select([proc.stdout], [], [], started - time.monotonic())
            line = proc.stdout.readline() if readable else ""  # "ready\n" comes whole
            if line.strip() != "ready":
                proc.kill()
                _, err = proc.communicate(timeout=TIMEOUT)
                raise AssertionError(f"process did not start: {line!r}\n{err}")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        deadline = time.monotonic() + TIMEOUT
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append((proc.returncode, out, err))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=TIMEOUT)


def check_ledger(conn: sqlite3.Connection) -> None:
    """Invariants every write keeps, whatever the interleaving.

    A dataset has one current figure per unit (its newest approved one there), and the
    counters say how many datasets have any.
    """
    assert_ledger_intact(conn)
    twice_current = conn.execute(
        "SELECT dataset_id, unit FROM data_points WHERE is_current = 1 "
        "GROUP BY dataset_id, unit HAVING COUNT(*) > 1"
    ).fetchall()
    assert twice_current == []
    assert conn.execute(
        "SELECT COUNT(*) FROM data_points WHERE is_current = 1 AND status != 'approved'"
    ).fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM data_points WHERE dataset_id IS NULL").fetchone() == (
        0,
    )
    # Every measure with an approved figure has exactly one current figure: the newest.
    no_current = conn.execute(
        "SELECT dataset_id, unit FROM data_points WHERE status = 'approved' "
        "GROUP BY dataset_id, unit HAVING SUM(is_current) != 1"
    ).fetchall()
    assert no_current == []
    newest: dict[tuple[int, str], tuple] = {}
    current_ids = set()
    for dataset_id, unit, point_id, year, reviewed_at, is_current in conn.execute(
        "SELECT dataset_id, unit, id, year, reviewed_at, is_current FROM data_points "
        "WHERE status = 'approved'"
    ):
        rank = (year if year is not None else -1, reviewed_at, point_id)
        newest[dataset_id, unit] = max(newest.get((dataset_id, unit), rank), rank)
        if is_current:
            current_ids.add(point_id)
    assert {rank[2] for rank in newest.values()} == current_ids
    datasets = dict(conn.execute("SELECT domain, datasets FROM domain_counts").fetchall())
    listed = dict(
        conn.execute(
            "SELECT domain, COUNT(*) FROM datasets WHERE measures > 0 AND merged_into IS NULL "
            "GROUP BY domain"
        ).fetchall()
    )
    assert {d: n for d, n in datasets.items() if n} == listed
    measures = dict(
        conn.execute(
            "SELECT d.id, COUNT(p.id) FROM datasets AS d LEFT JOIN data_points AS p "
            "ON p.dataset_id = d.id AND p.is_current = 1 GROUP BY d.id"
        ).fetchall()
    )
    stored = dict(conn.execute("SELECT id, measures FROM datasets").fetchall())
    assert stored == measures


def test_two_submitters_on_one_fresh_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    procs = [start(SUBMITTER, str(db), tag, str(M)) for tag in ("alpha", "beta")]
    results = run_together(procs)
    for rc, _, err in results:
        assert "database is locked" not in err
        assert rc == 0, err
    ids = [json.loads(out.strip().splitlines()[-1]) for _, out, _ in results]
    assert [len(batch) for batch in ids] == [M, M]
    every = ids[0] + ids[1]
    assert len(set(every)) == 2 * M

    conn = sqlite3.connect(db)
    try:
        seed = len(curated_rows())
        assert conn.execute("SELECT COUNT(*) FROM data_points").fetchone() == (seed + 2 * M,)
        assert conn.execute(
            "SELECT COUNT(*) FROM data_points WHERE origin = 'curated'"
        ).fetchone() == (seed,)
        # Each migration applied once, though both processes migrated the new file at once.
        assert migrations.pending(Database(conn)) == []
        names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert sorted(names) == sorted(set(names))
        for tag, batch in zip(("alpha", "beta"), ids, strict=True):
            stored = conn.execute(
                "SELECT id FROM data_points WHERE submitted_by = ? AND status = 'pending'",
                (f"console:{tag}",),
            ).fetchall()
            assert sorted(row[0] for row in stored) == sorted(batch)
            # Each process's ids were handed out in the order it wrote.
            assert batch == sorted(batch)
        check_ledger(conn)
    finally:
        conn.close()


def test_reviewer_beside_two_submitters(tmp_path: Path) -> None:
    db = tmp_path / "reviewed.db"
    wanted = 150
    procs = [
        start(SUBMITTER, str(db), "alpha", str(M)),
        start(SUBMITTER, str(db), "beta", str(M)),
        start(REVIEWER, str(db), str(wanted), str(TIMEOUT / 2)),
    ]
    results = run_together(procs)
    for rc, _, err in results:
        assert "database is locked" not in err
        assert rc == 0, err
    decided = json.loads(results[2][1].strip().splitlines()[-1])
    assert len(decided) == wanted
    assert len({point_id for point_id, _ in decided}) == wanted

    conn = sqlite3.connect(db)
    try:
        seed = len(curated_rows())
        assert conn.execute("SELECT COUNT(*) FROM data_points").fetchone() == (seed + 2 * M,)
        for point_id, verb in decided:
            status, reviewed_by = conn.execute(
                "SELECT status, reviewed_by FROM data_points WHERE id = ?", (point_id,)
            ).fetchone()
            assert status == ("approved" if verb == "approve" else "rejected")
            assert reviewed_by == MODERATOR
            actions = [
                row[0]
                for row in conn.execute(
                    "SELECT action FROM audit_log WHERE data_point_id = ? ORDER BY id",
                    (point_id,),
                )
            ]
            assert actions == ["submit", verb]
        assert conn.execute(
            "SELECT COUNT(*) FROM data_points WHERE status = 'pending' AND origin = 'community'"
        ).fetchone() == (2 * M - wanted,)
        check_ledger(conn)
    finally:
        conn.close()


# -- two opposite merges -------------------------------------------------------------------

ROUNDS = 30

MERGER = r"""
import json, sys
from bot.core import Core

db, first, second, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
core = Core.open(db)
print("ready", flush=True)
for n in range(rounds):
    sys.stdin.readline()  # each round's start line: both processes are waiting for it
    reply = core.ask(f'/merge "{first} {n}" "{second} {n}" domain:video', "console:mod")
    print(json.dumps([reply.kind, reply.data.get("error"), reply.summary]), flush=True)
core.close()
"""


def line_from(proc: subprocess.Popen[str], deadline: float) -> str:
    """The process's next line of output, or "" if none comes before ``deadline``."""
    assert proc.stdout is not None
    readable, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
    return proc.stdout.readline() if readable else ""


def test_two_opposite_merges_never_loop(tmp_path: Path) -> None:
    """``/merge Alpha Beta`` and ``/merge Beta Alpha`` at once: one merges, one is refused.

    Each round releases both processes together; before the fix a round could leave one
    dataset merged into itself (then missing from /datasets and from the count).
    """
    from bot.core import Core
    from knowledge.ledger.values import Submitter
    from tests.helpers import new_point

    db = tmp_path / "merges.db"
    core = Core.open(db)
    pairs = [(f"Alpha {n}", f"Beta {n}") for n in range(ROUNDS)]
    points = [new_point(name, 1000 + n) for n, pair in enumerate(pairs) for name in pair]
    core.store.points.add_many(points, Submitter("console:importer", "console"))
    before = core.ask("/scale video", MODERATOR).fields
    core.close()

    procs = [
        start(MERGER, str(db), "Alpha", "Beta", str(ROUNDS)),
        start(MERGER, str(db), "Beta", "Alpha", str(ROUNDS)),
    ]
    outcomes: list[list[list[str | None]]] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        for proc in procs:
            line = line_from(proc, deadline)
            assert line.strip() == "ready", (line, proc.stderr and proc.stderr.read())
        for _ in range(ROUNDS):
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            answers = [line_from(proc, deadline) for proc in procs]
            assert all(answers), "a merger stopped answering"
            outcomes.append([json.loads(answer) for answer in answers])
        for proc in procs:
            proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert proc.returncode == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=TIMEOUT)

    conn = sqlite3.connect(db)
    try:
        check_ledger(conn)
        assert conn.execute("SELECT id FROM datasets WHERE merged_into = id").fetchall() == []
        # No chain: whatever a dataset was merged into is itself merged into nothing.
        chained = conn.execute(
            "SELECT d.id FROM datasets AS d JOIN datasets AS t ON t.id = d.merged_into "
            "WHERE t.merged_into IS NOT NULL"
        ).fetchall()
        assert chained == []
        for alpha, beta in pairs:
            roots = conn.execute(
                "SELECT COUNT(*) FROM datasets WHERE domain = 'video' AND name IN (?, ?) "
                "AND merged_into IS NULL AND measures > 0",
                (alpha, beta),
            ).fetchone()
            assert roots == (1,), (alpha, beta)
    finally:
        conn.close()

    core = Core.open(db)
    try:
        # What /datasets pages through: every pair is listed once, under one of its names.
        listed = [entry.dataset.name for entry in core.store.reads.datasets("video", limit=10_000)]
        for alpha, beta in pairs:
            assert (alpha in listed) + (beta in listed) == 1, (alpha, beta)
        after = core.ask("/scale video", MODERATOR).fields
    finally:
        core.close()
    # Each round: one merge, and the other refused as merging one dataset into itself.
    for n, round_ in enumerate(outcomes):
        kinds = sorted(kind for kind, _, _ in round_)
        assert kinds == ["answer", "error"], (n, round_)
        refused = next(summary for kind, _, summary in round_ if kind == "error")
        assert "already one dataset" in refused, refused
    tracked = [f.value for f in before if "datasets tracked" in f.value]
    now_tracked = [f.value for f in after if "datasets tracked" in f.value]
    count_before = int(tracked[0].split()[0])
    assert int(now_tracked[0].split()[0]) == count_before - ROUNDS
