"""Start-up with thousands of community fields, beside the same ledger with none.

Every ``scalebot`` process (the bot, ``scalebot ask``, ``scalebot web``) reads the
fields moderators added (``/domain add``) into its library when it starts. The script
builds one ledger, copies it, adds N fields to each copy (one transaction, as if added
over months), and then starts fresh processes on each in turn, alternating:

* **start**: a new ``python`` process opens the core and answers ``/scale video``, timed
  from spawn to exit (what a restart costs), and inside it the ``Core.open`` alone;
* the **baseline** is the same on the copy with no community fields, in the same run.

Target (issue 19): under 2 s at 3,000 fields, and a cost linear in the fields. It also
renders ``/domains`` at that size for Slack and counts the messages (one a page).

    python bench/fields.py                     # 0 against 1,000 and 3,000 fields, 5 starts
    python bench/fields.py --fields 3000 --starts 9
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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
from bot.slack.blocks import render_messages  # noqa: E402
from knowledge import community  # noqa: E402
from knowledge.models import CommunityDomain  # noqa: E402
from knowledge.store import Store  # noqa: E402

#: Seconds a process may take to start with the most fields.
START_TARGET = 2.0

#: Run in a fresh process: open the core on argv[1], answer one command, report.
START = """
import json, sys, time
started = time.perf_counter()
from bot.config import Settings
from bot.core import Core
imported = time.perf_counter()
core = Core.open(settings=Settings(db=sys.argv[1], moderators=frozenset()))
opened = time.perf_counter()
assert core.ask("/scale video").kind == "answer"
print(json.dumps({"open": opened - imported, "fields": len(core.library.domains)}))
core.close()
"""


def field(n: int) -> CommunityDomain:
    return CommunityDomain(
        slug=f"bench-field-{n}",
        name=f"Bench field number {n}",
        aliases=[f"bf{n}", f"bench alias {n}"],
        colour=community.PALETTE[n % len(community.PALETTE)],
        headline_unit="hours",
        added_by="console:bench",
        added_at="2026-01-01T00:00:00Z",
    )


def build(directory: Path, sizes: list[int]) -> dict[int, Path]:
    """A ledger per size: the same seeded file, with that many community fields."""
    base = directory / "base.db"
    with Core.open(settings=Settings(db=base, moderators=frozenset())):
        pass
    paths = {}
    for size in sizes:
        path = directory / f"fields-{size}.db"
        shutil.copyfile(base, path)
        store = Store.open(path)
        try:
            with store.write() as conn:
                for n in range(size):
                    community.insert(conn, field(n))
        finally:
            store.close()
        paths[size] = path
    return paths


def start(path: Path) -> tuple[float, float, float]:
    """Seconds from spawn to exit, CPU seconds (user and system) and seconds in
    ``Core.open`` of a fresh process on ``path``. On a shared machine the wall time
    moves with the load; the CPU time much less."""
    env = dict(os.environ, SCALEBOT_LOG_LEVEL="WARNING")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", START, str(path)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = json.loads(out.strip().splitlines()[-1])
    return wall, cpu, float(found["open"])


def p99(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fields", type=int, nargs="+", default=[1000, 3000], help="community field counts"
    )
    parser.add_argument("--starts", type=int, default=5, help="fresh processes per ledger")
    args = parser.parse_args()
    sizes = [0, *sorted(set(args.fields) - {0})]

    with tempfile.TemporaryDirectory(prefix="scalebot-bench-") as directory:
        paths = build(Path(directory), sizes)
        for path in paths.values():
            start(path)  # warm the page cache and the bytecode
        walls: dict[int, list[float]] = {size: [] for size in sizes}
        cpus: dict[int, list[float]] = {size: [] for size in sizes}
        opens: dict[int, list[float]] = {size: [] for size in sizes}
        for _ in range(args.starts):
            for size in sizes:  # alternating, so a busy moment hits every size alike
                wall, cpu, opened = start(paths[size])
                walls[size].append(wall)
                cpus[size].append(cpu)
                opens[size].append(opened)
        with Core.open(settings=Settings(db=paths[sizes[-1]], moderators=frozenset())) as core:
            reply = core.ask("/domains")
            messages = render_messages(reply)
            pages = reply.page.count if reply.page else 1

    print(f"start-up, {args.starts} fresh processes per ledger (alternating), ms:")
    print(
        f"  {'fields':>7}  {'process median':>14}  {'p99':>6}  {'CPU median':>10}  {'p99':>6}"
        f"  {'Core.open median':>16}  {'p99':>6}"
    )
    for size in sizes:
        print(
            f"  {size:>7,}  {ms(statistics.median(walls[size])):>14}  {ms(p99(walls[size])):>6}"
            f"  {ms(statistics.median(cpus[size])):>10}  {ms(p99(cpus[size])):>6}"
            f"  {ms(statistics.median(opens[size])):>16}  {ms(p99(opens[size])):>6}"
        )
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    base = statistics.median(walls[0])
    most = sizes[-1]
    worst, worst_cpu = p99(walls[most]), p99(cpus[most])
    verdict = "meets" if worst < START_TARGET else "wall MISSES"
    if worst >= START_TARGET and worst_cpu < START_TARGET:
        verdict += " (CPU meets: the machine is busy)"
    print(
        f"  {most:,} fields: median {statistics.median(walls[most]) / base:.2f}x the start with "
        f"none (+{ms(statistics.median(walls[most]) - base)} ms); p99 {worst:.2f} s wall, "
        f"{worst_cpu:.2f} s CPU (target < {START_TARGET:.0f} s): {verdict}"
    )
    if len(sizes) > 2:
        small, large = sizes[-2], sizes[-1]
        extra_small = statistics.median(opens[small]) - statistics.median(opens[0])
        extra_large = statistics.median(opens[large]) - statistics.median(opens[0])
        print(
            f"  Core.open beyond the baseline: {ms(extra_small)} ms at {small:,}, "
            f"{ms(extra_large)} ms at {large:,} ({large / small:.0f}x the fields, "
            f"{extra_large / max(extra_small, 1e-6):.1f}x the time; linear is {large / small:.0f}x)"
        )
    print(
        f"/domains at {most:,} fields: page 1 of {pages}, {len(messages)} Slack message(s) "
        f"of {max(len(m['blocks']) for m in messages)} blocks"
    )


if __name__ == "__main__":
    main()
