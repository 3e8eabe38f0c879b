"""Core latency and write throughput at 1k, 100k and 1M data points, beside SQLite's floor.

For each size the script builds a fresh database (the curated seed plus N generated
points spread over the six domains, several versions per dataset, a tenth of them
pending), then times, in-process through ``Core.ask``:

* the read commands ``/scale``, ``/compare``, ``/datasets`` and ``/ask`` (median, p99);
* ``/submit``: validated, audited, committed submissions per second.

Beside them it measures the floor on the same file in the same run: a raw indexed top-3
query over the ledger and a raw single-row WAL commit, so the ratios show what the
bot adds over SQLite itself. Targets (from the brief): p99 <= 1 ms for /scale,
/compare, /datasets and <= 3 ms for /ask at 100k points, flat from 1k to 1M, and at
least 5,000 submissions a second.

    python bench/core.py                        # 1k and 100k points
    python bench/core.py --sizes 1000 100000 1000000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.core import Core
from knowledge.store import NewPoint, Submitter

READS: dict[str, tuple[str, float]] = {
    "/scale video": ("/scale video", 1_000),
    "/compare 3d llm": ("/compare 3d llm", 1_000),
    "/datasets video": ("/datasets video", 1_000),
    "/ask (essay)": ("/ask why is 3d data hard to scale", 3_000),
    "/ask (ledger)": ("/ask largest video dataset in hours", 3_000),
    "/ask (field alias)": ("/ask how much gaussian splatting data is there", 3_000),
}
SUBMISSIONS_TARGET = 5_000

#: domain -> units its generated points are counted in.
DOMAIN_UNITS: dict[str, tuple[str, ...]] = {
    "video": ("hours", "clips", "videos"),
    "image": ("images", "image-text pairs"),
    "llm": ("tokens", "documents"),
    "3d": ("objects", "scenes"),
    "robotics": ("trajectories", "episodes"),
    "self-driving": ("hours", "miles", "scenes"),
}
VERSIONS_PER_DATASET = 4
PENDING_SHARE = 0.1
LOAD_CHUNK = 20_000

FLOOR_READ = (
    "SELECT id, dataset, quantity FROM data_points INDEXED BY idx_current_by_size "
    "WHERE domain = ? AND status = 'approved' AND is_current = 1 "
    "ORDER BY quantity DESC, id LIMIT 3"
)


def generated_points(count: int, seed: int = 7) -> list[tuple[NewPoint, bool]]:
    """``count`` plausible points, each with whether it stays pending."""
    rng = random.Random(seed)
    domains = list(DOMAIN_UNITS)
    points: list[tuple[NewPoint, bool]] = []
    for n in range(count):
        domain = domains[n % len(domains)]
        dataset_number = n // (len(domains) * VERSIONS_PER_DATASET)
        unit = DOMAIN_UNITS[domain][dataset_number % len(DOMAIN_UNITS[domain])]
        quantity = round(rng.uniform(1, 10_000), 1) * 1_000
        point = NewPoint(
            domain=domain,
            dataset=f"Bench set {dataset_number} {domain}",
            quantity_text=f"{quantity:g}",
            quantity=quantity,
            unit=unit,
            source_url=f"https://example.org/datasets/{dataset_number}",
            year=2015 + rng.randrange(11),
            note="generated for the benchmark",
        )
        points.append((point, rng.random() < PENDING_SHARE))
    return points


def load(core: Core, count: int) -> float:
    """Add ``count`` generated points in chunked transactions; returns seconds taken."""
    who = Submitter("system:bench", "system")
    started = time.perf_counter()
    points = generated_points(count)
    for start in range(0, count, LOAD_CHUNK):
        chunk = points[start : start + LOAD_CHUNK]
        approved = [point for point, pending in chunk if not pending]
        pending = [point for point, is_pending in chunk if is_pending]
        core.store.add_many(approved, who, origin="import", status="approved")
        core.store.add_many(pending, who, origin="community", status="pending")
    return time.perf_counter() - started


def timings(action: Callable[[], object], repeat: int, warmup: int) -> list[float]:
    """Seconds per call of ``action``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def micros(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def raw_connection(path: Path) -> sqlite3.Connection:
    """A bare connection with the same pragmas the store uses."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def floor_read(path: Path, repeat: int, warmup: int) -> list[float]:
    conn = raw_connection(path)
    try:
        return timings(lambda: conn.execute(FLOOR_READ, ("video",)).fetchall(), repeat, warmup)
    finally:
        conn.close()


def floor_commit(path: Path, repeat: int) -> float:
    """Raw single-row commits per second, on a scratch table in the same file."""
    conn = raw_connection(path)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, x TEXT)")
        started = time.perf_counter()
        for n in range(repeat):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_floor (x) VALUES (?)", (f"row {n}",))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_floor")
        return repeat / elapsed
    finally:
        conn.close()


def submissions_per_second(core: Core, repeat: int) -> tuple[float, list[float]]:
    """Validated, audited, committed /submit commands per second, and each one's time."""
    counter = iter(range(repeat))

    def submit() -> None:
        n = next(counter)
        reply = core.ask(
            f'/submit video "Bench submission {n}" {n + 1}.5M hours '
            f"https://example.org/submissions/{n} 2025",
            user="console:bench",
        )
        assert reply.kind == "answer", reply.summary

    samples = timings(submit, repeat, warmup=0)
    return repeat / sum(samples), samples


def run_size(size: int, repeat: int, warmup: int, directory: Path) -> dict[str, object]:
    path = directory / f"bench-{size}.db"
    settings = Settings(db=path, moderators=frozenset())
    with Core.open(settings=settings) as core:
        load_seconds = load(core, size)
        results: dict[str, object] = {"load": load_seconds}
        for label, (text, _target) in READS.items():
            reply = core.ask(text, user="console:bench")
            assert reply.kind == "answer", f"{text}: {reply.summary}"
            results[label] = timings(
                lambda text=text: core.ask(text, user="console:bench"), repeat, warmup
            )
        results["floor read"] = floor_read(path, repeat, warmup)
        results["floor commits/s"] = floor_commit(path, repeat)
        results["submissions/s"], results["submit"] = submissions_per_second(core, repeat)
    return results


def report(size: int, results: dict[str, object]) -> None:
    floor = results["floor read"]
    assert isinstance(floor, list)
    print(f"\n{size:,} generated points (+ curated seed), loaded in {results['load']:.1f} s")
    print(
        f"{'command':<18}{'median µs':>11}{'p99 µs':>9}{'target p99':>12}"
        f"{'floor p99':>11}{'p99/floor':>11}  verdict"
    )
    for label, (_text, target) in READS.items():
        samples = results[label]
        assert isinstance(samples, list)
        ratio = p99(samples) / p99(floor)
        verdict = "meets" if p99(samples) * 1e6 <= target else "MISSES"
        print(
            f"{label:<18}{micros(statistics.median(samples)):>11}{micros(p99(samples)):>9}"
            f"{target:>12,.0f}{micros(p99(floor)):>11}{ratio:>10.1f}x  {verdict}"
        )
    print(
        f"{'floor read':<18}{micros(statistics.median(floor)):>11}{micros(p99(floor)):>9}"
        "   (raw indexed top-3 query, same file)"
    )
    rate = results["submissions/s"]
    floor_rate = results["floor commits/s"]
    submit = results["submit"]
    assert isinstance(rate, float) and isinstance(floor_rate, float) and isinstance(submit, list)
    verdict = "meets" if rate >= SUBMISSIONS_TARGET else "MISSES"
    print(
        f"/submit: {rate:,.0f}/s (median {micros(statistics.median(submit))} µs, "
        f"p99 {micros(p99(submit))} µs; target >= {SUBMISSIONS_TARGET:,}/s: {verdict}); "
        f"floor: raw single-row commit {floor_rate:,.0f}/s, ratio {floor_rate / rate:.1f}x"
    )


def flatness(all_results: dict[int, dict[str, object]]) -> None:
    """p99 at the largest size over p99 at the smallest: 1.0 is perfectly flat."""
    sizes = sorted(all_results)
    if len(sizes) < 2:
        return
    small, large = all_results[sizes[0]], all_results[sizes[-1]]
    print(f"\nflatness, p99 at {sizes[-1]:,} over p99 at {sizes[0]:,} points:")
    for label in [*READS, "floor read"]:
        small_samples, large_samples = small[label], large[label]
        assert isinstance(small_samples, list) and isinstance(large_samples, list)
        print(f"  {label:<19}{p99(large_samples) / p99(small_samples):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3_000, help="timed calls per command")
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()
    all_results: dict[int, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="scalebot-bench-") as directory:
        for size in args.sizes:
            all_results[size] = run_size(size, args.repeat, args.warmup, Path(directory))
            report(size, all_results[size])
    flatness(all_results)


if __name__ == "__main__":
    main()
