"""Configuration from the environment (prefix ``SCALEBOT_``) and a ``.env`` file.

Platform credentials keep the names their platforms' docs use (``DISCORD_TOKEN``,
``SLACK_BOT_TOKEN``...), so a lab can paste them as they come. Secrets are
:class:`~pydantic.SecretStr`: they print as ``**********`` unless asked for explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.limits import Limit, parse_limit
from bot.replica.url import ReplicaUrl, parse_replica_url

DEFAULT_DB = Path("scalebot.db")
#: A Slack conversation id (C0123ABCD, G..., D...): upper-case letters and digits.
_SLACK_CHANNEL = re.compile(r"[A-Z0-9]{1,40}")
#: A Slack workspace (team) id: T and upper-case letters and digits.
_SLACK_TEAM = re.compile(r"T[A-Z0-9]{2,40}")
#: A Discord snowflake: a server's or channel's id is a number of up to 20 digits.
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")


#: What to set so that someone can moderate (``scalebot doctor`` says it when nobody can).
NO_MODERATOR_HELP = (
    "set SCALEBOT_MODERATORS (platform:user_id), SCALEBOT_DISCORD_TRUSTED_GUILDS or "
    "SCALEBOT_SLACK_TRUSTED_WORKSPACES; until then nobody can /review, /approve or /reject"
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DIGEST_AT = re.compile(r"([a-z]{3})[a-z]*\s+([0-9]{1,2}):([0-9]{2})")


@dataclass(frozen=True)
class DigestAt:
    """When the weekly digest goes out: ``weekday`` (0 is Monday) at ``at``, local time."""

    weekday: int
    at: time

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at.strftime('%H:%M')}"


def parse_digest_at(text: str) -> DigestAt:
    """``"mon 09:00"`` -> Monday at 09:00; a clear error with an example otherwise."""
    found = _DIGEST_AT.fullmatch(text.strip().lower())
    day = found.group(1) if found else ""
    hour, minute = (int(found.group(2)), int(found.group(3))) if found else (99, 99)
    if day not in WEEKDAYS or hour > 23 or minute > 59:
        raise ValueError(
            f"{text!r} is not a weekday and a time: SCALEBOT_DIGEST_AT takes a day's first "
            'three letters and a 24-hour time (example: SCALEBOT_DIGEST_AT="mon 09:00")'
        )
    return DigestAt(WEEKDAYS.index(day), time(hour, minute))


def _platform_env(name: str) -> AliasChoices:
    return AliasChoices(name, f"SCALEBOT_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCALEBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # `NAME=` (as .env.example ships them) means unset, not an empty value.
        env_ignore_empty=True,
    )

    db: Path = Field(DEFAULT_DB, description="path of the SQLite database file")
    replica_url: Annotated[ReplicaUrl | None, NoDecode] = Field(
        None,
        description="where Litestream streams the database while the bot runs (s3://, gs://, "
        "abs://, sftp:// or file://); a missing database is restored from it at start",
    )
    replica_sync_interval: float = Field(
        1.0, gt=0, le=3600, description="seconds between Litestream's syncs to the replica"
    )
    moderators: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), description="comma-separated platform:user_id of moderators"
    )
    console_user: str = Field("local", description="user name of the terminal console")
    log_level: str = Field("INFO", description="logging level")
    log_format: Literal["text", "json"] = Field(
        "text", description="log lines as text, or `json`: one JSON object per line"
    )
    auto_approve_confirmations: int = Field(
        0,
        ge=0,
        description="a pending point with this many confirmations from members other than "
        "its submitter is approved; 0 turns it off",
    )
    submit_limit: Annotated[Limit, NoDecode] = Field(
        Limit(20, "hour"),
        description="COUNT/PERIOD: submissions (/submit and commands like it) per user",
    )
    command_limit: Annotated[Limit, NoDecode] = Field(
        Limit(30, "minute"), description="COUNT/PERIOD: commands of any kind per user"
    )

    check_sources: bool = Field(
        True, description="check each new figure against its source; 0 turns checking off"
    )
    check_allow_private: bool = Field(
        False,
        description="let source checks fetch private, loopback and link-local addresses "
        "on any port (test servers); never in production",
    )
    check_max_bytes: int = Field(
        10_000_000, gt=0, description="a source larger than this many bytes is not read"
    )
    check_timeout: float = Field(
        20.0, gt=0, description="seconds a source's fetch may take, redirects included"
    )
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query",
        description="arXiv's export API (Atom), where a cited paper's abstract is read",
    )
    arxiv_html_url: str = Field(
        "https://arxiv.org/html", description="where arXiv serves papers' HTML full text"
    )
    hf_url: str = Field(
        "https://huggingface.co",
        description="the Hugging Face Hub: dataset cards and its dataset API",
    )
    github_raw_url: str = Field(
        "https://raw.githubusercontent.com",
        description="where a cited GitHub repository's README is read raw",
    )

    discord_token: SecretStr | None = Field(None, validation_alias=_platform_env("DISCORD_TOKEN"))
    discord_api_url: str | None = Field(
        None,
        validation_alias=_platform_env("DISCORD_API_URL"),
        description="Discord REST base URL, e.g. http://127.0.0.1:8080/api/v10 (tests)",
    )
    discord_gateway_url: str | None = Field(
        None,
        validation_alias=_platform_env("DISCORD_GATEWAY_URL"),
        description="Discord gateway websocket URL (Discord-compatible servers, tests)",
    )
    discord_guild: int | None = Field(
        None, description="sync commands to this guild only (instant, for testing)"
    )
    discord_shards: Literal["auto"] | None = Field(
        None, description="auto: run AutoShardedClient (large bots)"
    )
    discord_trusted_guilds: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(),
        description="comma-separated ids of the Discord servers whose Manage Server "
        "members are moderators",
    )
    discord_review_channel: int | None = Field(
        None,
        gt=0,
        description="Discord channel id where new pending points and disputes are posted",
    )
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=_platform_env("SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_platform_env("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=_platform_env("SLACK_APP_TOKEN")
    )
    slack_api_url: str | None = Field(
        None,
        validation_alias=_platform_env("SLACK_API_URL"),
        description="Slack Web API base URL (GovSlack, test servers)",
    )
    slack_client_id: str | None = Field(
        None,
        validation_alias=_platform_env("SLACK_CLIENT_ID"),
        description="with SLACK_CLIENT_SECRET: install through OAuth into any workspace",
    )
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=_platform_env("SLACK_CLIENT_SECRET")
    )
    slack_trusted_workspaces: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="comma-separated ids of the Slack workspaces whose admins are "
        "moderators; the first is the home of the review and news channels (OAuth)",
    )
    slack_host: str = Field("0.0.0.0", description="address the Slack HTTP transport binds")
    slack_port: int = Field(
        3000, ge=0, le=65535, description="port of the Slack HTTP transport (/slack/events)"
    )
    slack_review_channel: str | None = Field(
        None, description="Slack channel id where new pending points and disputes are posted"
    )
    slack_news_channel: str | None = Field(
        None, description="Slack channel id where new records and the weekly digest are posted"
    )
    discord_news_channel: int | None = Field(
        None,
        gt=0,
        description="Discord channel id where new records and the weekly digest are posted",
    )
    digest: Literal["weekly", "off"] | None = Field(
        None,
        description="weekly or off: the digest to the news channels (default: weekly when a "
        "news channel is set)",
    )
    digest_at: Annotated[DigestAt, NoDecode] = Field(
        DigestAt(0, time(9, 0)),
        description='when the weekly digest goes out: a weekday and a time, e.g. "mon 09:00"',
    )
    digest_tz: str = Field(
        "UTC", description="IANA time zone of SCALEBOT_DIGEST_AT, e.g. Europe/Paris"
    )
    web_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="port of the web view; set, `scalebot run all` serves it too",
    )
    web_host: str = Field("127.0.0.1", description="address the web view listens on")
    web_url: str | None = Field(
        None,
        description="the web view's public base URL; replies link to its pages when set",
    )
    web_show_users: bool = Field(
        False,
        description="publish platform user ids, the audit log and every table (a private "
        "deployment)",
    )
    web_allow_sql: bool = Field(
        False, description="let visitors run their own read-only SQL on the web view"
    )
    metrics_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="port of /health and /metrics; set, `scalebot run` serves them",
    )
    metrics_host: str = Field("127.0.0.1", description="address /health and /metrics bind")

    @field_validator("moderators", mode="before")
    @classmethod
    def _split_moderators(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            for user_id in ids:
                platform, _, user = user_id.partition(":")
                if not platform or not user:
                    raise ValueError(
                        f"{user_id!r} is not platform:user_id "
                        "(example: SCALEBOT_MODERATORS=discord:80351110224678912,slack:U024BE7LH)"
                    )
            return frozenset(ids)
        return value

    @field_validator("discord_trusted_guilds", mode="before")
    @classmethod
    def _split_guilds(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            for guild_id in ids:
                if not _SNOWFLAKE.fullmatch(guild_id):
                    raise ValueError(
                        f"{guild_id!r} is not a Discord server id: SCALEBOT_DISCORD_TRUSTED_GUILDS "
                        "takes server ids, comma-separated "
                        "(example: SCALEBOT_DISCORD_TRUSTED_GUILDS=81384788765712384,1234567890)"
                    )
            return frozenset(ids)
        return value

    @field_validator("slack_trusted_workspaces", mode="before")
    @classmethod
    def _split_workspaces(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            for team_id in ids:
                if not _SLACK_TEAM.fullmatch(team_id):
                    raise ValueError(
                        f"{team_id!r} is not a Slack workspace id: "
                        "SCALEBOT_SLACK_TRUSTED_WORKSPACES takes workspace (team) ids, "
                        "comma-separated, the home workspace first "
                        "(example: SCALEBOT_SLACK_TRUSTED_WORKSPACES=T0123ABCD,T0456EFGH)"
                    )
            return tuple(dict.fromkeys(ids))
        return value

    @field_validator("slack_review_channel", "slack_news_channel")
    @classmethod
    def _check_slack_channel(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not _SLACK_CHANNEL.fullmatch(value.strip()):
            variable = environment_variable(info.field_name or "slack_review_channel")
            raise ValueError(
                f"{value!r} is not a Slack channel id: {variable} takes the "
                "id from the channel's details, not its name (example: "
                f"{variable}=C0123ABCDEF)"
            )
        return value.strip() if value is not None else None

    @field_validator("digest", mode="before")
    @classmethod
    def _check_digest(cls, value: object) -> object:
        if isinstance(value, str):
            word = value.strip().lower()
            if word not in ("weekly", "off"):
                raise ValueError(
                    f"{value!r} is not a digest schedule: SCALEBOT_DIGEST takes weekly or off "
                    "(example: SCALEBOT_DIGEST=weekly)"
                )
            return word
        return value

    @field_validator("digest_at", mode="before")
    @classmethod
    def _parse_digest_at(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_digest_at(value)
        return value

    @field_validator("digest_tz")
    @classmethod
    def _check_digest_tz(cls, value: str) -> str:
        name = value.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone: SCALEBOT_DIGEST_TZ takes an IANA name "
                "(example: SCALEBOT_DIGEST_TZ=Europe/Paris)"
            ) from None
        return name

    @field_validator("replica_url", mode="before")
    @classmethod
    def _parse_replica_url(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_replica_url(value)
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _check_log_format(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in ("text", "json"):
            raise ValueError(
                f"{value!r} is not a log format: SCALEBOT_LOG_FORMAT takes text or json "
                "(example: SCALEBOT_LOG_FORMAT=json)"
            )
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("web_url")
    @classmethod
    def _check_web_url(cls, value: str | None) -> str | None:
        """A base URL the links are built on: http(s), no query, no trailing slash."""
        if value is None:
            return None
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(
                f"{value!r} is not the web view's base URL: SCALEBOT_WEB_URL takes an http:// "
                "or https:// address without a query (example: "
                "SCALEBOT_WEB_URL=https://scalebot.example.org)"
            )
        return url

    @field_validator("arxiv_api_url", "arxiv_html_url", "hf_url", "github_raw_url")
    @classmethod
    def _check_source_url(cls, value: str, info: ValidationInfo) -> str:
        """A base address the readers append to: http(s), no query, no trailing slash."""
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            name = info.field_name
            assert name is not None
            default = cls.model_fields[name].default
            raise ValueError(
                f"{value!r} is not a base address: {environment_variable(name)} takes an "
                f"http:// or https:// address without a query (example: "
                f"{environment_variable(name)}={default})"
            )
        return url

    def trusted_workspaces(self, platform: str) -> frozenset[str]:
        """Workspaces where ``platform``'s own admin flag makes a moderator.

        The bot's invite link is public: anyone can add it to a server of their own and
        be its admin there. Only the servers named here are trusted; a platform with no
        such setting (the console) trusts none.
        """
        if platform == "discord":
            return self.discord_trusted_guilds
        if platform == "slack":
            return frozenset(self.slack_trusted_workspaces)
        return frozenset()

    def review_channel(self, platform: str) -> str | None:
        """The channel of ``platform`` where new pending points are posted, if any."""
        if platform == "discord" and self.discord_review_channel is not None:
            return str(self.discord_review_channel)
        if platform == "slack":
            return self.slack_review_channel
        return None

    def news_channel(self, platform: str) -> str | None:
        """The channel of ``platform`` where new records and digests are posted, if any."""
        if platform == "discord" and self.discord_news_channel is not None:
            return str(self.discord_news_channel)
        if platform == "slack":
            return self.slack_news_channel
        return None

    def news_platforms(self) -> list[str]:
        """The configured platforms with a news channel: where announcements go."""
        return [p for p in self.configured_platforms() if self.news_channel(p) is not None]

    @property
    def digest_weekly(self) -> bool:
        """Whether the weekly digest is on: ``SCALEBOT_DIGEST``, else on with a news channel."""
        if self.digest is not None:
            return self.digest == "weekly"
        return self.slack_news_channel is not None or self.discord_news_channel is not None

    @property
    def digest_zone(self) -> ZoneInfo:
        """``SCALEBOT_DIGEST_TZ`` as a time zone (checked when the settings were read)."""
        return ZoneInfo(self.digest_tz)

    def moderators_possible(self) -> bool:
        """Whether anyone at all can be a moderator: a named one, or a trusted server."""
        return bool(self.moderators or self.discord_trusted_guilds or self.slack_trusted_workspaces)

    @field_validator("submit_limit", "command_limit", mode="before")
    @classmethod
    def _parse_limit(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            name = info.field_name
            assert name is not None
            default = cls.model_fields[name].default
            return parse_limit(value, environment_variable(name), str(default))
        return value

    @property
    def slack_api_base_url(self) -> str | None:
        """``SLACK_API_URL`` as slack-sdk wants it (trailing slash); None means Slack's own."""
        url = self.slack_api_url
        if not url:
            return None
        return url if url.endswith("/") else url + "/"

    def configured_platforms(self) -> list[str]:
        """Platforms whose credentials are all present, in the order ``run all`` starts them."""
        platforms = []
        if self.discord_token:
            platforms.append("discord")
        token_mode = self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token)
        if token_mode or self.slack_oauth:
            platforms.append("slack")
        return platforms

    def slack_install_problem(self) -> str | None:
        """Why Slack cannot start as configured, in words with an example (None: it can).

        One way of installing at a time: a bot token (one workspace), or OAuth
        (``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET``, ``SLACK_SIGNING_SECRET``: every
        workspace that installs the app). Checked when Slack starts, not when settings
        are read, so each variable can be read (and shown by ``scalebot doctor``) alone.
        """
        client_id, secret = self.slack_client_id, self.slack_client_secret
        if client_id is None and secret is None:
            return None
        if client_id is not None and self.slack_bot_token is not None:
            return (
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: use one way of installing "
                "Slack. A bot token serves the one workspace it belongs to; SLACK_CLIENT_ID "
                "with SLACK_CLIENT_SECRET serves every workspace installed from /slack/install. "
                "Unset SLACK_BOT_TOKEN to install through OAuth."
            )
        if (client_id is None) != (secret is None):
            given, missing = (
                ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                if secret is None
                else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            )
            return (
                f"{given} is set without {missing}: installing through OAuth needs both, "
                "from the app's Basic Information page (example: "
                "SLACK_CLIENT_ID=1234567890.987654321 and SLACK_CLIENT_SECRET=...)"
            )
        if self.slack_app_token is not None:
            return (
                "SLACK_APP_TOKEN (Socket Mode) is set with SLACK_CLIENT_ID: installing through "
                "OAuth needs the HTTP transport, which serves /slack/install; unset "
                "SLACK_APP_TOKEN and set SLACK_SIGNING_SECRET"
            )
        if self.slack_signing_secret is None:
            return (
                "SLACK_CLIENT_ID is set without SLACK_SIGNING_SECRET: installing through OAuth "
                "serves Slack's requests over HTTP, which are signed (example: "
                "SLACK_SIGNING_SECRET=8f742231b10e8888abcd99yyyzzz85a5)"
            )
        channel = self.slack_review_channel or self.slack_news_channel
        if channel is not None and not self.slack_trusted_workspaces:
            return (
                f"the Slack review or news channel {channel} is set, but installed through "
                "OAuth the bot serves many workspaces: name the one that holds the channel "
                "first in SCALEBOT_SLACK_TRUSTED_WORKSPACES (example: "
                "SCALEBOT_SLACK_TRUSTED_WORKSPACES=T0123ABCD)"
            )
        return None

    @property
    def slack_oauth(self) -> bool:
        """Whether Slack is installed through OAuth (``/slack/install``), not with a token.

        Set by ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_SIGNING_SECRET``
        (a bot token with them is refused when Slack starts): each workspace's
        token then comes from its installation, kept in the database.
        """
        return (
            self.slack_client_id is not None
            and self.slack_client_secret is not None
            and self.slack_signing_secret is not None
            and self.slack_bot_token is None
        )

    @property
    def slack_home_workspace(self) -> str | None:
        """The workspace of the Slack review and news channels when installed through OAuth:
        the first of ``SCALEBOT_SLACK_TRUSTED_WORKSPACES`` (None: none is trusted)."""
        trusted = self.slack_trusted_workspaces
        return trusted[0] if trusted else None


def environment_variable(name: str) -> str:
    """The environment variable a setting is read from: ``DISCORD_TOKEN``, ``SCALEBOT_DB``.

    Platform credentials keep their platforms' names (the first of their aliases); the
    rest are ``SCALEBOT_`` and the setting's name.
    """
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"SCALEBOT_{name}".upper()
