"""/health and /metrics as ``scalebot run`` serves them (bot/serve.py), on 127.0.0.1.

The real Slack adapter (Bolt, aiohttp) and the real discord.py client against the
fakes; /metrics is read with prometheus-client's own parser, never by grepping text.
Expected figures are counted here, from what the test sent or with SQL of its own.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from bot.cli import cli
from bot.commands import Command, Request
from bot.config import Settings
from bot.core import Core
from bot.health import MetricsService
from bot.metrics import REPLICATION_LAG
from bot.registry import COMMANDS
from bot.reply import Reply
from bot.serve import Service, serve
from bot.slack.serve import EVENTS_PATH, SlackService
from tests.discord_stack import discord_settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.slack_stack import SLACK_MEMBER, SLACK_MODERATOR


def boom(request: Request) -> Reply:
    raise RuntimeError("a bug of ours")


#: The registry's commands and one whose handler fails (our own bug, for "failed").
WITH_A_BUG = {
    **COMMANDS,
    "boom": Command(name="boom", description="Test only: fails", handler=boom, example="/boom"),
}


@dataclass
class Running:
    loop: BackgroundLoop
    core: Core
    services: dict[str, Service]

    @property
    def metrics(self) -> MetricsService:
        service = self.services["metrics"]
        assert isinstance(service, MetricsService)
        return service

    @property
    def health_url(self) -> str:
        return f"{self.metrics.url}/health"

    def get(self, path: str, timeout: float = STEP_TIMEOUT) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"{self.metrics.url}{path}", timeout=timeout) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> tuple[int, dict[str, Any]]:
        status, body = self.get("/health")
        return status, json.loads(body)

    def until_health(self, status: int, timeout: float = STEP_TIMEOUT) -> dict[str, Any]:
        """/health's body once it answers ``status`` (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            found, body = self.health()
            if found == status:
                return body
            assert time.monotonic() < deadline, f"/health stayed {found}: {body}"
            time.sleep(0.05)

    def scrape(self) -> dict[str, Any]:
        status, body = self.get("/metrics")
        assert status == 200
        return {f.name: f for f in text_string_to_metric_families(body.decode())}


@contextmanager
def running(
    platforms: list[str],
    settings: Settings,
    loop: BackgroundLoop,
    commands: dict[str, Command] | None = None,
) -> Iterator[Running]:
    """``serve(platforms)`` with /health and /metrics on a free port, stopped after."""
    settings = settings.model_copy(update={"metrics_host": "127.0.0.1", "metrics_port": 0})
    core = Core.open(settings=settings, commands=commands)
    stop = asyncio.Event()
    ready = threading.Event()
    started: list[Service] = []

    def on_ready(services: Sequence[Service]) -> None:
        started.extend(services)
        ready.set()

    task = asyncio.run_coroutine_threadsafe(
        serve(platforms, core, settings, stop, on_ready), loop.loop
    )
    try:
        assert ready.wait(30), "scalebot run did not start within 30 s"
        yield Running(loop, core, {service.name: service for service in started})
    finally:
        loop.loop.call_soon_threadsafe(stop.set)
        task.result(30)
        core.close()


@contextmanager
def slack_running(
    tmp_path: Path, commands: dict[str, Command] | None = None, **overrides: Any
) -> Iterator[tuple[Running, SlackSender]]:
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            db=tmp_path / "run.db",
            moderators=frozenset({f"slack:{SLACK_MODERATOR}"}),
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api.url,
            slack_host="127.0.0.1",
            slack_port=0,
            check_sources=False,
            **overrides,
        )
        try:
            with running(["slack"], settings, loop, commands) as run:
                slack = run.services["slack"]
                assert isinstance(slack, SlackService)
                events = f"http://127.0.0.1:{slack.port}{EVENTS_PATH}"
                yield run, SlackSender(events, api.response_url(""))
        finally:
            loop.run(api.stop())
        api.assert_nothing_refused()


def sample(families: dict[str, Any], family: str, name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` with exactly ``labels`` in ``family``, or None."""
    for found in families[family].samples:
        if found.name == name and found.labels == labels:
            return float(found.value)
    return None


def ledger_sql(path: Path, sql: str) -> Any:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


ANSWER = {"platform": "slack", "outcome": "answer"}


def test_metrics_count_each_command_by_name_platform_and_outcome(tmp_path: Path) -> None:
    with slack_running(tmp_path, WITH_A_BUG, submit_limit="1/hour") as (run, sender):
        for _ in range(3):
            sender.command("/scale", "video")  # the second and third from the reply cache
        sender.command("/scale", "nowhere")  # a user error
        submitted = "3d Bigset 12M objects https://example.org/paper year:2025"
        sender.command("/submit", submitted, user=SLACK_MEMBER)
        sender.command("/submit", submitted.replace("Bigset", "Other"), user=SLACK_MEMBER)
        approved = ledger_sql(run.core.settings.db, "SELECT MIN(id) FROM data_points "
                              "WHERE status = 'approved'")  # fmt: skip
        # A moderator, whom the submission limit spares.
        sender.command("/flag", f"{approved} the paper says otherwise", user=SLACK_MODERATOR)
        sender.command("/boom", user=SLACK_MEMBER)
        families = run.scrape()

    commands = "scalebot_commands"
    assert sample(families, commands, f"{commands}_total", command="scale", **ANSWER) == 3
    error = {"platform": "slack", "outcome": "error"}
    assert sample(families, commands, f"{commands}_total", command="scale", **error) == 1
    assert sample(families, commands, f"{commands}_total", command="submit", **ANSWER) == 1
    refused = {"platform": "slack", "outcome": "refused"}
    assert sample(families, commands, f"{commands}_total", command="submit", **refused) == 1
    failed = {"platform": "slack", "outcome": "failed"}
    assert sample(families, commands, f"{commands}_total", command="boom", **failed) == 1
    refusals = "scalebot_rate_limit_refusals"
    by_limit = {"limit": "submissions", "platform": "slack"}
    assert sample(families, refusals, f"{refusals}_total", **by_limit) == 1
    # The bug is logged with its traceback by bot.core, and counted from that record.
    errors = "scalebot_errors"
    assert sample(families, errors, f"{errors}_total", logger="bot.core") == 1

    latency = families["scalebot_command_seconds"]
    assert latency.type == "histogram"
    scale = {"command": "scale", "platform": "slack"}
    assert sample(families, latency.name, f"{latency.name}_count", **scale) == 4
    buckets = [
        s
        for s in latency.samples
        if s.name.endswith("_bucket") and s.labels.get("command") == "scale"
    ]
    assert float(buckets[-1].labels["le"]) == float("inf") and buckets[-1].value == 4
    assert float(buckets[0].labels["le"]) <= 0.001  # ms-scale buckets
    assert 0 < sample(families, latency.name, f"{latency.name}_sum", **scale) < 4 * STEP_TIMEOUT

    db = tmp_path / "run.db"
    gauges = {
        "scalebot_pending_figures": "SELECT COUNT(*) FROM data_points WHERE status = 'pending'",
        "scalebot_ledger_figures": "SELECT COUNT(*) FROM data_points",
        "scalebot_disputed_figures": "SELECT COUNT(DISTINCT f.point_id) FROM flags f "
        "JOIN data_points p ON p.id = f.point_id "
        "WHERE f.cleared_at IS NULL AND p.status = 'approved'",
        "scalebot_ledger_datasets": "SELECT COUNT(*) FROM datasets "
        "WHERE measures > 0 AND merged_into IS NULL",
        "scalebot_news_unsent": "SELECT COUNT(*) FROM news_outbox WHERE sent_at IS NULL",
    }
    for name, sql in gauges.items():
        assert families[name].type == "gauge"
        assert sample(families, name, name) == ledger_sql(db, sql), name
    assert sample(families, "scalebot_pending_figures", "scalebot_pending_figures") == 1
    assert sample(families, "scalebot_disputed_figures", "scalebot_disputed_figures") == 1


def test_replication_lag_is_absent_until_watched_and_while_unknown(tmp_path: Path) -> None:
    lag: list[float | None] = []
    with slack_running(tmp_path) as (run, _):
        assert f"scalebot_{REPLICATION_LAG}" not in run.scrape()
        run.metrics.metrics.watch(REPLICATION_LAG, lambda: lag[-1], "Seconds behind.")
        lag.append(None)
        assert f"scalebot_{REPLICATION_LAG}" not in run.scrape()
        lag.append(1.5)
        families = run.scrape()
    name = f"scalebot_{REPLICATION_LAG}"
    assert families[name].type == "gauge" and sample(families, name, name) == 1.5


def test_health_is_200_when_up_and_503_naming_the_database_when_its_file_is_gone(
    tmp_path: Path,
) -> None:
    with slack_running(tmp_path) as (run, _):
        status, body = run.health()
        assert status == 200, body
        assert body["status"] == "ok" and body["failed"] == []
        assert body["checks"] == {"slack": "ok", "database": "ok"}
        assert body["ledger_version"] == ledger_sql(
            tmp_path / "run.db", "SELECT version FROM ledger_version"
        )

        db = tmp_path / "run.db"
        moved = tmp_path / "elsewhere.db"
        db.rename(moved)  # the volume is gone; the core's open connection still reads it
        body = run.until_health(503)
        assert body["status"] == "unhealthy" and body["failed"] == ["database"]
        assert body["checks"]["slack"] == "ok" and "unable to open" in body["checks"]["database"]
        moved.rename(db)
        assert run.until_health(200)["failed"] == []


def test_health_answers_while_the_core_is_busy(tmp_path: Path) -> None:
    with slack_running(tmp_path) as (run, _):
        release = threading.Event()
        busy = asyncio.run_coroutine_threadsafe(
            run.metrics.core.call(release.wait, 30), run.loop.loop
        )
        try:
            time.sleep(0.1)  # the core's thread is in release.wait now
            started = time.monotonic()
            status, body = run.health()
            assert status == 200, body
            assert time.monotonic() - started < 1.0
            assert run.scrape()["scalebot_ledger_figures"].samples
        finally:
            release.set()
            busy.result(STEP_TIMEOUT)


def test_health_is_503_once_the_discord_gateway_is_closed(tmp_path: Path) -> None:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with BackgroundLoop() as loop:
        fake = FakeDiscord()
        loop.run(fake.start())
        settings = discord_settings(tmp_path, fake, check_sources=False)
        try:
            with running(["discord"], settings, loop) as run:
                body = run.until_health(200)  # READY (discord.py waits for late guilds)
                assert body["checks"] == {"discord": "ok", "database": "ok"}
                # 4004 (authentication failed): discord.py closes for good.
                loop.run(fake.gateway.drop_connection(code=4004, resume=False))
                body = run.until_health(503)
                assert body["failed"] == ["discord"]
                assert body["checks"]["discord"] == "the gateway connection is closed"
        finally:
            loop.run(fake.stop())
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def invoke_health(port: int | None) -> Any:
    env = {"SCALEBOT_METRICS_PORT": None if port is None else str(port)}
    return CliRunner().invoke(cli, ["health", "--timeout", "2"], env=env)


def test_scalebot_health_exits_0_when_healthy_and_1_otherwise(tmp_path: Path) -> None:
    with slack_running(tmp_path) as (run, _):
        port = run.metrics.port
        healthy = invoke_health(port)
        assert healthy.exit_code == 0, healthy.output
        assert "database ok" in healthy.output and "slack ok" in healthy.output
        (tmp_path / "run.db").rename(tmp_path / "gone.db")
        unhealthy = invoke_health(port)
        assert unhealthy.exit_code == 1
        assert "unhealthy (503) database:" in unhealthy.output
        (tmp_path / "gone.db").rename(tmp_path / "run.db")
    stopped = invoke_health(port)
    assert stopped.exit_code == 1 and "no answer from" in stopped.output
    unset = invoke_health(None)
    assert unset.exit_code == 1 and "SCALEBOT_METRICS_PORT is not set" in unset.output


def test_metrics_off_records_nothing_and_serves_nothing(tmp_path: Path) -> None:
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            db=tmp_path / "off.db",
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api.url,
            slack_host="127.0.0.1",
            slack_port=0,
        )
        core = Core.open(settings=settings)
        stop = asyncio.Event()
        ready = threading.Event()
        started: list[Service] = []

        def on_ready(services: Sequence[Service]) -> None:
            started.extend(services)
            ready.set()

        task = asyncio.run_coroutine_threadsafe(
            serve(["slack"], core, settings, stop, on_ready), loop.loop
        )
        try:
            assert ready.wait(30)
            assert [service.name for service in started] == ["slack"]
        finally:
            loop.loop.call_soon_threadsafe(stop.set)
            task.result(30)
            core.close()
            loop.run(api.stop())


def test_a_metrics_port_in_use_stops_the_run_with_the_reason(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli,
            ["--db", str(tmp_path / "x.db"), "run", "all"],
            env={
                "SCALEBOT_METRICS_PORT": str(port),
                "SCALEBOT_METRICS_HOST": "127.0.0.1",
                "SCALEBOT_WEB_PORT": None,
                "DISCORD_TOKEN": None,
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SCALEBOT_SLACK_HOST": "127.0.0.1",
                "SCALEBOT_SLACK_PORT": "0",
            },
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "SCALEBOT_METRICS_PORT=" in result.output


def test_latency_buckets_are_cumulative_and_hold_their_upper_bound() -> None:
    """Recorded as plain numbers, exposed as Prometheus' histogram: ``le`` is inclusive."""
    from bot.metrics import Metrics

    metrics = Metrics(["scale"])
    answer = Reply(title="Video generation")
    for seconds in (0.001, 0.0011, 11.0):
        metrics.command("scale", "slack", answer, seconds)
    metrics.command("no-such-command", "slack", answer, 0.002)
    text = metrics.exposition().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    name = "scalebot_command_seconds"
    scale = {"command": "scale", "platform": "slack"}
    assert sample(families, name, f"{name}_bucket", le="0.001", **scale) == 1
    assert sample(families, name, f"{name}_bucket", le="0.0025", **scale) == 2
    assert sample(families, name, f"{name}_bucket", le="10.0", **scale) == 2
    assert sample(families, name, f"{name}_bucket", le="+Inf", **scale) == 3
    assert sample(families, name, f"{name}_count", **scale) == 3
    assert sample(families, name, f"{name}_sum", **scale) == pytest.approx(11.0021)
    unknown = {"command": "unknown", "platform": "slack", "outcome": "answer"}
    assert sample(families, "scalebot_commands", "scalebot_commands_total", **unknown) == 1


def test_socket_mode_is_healthy_while_connected_and_not_once_the_socket_drops(
    tmp_path: Path,
) -> None:
    from tests.slack_stack import slack_stack

    with slack_stack(tmp_path, slack_app_token="xapp-1-test") as stack:
        stack.loop.run(stack.api.wait_for_socket())
        assert stack.loop.run(stack.service.problem()) is None
        socket = stack.api._ws
        assert socket is not None
        stack.loop.run(socket.close())  # Slack drops the connection
        deadline = time.monotonic() + STEP_TIMEOUT
        while (problem := stack.loop.run(stack.service.problem())) is None:
            assert time.monotonic() < deadline, "a dropped socket still reads as connected"
            time.sleep(0.01)
        assert problem == "Socket Mode is not connected"
        # slack-sdk dials again (apps.connections.open); healthy once it is back.
        deadline = time.monotonic() + 3 * STEP_TIMEOUT
        while stack.loop.run(stack.service.problem()) is not None:
            assert time.monotonic() < deadline, "Socket Mode did not reconnect"
            time.sleep(0.05)


def test_each_bot_has_a_registry_of_its_own() -> None:
    """Two cores in one process (tests, an embedding program) never share a count, and
    prometheus-client's global registry is left alone."""
    import prometheus_client

    from bot.metrics import Metrics

    first, second = Metrics(["scale"]), Metrics(["scale"])
    first.command("scale", "slack", Reply(title="Video generation"), 0.002)
    total = "scalebot_commands_total"
    answer = {"command": "scale", "platform": "slack", "outcome": "answer"}
    one = {f.name: f for f in text_string_to_metric_families(first.exposition().decode())}
    two = {f.name: f for f in text_string_to_metric_families(second.exposition().decode())}
    assert sample(one, "scalebot_commands", total, **answer) == 1
    assert sample(two, "scalebot_commands", total, **answer) is None
    assert b"scalebot_" not in prometheus_client.generate_latest(prometheus_client.REGISTRY)


def test_a_read_only_ledger_is_healthy_and_says_writes_are_off(tmp_path: Path) -> None:
    """Reads answer and a restart would not make the file writable: not a failure."""
    from tests.test_storage_faults import read_only

    Core.open(tmp_path / "run.db").close()  # the ledger exists, migrated
    with read_only(tmp_path / "run.db"), slack_running(tmp_path) as (run, _):
        status, body = run.health()
    assert status == 200, body
    assert body["checks"] == {"slack": "ok", "database": "ok"}
    assert "read-only" in body["writes_off"]
