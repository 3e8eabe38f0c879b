"""Installing the Slack app through OAuth, against the fake Slack (``tests/oauth_stack.py``).

Two fake workspaces install the app through the whole flow (``/slack/install``, Slack's
authorize page, ``/slack/oauth_redirect``) and use one ledger: each request is answered
with its own workspace's token (the fake records which token each call carried), each
notice is posted with the token of the workspace it goes to, and a workspace's admins
moderate only where the workspace is trusted. An uninstall deletes the tokens; a forged
or replayed state installs nothing; an app with token rotation rotates.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.slack.installs import STATES
from bot.slack.scopes import INSTALL_SCOPES
from knowledge.ledger.values import DataPoint
from tests.fakes.slack_oauth import AUTHORIZE_URL
from tests.oauth_stack import (
    CLIENT_ID,
    CLIENT_SECRET,
    COOKIE,
    HOME,
    OTHER,
    OAuthStack,
    oauth_stack,
    path_of,
    query_of,
)

OBJAVERSE = '3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'


def states_kept(stack: OAuthStack) -> list[str]:
    conn = sqlite3.connect(stack.settings.db)
    try:
        return [row[0] for row in conn.execute(f"SELECT state FROM {STATES}")]
    finally:
        conn.close()


def newest(stack: OAuthStack) -> DataPoint:
    return max(stack.core.store.reads.all_points(), key=lambda point: point.id)


def status_of(stack: OAuthStack, point_id: int) -> str:
    point = stack.core.store.reads.get(point_id)
    assert point is not None
    return point.status


# -- the install -----------------------------------------------------------------------------


def test_the_install_page_redirects_to_slacks_authorize_address_with_a_state(
    tmp_path: Path,
) -> None:
    with oauth_stack(tmp_path) as stack:
        location, cookie = stack.start_install()
        assert location.startswith(AUTHORIZE_URL + "?")
        query = query_of(location)
        assert query["client_id"] == CLIENT_ID
        assert query["scope"].split(",") == INSTALL_SCOPES
        state = query["state"]
        assert len(state) >= 32
        # Kept server-side, and in the installer's browser to tell it is the same one.
        assert states_kept(stack) == [state]
        assert cookie == f"{COOKIE}={state}"
        # Each visit gets a state of its own.
        again, _ = stack.start_install()
        assert query_of(again)["state"] != state
        assert stack.api.calls == []  # nothing asked of Slack before the installer approves


def test_the_redirect_exchanges_the_code_and_stores_the_installation(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        landed = stack.install(HOME)
        assert landed.status == 200, landed
        assert "Thank you" in landed.body
        exchanges = stack.api.of("oauth.v2.access")
        assert len(exchanges) == 1 and exchanges[0].body["code"]
        issued = stack.oauth.tokens_of(HOME)
        installed = stack.installed()
        assert set(installed) == {HOME}
        row = installed[HOME]
        assert row["bot_token"] == issued[0]
        assert row["team_name"] == f"Lab {HOME}"
        assert row["bot_user_id"] and row["bot_id"]
        assert row["bot_scopes"].split(",") == INSTALL_SCOPES
        assert states_kept(stack) == []  # the state is used up


def test_two_workspaces_installed_at_once_are_answered_with_their_own_tokens(
    tmp_path: Path,
) -> None:
    with oauth_stack(tmp_path) as stack:
        # Both installers start before either finishes.
        home_url, home_cookie = stack.start_install()
        other_url, other_cookie = stack.start_install()
        other_back = stack.oauth.authorize(other_url, OTHER, "UOTHERADM")
        home_back = stack.oauth.authorize(home_url, HOME, "UHOMEADM1")
        assert stack.get(path_of(other_back), other_cookie).status == 200
        assert stack.get(path_of(home_back), home_cookie).status == 200
        home_token = stack.installed()[HOME]["bot_token"]
        other_token = stack.installed()[OTHER]["bot_token"]
        assert home_token != other_token

        stack.mention(HOME, "UHOMEMEM1", "/scale video", "C0HOMECHAN")
        stack.mention(OTHER, "UOTHERMEM", "/scale 3d", "C0OTHERCHAN")
        posts = stack.api.wait_for("chat.postMessage", 2)
        by_channel = {call.body["channel"]: call.token for call in posts}
        assert by_channel == {"C0HOMECHAN": home_token, "C0OTHERCHAN": other_token}
        # Each token was asked about (auth.test) with itself, never with another's.
        assert set(stack.tokens_used("auth.test")) == {home_token, other_token}


def test_one_ledger_and_each_workspace_with_its_own_moderators(tmp_path: Path) -> None:
    """A member of either workspace submits and confirms into the same ledger; an admin
    moderates only in the trusted workspace, and each notice uses its workspace's token."""
    with oauth_stack(tmp_path, slack_review_channel="C0REVIEW") as stack:
        stack.api.members.update(
            {
                "UHOMEADM1": {"team_id": HOME, "is_admin": True},
                "UOTHERADM": {"team_id": OTHER, "is_admin": True, "is_owner": True},
                "UHOMEMEM1": {"team_id": HOME, "is_admin": False},
            }
        )
        assert stack.install(HOME).status == 200
        assert stack.install(OTHER).status == 200
        home_token = stack.installed()[HOME]["bot_token"]
        other_token = stack.installed()[OTHER]["bot_token"]

        submitted = stack.sender.command("/submit", OBJAVERSE, user="UOTHERMEM", team=OTHER)
        assert submitted.status == 200 and "#" in submitted.text, submitted
        point = newest(stack)
        assert (point.submitted_by, point.workspace) == ("slack:UOTHERMEM", OTHER)
        # The review card goes to the home workspace's review channel, with its token.
        card = stack.api.wait_for("chat.postMessage")[0]
        assert (card.body["channel"], card.token) == ("C0REVIEW", home_token)

        confirmed = stack.sender.command("/confirm", str(point.id), user="UHOMEMEM1", team=HOME)
        assert "onfirm" in confirmed.text, confirmed.text

        # An admin of the untrusted workspace is no moderator, and Slack is not even asked.
        refused = stack.sender.command("/approve", str(point.id), user="UOTHERADM", team=OTHER)
        assert "is for moderators" in refused.text, refused.text
        assert [c.body["user"] for c in stack.api.of("users.info")] == ["UHOMEMEM1"]
        assert status_of(stack, point.id) == "pending"

        # An admin of the trusted home workspace is one.
        approved = stack.sender.command("/approve", str(point.id), user="UHOMEADM1", team=HOME)
        assert "is for moderators" not in approved.text, approved.text
        assert status_of(stack, point.id) == "approved"
        asked = [(c.body["user"], c.token) for c in stack.api.of("users.info")]
        assert asked == [("UHOMEMEM1", home_token), ("UHOMEADM1", home_token)]

        # The submitter hears of it by DM, through their own workspace's token.
        opened = stack.api.wait_for("conversations.open")
        assert [(c.body["users"], c.token) for c in opened] == [("UOTHERMEM", other_token)]
        dm = [
            c
            for c in stack.api.wait_for("chat.postMessage", 2)
            if c.body["channel"] == "DUOTHERMEM"
        ]
        assert [c.token for c in dm] == [other_token]


def test_a_member_of_the_trusted_workspace_who_is_no_admin_does_not_moderate(
    tmp_path: Path,
) -> None:
    with oauth_stack(tmp_path) as stack:
        stack.api.members["UHOMEMEM1"] = {"team_id": HOME, "is_admin": False}
        stack.api.members["UGUEST001"] = {"team_id": OTHER, "is_admin": True}
        assert stack.install(HOME).status == 200
        for user in ("UHOMEMEM1", "UGUEST001"):  # a member; an admin of elsewhere, shared in
            answer = stack.sender.command("/review", user=user, team=HOME)
            assert "is for moderators" in answer.text, (user, answer.text)


def test_members_of_any_workspace_share_the_same_rate_limits(tmp_path: Path) -> None:
    with oauth_stack(tmp_path, submit_limit="1/hour") as stack:
        assert stack.install(OTHER).status == 200
        first = stack.sender.command("/submit", OBJAVERSE, user="UOTHERMEM", team=OTHER)
        assert "#" in first.text, first.text
        again = OBJAVERSE.replace("Objaverse-XL", "Objaverse-XXL")
        second = stack.sender.command("/submit", again, user="UOTHERMEM", team=OTHER)
        assert "limit of 1 submission per hour" in second.text, second.text
        pending = stack.core.store.queue.pending_total()
        assert pending == 1


# -- uninstall and revocation ---------------------------------------------------------------


def test_an_uninstall_deletes_the_workspaces_tokens(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        assert stack.install(HOME).status == 200
        assert stack.install(OTHER).status == 200
        other_token = stack.installed()[OTHER]["bot_token"]
        stack.oauth.uninstall(OTHER)  # Slack revokes the tokens, then tells the app
        assert stack.event(OTHER, {"type": "app_uninstalled", "event_ts": "1.1"}) == 200
        assert set(stack.installed()) == {HOME}
        # The workspace is gone: a request from it reaches no listener and no Slack call.
        before = len(stack.api.calls)
        answer = stack.sender.command("/scale", "video", user="UOTHERMEM", team=OTHER)
        assert answer.status == 200 and "Scale" not in answer.text
        told = [c for c in stack.api.calls[before:] if c.method.startswith("response:")]
        assert len(told) == 1 and "no longer available" in told[0].body["text"]
        assert [c for c in stack.api.calls[before:] if c.token == other_token] == []


def test_tokens_revoked_deletes_the_bot_token(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        assert stack.install(HOME).status == 200
        assert stack.install(OTHER).status == 200
        event = {"type": "tokens_revoked", "tokens": {"bot": ["UBOTER02"]}, "event_ts": "1.2"}
        assert stack.event(OTHER, event) == 200
        assert set(stack.installed()) == {HOME}


def test_an_unsigned_uninstall_deletes_nothing(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        assert stack.install(OTHER).status == 200
        answer = stack.sender.post(
            b'{"type":"event_callback","team_id":"T0OTHER02","event":{"type":"app_uninstalled"}}',
            "application/json",
            signature="v0=" + "0" * 64,
        )
        assert answer.status == 401
        assert set(stack.installed()) == {OTHER}


# -- forged and replayed states ----------------------------------------------------------------


def test_a_forged_state_installs_nothing(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        authorize, cookie = stack.start_install()
        back = query_of(stack.oauth.authorize(authorize, HOME, "UINSTALL1"))
        forged = "f" * 32
        # A state this server never issued, with a cookie to match it.
        got = stack.get(
            f"/slack/oauth_redirect?code={back['code']}&state={forged}", f"{COOKIE}={forged}"
        )
        assert got.status == 401 and "Thank you" not in got.body
        # The issued state, from a browser that never visited /slack/install.
        got = stack.get(f"/slack/oauth_redirect?code={back['code']}&state={back['state']}")
        assert got.status == 400
        assert stack.api.of("oauth.v2.access") == []
        assert stack.installed() == {}
        assert cookie  # the installer's own browser could still finish


def test_a_replayed_state_is_refused(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        authorize, cookie = stack.start_install()
        back = path_of(stack.oauth.authorize(authorize, HOME, "UINSTALL1"))
        assert stack.get(back, cookie).status == 200
        replayed = stack.get(back, cookie)
        assert replayed.status == 401 and "Thank you" not in replayed.body
        assert len(stack.api.of("oauth.v2.access")) == 1


def test_an_expired_state_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with oauth_stack(tmp_path) as stack:
        authorize, cookie = stack.start_install()
        back = path_of(stack.oauth.authorize(authorize, HOME, "UINSTALL1"))
        later = time.time() + 601
        monkeypatch.setattr("bot.slack.installs.time.time", lambda: later)
        assert stack.get(back, cookie).status == 401
        assert stack.installed() == {}


def test_a_code_slack_refuses_installs_nothing(tmp_path: Path) -> None:
    with oauth_stack(tmp_path) as stack:
        authorize, cookie = stack.start_install()
        state = query_of(authorize)["state"]
        got = stack.get(f"/slack/oauth_redirect?code=not-a-code&state={state}", cookie)
        assert got.status == 401
        assert stack.installed() == {}


# -- token rotation ------------------------------------------------------------------------------


def test_an_expiring_token_is_rotated_before_use(tmp_path: Path) -> None:
    with oauth_stack(tmp_path, rotation=True, expires_in=600) as stack:
        assert stack.install(HOME).status == 200
        first = stack.installed()[HOME]
        assert first["bot_token"].startswith("xoxe.xoxb-") and first["bot_refresh_token"]
        stack.mention(HOME, "UHOMEMEM1", "/scale video", "C0HOMECHAN")
        post = stack.api.wait_for("chat.postMessage")[0]
        refreshes = [c for c in stack.api.of("oauth.v2.access") if c.body.get("grant_type")]
        assert [c.body["refresh_token"] for c in refreshes] == [first["bot_refresh_token"]]
        now = stack.installed()[HOME]
        assert now["bot_token"] != first["bot_token"]
        assert now["bot_refresh_token"] != first["bot_refresh_token"]
        assert post.token == now["bot_token"]
        assert now["bot_token_expires_at"] > time.time() + 500


def test_a_notice_rotates_the_home_workspaces_token_too(tmp_path: Path) -> None:
    with oauth_stack(
        tmp_path, rotation=True, expires_in=600, slack_review_channel="C0REVIEW"
    ) as stack:
        assert stack.install(HOME).status == 200
        assert stack.install(OTHER).status == 200
        stale = stack.installed()[HOME]["bot_token"]
        submitted = stack.sender.command("/submit", OBJAVERSE, user="UOTHERMEM", team=OTHER)
        assert "#" in submitted.text, submitted.text
        card = stack.api.wait_for("chat.postMessage")[0]
        assert card.body["channel"] == "C0REVIEW"
        assert card.token == stack.installed()[HOME]["bot_token"] != stale
        assert stack.api.of("refused:chat.postMessage") == []


# -- settings ------------------------------------------------------------------------------------


def test_oauth_mode_needs_the_three_settings_and_no_bot_token() -> None:
    oauth = Settings(
        slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, slack_signing_secret="s"
    )
    assert oauth.slack_oauth and oauth.configured_platforms() == ["slack"]
    assert oauth.slack_install_problem() is None
    token = Settings(slack_bot_token="xoxb-1", slack_signing_secret="s")
    assert not token.slack_oauth and token.slack_install_problem() is None
    for changes, named in (
        ({"slack_bot_token": "xoxb-1"}, "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set"),
        ({"slack_client_secret": None}, "SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET"),
        ({"slack_signing_secret": None}, "without SLACK_SIGNING_SECRET"),
        ({"slack_app_token": "xapp-1"}, "unset SLACK_APP_TOKEN"),
        ({"slack_review_channel": "C0REVIEW"}, "first in SCALEBOT_SLACK_TRUSTED_WORKSPACES"),
    ):
        fields = {
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": CLIENT_SECRET,
            "slack_signing_secret": "s",
            **changes,
        }
        problem = Settings(**fields).slack_install_problem()
        assert problem is not None and named in problem, (changes, problem)
        assert "example" in problem or "Unset" in problem or "unset" in problem


def test_scalebot_run_slack_refuses_a_token_with_oauth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from bot.cli import cli
    from tests.helpers import clear_settings_env

    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), "run", "slack"])
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set" in result.output
    assert CLIENT_SECRET not in result.output


def test_trusted_workspaces_are_read_in_order_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCALEBOT_SLACK_TRUSTED_WORKSPACES", "T0HOME001, T0OTHER02,T0HOME001")
    settings = Settings()
    assert settings.slack_trusted_workspaces == ("T0HOME001", "T0OTHER02")
    assert settings.trusted_workspaces("slack") == {"T0HOME001", "T0OTHER02"}
    assert settings.slack_home_workspace == "T0HOME001"
    assert settings.moderators_possible()
    monkeypatch.setenv("SCALEBOT_SLACK_TRUSTED_WORKSPACES", "lab-workspace")
    with pytest.raises(ValidationError, match="example: SCALEBOT_SLACK_TRUSTED_WORKSPACES=T"):
        Settings()


def test_token_mode_serves_no_install_page(tmp_path: Path) -> None:
    from tests.slack_stack import slack_stack

    with slack_stack(tmp_path) as stack:
        assert stack.service.adapter.oauth is None
        import urllib.error
        import urllib.request

        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{stack.base_url}/slack/install", timeout=10)
        assert refused.value.code == 404


def test_the_console_posts_with_each_workspaces_token(tmp_path: Path) -> None:
    """A process that runs no Slack app (the console, ``scalebot ask``) posts a console
    submission's card with the home workspace's token, and tells a member of another
    workspace of a decision with that workspace's token."""
    from bot.core import Core
    from bot.courier import after_reply

    with oauth_stack(
        tmp_path,
        slack_review_channel="C0REVIEW",
        slack_news_channel="C0NEWS",
        moderators=frozenset({"console:mod"}),
    ) as stack:
        assert stack.install(HOME).status == 200
        assert stack.install(OTHER).status == 200
        home_token = stack.installed()[HOME]["bot_token"]
        other_token = stack.installed()[OTHER]["bot_token"]
        submitted = stack.sender.command("/submit", OBJAVERSE, user="UOTHERMEM", team=OTHER)
        assert "#" in submitted.text, submitted.text
        point = newest(stack)
        stack.api.wait_for("chat.postMessage")
        before = len(stack.api.calls)
        console_settings = stack.settings.model_copy(update={"check_sources": False})
        with Core.open(settings=console_settings) as console:
            reply = console.ask(f"/approve {point.id}", "console:mod")
            assert reply.kind == "answer", reply.as_text()
            after_reply(console)
            again = OBJAVERSE.replace("Objaverse-XL", "Objaverse-XXL")
            reply = console.ask(f"/submit {again}", "console:alice")
            assert reply.kind == "answer", reply.as_text()
            after_reply(console)
            # A new record: its news goes to the home workspace's news channel.
            record = OBJAVERSE.replace("Objaverse-XL", "Objaverse-Huge").replace("10.2M", "99M")
            reply = console.ask(f"/submit {record}", "console:mod")
            assert reply.kind == "answer", reply.as_text()
            reply = console.ask(f"/approve {reply.data['id']}", "console:mod")
            assert reply.kind == "answer", reply.as_text()
            after_reply(console)
        later = stack.api.calls[before:]
        opened = [(c.body["users"], c.token) for c in later if c.method == "conversations.open"]
        assert opened == [("UOTHERMEM", other_token)]
        posts = [(c.body["channel"], c.token) for c in later if c.method == "chat.postMessage"]
        assert ("DUOTHERMEM", other_token) in posts
        assert all(token in (home_token, other_token) for _, token in posts)
        assert [t for c, t in posts if c == "C0REVIEW"] == [home_token] * 2  # the new cards
        news = [t for c, t in posts if c == "C0NEWS"]
        assert news and set(news) == {home_token}
