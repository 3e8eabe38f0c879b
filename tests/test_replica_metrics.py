"""The replica's lag on ``/metrics``: the replication supervisor and the metrics server,
wired in ``bot/serve.py``, seen from outside a real ``scalebot run all`` process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import free_port
from tests.replica_stack import ROOT, replica_env

#: Seconds the bot has to start, replicate and answer a scrape (a loaded machine).
DEADLINE = 60.0


def scrape(port: int) -> dict[str, float]:
    """Every sample of ``/metrics`` by name (the last one of each name)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def lag_on_metrics(tmp_path: Path, replica: Path | None) -> float | None:
    """Run ``scalebot run all`` (the web view alone) with metrics on, scrape until the
    bot has replicated once (or, without a replica, until it answers), and stop it."""
    metrics_port = free_port()
    env = {
        **replica_env(replica, 0.2),
        "SCALEBOT_WEB_PORT": str(free_port()),
        "SCALEBOT_METRICS_PORT": str(metrics_port),
    }
    log = (tmp_path / "bot.log").open("wb")
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--db", str(tmp_path / "scalebot.db"), "run", "all"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    found: dict[str, float] = {}
    try:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            assert bot.poll() is None, (tmp_path / "bot.log").read_text(errors="replace")
            try:
                found = scrape(metrics_port)
            except (urllib.error.URLError, ConnectionError):
                found = {}
            if found and (replica is None or "scalebot_replication_lag_seconds" in found):
                break
            time.sleep(0.2)
        assert found, "the metrics server never answered"
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait(timeout=10)
        log.close()
    return found.get("scalebot_replication_lag_seconds")


@pytest.mark.skipif(sys.platform != "linux", reason="the bot's Litestream child")
def test_the_replicas_lag_is_a_gauge_on_metrics(tmp_path: Path) -> None:
    lag = lag_on_metrics(tmp_path, tmp_path / "replica")
    assert lag is not None, "no scalebot_replication_lag_seconds while replicating"
    assert 0 <= lag < 10


def test_without_a_replica_there_is_no_lag_gauge(tmp_path: Path) -> None:
    assert lag_on_metrics(tmp_path, None) is None
