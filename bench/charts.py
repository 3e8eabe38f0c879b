"""Charts: a warm chart against a bare matplotlib script, the first chart, and memory.

Measured in one run, so each figure has its baseline beside it:

* **warm**: ``bot.charts.trend_chart`` drawing the curated video record (every figure,
  the record staircase, the fit, the labels) against a bare matplotlib script drawing
  the same points (the same scatter, steps and line on a log axis, same size and dpi,
  to PNG bytes; no title, labels or legend, so it is the stricter baseline),
  alternating, after a warm-up. Target: our p99 at most 1.5x the bare one.
* **first chart after start**: a fresh ``python`` process opens the core, answers
  ``/scale video`` (matplotlib not loaded), then draws the first chart (the import of
  matplotlib, on the core's worker thread in the bot). The platforms' 3 s limit is met
  by the adapters answering at once (``AsyncCore.budget_for``); this says how long the
  chart then takes to follow, beside the interpreter's own start-up.
* **memory**: the resident set of that process with the core, both adapters' libraries
  and matplotlib loaded and a chart drawn. Target: under 200 MB.

    python bench/charts.py                 # 300 warm charts each
    python bench/charts.py --repeat 100
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
#: Warm ours at most this multiple of the bare script's p99.
WARM_RATIO = 1.5
#: Resident memory with plotting loaded, in MB.
RSS_BUDGET_MB = 200
#: The platforms' limit for a first answer, in seconds: the chart is not in that path
#: (the adapters answer first), but it should still follow well inside it.
PLATFORM_LIMIT = 3.0

#: Run in a fresh process: start-up to ready, the first chart, and memory.
FIRST_CHART = """
import json, resource, sys, threading, time
started = time.perf_counter()
from bot.config import Settings
from bot.core import Core
core = Core.open(settings=Settings(db=sys.argv[1], moderators=frozenset()))
core.ask("/scale video", user="console:bench")
ready = time.perf_counter()
import discord, slack_bolt  # both adapters' libraries, as `scalebot run all` loads them
from bot import charts
from handlers import growth
assert not charts.loaded()
video = core.library.resolve("video")
found = growth.read(core.store, video)
done = {}
def draw():
    done["chart"] = growth.trend_chart(core.store, found)
worker = threading.Thread(target=draw)  # off the main thread, as the bot draws it
before = time.perf_counter()
worker.start(); worker.join()
first = time.perf_counter() - before
assert done["chart"] is not None and charts.loaded()
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
print(json.dumps({
    "ready": ready - started,
    "first_chart": first,
    "rss_mb": rss / 1024,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def bare_chart(xs: list[int], ys: list[float], steps: tuple[list[float], list[float]]) -> bytes:
    """What a bare matplotlib script draws: the same points, steps and line, to PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.charts import DPI, HEIGHT, WIDTH

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.set_yscale("log")
    axes.scatter(xs, ys, s=22)
    axes.plot(*steps)
    axes.plot([xs[0], xs[-1]], [ys[0], ys[-1]], linestyle="--")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def warm(repeat: int, warmup: int) -> tuple[list[float], list[float], int]:
    """(ours, bare) seconds per chart of the curated video record, alternating."""
    from bot import charts
    from bot.core import Core
    from handlers import growth

    with (
        tempfile.TemporaryDirectory(prefix="scalebot-bench-") as directory,
        Core.open(Path(directory) / "charts.db") as core,
    ):
        video = core.library.resolve("video")
        assert video is not None
        found = growth.read(core.store, video)
        assert found.unit is not None
        figures = list(core.store.dated_figures("video", found.unit))
    frontier = found.result.frontier
    xs = [f.year for f in figures]
    ys = [f.quantity for f in figures]
    steps = charts._staircase(frontier, max(xs) + 0.4)

    def ours() -> bytes:
        return charts.trend_chart(
            video.name, video.slug, found.unit or "", figures, found.result, video.colour
        ).png

    def bare() -> bytes:
        return bare_chart(xs, ys, steps)

    ours_samples: list[float] = []
    bare_samples: list[float] = []
    for n in range(warmup + repeat):
        for draw, samples in ((ours, ours_samples), (bare, bare_samples)):
            started = time.perf_counter()
            draw()
            elapsed = time.perf_counter() - started
            if n >= warmup:
                samples.append(elapsed)
    return ours_samples, bare_samples, len(figures)


def first_chart() -> dict[str, float]:
    """Start-up, the first chart and memory, in a fresh interpreter (see FIRST_CHART)."""
    with tempfile.TemporaryDirectory(prefix="scalebot-bench-") as directory:
        db = str(Path(directory) / "first.db")
        # The database made first, so the run below measures a start, not a first install.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from bot.core import Core; Core.open(__import__('sys').argv[1]).close()",
                db,
            ],
            cwd=ROOT,
            check=True,
        )
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter = time.perf_counter() - started
        out = subprocess.run(
            [sys.executable, "-c", FIRST_CHART, db],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    found: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    found["interpreter"] = interpreter
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="warm charts of each kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--starts", type=int, default=3, help="fresh processes for the first chart")
    args = parser.parse_args()

    ours, bare, points = warm(args.repeat, args.warmup)
    ratio = p99(ours) / p99(bare)
    print(f"warm chart, {points} figures of the curated video record, {args.repeat} each, ms:")
    for label, samples in (
        ("ours (bot.charts.trend_chart)", ours),
        ("bare matplotlib, same points", bare),
    ):
        print(f"  {label:<34}median {ms(statistics.median(samples)):>6}  p99 {ms(p99(samples)):>6}")
    print(
        f"  p99 ratio {ratio:.2f}x (median ratio "
        f"{statistics.median(ours) / statistics.median(bare):.2f}x; target <= {WARM_RATIO}x): "
        f"{'meets' if ratio <= WARM_RATIO else 'MISSES'}"
    )

    runs = [first_chart() for _ in range(args.starts)]
    print(f"\nfirst chart after start, {args.starts} fresh processes, each run: ")
    for n, run in enumerate(runs, 1):
        print(
            f"  run {n}: interpreter alone {ms(run['interpreter'])} ms; core ready and "
            f"/scale answered {ms(run['ready'])} ms; first chart (matplotlib imported on a "
            f"worker thread) {ms(run['first_chart'])} ms; RSS {run['rss_mb']:.0f} MB "
            f"(peak {run['peak_mb']:.0f} MB)"
        )
    worst_first = max(run["first_chart"] for run in runs)
    worst_rss = max(run["rss_mb"] for run in runs)
    print(
        f"  slowest first chart {ms(worst_first)} ms, "
        f"{worst_first / PLATFORM_LIMIT:.2f} of the platforms' {PLATFORM_LIMIT:.0f} s "
        "(which the adapters' ack or defer does not wait for)"
    )
    print(
        f"  resident memory with the core, discord.py, slack-bolt and matplotlib loaded: "
        f"{worst_rss:.0f} MB (target < {RSS_BUDGET_MB} MB): "
        f"{'meets' if worst_rss < RSS_BUDGET_MB else 'MISSES'}"
    )


if __name__ == "__main__":
    main()
