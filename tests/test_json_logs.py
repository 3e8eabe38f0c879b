"""``SCALEBOT_LOG_FORMAT=json``: one JSON object per log line, secrets hidden in both formats.

Run in child processes, as an operator runs the bot: ``scalebot run slack`` with JSON
logs and /health on a port of its own, asked by ``scalebot health`` as Docker's
HEALTHCHECK does; and the logging set-up alone, for a line with an exception.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.helpers import environ_without_settings, free_port

TOKEN = "xoxb-test-token"


def json_lines(stderr: str) -> list[dict]:
    """Every line of ``stderr`` as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def test_run_all_writes_json_lines_and_scalebot_health_asks_the_running_bot(
    tmp_path: Path,
) -> None:
    slack_port, metrics_port, web_port = free_port(), free_port(), free_port()
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        env = {
            **environ_without_settings(),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.url,
            "SCALEBOT_SLACK_HOST": "127.0.0.1",
            "SCALEBOT_SLACK_PORT": str(slack_port),
            "SCALEBOT_METRICS_PORT": str(metrics_port),
            "SCALEBOT_WEB_PORT": str(web_port),
            "SCALEBOT_DB": str(tmp_path / "run.db"),
            "SCALEBOT_LOG_FORMAT": "json",
            "SCALEBOT_CHECK_SOURCES": "0",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "all"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def health(*command: str) -> subprocess.CompletedProcess[str]:
            """The Dockerfile's HEALTHCHECK (``python -m bot.healthcli``), or ``command``."""
            return subprocess.run(
                [sys.executable, "-m", *(command or ("bot.healthcli",))],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )

        try:
            deadline = time.monotonic() + 30
            while (checked := health()).returncode != 0:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, checked.stderr
                time.sleep(0.2)
            assert checked.stdout == "healthy: slack ok, web ok, database ok\n"
            assert health("bot.cli", "health", "--timeout", "2").stdout == checked.stdout
            sender = SlackSender(
                f"http://127.0.0.1:{slack_port}/slack/events", api.response_url("")
            )
            assert sender.command("/scale", "video").status == 200
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=30)
            loop.run(api.stop())
    assert process.returncode == 0, stderr
    for command in ((), ("bot.cli", "health")):
        stopped = health(*command)
        assert stopped.returncode == 1 and "no answer from" in stopped.stderr

    lines = json_lines(stderr)
    assert lines, "the bot logged nothing"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*", line["time"]), line
    listening = [line for line in lines if line["logger"] == "bot.slack.serve"]
    assert listening and listening[0]["level"] == "INFO"
    assert (
        listening[0]["message"] == f"slack: listening on http://127.0.0.1:{slack_port}/slack/events"
    )
    assert any(f":{metrics_port}/health" in line["message"] for line in lines)
    # The web view's own process writes the same format.
    web = [line for line in lines if line["logger"] == "bot.web.service"]
    assert web and web[0]["message"].startswith("web: serving the ledger read-only at")
    assert TOKEN not in stderr and SIGNING_SECRET not in stderr


LOGGING = textwrap.dedent(
    """
    import logging, sys
    from bot import logs
    from bot.config import Settings

    settings = Settings(_env_file=None, log_format=sys.argv[1], slack_bot_token=sys.argv[2])
    logs.configure(settings)
    log = logging.getLogger("bot.example")
    log.info("reading #%d", 7, extra={"point_id": 7, "platform": "slack"})
    log.warning("a library printed the token %s", sys.argv[2])
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("dividing failed")
    """
)


def configured_logging(log_format: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", LOGGING, log_format, TOKEN],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ_without_settings(),
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_json_lines_carry_the_level_logger_extra_fields_and_the_exception() -> None:
    stderr = configured_logging("json")
    reading, token, failure = json_lines(stderr)
    assert reading["level"] == "INFO" and reading["logger"] == "bot.example"
    assert reading["message"] == "reading #7"
    assert reading["point_id"] == 7 and reading["platform"] == "slack"
    assert "exception" not in reading
    assert failure["level"] == "ERROR" and failure["message"] == "dividing failed"
    assert failure["exception"].startswith("Traceback (most recent call last):")
    assert failure["exception"].endswith("ZeroDivisionError: division by zero")
    assert token["message"] == "a library printed the token [hidden]"
    assert TOKEN not in stderr


def test_text_lines_hide_the_secrets_too() -> None:
    stderr = configured_logging("text")
    assert "WARNING bot.example: a library printed the token [hidden]" in stderr
    assert "ZeroDivisionError: division by zero" in stderr
    assert TOKEN not in stderr
    assert not stderr.lstrip().startswith("{")
