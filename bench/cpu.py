"""CPU time per command, for comparing two checkouts on a shared, noisy machine.

``bench/core.py`` times wall-clock latency against SQLite's floor; on a machine whose
other tenants come and go, two runs of it can differ by 2x and its ratios hide a 10%
change. This script measures what a change can move and other processes cannot: the
process's own CPU time (``time.process_time_ns``) for batches of 200 askings of each
command, in-process through ``Core.ask``, and prints the fastest of 15 batches (the
run least disturbed) and their median. Run it in each checkout, alternating, on a
ledger built by that checkout's own ``bench/core.py`` generator:

    python bench/cpu.py --db ledger-100k.db            # built on first use
    python bench/cpu.py --db ledger-100k.db --points 100000
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402

COMMANDS = ("/scale video", "/compare 3d llm", "/datasets video", "/trend video")
#: Nothing is refused however fast the bench asks (as in bench/core.py).
NO_LIMIT = "1000000000/minute"


def bench_core():  # type: ignore[no-untyped-def]
    """``bench/core.py`` as a module, for its generated ledger."""
    spec = importlib.util.spec_from_file_location("bench_core", ROOT / "bench" / "core.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cpu_per_ask(core: Core, command: str, batches: int, batch: int) -> list[float]:
    """Microseconds of this process's CPU per asking, one figure per batch."""
    for _ in range(batch):  # warm: caches, the first reads of the file
        core.ask(command)
    figures = []
    for _ in range(batches):
        started = time.process_time_ns()
        for _ in range(batch):
            core.ask(command)
        figures.append((time.process_time_ns() - started) / batch / 1000)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the ledger (built if missing)")
    parser.add_argument("--points", type=int, default=100_000, help="points when building")
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    building = not args.db.exists()
    core = Core.open(settings=Settings(db=args.db, command_limit=NO_LIMIT))
    try:
        if building:
            print(f"building {args.points:,} points in {args.db} ...")
            bench_core().load(core, args.points)
        print(f"CPU µs per asking, {args.batches} batches of {args.batch}")
        print(f"{'command':24} {'fastest':>8} {'median':>8}")
        for command in COMMANDS:
            figures = cpu_per_ask(core, command, args.batches, args.batch)
            print(f"{command:24} {min(figures):8.0f} {statistics.median(figures):8.0f}")
    finally:
        core.close()


if __name__ == "__main__":
    main()
