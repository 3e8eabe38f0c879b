"""Workspace tokens installed through OAuth never show: not in the log at DEBUG (the
test's capture and a running process's stderr), not on the web view (pages, JSON, CSV,
SQL over 127.0.0.1, whatever its settings), not in ``scalebot export``.

Every secret the fake Slack issued (bot tokens, rotated ones, refresh tokens) and the
app's client secret are looked for, after a run that exercised every path that
handles them: two installs, requests, a rotation, a notice, an uninstall.
"""

from __future__ import annotations

import http.client
import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.core import Core
from bot.slack.installs import TABLES, Installations, LedgerFile, States
from bot.web.privacy import PUBLIC_TABLES, SECRET_TABLES, table_is_public
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.fakes.slack_oauth import FakeOAuth
from tests.helpers import environ_without_settings, free_port, wait_for_health
from tests.oauth_stack import CLIENT_ID, CLIENT_SECRET, HOME, OTHER, OAuthStack, oauth_stack
from tests.web_stack import Site, serving

OBJAVERSE = '3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'


def exercise(stack: OAuthStack) -> list[str]:
    """Install two workspaces, use them (a rotation, a notice), uninstall one; every
    secret Slack issued, plus the client secret."""
    assert stack.install(HOME).status == 200
    assert stack.install(OTHER).status == 200
    stack.mention(HOME, "UHOMEMEM1", "/scale video", "C0HOMECHAN")
    stack.api.wait_for("chat.postMessage")
    submitted = stack.sender.command("/submit", OBJAVERSE, user="UOTHERMEM", team=OTHER)
    assert "#" in submitted.text, submitted.text
    stack.api.wait_for("chat.postMessage", 2)  # the review card, in the home workspace
    stack.oauth.uninstall(OTHER)
    assert stack.event(OTHER, {"type": "app_uninstalled", "event_ts": "1.1"}) == 200
    secrets = stack.oauth.all_secrets()
    rotated = [c for c in stack.api.of("oauth.v2.access") if c.body.get("grant_type")]
    assert rotated, "the run rotated no token: the test would not see a rotation's log"
    assert len(secrets) >= 5
    return secrets


def assert_hidden(secrets: list[str], text: str, where: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{where} shows a secret ({secret[:12]}…)"


def test_no_token_reaches_the_log_even_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with oauth_stack(
        tmp_path, rotation=True, expires_in=600, slack_review_channel="C0REVIEW"
    ) as stack:
        secrets = exercise(stack)
    # The log did record the calls that carried them (the test would mean nothing else).
    assert "oauth.v2.access" in caplog.text and "Received the following response" in caplog.text
    assert_hidden(secrets, caplog.text, "the log")
    for record in caplog.records:
        assert_hidden(secrets, record.getMessage() + (record.exc_text or ""), record.name)


@pytest.fixture(scope="module")
def installed_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A ledger with live installations (one rotated, one uninstalled) and their secrets."""
    folder = tmp_path_factory.mktemp("installed")
    with oauth_stack(
        folder, rotation=True, expires_in=600, slack_review_channel="C0REVIEW"
    ) as stack:
        secrets = exercise(stack)
        assert stack.install(OTHER).status == 200  # again, so two are stored
        secrets = stack.oauth.all_secrets()
        db = stack.settings.db
        stored = stack.installed()
    assert set(stored) == {HOME, OTHER}
    with sqlite3.connect(db) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert set(TABLES) <= names
    return db, secrets


@pytest.mark.parametrize(
    "web",
    [{}, {"web_show_users": True, "web_allow_sql": True}],
    ids=["public", "show-users-and-sql"],
)
def test_the_web_view_never_shows_a_token(
    installed_ledger: tuple[Path, list[str]], web: dict[str, bool]
) -> None:
    db, secrets = installed_ledger
    with serving(Settings(db=db, **web)) as site:
        listing = site.get("/ledger.json").json()
        listed = {table["name"] for table in listing["tables"]}
        assert not listed & SECRET_TABLES
        for table in TABLES:
            for form in ("", ".json", ".csv", "/1", "/1.json", ".json?_shape=array"):
                page = site.get(f"/ledger/{table}{form}")
                assert page.status in (403, 404), f"/ledger/{table}{form}: {page.status}"
                assert_hidden(secrets, page.body, f"/ledger/{table}{form}")
        for statement in (
            "select * from slack_installs",
            "select bot_token, bot_refresh_token from slack_installs",
            "select state from slack_oauth_states",
            "with t as (select bot_token as dataset from slack_installs) select * from t",
            "select (select bot_token from slack_installs limit 1) as x from datasets",
        ):
            query = statement.replace(" ", "+")
            page = site.get("/ledger.json?sql=" + query)
            assert page.status != 200, (statement, page.body[:200])
            assert_hidden(secrets, page.body, statement)
            # A CSV is streamed: its status is sent before SQLite refuses; no row follows.
            page = site.get("/ledger.csv?sql=" + query)
            assert page.body.strip() == "" or page.status != 200, page.body[:200]
            assert_hidden(secrets, page.body, statement)
        crawled = [site.get(path) for path in ("/", "/ledger", "/ledger.json", "/-/charts")]
        for page in crawled:
            assert_hidden(secrets, page.body, "a page")
    if web:
        assert_show_users_still_shows_the_rest(site)


def assert_show_users_still_shows_the_rest(site: Site) -> None:
    """Nothing else changed for a private deployment: it was stopped; the rule is static."""
    assert table_is_public("data_points", show_users=True)
    assert not table_is_public("slack_installs", show_users=True)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_never_writes_a_token(installed_ledger: tuple[Path, list[str]], fmt: str) -> None:
    db, secrets = installed_ledger
    result = CliRunner().invoke(cli, ["--db", str(db), "export", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "Objaverse-XL" in result.output
    assert_hidden(secrets, result.output, f"export --format {fmt}")


def test_every_table_of_the_installations_is_secret(tmp_path: Path) -> None:
    """What the installation store makes is private by default and secret to everyone."""
    db = tmp_path / "fresh.db"
    Core.open(settings=Settings(db=db)).close()
    with sqlite3.connect(db) as conn:
        before = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    file = LedgerFile(str(db))
    Installations(file, CLIENT_ID).workspaces()
    States(file)
    file.close()
    with sqlite3.connect(db) as conn:
        after = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    added = {name for name in after - before if not name.startswith("sqlite_autoindex")}
    assert added == set(TABLES)
    assert set(TABLES) <= SECRET_TABLES and not SECRET_TABLES & PUBLIC_TABLES
    for table in added:
        assert not table_is_public(table, show_users=False)
        assert not table_is_public(table, show_users=True)
        assert not table_is_public(table.upper(), show_users=True)


def test_a_ledger_in_memory_refuses_oauth_with_an_example() -> None:
    with pytest.raises(ValueError, match=r"SCALEBOT_DB=scalebot\.db"):
        LedgerFile(":memory:")


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=STEP_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def test_scalebot_run_slack_at_debug_prints_no_token(tmp_path: Path) -> None:
    """``scalebot run slack`` installed through OAuth, at DEBUG: its stderr holds none."""
    port = free_port()
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        redirect = f"http://127.0.0.1:{port}/slack/oauth_redirect"
        api.oauth = FakeOAuth(CLIENT_ID, CLIENT_SECRET, [redirect], rotation=True, expires_in=600)
        env = {
            **environ_without_settings(),
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.url,
            "SCALEBOT_SLACK_HOST": "127.0.0.1",
            "SCALEBOT_SLACK_PORT": str(port),
            "SCALEBOT_DB": str(tmp_path / "run.db"),
            "SCALEBOT_LOG_LEVEL": "DEBUG",
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
            status, headers = get(port, "/slack/install")
            assert status == 302
            cookie = headers["set-cookie"].split(";", 1)[0]
            back = api.oauth.authorize(headers["location"], HOME, "UINSTALL1")
            path = back.removeprefix(f"http://127.0.0.1:{port}")
            assert get(port, path, cookie)[0] == 200
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", api.response_url(""))
            answer = sender.command("/scale", "video", team=HOME)  # rotates, then answers
            assert answer.status == 200 and "Video generation" in answer.text
            assert [c for c in api.of("oauth.v2.access") if c.body.get("grant_type")]
            api.assert_nothing_refused()
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=20)
            loop.run(api.stop())
        assert process.returncode == 0, stderr
        assert "oauth.v2.access" in stderr  # DEBUG did log the exchange
        assert_hidden([*api.oauth.all_secrets(), SIGNING_SECRET], stderr, "stderr")
