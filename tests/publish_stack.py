"""A ledger full of what a public snapshot must leave out, and ways to read a snapshot.

:func:`private_ledger` starts from the web view's test ledger (``tests/web_stack.py``:
submitters on Slack with a workspace and channel, a moderator's note, a dispute, a
confirmation) and plants one more of each private thing the ledger keeps: a source
check's sentences, the address it read and why a source failed, a dispute's reason, a
replayed request's key, a field a moderator added (who added it is private), and the
rate counts every command leaves. :data:`SECRETS` lists every such value, each
distinct enough that finding it in a file can only mean it leaked.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from slack_sdk.oauth.installation_store import Bot

from bot.config import Settings
from bot.core import Core
from bot.slack.installs import Installations, LedgerFile
from knowledge.sourcecheck import FoundFigure, SourceCheck
from tests.helpers import MODERATOR
from tests.web_stack import CHANNEL, PRIVATE, SUBMITTER, WORKSPACE, community_ledger

SENTENCE = "Sentence-secret: the corpus holds 900K hours of narrated video."
READ_URL = "https://reader.internal.example/read-url-secret/pending-hours"
REASON = "reason-secret: 10.77.0.9 refused the connection"
UNREACHABLE_READ_URL = "https://reader.internal.example/read-url-secret-2/clips"
FLAG_REASON = "flag-reason-secret: the paper says fewer"
REQUEST_KEY = "request-key-secret-5150"
#: Tokens the bot is configured with while it publishes (tests set them in the environment).
TOKENS = {
    "SLACK_BOT_TOKEN": "xoxb-token-secret-111-222",
    "SLACK_SIGNING_SECRET": "signing-secret-0ddba11",
    "DISCORD_TOKEN": "discord-token-secret.Gx1.abc",
}
#: A workspace's tokens stored by an OAuth install (issue 24), in the ledger's own file.
INSTALLED_TOKEN = "xoxb-installed-secret-333-444"
INSTALLED_REFRESH = "xoxe-refresh-secret-555"
#: A field a moderator adds: public (its name, its chart); who added it is not.
FIELD_SLUG = "audio"
FIELD_NAME = "Audio generation"
SECRETS = (
    *PRIVATE,
    SENTENCE,
    "Sentence-secret",
    READ_URL,
    "read-url-secret",
    REASON,
    "reason-secret",
    "10.77.0.9",
    FLAG_REASON,
    "flag-reason-secret",
    REQUEST_KEY,
    *TOKENS.values(),
    INSTALLED_TOKEN,
    INSTALLED_REFRESH,
)


def private_ledger(path: Path) -> dict[str, int]:
    """A seeded ledger at ``path`` holding every kind of private value; points by role."""
    ids = community_ledger(path)
    settings = Settings(db=path, moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core:
        store = core.store
        store.checks.record(
            ids["pending"],
            SourceCheck(
                status="states",
                url="https://example.org/pending-hours",
                read_url=READ_URL,
                checked_at="2026-01-05T10:00:00Z",
                unit="hours",
                figures=(FoundFigure(900_000.0, "900K hours", SENTENCE),),
            ),
        )
        store.checks.record(
            ids["approved"],
            SourceCheck(
                status="unreachable",
                url="https://example.org/community-clips",
                read_url=UNREACHABLE_READ_URL,
                checked_at="2026-01-05T10:00:01Z",
                unit="clips",
                reason=REASON,
            ),
        )
        store.vouches.flag(ids["pending"], "slack:U0FLAGGER2", FLAG_REASON, REQUEST_KEY)
        added = core.ask(f'/domain add {FIELD_SLUG} "{FIELD_NAME}" unit:hours', MODERATOR)
        assert added.kind == "answer", added.as_text()
        reply = core.ask(
            f'/submit {FIELD_SLUG} "Spoken Hours" 2M hours https://example.org/spoken 2024',
            SUBMITTER,
            workspace=WORKSPACE,
            channel=CHANNEL,
        )
        assert reply.kind == "answer", reply.as_text()
        decided = core.ask(f"/approve {reply.data['id']}", MODERATOR)
        assert decided.kind == "answer", decided.as_text()
    install_a_workspace(path)
    return ids


def install_a_workspace(path: Path) -> None:
    """A workspace's bot token and refresh token, stored as an OAuth install stores them."""
    ledger = LedgerFile(str(path))
    try:
        bot = Bot(
            app_id="A0PUBLISH",
            team_id="T0INSTALLED",
            team_name="Installed Lab",
            bot_token=INSTALLED_TOKEN,
            bot_refresh_token=INSTALLED_REFRESH,
            bot_token_expires_at=2_000_000_000,
            bot_id="B0PUBLISH",
            bot_user_id="U0PUBLISHBOT",
            bot_scopes=["commands", "chat:write"],
            installed_at=1_700_000_000.0,
        )
        asyncio.run(Installations(ledger, "client-id").async_save_bot(bot))
    finally:
        ledger.close()


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its path inside it, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
