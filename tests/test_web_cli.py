"""``scalebot web`` and ``scalebot run all`` with ``SCALEBOT_WEB_PORT``, as real processes.

A newcomer runs ``scalebot web``, opens the URL it prints and browses. These start the
installed console script on 127.0.0.1, read what it prints, fetch a page, and stop it
with the signal a Ctrl-C or ``docker stop`` sends; every wait is bounded.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers import clear_settings_env, environ_without_settings

SCRIPT = Path(sys.executable).parent / "scalebot"
#: A first start creates the ledger (schema, seed); later ones open it.
START = 30.0

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def spawned(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [str(SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"nothing printed within {timeout} s"
    return process.stdout.readline()


def fetch(url: str, deadline: float) -> tuple[int, str]:
    """GET ``url``, trying again while the server is not up yet, until ``deadline``."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=15)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**environ_without_settings(), "SCALEBOT_DB": str(tmp_path / "scalebot.db")}


def test_scalebot_web_prints_its_url_and_serves_the_ledger(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    started = time.monotonic()
    with spawned(["web", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path) as process:
        line = first_line(process, START)
        ready = time.monotonic() - started
        url = f"http://127.0.0.1:{port}/"
        assert url in line, line
        status, body = fetch(url, time.monotonic() + 10)
        assert status == 200
        assert "scalebot: the community ledger of AI dataset sizes" in body
        status, body = fetch(url + "ledger/current_figures.json?domain=3d", time.monotonic() + 10)
        assert status == 200 and "Objaverse-XL" in body
        assert stop(process) == 0
    print(f"scalebot web: ready in {ready:.2f} s (new ledger)")


def test_scalebot_web_port_zero_prints_the_port_it_took(
    env: dict[str, str], tmp_path: Path
) -> None:
    with spawned(["web", "--port", "0"], env, tmp_path) as process:
        line = first_line(process, START)
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/"), line
        assert fetch(url, time.monotonic() + 10)[0] == 200
        assert stop(process) == 0


def test_run_all_serves_the_web_view_when_its_port_is_set(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**env, "SCALEBOT_WEB_PORT": str(port), "SCALEBOT_WEB_HOST": "127.0.0.1"}
    with spawned(["run", "all"], env, tmp_path) as process:
        status, body = fetch(
            f"http://127.0.0.1:{port}/ledger/current_figures.json?domain=llm",
            time.monotonic() + START,
        )
        assert status == 200 and "DCLM-Pool" in body
        assert stop(process) == 0


def test_a_port_in_use_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli,
            ["--db", str(tmp_path / "scalebot.db"), "web", "--port", str(port)],
            catch_exceptions=False,
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_web_help_names_the_options_and_variables() -> None:
    result = CliRunner().invoke(cli, ["web", "--help"])
    assert result.exit_code == 0
    for word in ("--host", "--port", "SCALEBOT_WEB_SHOW_USERS", "SCALEBOT_WEB_ALLOW_SQL"):
        assert word in result.output


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX signals")
def test_sigterm_stops_the_web_view(env: dict[str, str], tmp_path: Path) -> None:
    with spawned(["web", "--port", "0"], env, tmp_path) as process:
        first_line(process, START)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
