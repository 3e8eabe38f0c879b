"""Slack's side of installing an app through OAuth, for the fake Web API.

As Slack documents it (``oauth.v2.access``, the authorize page, token rotation):

- the installer's browser reaches ``https://slack.com/oauth/v2/authorize`` with the
  app's ``client_id``, ``scope``, ``state`` and maybe a ``redirect_uri``;
  :meth:`FakeOAuth.authorize` plays the installer approving it in one workspace and
  gives the address Slack sends them back to: the redirect URL (the one sent, which must
  be one the app lists, else the app's first) with a ``code`` and the same ``state``;
- ``oauth.v2.access`` takes the app's credentials by HTTP Basic auth or as form fields
  (``invalid_client_id``, ``bad_client_secret``), a code good once and for ten minutes
  (``invalid_code``), the same ``redirect_uri`` as the authorize step when one was sent
  there (``bad_redirect_uri``), and answers with the bot token, ``token_type`` bot, the
  scopes, ``bot_user_id``, ``app_id``, ``team`` {id, name}, ``enterprise`` (null outside
  Enterprise Grid), ``is_enterprise_install`` and ``authed_user`` {id};
- with token rotation on, the token is a rotating one (``xoxe.xoxb-``) that expires in
  ``expires_in`` seconds, with a ``refresh_token`` (``xoxe-``); ``grant_type=refresh_token``
  exchanges a refresh token (once: ``invalid_refresh_token`` after) for a new pair;
- a token is refused once revoked (``token_revoked``: uninstalling revokes the
  workspace's tokens) or expired (``token_expired``).

Tokens the fake did not issue (token mode's ``xoxb-test-token``) are taken as before.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
APP_ID = "A0SCALEBOT"
#: Seconds a code stays good (Slack: ten minutes).
CODE_SECONDS = 600


@dataclass
class Code:
    team: str
    team_name: str
    user: str
    scopes: str
    redirect_uri: str | None
    issued_at: float


@dataclass
class Grant:
    """A bot token Slack issued, and what it is for."""

    token: str
    team: str
    team_name: str
    bot_user: str
    scopes: str
    installer: str
    expires_at: float | None = None
    refresh_token: str | None = None


@dataclass
class FakeOAuth:
    """One distributed app's OAuth at Slack: its credentials, codes and tokens."""

    client_id: str
    client_secret: str
    redirect_urls: list[str]
    #: Token rotation on (the app's setting): expiring tokens with refresh tokens.
    rotation: bool = False
    expires_in: int = 43_200
    codes: dict[str, Code] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def authorize(self, url: str, team: str, user: str, team_name: str = "") -> str:
        """The installer approves ``url`` (Slack's authorize page) in ``team``: the
        address Slack redirects their browser to, with a code and the state."""
        parts = urllib.parse.urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        assert base == AUTHORIZE_URL, f"not Slack's authorize address: {base}"
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        assert query.get("client_id") == self.client_id, "unknown client_id"
        sent = query.get("redirect_uri") or None
        assert sent is None or sent in self.redirect_urls, f"{sent} is not a redirect URL"
        code = f"{next(self._serial)}.{secrets.token_hex(8)}"
        self.codes[code] = Code(
            team, team_name or team, user, query.get("scope", ""), sent, time.time()
        )
        back = {"code": code, "state": query.get("state", "")}
        return f"{sent or self.redirect_urls[0]}?{urllib.parse.urlencode(back)}"

    def access(self, form: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        """``oauth.v2.access``'s answer to ``form`` with the request's Authorization."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id:
            return _error("invalid_client_id")
        if client_secret != self.client_secret:
            return _error("bad_client_secret")
        grant_type = form.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            return self._refresh(str(form.get("refresh_token") or ""))
        if grant_type != "authorization_code":
            return _error("invalid_grant_type")
        code = self.codes.pop(str(form.get("code") or ""), None)
        if code is None or time.time() - code.issued_at > CODE_SECONDS:
            return _error("invalid_code")
        sent = form.get("redirect_uri") or None
        if code.redirect_uri is not None and sent != code.redirect_uri:
            return _error("bad_redirect_uri")
        if code.redirect_uri is None and sent is not None and sent not in self.redirect_urls:
            return _error("bad_redirect_uri")
        grant = self._issue(code.team, code.team_name, code.scopes, code.user)
        return self._answer(grant)

    def _issue(self, team: str, team_name: str, scopes: str, installer: str) -> Grant:
        serial = next(self._serial)
        secret = secrets.token_hex(12)
        if self.rotation:
            token = f"xoxe.xoxb-1-{team}-{serial}-{secret}"
            grant = Grant(
                token,
                team,
                team_name,
                f"UBOT{team[-4:]}",
                scopes,
                installer,
                time.time() + self.expires_in,
                f"xoxe-1-{team}-{serial}-{secrets.token_hex(12)}",
            )
            assert grant.refresh_token is not None
            self.refresh_tokens[grant.refresh_token] = grant
        else:
            token = f"xoxb-{team}-{serial}-{secret}"
            grant = Grant(token, team, team_name, f"UBOT{team[-4:]}", scopes, installer)
        self.grants[token] = grant
        return grant

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        old = self.refresh_tokens.pop(refresh_token, None)
        if old is None or old.token in self.revoked:
            return _error("invalid_refresh_token")
        return self._answer(self._issue(old.team, old.team_name, old.scopes, old.installer))

    def _answer(self, grant: Grant) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": grant.token,
            "token_type": "bot",
            "scope": grant.scopes,
            "bot_user_id": grant.bot_user,
            "app_id": APP_ID,
            "team": {"id": grant.team, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.installer},
        }
        if grant.refresh_token is not None and grant.expires_at is not None:
            answer["refresh_token"] = grant.refresh_token
            answer["expires_in"] = max(0, round(grant.expires_at - time.time()))
        return answer

    def refuses(self, token: str | None) -> str | None:
        """Slack's error for a call made with ``token``, or None when it is good."""
        if token is None:
            return None
        if token in self.revoked:
            return "token_revoked"
        grant = self.grants.get(token)
        if grant is not None and grant.expires_at is not None and grant.expires_at <= time.time():
            return "token_expired"
        return None

    def uninstall(self, team: str) -> None:
        """The workspace removes the app: every token issued to it is revoked."""
        for grant in self.grants.values():
            if grant.team == team:
                self.revoked.add(grant.token)

    def tokens_of(self, team: str) -> list[str]:
        """Every token issued to ``team``, oldest first (refresh tokens included)."""
        found = []
        for grant in self.grants.values():
            if grant.team == team:
                found += [grant.token, *([grant.refresh_token] if grant.refresh_token else [])]
        return found

    def all_secrets(self) -> list[str]:
        """Every token, refresh token and the client secret: what must never be shown."""
        tokens = [t for grant in self.grants.values() for t in (grant.token, grant.refresh_token)]
        return [self.client_secret, *(t for t in tokens if t)]


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}
