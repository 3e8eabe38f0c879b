"""Console start-up: from spawning ``scalebot run console`` in a pseudo-terminal to its prompt.

Each sample spawns a process in a 40x120 pseudo-terminal (pexpect), feeds its output to a
pyte screen that answers cursor-position queries as a terminal does, and stops the clock
when the cursor's line is the prompt ``> ``. The floor is measured the same way in the
same run, samples alternating: a ``python -c`` that prints ``> `` and waits, i.e. the
interpreter's own start and the pseudo-terminal round trip. Rows:

* the floor;
* the console on an existing database (the usual start: open, migrate-check, prompt);
* the console on a new database (first start: schema, claims index, curated seed).

Target: the console's p99 under 1 s.

    python bench/console.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pyte

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLUMNS = 40, 120
TIMEOUT = 20.0
TARGET_SECONDS = 1.0
FLOOR = "import sys; print('> ', end='', flush=True); sys.stdin.readline()"


def time_to_prompt(args: list[str], cwd: Path) -> float:
    """Seconds from spawning ``python ARGS`` in a pseudo-terminal to the prompt on screen.

    The process is then ended as a user ends it (Ctrl-D, or Enter for the floor) and
    closed here, outside the clock: a spawn left to the garbage collector closes itself
    in ``__del__`` with pexpect's sleeps, stalling whichever later sample is running.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SCALEBOT_", "DISCORD_", "SLACK_", "NO_COLOR"))
    }
    env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color")
    screen = pyte.Screen(COLUMNS, ROWS)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    child = pexpect.spawn(sys.executable, args, cwd=str(cwd), env=env, dimensions=(ROWS, COLUMNS))
    child.delaybeforesend = None  # answer cursor-position queries at once, as a terminal does
    screen.write_process_input = lambda data: child.send(data.encode())  # type: ignore[method-assign]
    try:
        while screen.display[screen.cursor.y].rstrip() != ">" or screen.cursor.x != 2:
            if time.perf_counter() - started > TIMEOUT:
                raise RuntimeError(f"no prompt within {TIMEOUT} s: {screen.display}")
            try:
                stream.feed(child.read_nonblocking(65536, timeout=0.01))
            except pexpect.TIMEOUT:
                continue
        elapsed = time.perf_counter() - started
        child.send(b"\x04\n")  # Ctrl-D leaves the console; the line ends the floor's read
        child.expect(pexpect.EOF, timeout=TIMEOUT)
        return elapsed
    finally:
        child.close(force=True)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        existing = folder / "existing.db"
        console = ["-m", "bot.cli", "--db", str(existing), "run", "console"]
        time_to_prompt(console, folder)  # creates and seeds the database, untimed
        samples: dict[str, list[float]] = {
            "python -c (floor)": [],
            "console, existing database": [],
            "console, new database": [],
        }
        for run in range(args.runs):
            fresh = ["-m", "bot.cli", "--db", str(folder / f"new-{run}.db"), "run", "console"]
            samples["python -c (floor)"].append(time_to_prompt(["-c", FLOOR], folder))
            samples["console, existing database"].append(time_to_prompt(console, folder))
            samples["console, new database"].append(time_to_prompt(fresh, folder))

    print(f"spawn in a pseudo-terminal to the prompt on screen, {args.runs} runs each, ms\n")
    print("| process | median | p99 |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values) * 1000
        print(f"| {name} | {median:.0f} | {percentile(values, 0.99) * 1000:.0f} |")
    floor = samples["python -c (floor)"]
    for name in ("console, existing database", "console, new database"):
        values = samples[name]
        ratio = statistics.median(values) / statistics.median(floor)
        p99_ratio = percentile(values, 0.99) / percentile(floor, 0.99)
        verdict = "meets" if percentile(values, 0.99) < TARGET_SECONDS else "misses"
        print(
            f"\n{name} / floor: median {ratio:.1f}x, p99 {p99_ratio:.1f}x "
            f"({verdict} the {TARGET_SECONDS:.0f} s target)"
        )


if __name__ == "__main__":
    main()
