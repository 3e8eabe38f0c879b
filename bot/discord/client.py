"""The Discord adapter: a discord.py client whose listeners only translate.

Slash commands come from the core's declarations (:mod:`bot.discord.tree`); each
interaction becomes a :class:`~bot.core.Caller` and a command for the core, and the
core's :class:`~bot.reply.Reply` becomes embeds (:mod:`bot.discord.embeds`). Who may
review is decided by the core: ``discord:<id>`` moderators, or members whose
permissions include Manage Server (passed on as the platform's admin flag), which the
core honours only in the servers the deployment trusts.

Commands are synced once per process, in ``setup_hook`` (which runs once per login),
never in ``on_ready`` (which runs again on every gateway reconnect), and only when the
registered schema differs from ours: Discord rate-limits bots that re-register often.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from typing import Any

import discord

from bot.caller import Caller
from bot.commands import Command, Permission
from bot.config import Settings
from bot.discord import CAPABILITIES
from bot.discord.components import ActionButton, OptionsForm, ReasonForm, action_view
from bot.discord.connection import intents, point_at_servers
from bot.discord.embeds import files_of, rendered
from bot.discord.notices import DiscordNotices
from bot.discord.refusal import refusal
from bot.discord.tree import ScalebotTree, Suggestions, comparable, schema
from bot.reply import Reply
from bot.runner import AsyncCore

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
#: Permissions the bot needs: see channels, post, embed, reply in threads and to mentions,
#: and attach a chart to its reply to a mention (slash commands' replies need no permission).
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)
INVITE_SCOPES = ("bot", "applications.commands")
_BOT_MENTION = re.compile(r"<@!?[0-9]+>")


def discord_user(user_id: int | str) -> str:
    return f"discord:{user_id}"


def caller_of(interaction: discord.Interaction) -> Caller:
    permissions = interaction.permissions
    return Caller(
        discord_user(interaction.user.id),
        workspace=str(interaction.guild_id) if interaction.guild_id else None,
        channel=str(interaction.channel_id) if interaction.channel_id else None,
        is_admin=interaction.guild_id is not None
        and (permissions.manage_guild or permissions.administrator),
        # Each interaction (a command, a press, a form sent) has its own id; the same
        # interaction delivered twice must not store twice.
        request_id=f"discord:interaction:{interaction.id}",
        capabilities=CAPABILITIES,
    )


class DiscordAdapter:
    """Builds the client and its command tree, and holds what the listeners share.

    Nothing here knows a command by name: forms, buttons, replies that replace their
    message and attachments are all read off the core's declarations and replies.
    """

    def __init__(self, core: AsyncCore, settings: Settings, *, sync_on_login: bool = True):
        point_at_servers(settings)
        self.core = core
        self.settings = settings
        self.sync_on_login = sync_on_login
        self.guild = discord.Object(settings.discord_guild) if settings.discord_guild else None
        client_class: type[ScalebotClient | ScalebotShardedClient] = (
            ScalebotShardedClient if settings.discord_shards == "auto" else ScalebotClient
        )
        self.client = client_class(self, intents=intents(), allowed_mentions=NO_MENTIONS)
        self.tree = ScalebotTree(self.client, self.send)
        self.tree.add_declared(core.commands, self.on_command, Suggestions(core), self.guild)
        self.synced = 0

    # -- start-up ------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Once per login: buttons that survive restarts, then the command sync if needed."""
        self.client.add_dynamic_items(ActionButton)
        if self.sync_on_login:
            await self.sync()

    async def sync(self, force: bool = False) -> bool:
        """PUT our schema when the registered one differs (or ``force``); True if it did.

        Discord refuses a command list whole: then :class:`CommandsRefused` says which
        command and option it refused and why (the service cannot start without them).
        """
        ours = schema(self.tree, self.guild)
        if not force:
            registered = await self.tree.fetch_commands(guild=self.guild)
            if comparable([c.to_dict() for c in registered]) == comparable(ours):
                log.info("Discord commands are up to date (%d)", len(ours))
                return False
        try:
            await self.tree.sync(guild=self.guild)
        except discord.HTTPException as error:
            raise refusal(error, ours, self.core.commands) from error
        self.synced += 1
        where = f"guild {self.guild.id}" if self.guild else "globally"
        log.info("synced %d Discord commands %s", len(ours), where)
        return True

    # -- slash commands ------------------------------------------------------------------

    async def on_command(
        self, interaction: discord.Interaction, command: Command, options: dict[str, Any]
    ) -> None:
        given = {name: str(value) for name, value in options.items() if value is not None}
        wanted = self.core.form_fields(command, given)
        if wanted:
            await interaction.response.send_modal(OptionsForm(command, given, wanted))
            return
        answer = await self.core.answer_options(command.name, given, caller_of(interaction))
        if answer.reply is None:
            private = command.permission is Permission.MODERATOR
            await interaction.response.defer(ephemeral=private, thinking=True)
            await self.send(interaction, await answer.later, deferred=True)
            return
        await self.send(interaction, answer.reply, drawn=answer.render("discord", rendered))

    async def send(
        self,
        interaction: discord.Interaction,
        reply: Reply,
        *,
        deferred: bool = False,
        drawn: list[list[discord.Embed]] | None = None,
    ) -> None:
        """The reply as the interaction's response, then follow-ups for what did not fit.

        After a deferral the first message replaces the "thinking…" placeholder. Files
        go with the first message; an image is shown inside its first embed. ``drawn``:
        the embeds already drawn for this reply (a cached one's).
        """
        private = reply.visibility == "private"
        messages = drawn if drawn is not None else rendered(reply)
        view = action_view(reply.actions)
        for number, embeds in enumerate(messages):
            extra: dict[str, Any] = {}
            if view is not None and number == len(messages) - 1:
                extra["view"] = view
            files = files_of(reply) if number == 0 else []
            if number == 0 and deferred:
                await interaction.edit_original_response(
                    embeds=embeds, attachments=files, allowed_mentions=NO_MENTIONS, **extra
                )
            elif number == 0 and not interaction.response.is_done():
                await interaction.response.send_message(
                    embeds=embeds,
                    files=files,
                    ephemeral=private,
                    allowed_mentions=NO_MENTIONS,
                    **extra,
                )
            else:
                await interaction.followup.send(
                    embeds=embeds,
                    files=files,
                    ephemeral=private,
                    allowed_mentions=NO_MENTIONS,
                    **extra,
                )

    # -- buttons and forms ---------------------------------------------------------------

    async def on_button(self, interaction: discord.Interaction, button: ActionButton) -> None:
        """Run the command a reply's button carries; ask for a reason first if it wants one."""
        caller = caller_of(interaction)
        core = self.core
        option = core.reason_option(button.command) if button.needs_reason else None
        if option is not None and core.may_run(button.command, caller):
            form = ReasonForm(button.command, option, button.label or button.command)
            await interaction.response.send_modal(form)
            return
        reply = await self.core.press(button.command, caller)
        await self.answer_press(interaction, reply)

    async def answer_press(self, interaction: discord.Interaction, reply: Reply) -> None:
        """A reply that replaces its message takes the button's message; others are new."""
        if not reply.replace or reply.kind == "error":
            await self.send(interaction, reply)
            return
        first, *rest = rendered(reply)
        await interaction.response.edit_message(
            embeds=first,
            attachments=files_of(reply),
            view=action_view(reply.actions),
            allowed_mentions=NO_MENTIONS,
        )
        private = reply.visibility == "private"
        for embeds in rest:
            await interaction.followup.send(
                embeds=embeds, ephemeral=private, allowed_mentions=NO_MENTIONS
            )

    async def on_options_form(self, interaction: discord.Interaction, form: OptionsForm) -> None:
        values = form.values()
        reply = await self.core.invoke(form.command.name, values, caller_of(interaction))
        if reply.kind == "error":
            typed = [f"{name}: {value}" for name, value in values.items()]
            reply = reply.model_copy(
                update={
                    "summary": reply.summary
                    + "\n\nWhat you typed (nothing was stored):\n"
                    + "\n".join(typed),
                    "footer": f"Run /{form.command.name} again; options you give inline are kept.",
                }
            )
        await self.send(interaction, reply)

    async def on_reason_form(self, interaction: discord.Interaction, form: ReasonForm) -> None:
        reply = await self.core.press(form.command, caller_of(interaction), form.reason)
        await self.answer_press(interaction, reply)

    # -- mentions ------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """``@scalebot why does video scale?`` asks; ``@scalebot /scale 3d`` runs a command."""
        me = self.client.user
        if me is None or message.author.bot or me not in message.mentions:
            return
        text = _BOT_MENTION.sub("", message.content).strip()
        caller = Caller(
            discord_user(message.author.id),
            workspace=str(message.guild.id) if message.guild else None,
            channel=str(message.channel.id),
            request_id=f"discord:message:{message.id}",
            capabilities=CAPABILITIES,
        )
        reply = await self.core.ask(text, caller)
        for number, embeds in enumerate(rendered(reply)):
            await message.reply(
                embeds=embeds,
                files=files_of(reply) if number == 0 else [],
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )


class _Scalebot:
    """What our clients add to discord.py's: the adapter, and the events it answers.

    discord.py's examples extend the client by subclassing it; the two subclasses below
    (plain and auto-sharded) share this. Buttons and forms reach the adapter through
    ``interaction.client`` (the :class:`~bot.discord.components.Owner` protocol), so the
    components module imports nothing of this one.
    """

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await self.adapter.setup_hook()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_button(self, interaction: discord.Interaction, button: ActionButton) -> None:
        await self.adapter.on_button(interaction, button)

    async def on_options_form(self, interaction: discord.Interaction, form: OptionsForm) -> None:
        await self.adapter.on_options_form(interaction, form)

    async def on_reason_form(self, interaction: discord.Interaction, form: ReasonForm) -> None:
        await self.adapter.on_reason_form(interaction, form)


class ScalebotClient(_Scalebot, discord.Client):
    """The client for a bot in a few servers."""


class ScalebotShardedClient(_Scalebot, discord.AutoShardedClient):
    """The client for a bot in thousands of servers (``SCALEBOT_DISCORD_SHARDS=auto``)."""


def invite_url(application_id: int | str) -> str:
    """The OAuth2 URL that adds the bot with its commands and the minimum permissions."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES
    )


class DiscordService:
    """``scalebot run discord``: the client logged in and connected until stopped."""

    name = "discord"

    def __init__(self, core: AsyncCore, settings: Settings) -> None:
        self.core = core
        self.adapter = DiscordAdapter(core, settings)
        self.notices = DiscordNotices(self.adapter.client, settings)
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    @property
    def client(self) -> discord.Client:
        return self.adapter.client

    async def start(self) -> None:
        """Log in (syncing commands if needed) and connect; returns once READY arrives.

        discord.py's own "ready" waits a further two seconds for late guilds; commands
        are answered from READY on, so there is no reason to wait for it here.
        """
        token = self.settings.discord_token
        assert token is not None, "run checks DISCORD_TOKEN before starting Discord"
        try:
            await self.client.login(token.get_secret_value())
        except BaseException:
            await self.client.close()  # its HTTP session; the caller stops with the reason
            raise
        connected = asyncio.ensure_future(self.client.wait_for("connect"))
        self._task = asyncio.ensure_future(self.client.connect(reconnect=True))
        done, _ = await asyncio.wait({connected, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            connected.cancel()
            self._task.result()  # the connection failed: raise why
            raise ConnectionError("the Discord gateway closed before READY")
        log.info("Discord: connected as %s", self.client.user)
        self.core.listen(self.notices)

    async def problem(self) -> str | None:
        """Why Discord cannot reach the bot (/health), or None: READY, every socket open."""
        client = self.client
        if client.is_closed() or (self._task is not None and self._task.done()):
            return "the gateway connection is closed"
        if not client.is_ready():
            return "waiting for the gateway's READY"
        if isinstance(client, discord.AutoShardedClient):
            down = [str(shard) for shard, info in client.shards.items() if info.is_closed()]
            return f"shards {', '.join(down)} are reconnecting" if down else None
        socket = client.ws
        return None if socket is not None and socket.open else "reconnecting to the gateway"

    async def stop(self) -> None:
        self.core.unlisten(self.notices)
        await self.client.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def application_id_from_token(token: str) -> int | None:
    """A bot token's first part is its user id in base64: the application's id for bots."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


async def sync_commands(core: AsyncCore, settings: Settings) -> int:
    """``scalebot discord sync``: log in over REST only and PUT the schema; returns its size."""
    adapter = DiscordAdapter(core, settings, sync_on_login=False)
    token = settings.discord_token
    assert token is not None, "the CLI checks DISCORD_TOKEN first"
    try:
        await adapter.client.login(token.get_secret_value())
        await adapter.sync(force=True)
        return len(schema(adapter.tree, adapter.guild))
    finally:
        await adapter.client.close()


async def fetch_application_id(settings: Settings) -> int:
    """The application's id, asked of Discord with the bot token."""
    point_at_servers(settings)
    token = settings.discord_token
    assert token is not None, "the CLI checks DISCORD_TOKEN first"
    client = discord.Client(intents=intents())
    try:
        await client.login(token.get_secret_value())
        assert client.application_id is not None
        return client.application_id
    finally:
        await client.close()
