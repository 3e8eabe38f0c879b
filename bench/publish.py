"""``scalebot publish`` at 100k points, beside SQLite copying the same ledger.

Builds a ledger of N generated points as ``bench/core.py`` does (its loader: six
fields, several figures per dataset, a tenth pending, on top of the curated seed), then
runs, in turn and ``--runs`` times:

* ours: ``scalebot --db LEDGER publish OUT_DIR`` in a process of its own, as an operator
  or a cron job runs it (start-up, opening the ledger, every table as SQLite, CSV and
  JSON, every chart, the descriptor, the swap), OUT_DIR a previous snapshot each time;
* the floor: ``VACUUM INTO`` of the whole ledger into a new file, SQLite's own fastest
  way to write a consistent copy of it, in this process.

It prints each run's seconds and the ratio, and checks that every run wrote the same
bytes (the descriptor, which holds every other file's SHA-256). The issue's target:
under 30 s at 100k points.

    python bench/publish.py                      # 100k points, 3 runs
    python bench/publish.py --points 1000000 --runs 1
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402

#: The ``scalebot`` command, run by this Python from this checkout.
SCALEBOT = [sys.executable, "-c", "from bot.cli import main; main()"]
#: ``scalebot publish`` at 100k points must take less than this many seconds.
TARGET_SECONDS = 30.0


def bench_core():  # type: ignore[no-untyped-def]
    """``bench/core.py`` as a module, for its generated ledger."""
    spec = importlib.util.spec_from_file_location("bench_core", ROOT / "bench" / "core.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(ledger: Path, points: int) -> None:
    with Core.open(settings=Settings(db=ledger, moderators=frozenset())) as core:
        bench_core().load(core, points)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def publish(ledger: Path, out_dir: Path) -> tuple[float, float]:
    """Seconds ``scalebot publish`` takes, start-up included, and the CPU seconds it used
    (on a shared machine the wall time follows the load; the CPU time much less)."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [*SCALEBOT, "--db", str(ledger), "publish", str(out_dir)],
        check=True,
        env=environment(),
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime


def vacuum_into(ledger: Path, target: Path) -> float:
    """Seconds SQLite takes to write a compacted copy of the whole ledger."""
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    conn = sqlite3.connect(ledger)
    try:
        conn.execute("VACUUM INTO ?", (str(target),))
    finally:
        conn.close()
    return time.perf_counter() - started


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scalebot-bench-publish-") as name:
        folder = Path(name)
        ledger = folder / "ledger.db"
        began = time.perf_counter()
        build(ledger, args.points)
        print(f"{args.points:,} generated points, built in {time.perf_counter() - began:.1f} s")
        out_dir = folder / "snapshot"
        ours: list[float] = []
        floor: list[float] = []
        descriptors: set[bytes] = set()
        print(f"{'run':>4}{'publish s':>11}{'(CPU s)':>9}{'VACUUM INTO s':>15}{'ratio':>8}")
        for run in range(1, args.runs + 1):
            wall, cpu = publish(ledger, out_dir)
            ours.append(wall)
            floor.append(vacuum_into(ledger, folder / "copy.db"))
            descriptors.add((out_dir / "datapackage.json").read_bytes())
            ratio = ours[-1] / floor[-1]
            print(f"{run:>4}{wall:>11.2f}{cpu:>9.2f}{floor[-1]:>15.2f}{ratio:>8.1f}")
        snapshot_mb = folder_bytes(out_dir) / 1e6
        ledger_mb = ledger.stat().st_size / 1e6
    median = statistics.median(ours)
    print(
        f"median: publish {median:.2f} s, VACUUM INTO {statistics.median(floor):.2f} s, "
        f"ratio {median / statistics.median(floor):.1f}; snapshot {snapshot_mb:.1f} MB "
        f"(the ledger {ledger_mb:.1f} MB)"
    )
    same = "the same bytes every run" if len(descriptors) == 1 else "DIFFERENT bytes across runs"
    print(f"snapshots: {same}")
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    verdict = "meets" if max(ours) < TARGET_SECONDS else "MISSES"
    print(f"slowest publish {max(ours):.2f} s (target < {TARGET_SECONDS:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
