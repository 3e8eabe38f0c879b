"""Recovery time: how long a ledger of 100k points takes to come back from its replica.

Builds a ledger as ``bench/core.py`` does (the curated seed plus N generated points),
replicates it to a ``file://`` replica with the bot's own supervisor (Litestream's first
snapshot), adds ``--writes`` acknowledged submissions one by one while it replicates (the
change files a restore replays on top of the snapshot), stops it gracefully, then runs
``scalebot restore --from URL -o FILE`` ``--runs`` times into new files, as an operator on
another machine would: the command's wall time (Python start-up, Litestream's restore,
the integrity check and the counts) and Litestream's own share.

    python bench/restore.py                    # 100k points, 3 restores
    python bench/restore.py --points 1000000 --runs 1
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core import load
from bot.config import Settings
from bot.core import Core
from bot.limits import MOST, Limit
from bot.replica.litestream import restore
from bot.replica.supervisor import Replication
from bot.replica.url import parse_replica_url

ROOT = Path(__file__).resolve().parent.parent


def build(db: Path, points: int) -> float:
    """The ledger with ``points`` generated points; seconds taken."""
    started = time.perf_counter()
    with Core.open(db, Settings(db=db)) as core:
        load(core, points)
    return time.perf_counter() - started


def replicate(db: Path, replica: Path, writes: int) -> tuple[float, float]:
    """Replicate ``db`` (its first snapshot), then ``writes`` submissions; both in seconds."""
    settings = Settings(db=db, replica_url=replica.as_uri(), submit_limit=Limit(MOST, "hour"))
    with Replication(settings) as replication:
        started = time.perf_counter()
        replication.start()
        assert replication.sync_now(within=600), "the first snapshot did not reach the replica"
        snapshot = time.perf_counter() - started
        started = time.perf_counter()
        with Core.open(db, settings) as core:
            for n in range(writes):
                reply = core.ask(
                    f'/submit video "Restore bench {n}" {n + 1}k clips '
                    f"https://example.org/r/{n} year:2025",
                    "console:bench",
                )
                assert reply.kind == "answer", reply.summary
        written = time.perf_counter() - started
    return snapshot, written


def restore_command(replica: Path, output: Path) -> tuple[float, str]:
    """``scalebot restore`` as a new process; its wall time and its report."""
    env = {**os.environ, "SCALEBOT_CHECK_SOURCES": "0"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "restore", "--from", replica.as_uri(), "-o", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"restore failed: {done.stderr}")
    first, *_, last = done.stdout.strip().splitlines()
    found = re.search(r"in ([0-9.]+) s$", first)
    return took, f"its restore {found.group(1) if found else '?'} s; {last}"


def litestream_alone(replica: Path, output: Path) -> float:
    started = time.perf_counter()
    restore(parse_replica_url(replica.as_uri()), output)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=1_000, help="submissions after the snapshot")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scalebot-restore-") as directory:
        folder = Path(directory)
        db, replica = folder / "scalebot.db", folder / "replica"
        built = build(db, args.points)
        size = db.stat().st_size / 2**20
        print(f"ledger: {args.points:,} points, {size:.1f} MiB, built in {built:.1f} s")
        snapshot, written = replicate(db, replica, args.writes)
        stored = sum(p.stat().st_size for p in replica.rglob("*") if p.is_file()) / 2**20
        print(
            f"replica: first snapshot shipped in {snapshot:.1f} s; {args.writes:,} submissions "
            f"in {written:.1f} s on top; {stored:.1f} MiB in {len(list(replica.rglob('*.ltx')))} "
            "change files"
        )
        commands, alone = [], []
        for run in range(args.runs):
            took, said = restore_command(replica, folder / f"restored-{run}.db")
            commands.append(took)
            alone.append(litestream_alone(replica, folder / f"alone-{run}.db"))
            print(
                f"run {run + 1}: scalebot restore {took:.2f} s (Litestream alone "
                f"{alone[-1]:.2f} s): {said}"
            )
        print(
            f"scalebot restore, median of {args.runs}: {statistics.median(commands):.2f} s "
            f"(Litestream alone {statistics.median(alone):.2f} s)"
        )


if __name__ == "__main__":
    main()
