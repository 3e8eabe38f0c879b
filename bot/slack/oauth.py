"""Installing the Slack app through OAuth: Bolt's flow, on the ledger's file.

With ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_SIGNING_SECRET`` set (and
no ``SLACK_BOT_TOKEN``: :attr:`bot.config.Settings.slack_oauth`), the app serves any
workspace that installs it. ``GET /slack/install`` issues a one-time state (kept in
the database, :class:`bot.slack.installs.States`, and in a cookie of the installer's
browser) and redirects to Slack's authorize address; Slack sends the installer back to
``GET /slack/oauth_redirect`` with a code, which Bolt exchanges with ``oauth.v2.access``
(on ``SLACK_API_URL`` when set, like every other call) and stores
(:class:`bot.slack.installs.Installations`). Each request is then answered with its
own workspace's token, found by Bolt's authorize; ``app_uninstalled`` and
``tokens_revoked`` delete it. An app with token rotation on gets expiring tokens and a
refresh token: a token due within :data:`ROTATE_MINUTES` is exchanged for a new one
(``oauth.v2.access`` with ``grant_type=refresh_token``) before it is used, in a request
or for a notice (:mod:`bot.slack.workspaces`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.slack.installs import STATE_SECONDS, Installations, LedgerFile, States
from bot.slack.redact import guard
from bot.slack.scopes import INSTALL_SCOPES

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: A token that expires within this many minutes is rotated before use (Bolt's default;
#: Slack's rotating tokens last 12 hours).
ROTATE_MINUTES = 120
log = logging.getLogger(__name__)


@dataclass
class OAuth:
    """What the Bolt app and the deliverers share when installed through OAuth."""

    settings: AsyncOAuthSettings
    authorize: AsyncInstallationStoreAuthorize
    installations: Installations
    rotator: AsyncTokenRotator
    file: LedgerFile


def build_oauth(settings: Settings, client: AsyncWebClient) -> OAuth:
    """Bolt's OAuth settings and authorize for ``settings``, on the ledger's file.

    ``client`` (on ``SLACK_API_URL``, logging through the redacting logger) makes every
    OAuth call: the code's exchange (Bolt's flow uses the app's client) and rotations.
    """
    client_id = settings.slack_client_id
    secret = settings.slack_client_secret
    assert client_id is not None and secret is not None, "not installed through OAuth"
    client_secret = secret.get_secret_value()
    signing = settings.slack_signing_secret
    guard([log], [client_secret, signing.get_secret_value() if signing else None])
    file = LedgerFile(str(settings.db))
    installations = Installations(file, client_id)
    authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        installation_store=installations,
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        bot_only=True,
        # auth.test once per token, not once per request (a rotated token is a new key).
        cache_enabled=True,
        client=client,
    )
    oauth_settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=INSTALL_SCOPES,
        user_scopes=[],
        install_path=INSTALL_PATH,
        # /slack/install sends the visitor straight on to Slack's authorize address.
        install_page_rendering_enabled=False,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        state_store=States(file, STATE_SECONDS),
        state_expiration_seconds=STATE_SECONDS,
        logger=log,
    )
    rotator = AsyncTokenRotator(client_id=client_id, client_secret=client_secret, client=client)
    return OAuth(oauth_settings, authorize, installations, rotator, file)
