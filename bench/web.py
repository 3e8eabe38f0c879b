"""The web view's page latency over loopback, beside Datasette serving a bare table.

Builds a ledger of N generated points (as ``bench/core.py`` does: six fields, several
figures per dataset, a tenth pending, on top of the curated seed) and a second SQLite
file holding one plain table with the same rows (every figure's public columns) and an
index on its field. Then it starts two servers, each in its own process, on 127.0.0.1:

* ours: ``scalebot web`` on the ledger;
* the floor: a bare ``Datasette`` (no metadata, no plugin, default settings) over that
  one table, served by uvicorn the same way;
* a stricter floor beside it: the same bare table with Datasette's facet suggestions
  off (as ours has them), so its page does no more than list and count.

and fetches, alternating on keep-alive connections, the page a person opens most:
one field's current figures (``/ledger/current_figures?domain=video``, with its three
facets) and the bare table filtered the same way (``/bare/points?domain=video``). The
target is our p99 at most 1.5x the bare one, side by side in the same run. It also times
``scalebot web``'s start-up on the existing ledger, to the first page served (target:
under 2 s).

    python bench/web.py                    # 100k points, 400 requests each
    python bench/web.py --points 100000 --requests 1000
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import re
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

#: Our p99 may be at most this multiple of the bare table's, side by side.
TARGET_RATIO = 1.5
#: ``scalebot web`` must serve its first page within this many seconds of starting.
START_TARGET = 2.0
OURS = "/ledger/current_figures?domain=video"
BARE = "/bare/points?domain=video"
#: The bare table: the public columns of every figure, with an index on the field.
BARE_SCHEMA = (
    "CREATE TABLE points (id INTEGER PRIMARY KEY, dataset TEXT, domain TEXT, value REAL, "
    "unit TEXT, year INTEGER, decided_on TEXT, disputes INTEGER, source TEXT, note TEXT, "
    "origin TEXT, dataset_id INTEGER);"
    "CREATE INDEX points_domain ON points (domain);"
)


def bench_core():  # type: ignore[no-untyped-def]
    """``bench/core.py`` as a module, for its generated ledger."""
    spec = importlib.util.spec_from_file_location("bench_core", ROOT / "bench" / "core.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(directory: Path, points: int) -> tuple[Path, Path]:
    """The ledger with ``points`` generated points, and the bare table with its rows."""
    ledger = directory / "ledger.db"
    with Core.open(settings=Settings(db=ledger, moderators=frozenset())) as core:
        bench_core().load(core, points)
    bare = directory / "bare.db"
    conn = sqlite3.connect(bare)
    conn.executescript(BARE_SCHEMA)
    conn.execute("ATTACH DATABASE ? AS ledger", (str(ledger),))
    conn.execute(
        "INSERT INTO points SELECT id, dataset, domain, value, unit, year, decided_on, "
        "disputes, source, note, origin, dataset_id FROM ledger.figures"
    )
    conn.commit()
    conn.close()
    return ledger, bare


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["SCALEBOT_LOG_LEVEL"] = "WARNING"
    return env


def start_ours(ledger: Path) -> tuple[subprocess.Popen[str], int, float]:
    """``scalebot web --port 0`` on the ledger: the process, its port, seconds to a page."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--db", str(ledger), "web", "--port", "0"],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        process.kill()
        raise SystemExit(f"scalebot web did not print its address: {line!r}")
    port = int(found.group(1))
    fetch(http.client.HTTPConnection("127.0.0.1", port, timeout=30), "/")
    return process, port, time.perf_counter() - started


def start_bare(bare: Path, *, suggest: bool) -> tuple[subprocess.Popen[str], int]:
    """A bare Datasette over the bare table, in a process of its own."""
    flags = [] if suggest else ["--no-suggest"]
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-bare", str(bare), *flags],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise SystemExit(f"the bare Datasette did not start: {line!r}")
    return process, int(line)


def serve_bare(path: str, *, suggest: bool) -> None:
    """Serve ``path`` with a bare Datasette (default settings) until killed."""
    import socket

    import uvicorn
    from datasette.app import Datasette

    datasette = Datasette(files=[path], settings=None if suggest else {"suggest_facets": False})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(datasette.app(), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def fetch(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return body


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def side_by_side(ports: dict[str, int], requests: int, warmup: int) -> dict[str, list[float]]:
    """Seconds per page of each server, taking turns request by request."""
    connections = {
        name: (
            http.client.HTTPConnection("127.0.0.1", port, timeout=30),
            OURS if name == "ours" else BARE,
        )
        for name, port in ports.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in connections}
    for n in range(warmup + requests):
        for name, (conn, path) in connections.items():
            started = time.perf_counter()
            fetch(conn, path)
            if n >= warmup:
                samples[name].append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="timed pages per server")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5, help="start-ups of scalebot web timed")
    parser.add_argument("--serve-bare", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--no-suggest", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, suggest=not args.no_suggest)
        return
    with tempfile.TemporaryDirectory(prefix="scalebot-bench-web-") as folder:
        began = time.perf_counter()
        ledger, bare = build(Path(folder), args.points)
        print(f"{args.points:,} generated points, built in {time.perf_counter() - began:.1f} s")
        starts = []
        for _ in range(args.starts):
            process, _port, seconds = start_ours(ledger)
            starts.append(seconds)
            process.terminate()
            process.wait(timeout=10)
        ours_process, ours_port, _ = start_ours(ledger)
        bare_process, bare_port = start_bare(bare, suggest=True)
        strict_process, strict_port = start_bare(bare, suggest=False)
        ports = {"ours": ours_port, "bare": bare_port, "strict": strict_port}
        try:
            samples = side_by_side(ports, args.requests, args.warmup)
        finally:
            for process in (ours_process, bare_process, strict_process):
                process.terminate()
                process.wait(timeout=10)
    report(samples, starts)


def report(samples: dict[str, list[float]], starts: list[float]) -> None:
    ours, bare, strict = samples["ours"], samples["bare"], samples["strict"]

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f}"

    rows = (
        ("ours: " + OURS, ours),
        ("bare Datasette: " + BARE, bare),
        ("bare, no facet suggestions: " + BARE, strict),
    )
    print(f"{'page':<66}{'median ms':>10}{'p99 ms':>8}")
    for label, values in rows:
        print(f"{label:<66}{ms(statistics.median(values)):>10}{ms(p99(values)):>8}")
    ratio = p99(ours) / p99(bare)
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"p99 ratio to the bare Datasette {ratio:.2f} (target <= {TARGET_RATIO}): {verdict}")
    print(f"p99 ratio to the bare one without suggestions {p99(ours) / p99(strict):.2f}")
    slowest = max(starts)
    verdict = "meets" if slowest <= START_TARGET else "MISSES"
    print(
        f"scalebot web start-up to its first page: median {statistics.median(starts):.2f} s, "
        f"slowest {slowest:.2f} s of {len(starts)} (target < {START_TARGET:.0f} s): {verdict}"
    )


if __name__ == "__main__":
    main()
