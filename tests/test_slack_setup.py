"""What a lab needs to add the app: the manifest and ``scalebot run slack``.

(.env.example is checked against every setting in test_docs.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.registry import COMMANDS
from bot.slack.manifest import build_manifest
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.helpers import (
    ROOT,
    clear_settings_env,
    environ_without_settings,
    free_port,
    wait_for_health,
)


def test_manifest_is_yaml_with_every_declared_command() -> None:
    manifest = yaml.safe_load((ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))
    assert manifest == build_manifest(COMMANDS), "run `make manifest` after changing commands"
    listed = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert listed == [f"/{name}" for name in COMMANDS] + ["/scalebot"]
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "app_mention" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"commands", "chat:write", "app_mentions:read"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


def test_http_manifest_points_everything_at_the_request_url() -> None:
    url = "https://bot.example.org/slack/events"
    manifest = build_manifest(COMMANDS, url)
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert all(c["url"] == url for c in manifest["features"]["slash_commands"])
    assert manifest["settings"]["interactivity"]["request_url"] == url


def test_run_slack_without_credentials_names_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    clear_settings_env(monkeypatch)
    result = CliRunner().invoke(cli, ["run", "slack"])
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN" in result.output and "SLACK_SIGNING_SECRET" in result.output


def test_scalebot_run_slack_serves_the_readme_setup(tmp_path: Path) -> None:
    """The README's steps: tokens in the environment, `scalebot run slack`, requests answered."""
    port = free_port()
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        env = {
            **environ_without_settings(),
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.url,
            "SCALEBOT_SLACK_HOST": "127.0.0.1",
            "SCALEBOT_SLACK_PORT": str(port),
            "SCALEBOT_DB": str(tmp_path / "run.db"),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "slack"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def assert_alive() -> None:
            assert process.poll() is None, process.communicate()[1]

        try:
            wait_for_health(port, assert_alive, timeout=20)
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", api.response_url(""))
            answer = sender.command("/scale", "video")
            assert answer.status == 200
            assert answer.json()["blocks"][0]["text"]["text"].startswith("Video generation")
            assert sender.refusals == []
            api.assert_nothing_refused()
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=20)
            loop.run(api.stop())
        assert process.returncode == 0, stderr
        assert "xoxb-test-token" not in stderr and SIGNING_SECRET not in stderr
