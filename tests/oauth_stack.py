"""The Slack adapter installed through OAuth, on 127.0.0.1, against the fake Slack.

The app has a client id and secret and no bot token; the fake Web API plays Slack's
side of the install (``tests/fakes/slack_oauth.py``) with the adapter's own redirect
URL registered. :meth:`OAuthStack.install` walks a workspace through the whole flow as
a browser does: ``/slack/install``, Slack's authorize page, back to
``/slack/oauth_redirect`` with the state's cookie.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import Core
from bot.runner import AsyncCore
from bot.slack.installs import INSTALLS
from bot.slack.serve import EVENTS_PATH, SlackService
from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.fakes.slack_oauth import FakeOAuth

CLIENT_ID = "1234567890.987654321"
CLIENT_SECRET = "b3f0c9d5a1e84c6f9e2d7a0b5c8e1f42"
#: The home workspace (trusted) and another one that installs the app.
HOME = "T0HOME001"
OTHER = "T0OTHER02"
COOKIE = "slack-app-oauth-state"


@dataclass
class Got:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class OAuthStack:
    api: FakeSlackAPI
    oauth: FakeOAuth
    service: SlackService
    sender: SlackSender
    core: Core
    loop: BackgroundLoop
    settings: Settings

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}"

    def get(self, path: str, cookie: str | None = None) -> Got:
        """A browser's GET of ``path``, without following a redirect."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.service.port or 0, timeout=STEP_TIMEOUT
        )
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return Got(response.status, headers, response.read().decode())
        finally:
            connection.close()

    def start_install(self) -> tuple[str, str]:
        """``/slack/install``: Slack's authorize address, and the state's cookie."""
        got = self.get("/slack/install")
        assert got.status == 302, got
        cookie = got.headers["set-cookie"].split(";", 1)[0]
        assert cookie.startswith(f"{COOKIE}="), cookie
        return got.headers["location"], cookie

    def install(self, team: str, installer: str = "UINSTALL1") -> Got:
        """The whole flow for ``team``: the page the installer lands on at the end."""
        authorize, cookie = self.start_install()
        back = self.oauth.authorize(authorize, team, installer, team_name=f"Lab {team}")
        return self.get(path_of(back), cookie)

    def installed(self) -> dict[str, dict[str, Any]]:
        """The installations in the database, by workspace."""
        conn = sqlite3.connect(self.settings.db)
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(f"SELECT * FROM {INSTALLS}").fetchall()
        finally:
            conn.close()
        return {row["team_id"]: dict(row) for row in rows}

    def mention(self, team: str, user: str, text: str, channel: str) -> None:
        """An ``@scalebot`` mention in ``channel`` of ``team``, signed as Slack sends it."""
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@UBOT> {text}",
            "channel": channel,
            "ts": f"{time.time():.6f}",
            "event_ts": f"{time.time():.6f}",
        }
        answer = self.sender.event(event, team=team)
        assert answer.status == 200, answer

    def event(self, team: str, event: dict[str, Any]) -> int:
        return self.sender.event(event, team=team).status

    def tokens_used(self, method: str) -> list[str | None]:
        return [call.token for call in self.api.of(method)]


def path_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


@contextmanager
def oauth_stack(
    tmp_path: Path, *, rotation: bool = False, expires_in: int = 43_200, **overrides: object
) -> Iterator[OAuthStack]:
    """The adapter installed through OAuth on a fake Slack (no workspace installed yet)."""
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        fields: dict[str, Any] = {
            "db": tmp_path / "oauth.db",
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": CLIENT_SECRET,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": api.url,
            "slack_host": "127.0.0.1",
            "slack_port": 0,
            "slack_trusted_workspaces": (HOME,),
            **overrides,
        }
        settings = Settings(**fields)
        core = Core.open(settings=settings)
        async_core = AsyncCore(core)
        service = SlackService(async_core, settings)
        try:
            loop.run(service.start())
            redirect = f"http://127.0.0.1:{service.port}/slack/oauth_redirect"
            oauth = FakeOAuth(CLIENT_ID, CLIENT_SECRET, [redirect], rotation, expires_in)
            api.oauth = oauth
            sender = SlackSender(
                f"http://127.0.0.1:{service.port}{EVENTS_PATH}", api.response_url("")
            )
            yield OAuthStack(api, oauth, service, sender, core, loop, settings)
            api.assert_nothing_refused()
        finally:
            loop.run(async_core.settle())
            loop.run(service.stop())
            loop.run(api.stop())
            async_core.close()
            core.close()


def body_of(answer_text: str) -> dict[str, Any]:
    return json.loads(answer_text)
