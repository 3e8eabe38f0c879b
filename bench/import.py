"""Bulk import: rows/s, peak memory, WAL size and chat writes meanwhile, beside SQLite's floor.

Writes a CSV of N generated rows (the columns of ``knowledge/datasets.csv``, about 90
bytes a row, so 1.1M rows make the issue's 100 MB file), then runs three imports of it,
each in a fresh process on a fresh database, and measures each process's peak RSS:

* ``floor``: SQLite alone, the same rows parsed by ``csv`` and inserted with one
  ``executemany`` into a table of the same columns, in one transaction: the speed limit;
* ``one transaction``: the import as it was (every row read and validated into memory,
  then stored in one transaction), which ``--skip-before`` leaves out;
* ``batches``: ``bot.importer.import_csv`` (checked in a streamed pass, stored in short batches).

While an import runs, this process submits a data point through its own core every
0.2 s, as a chat user would, and times it (a refusal as busy counts), and samples the
size of the ``-wal`` file every 20 ms. The targets: peak RSS flat in N for ``batches``,
the WAL a few MB, no chat write refused and their p99 under a second.

    python bench/import.py                      # 20,000 rows, 3 runs
    python bench/import.py --rows 1100000 --runs 1
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: (domain, unit) pairs the generated rows cycle through: every one valid for /submit.
FIELDS = (
    ("video", "hours"),
    ("video", "clips"),
    ("llm", "tokens"),
    ("3d", "objects"),
    ("robotics", "trajectories"),
    ("self-driving", "hours"),
    ("image", "image-text pairs"),
)
COLUMNS = ("domain", "dataset", "quantity", "unit", "year", "source_url", "note")
#: Seconds between two chat submissions, and between two looks at the WAL's size.
CHAT_EVERY, WAL_EVERY = 0.2, 0.02
PHASES = ("floor", "one transaction", "batches")


def write_rows(path: Path, rows: int) -> None:
    """``rows`` valid rows, three figures per dataset (so a third of rows add a dataset)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            domain, unit = FIELDS[n % len(FIELDS)]
            writer.writerow(
                (
                    domain,
                    f"Bulk set {n // 3}",
                    1_000 + n,
                    unit,
                    2000 + n % 26,
                    f"https://example.org/bulk/{n}",
                    "generated for the import bench",
                )
            )


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (``VmRSS``) or at its peak (``VmHWM``), in MB.

    Read from /proc (Linux) rather than ``getrusage``: a child's ``ru_maxrss`` starts
    from the parent's size at the fork, which would hide a small import's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(phase: str, rows_file: Path, database: Path) -> None:
    """Run one import in this process; print its seconds and its RSS before it began."""
    if phase == "floor":
        conn = sqlite3.connect(database, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"CREATE TABLE rows ({', '.join(COLUMNS)})")
        start_rss, began = rss_mb(), time.perf_counter()
        with rows_file.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO rows VALUES ({', '.join('?' * len(COLUMNS))})", reader)
            conn.execute("COMMIT")
    else:
        from bot.core import Core
        from bot.importer import import_csv, read_csv
        from knowledge.ledger.values import Submitter

        core = Core.open(database)
        start_rss, began = rss_mb(), time.perf_counter()
        if phase == "batches":
            import_csv(core, rows_file, "console:bench")
        else:
            points = read_csv(core, rows_file)
            core.store.points.add_many(points, Submitter("console:bench", "console"))
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "start_rss": start_rss, "peak_rss": rss_mb("VmHWM")}))


def run_phase(phase: str, rows_file: Path, folder: Path) -> dict[str, float]:
    """One import in a child process, with chat writes and WAL samples from this one."""
    from bot.core import Core

    # A refusal is counted below; the core's warning line for each would drown the table.
    logging.getLogger("bot").setLevel(logging.ERROR)
    database = folder / f"{phase.replace(' ', '-')}.db"
    chat = Core.open(database) if phase != "floor" else None
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", phase, str(rows_file), str(database)],
        stdout=subprocess.PIPE,
        text=True,
    )
    latencies: list[float] = []
    refused = 0
    wal_max = 0
    next_chat = time.monotonic() + CHAT_EVERY
    wal = Path(f"{database}-wal")
    status = None
    while status is None:
        if wal.exists():
            wal_max = max(wal_max, wal.stat().st_size)
        if chat is not None and time.monotonic() >= next_chat:
            n = len(latencies)
            began = time.perf_counter()
            reply = chat.ask(
                f'/submit video "Chat during import {n}" 5M clips https://example.org/chat/{n}',
                "console:chatter",
            )
            latencies.append(time.perf_counter() - began)
            refused += "busy" in reply.title.casefold()
            next_chat = time.monotonic() + CHAT_EVERY
        time.sleep(WAL_EVERY)
        status = proc.poll()
    assert proc.stdout is not None
    result = json.loads(proc.stdout.read())
    if chat is not None:
        chat.close()
    if status != 0:
        raise SystemExit(f"{phase}: the import process failed (status {status})")
    return {
        "seconds": result["seconds"],
        "peak_rss": result["peak_rss"],
        "growth": result["peak_rss"] - result["start_rss"],
        "wal_max": wal_max / 1e6,
        "chats": len(latencies),
        "chat_p50": statistics.median(latencies) if latencies else 0.0,
        "chat_max": max(latencies) if latencies else 0.0,
        "refused": refused,
    }


def report(rows: int, phase: str, result: dict[str, float]) -> None:
    chats = (
        f"{result['chats']:>4.0f} {result['chat_p50'] * 1e3:>8.0f} {result['chat_max'] * 1e3:>8.0f}"
        f" {result['refused']:>7.0f}"
        if phase != "floor"
        else f"{'-':>4} {'-':>8} {'-':>8} {'-':>7}"
    )
    print(
        f"{phase:<16} {rows / result['seconds']:>9,.0f} {result['peak_rss']:>9.0f} "
        f"{result['growth']:>8.0f} {result['wal_max']:>8.1f} {chats}",
        flush=True,
    )


HEADER = (
    f"{'import':<16} {'rows/s':>9} {'peak MB':>9} {'+MB':>8} {'WAL MB':>8} "
    f"{'chat':>4} {'p50 ms':>8} {'max ms':>8} {'refused':>7}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--skip-before", action="store_true", help="leave out the one-transaction import"
    )
    parser.add_argument("--child", nargs=3, metavar=("PHASE", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    phases = [p for p in PHASES if not (args.skip_before and p == "one transaction")]
    with tempfile.TemporaryDirectory(prefix="scalebot-import-bench-") as directory:
        rows_file = Path(directory) / "rows.csv"
        write_rows(rows_file, args.rows)
        size = rows_file.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size:.1f} MB of CSV; +MB is peak RSS above the start")
        results: dict[str, list[dict[str, float]]] = {phase: [] for phase in phases}
        for number in range(args.runs):
            print(f"\nrun {number + 1}\n{HEADER}")
            for phase in phases:
                folder = Path(directory) / f"{number}"
                folder.mkdir(exist_ok=True)
                results[phase].append(run_phase(phase, rows_file, folder))
                report(args.rows, phase, results[phase][-1])
                shutil.rmtree(folder)
        if args.runs > 1:
            print(f"\nmedian of {args.runs} runs\n{HEADER}")
            for phase, runs in results.items():
                median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                report(args.rows, phase, median)
        batches = results["batches"]
        floor = statistics.median(r["seconds"] for r in results["floor"])
        mine = statistics.median(r["seconds"] for r in batches)
        print(f"\nbatches take {mine / floor:.1f}x the floor's time")


if __name__ == "__main__":
    main()
