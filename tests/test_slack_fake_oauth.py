"""The fake Slack's OAuth answers as Slack documents ``oauth.v2.access`` and its tokens.

Driven with slack-sdk's own ``AsyncWebClient`` (which sends the app's credentials by
HTTP Basic auth) and with plain form posts (credentials as form fields), so the OAuth
tests in ``tests/test_slack_oauth.py`` run against a Slack that refuses what Slack
refuses: a used or unknown code, a wrong secret or client id, a redirect URI other than
the authorize step's, a used refresh token, a revoked or expired token.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.loop import STEP_TIMEOUT, BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_oauth import AUTHORIZE_URL, FakeOAuth

CLIENT_ID = "1111.2222"
SECRET = "s3cr3t-of-the-app"
REDIRECT = "https://bot.example.org/slack/oauth_redirect"
TEAM = "T0FAKE001"


@pytest.fixture
def slack() -> Iterator[tuple[BackgroundLoop, FakeSlackAPI, FakeOAuth]]:
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        oauth = FakeOAuth(CLIENT_ID, SECRET, [REDIRECT])
        api.oauth = oauth
        try:
            yield loop, api, oauth
        finally:
            loop.run(api.stop())


def code_for(oauth: FakeOAuth, redirect_uri: str | None = None, state: str = "st4te") -> str:
    query = {"client_id": CLIENT_ID, "scope": "chat:write,commands", "state": state}
    if redirect_uri is not None:
        query["redirect_uri"] = redirect_uri
    back = oauth.authorize(f"{AUTHORIZE_URL}?{urllib.parse.urlencode(query)}", TEAM, "UINST")
    found = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
    assert found["state"] == state
    assert back.startswith((redirect_uri or REDIRECT) + "?")
    return found["code"]


def access(
    loop: BackgroundLoop, api: FakeSlackAPI, secret: str = SECRET, **fields: Any
) -> dict[str, Any]:
    client = AsyncWebClient(base_url=api.url)
    try:
        answer = loop.run(
            client.oauth_v2_access(client_id=CLIENT_ID, client_secret=secret, **fields)
        )
        return dict(answer.data)  # type: ignore[arg-type]
    except SlackApiError as error:
        return dict(error.response.data)  # type: ignore[arg-type]


def form_post(api: FakeSlackAPI, method: str, fields: dict[str, str]) -> dict[str, Any]:
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(api.url + method, body, method="POST")
    with urllib.request.urlopen(request, timeout=STEP_TIMEOUT) as response:
        return json.loads(response.read())


def test_a_code_is_exchanged_once_for_a_bot_token_in_slacks_shape(slack: Any) -> None:
    loop, api, oauth = slack
    code = code_for(oauth)
    answer = access(loop, api, code=code)
    assert answer["ok"] is True
    assert answer["access_token"].startswith("xoxb-")
    assert answer["token_type"] == "bot"
    assert answer["scope"] == "chat:write,commands"
    assert answer["team"] == {"id": TEAM, "name": TEAM}
    assert answer["enterprise"] is None and answer["is_enterprise_install"] is False
    assert answer["authed_user"] == {"id": "UINST"}
    assert answer["bot_user_id"] and answer["app_id"]
    assert "refresh_token" not in answer  # no rotation unless the app turns it on
    assert access(loop, api, code=code) == {"ok": False, "error": "invalid_code"}
    assert access(loop, api, code="never-issued") == {"ok": False, "error": "invalid_code"}


def test_credentials_in_form_fields_are_taken_too(slack: Any) -> None:
    _, api, oauth = slack
    fields = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": code_for(oauth)}
    assert form_post(api, "oauth.v2.access", fields)["ok"] is True
    fields = {"client_id": CLIENT_ID, "client_secret": "nope", "code": code_for(oauth)}
    assert form_post(api, "oauth.v2.access", fields)["error"] == "bad_client_secret"
    fields = {"client_id": "9.9", "client_secret": SECRET, "code": code_for(oauth)}
    assert form_post(api, "oauth.v2.access", fields)["error"] == "invalid_client_id"


def test_a_wrong_secret_is_refused_and_does_not_use_up_the_code(slack: Any) -> None:
    loop, api, oauth = slack
    code = code_for(oauth)
    assert access(loop, api, secret="wrong", code=code)["error"] == "bad_client_secret"
    assert access(loop, api, code=code)["ok"] is True


def test_the_redirect_uri_must_match_the_authorize_steps(slack: Any) -> None:
    loop, api, oauth = slack
    code = code_for(oauth, REDIRECT)
    other = "https://elsewhere.example.org/cb"
    assert access(loop, api, code=code, redirect_uri=other)["error"] == "bad_redirect_uri"
    assert access(loop, api, code=code_for(oauth, REDIRECT), redirect_uri=REDIRECT)["ok"]
    # None sent at the authorize step: none, or one the app lists, is taken.
    assert access(loop, api, code=code_for(oauth))["ok"]
    assert access(loop, api, code=code_for(oauth), redirect_uri=other)["error"] == (
        "bad_redirect_uri"
    )


def test_a_code_expires_after_ten_minutes(slack: Any) -> None:
    loop, api, oauth = slack
    code = code_for(oauth)
    oauth.codes[code].issued_at -= 601
    assert access(loop, api, code=code)["error"] == "invalid_code"


def test_rotation_issues_expiring_tokens_and_single_use_refresh_tokens(slack: Any) -> None:
    loop, api, oauth = slack
    oauth.rotation, oauth.expires_in = True, 43_200
    first = access(loop, api, code=code_for(oauth))
    assert first["access_token"].startswith("xoxe.xoxb-")
    assert first["refresh_token"].startswith("xoxe-") and 43_100 < first["expires_in"] <= 43_200
    refreshed = access(loop, api, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed["ok"] and refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]
    again = access(loop, api, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again == {"ok": False, "error": "invalid_refresh_token"}
    assert access(loop, api, grant_type="password")["error"] == "invalid_grant_type"


def test_tokens_answer_for_their_workspace_until_revoked_or_expired(slack: Any) -> None:
    loop, api, oauth = slack
    token = access(loop, api, code=code_for(oauth))["access_token"]
    client = AsyncWebClient(token=token, base_url=api.url)
    assert loop.run(client.auth_test())["team_id"] == TEAM
    oauth.grants[token].expires_at = time.time() - 1
    with pytest.raises(SlackApiError, match="token_expired"):
        loop.run(client.chat_postMessage(channel="C1", text="hi"))
    oauth.grants[token].expires_at = None
    oauth.uninstall(TEAM)
    with pytest.raises(SlackApiError, match="token_revoked"):
        loop.run(client.auth_test())
    with pytest.raises(SlackApiError, match="not_authed"):
        loop.run(AsyncWebClient(base_url=api.url).auth_test())
