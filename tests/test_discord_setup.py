"""What a lab does to add the Discord bot: the invite link, ``scalebot discord sync``,
``scalebot run discord``, and ``scalebot run all`` serving Discord and Slack from one
process and one database.

The CLI talks to a fake Discord (and a fake Slack Web API) on 127.0.0.1; the ``run``
tests start the real ``python -m bot.cli`` in a subprocess with only the environment
the README asks for.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import discord
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.registry import COMMANDS
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.objects import APP_ID, MEMBER_ID, TOKEN
from tests.fakes.discord.payloads import slash_command
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.helpers import (
    ROOT,
    TEST_ENVIRONMENT,
    clear_settings_env,
    free_port,
    wait_for_health,
)
from tests.slack_stack import SLACK_MODERATOR

#: What the bot does in a channel; anything beyond would be more than it needs.
NEEDED = {"view_channel", "send_messages", "embed_links", "attach_files"}
HARMLESS = {"send_messages_in_threads", "read_message_history"}
#: Generous: the first start imports discord.py and slack-bolt and seeds the database.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No credentials from the outside, no .env, the database in tmp_path."""
    monkeypatch.chdir(tmp_path)
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_DB", str(tmp_path / "cli.db"))
    return monkeypatch


@pytest.fixture
def discord_urls() -> Iterator[None]:
    """discord.py's module-level URLs, restored after a CLI run pointed them at a fake."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest.fixture
def fake_discord(discord_urls: None) -> Iterator[tuple[BackgroundLoop, FakeDiscord]]:
    with BackgroundLoop() as loop:
        fake = FakeDiscord()
        loop.run(fake.start())
        try:
            yield loop, fake
            fake.assert_contract_kept()
        finally:
            loop.run(fake.stop())


def token_for(application_id: int, rest: str = "GhIjKl.mnopqrstuvwxyz0123456789") -> str:
    """A bot token shaped as Discord issues them: base64 of the id, then two parts."""
    head = base64.b64encode(str(application_id).encode()).decode().rstrip("=")
    return f"{head}.{rest}"


def parse_invite(url: str) -> dict[str, str]:
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "discord.com")
    assert parts.path.startswith("/oauth2/authorize")
    query = urllib.parse.parse_qs(parts.query)
    assert all(len(values) == 1 for values in query.values()), query
    return {name: values[0] for name, values in query.items()}


def granted(permissions: str) -> discord.Permissions:
    return discord.Permissions(int(permissions))


# -- invite-url ----------------------------------------------------------------------------


def assert_minimal_invite(output: str, application_id: str) -> None:
    (url,) = re.findall(r"https://\S+", output)
    query = parse_invite(url)
    assert query["client_id"] == application_id
    assert set(query["scope"].split()) == {"bot", "applications.commands"}
    rights = granted(query["permissions"])
    assert all(getattr(rights, name) for name in NEEDED), rights
    allowed = discord.Permissions(**dict.fromkeys(NEEDED | HARMLESS, True))
    assert rights <= allowed, [name for name, on in rights if on and not getattr(allowed, name)]
    for name in ("administrator", "manage_guild", "mention_everyone", "manage_roles"):
        assert not getattr(rights, name), name


def test_invite_url_for_an_application_id(clean_env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["discord", "invite-url", "--application-id", "42"])
    assert result.exit_code == 0, result.output
    assert_minimal_invite(result.output, "42")


def test_invite_url_reads_the_application_id_from_the_token(
    clean_env: pytest.MonkeyPatch,
) -> None:
    token = token_for(987654321098765432)
    clean_env.setenv("DISCORD_TOKEN", token)
    result = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert result.exit_code == 0, result.output
    assert_minimal_invite(result.output, "987654321098765432")
    assert token not in result.output


def test_invite_url_asks_discord_when_the_token_names_no_id(
    clean_env: pytest.MonkeyPatch, fake_discord: tuple[BackgroundLoop, FakeDiscord]
) -> None:
    _, fake = fake_discord
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    clean_env.setenv("DISCORD_API_URL", fake.api_url)
    result = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert result.exit_code == 0, result.output
    assert_minimal_invite(result.output, APP_ID)
    assert fake.of(r"^GET /oauth2/applications/@me$") or fake.of(r"^GET /users/@me$")


def test_invite_url_without_token_or_id_names_discord_token(
    clean_env: pytest.MonkeyPatch,
) -> None:
    result = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert result.exit_code == 1
    assert "DISCORD_TOKEN" in result.output
    assert "Traceback" not in result.output


# -- sync ----------------------------------------------------------------------------------


def test_sync_puts_every_command_globally(
    clean_env: pytest.MonkeyPatch, fake_discord: tuple[BackgroundLoop, FakeDiscord]
) -> None:
    _, fake = fake_discord
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    clean_env.setenv("DISCORD_API_URL", fake.api_url)
    result = CliRunner().invoke(cli, ["discord", "sync"])
    assert result.exit_code == 0, result.output
    assert f"synced {len(COMMANDS)} commands" in result.output
    (put,) = fake.of(r"^PUT /applications/")
    assert put.path == f"/applications/{APP_ID}/commands"
    assert sorted(c["name"] for c in put.json) == sorted(COMMANDS)
    assert fake.commands[None] and not fake.gateway_queries, "sync is REST only"
    # Sync means sync: a second run puts the schema again, even though nothing changed.
    again = CliRunner().invoke(cli, ["discord", "sync"])
    assert again.exit_code == 0, again.output
    assert len(fake.of(r"^PUT /applications/")) == 2


def test_sync_to_a_guild_puts_to_the_guild_path(
    clean_env: pytest.MonkeyPatch, fake_discord: tuple[BackgroundLoop, FakeDiscord]
) -> None:
    _, fake = fake_discord
    guild = "1200000000000000077"
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    clean_env.setenv("DISCORD_API_URL", fake.api_url)
    clean_env.setenv("SCALEBOT_DISCORD_GUILD", guild)
    result = CliRunner().invoke(cli, ["discord", "sync"])
    assert result.exit_code == 0, result.output
    assert f"synced {len(COMMANDS)} commands in guild {guild}" in result.output
    (put,) = fake.of(r"^PUT /applications/")
    assert put.path == f"/applications/{APP_ID}/guilds/{guild}/commands"
    assert {c["name"] for c in put.json} == set(COMMANDS)
    assert not fake.of(rf"^PUT /applications/{APP_ID}/commands$")


def test_sync_without_a_token_names_it(clean_env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["discord", "sync"])
    assert result.exit_code == 1
    assert "DISCORD_TOKEN" in result.output


# -- scalebot run --------------------------------------------------------------------------


class Bot:
    """``python -m bot.cli run PLATFORM`` with exactly ``env`` (plus PATH, HOME, PYTHONPATH)."""

    def __init__(self, tmp_path: Path, platform: str, env: dict[str, str]) -> None:
        self.stderr_path = tmp_path / f"run-{platform}.stderr"
        self._stderr: IO[str] = self.stderr_path.open("w", encoding="utf-8")
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            **TEST_ENVIRONMENT,
            **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", platform],
            cwd=tmp_path,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
            text=True,
        )

    @property
    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8")

    def assert_alive(self) -> None:
        assert self.process.poll() is None, f"the bot exited early:\n{self.stderr}"

    def terminate(self) -> int:
        """SIGTERM, and the exit code once it has left (bounded)."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        self._stderr.close()


def wait_for_identify(loop: BackgroundLoop, fake: FakeDiscord, bot: Bot) -> None:
    """Until the bot has logged in to the fake gateway and its session is live (bounded)."""
    deadline = time.monotonic() + START_TIMEOUT
    while fake.identify_count < 1:
        bot.assert_alive()
        assert time.monotonic() < deadline, f"no IDENTIFY:\n{bot.stderr}"
        time.sleep(0.05)
    loop.run(fake.wait_for_identify())
    loop.run(fake.wait_connected())


def discord_answer(loop: BackgroundLoop, fake: FakeDiscord, payload: dict[str, Any]) -> Any:
    """The bot's interaction callback (a channel message) for ``payload``."""
    loop.run(fake.dispatch("INTERACTION_CREATE", payload))
    (callback,) = fake.wait_for(rf"^/interactions/{payload['id']}/[^/]+/callback$")
    assert callback.json["type"] == 4, callback.json
    # The bot may be stopped next: first let the fake's answer reach it.
    assert callback.answered.wait(STEP_TIMEOUT), "the fake never answered the callback"
    return callback.json["data"]


def discord_env(fake: FakeDiscord, tmp_path: Path) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "SCALEBOT_DB": str(tmp_path / "run.db"),
    }


@pytest.mark.slow
def test_run_discord_answers_a_slash_command_and_stops_on_sigterm(
    tmp_path: Path, fake_discord: tuple[BackgroundLoop, FakeDiscord]
) -> None:
    loop, fake = fake_discord
    bot = Bot(tmp_path, "discord", discord_env(fake, tmp_path))
    try:
        wait_for_identify(loop, fake, bot)
        assert fake.of(r"^PUT /applications/"), "the first start registers the commands"
        reply = discord_answer(loop, fake, slash_command("scale", {"domain": "video"}))
        assert "Video" in reply["embeds"][0]["title"]
        assert reply["allowed_mentions"] == {"parse": []}
        assert bot.terminate() == 0, bot.stderr
    finally:
        bot.kill()
    stderr = bot.stderr
    assert TOKEN not in stderr and TOKEN.split(".")[0] not in stderr
    assert "Traceback" not in stderr, stderr


SUBMISSION = {
    "domain": "3d",
    "dataset": "Cross Platform Set",
    "quantity": "7M",
    "unit": "objects",
    "source": "https://example.org/cross-platform",
    "year": 2025,
}


@pytest.mark.slow
def test_run_all_serves_discord_and_slack_from_one_database(
    tmp_path: Path, fake_discord: tuple[BackgroundLoop, FakeDiscord]
) -> None:
    loop, fake = fake_discord
    slack_api = FakeSlackAPI()
    loop.run(slack_api.start())
    port = free_port()
    env = {
        **discord_env(fake, tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-run-all-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "SCALEBOT_SLACK_HOST": "127.0.0.1",
        "SCALEBOT_SLACK_PORT": str(port),
        "SCALEBOT_MODERATORS": f"slack:{SLACK_MODERATOR}",
    }
    bot = Bot(tmp_path, "all", env)
    try:
        wait_for_identify(loop, fake, bot)
        wait_for_health(port, bot.assert_alive, START_TIMEOUT, lambda: bot.stderr)
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", slack_api.response_url(""))

        on_slack = sender.command("/scale", "video")
        assert on_slack.status == 200
        assert on_slack.json()["blocks"][0]["text"]["text"].startswith("Video")
        on_discord = discord_answer(loop, fake, slash_command("scale", {"domain": "video"}))
        assert "Video" in on_discord["embeds"][0]["title"]

        submitted = discord_answer(loop, fake, slash_command("submit", SUBMISSION))
        found = re.search(r"#(\d+)", json.dumps(submitted["embeds"]))
        assert found, submitted
        point = found[1]

        queue = sender.command("/review", "", user=SLACK_MODERATOR)
        assert queue.status == 200
        shown = json.dumps(queue.json(), ensure_ascii=False)
        assert f"#{point}" in shown and SUBMISSION["dataset"] in shown
        assert f"discord:{MEMBER_ID}" in shown

        refused = sender.command("/review", "", user="UMEMBER1")
        assert SUBMISSION["dataset"] not in json.dumps(refused.json(), ensure_ascii=False)

        assert bot.terminate() == 0, bot.stderr
    finally:
        bot.kill()
        loop.run(slack_api.stop())
    stderr = bot.stderr
    for secret in (TOKEN, "xoxb-run-all-token", SIGNING_SECRET):
        assert secret not in stderr
    assert "Traceback" not in stderr, stderr
