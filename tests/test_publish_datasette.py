"""A snapshot served as the README says: ``datasette --immutable ledger.db --metadata ...``.

Plain Datasette (the library, none of the bot's plugin) serves the published file
immutable over 127.0.0.1, and answers its table pages and the canned queries with the
same rows the bot's own web view answers from the live ledger.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from datasette.app import Datasette

from bot.cli import cli
from bot.config import Settings
from tests.fakes.loop import BackgroundLoop
from tests.helpers import MODERATOR
from tests.publish_stack import FIELD_SLUG, private_ledger
from tests.web_stack import Site, serving


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "scalebot.db"
    private_ledger(path)
    return path


@pytest.fixture(scope="module")
def snapshot(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("published") / "snapshot"
    result = CliRunner().invoke(cli, ["--db", str(ledger), "publish", str(out_dir)])
    assert result.exit_code == 0, result.output
    return out_dir


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextmanager
def datasette_serving(snapshot: Path) -> Iterator[Site]:
    """Datasette with the snapshot immutable and its metadata, on a free local port."""
    metadata = json.loads((snapshot / "metadata.json").read_text("utf-8"))
    datasette = Datasette(immutables=[str(snapshot / "ledger.db")], metadata=metadata)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(datasette.app(), lifespan="off", log_config=None, access_log=False)
    server = _Server(config)
    with BackgroundLoop() as background:

        async def start() -> asyncio.Task[None]:
            await datasette.invoke_startup()
            task = asyncio.create_task(server.serve(sockets=[sock]))
            for _ in range(1000):
                if server.started or task.done():
                    break
                await asyncio.sleep(0.01)
            assert server.started, "Datasette did not start within 10 s"
            return task

        async def stop(task: asyncio.Task[None]) -> None:
            server.should_exit = True
            await asyncio.wait_for(task, 10)

        task = background.run(start(), timeout=30)
        try:
            yield Site(f"http://127.0.0.1:{port}")
        finally:
            background.run(stop(task), timeout=30)
            sock.close()
            for database in datasette.databases.values():
                database.close()


@pytest.fixture(scope="module")
def served(snapshot: Path) -> Iterator[Site]:
    with datasette_serving(snapshot) as site:
        yield site


@pytest.fixture(scope="module")
def web(ledger: Path) -> Iterator[Site]:
    with serving(Settings(db=ledger, moderators=frozenset({MODERATOR}))) as site:
        yield site


def rows(site: Site, path: str) -> list[dict]:
    joiner = "&" if "?" in path else "?"
    page = site.get(f"{path}{joiner}_shape=array&_size=max")
    assert page.status == 200, (path, page.body[:300])
    found = page.json()
    assert isinstance(found, list)
    return found


def test_datasette_serves_the_snapshot_immutable(served: Site) -> None:
    databases = served.get("/-/databases.json").json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("ledger", False)]
    page = served.get("/ledger/current_figures?domain=video")
    assert page.status == 200
    assert "Current figures" in page.body and "text/html" in page.content_type


def test_a_table_page_answers_the_files_rows(served: Site, snapshot: Path) -> None:
    published = json.loads((snapshot / "figures.json").read_text("utf-8"))
    assert rows(served, "/ledger/figures.json?_sort=id") == published


@pytest.mark.parametrize(
    "query",
    [
        "/ledger/current_by_field.json?field=video",
        "/ledger/pending_review.json",
        "/ledger/dataset_history.json?name=pending%20hours",
        "/ledger/growth_record.json?field=video",
        f"/ledger/growth_record.json?field={FIELD_SLUG}",
    ],
)
def test_the_canned_queries_answer_as_the_web_view_does(
    served: Site, web: Site, query: str
) -> None:
    """The same query on the snapshot (plain Datasette) and on the live ledger (the bot's
    web view) gives the same rows."""
    answer = rows(served, query)
    assert answer == rows(web, query)
    assert answer != []


def test_the_readmes_datasette_command_serves_it(snapshot: Path, tmp_path: Path) -> None:
    """``datasette --immutable ledger.db --metadata metadata.json`` as the README has it,
    the datasette command in a process of its own, on a port it picks."""
    log = tmp_path / "datasette.log"
    database, metadata = str(snapshot / "ledger.db"), str(snapshot / "metadata.json")
    command = ["datasette", "--immutable", database, "--metadata", metadata]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *command, "-h", "127.0.0.1", "-p", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        port = None
        for _ in range(300):  # 30 s at most for it to say where it listens
            found = re.search(r"http://127\.0\.0\.1:(\d+)", log.read_text())
            if found or process.poll() is not None:
                port = found and int(found.group(1))
                break
            time.sleep(0.1)
        assert port, log.read_text()
        site = Site(f"http://127.0.0.1:{port}")
        published = json.loads((snapshot / "growth_records.json").read_text("utf-8"))
        video = [
            {k: v for k, v in row.items() if k != "domain"}
            for row in published
            if row["domain"] == "video"
        ]
        assert rows(site, "/ledger/growth_record.json?field=video") == video != []
        assert "Current figures" in site.get("/ledger/current_figures").body
    finally:
        process.terminate()
        process.wait(timeout=10)
