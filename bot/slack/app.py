"""The Slack adapter: a slack-bolt ``AsyncApp`` whose listeners only translate.

Every listener turns a Slack payload into a :class:`~bot.core.Caller` and a command for
the core, and the core's :class:`~bot.reply.Reply` into Block Kit. Nothing here knows a
command by name: what a form asks for, what a button runs, whether a reply takes the
place of the message it answers and which files go with it all come from the core's
declarations and replies, so a new command needs no change here.

Slash commands are registered from the core's declarations (``/scale``, ``/compare``...)
plus the umbrella ``/scalebot <command> ...``. The reply goes back in the acknowledgement
itself when the core answers within the runner's budget; slower work is acknowledged
first and answered through ``response_url``, so Slack's 3-second deadline always holds.

Installed with ``SLACK_BOT_TOKEN`` the app serves that token's workspace; installed
through OAuth (:mod:`bot.slack.oauth`) it serves every workspace that installed it, each
request with its own workspace's token. Either way, a member of a workspace of
``SCALEBOT_SLACK_TRUSTED_WORKSPACES`` who administers it is reported as an admin
(:mod:`bot.slack.admins`); the core decides what that allows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.caller import Caller
from bot.config import Settings
from bot.errors import UserError
from bot.failures import internal_error
from bot.grammar import split_command
from bot.kinds import Context
from bot.reply import Attachment, Reply
from bot.runner import AsyncCore
from bot.slack import CAPABILITIES
from bot.slack.admins import WorkspaceAdmins
from bot.slack.blocks import (
    ACTION_PATTERN,
    action_needs_reason,
    escape,
    preformatted,
    render_messages,
)
from bot.slack.forms import (
    FORM_CALLBACK,
    REASON_CALLBACK,
    command_form,
    metadata,
    reason_form,
    submitted_values,
)
from bot.slack.oauth import OAuth, build_oauth
from bot.slack.redact import SDK_LOGGER, guard

log = logging.getLogger(__name__)

UMBRELLA = "scalebot"
#: Slack's answers when the app may not put a file in a channel (not a member, or a
#: private channel it cannot see): the user is told how to invite it.
NOT_THERE = frozenset({"not_in_channel", "channel_not_found"})
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
Ack = Callable[..., Awaitable[None]]
Respond = Callable[..., Awaitable[Any]]


class _FirstLine(logging.Filter):
    """Bolt's "Unhandled request" warning as its first line only, at most 200 characters.

    For a signed request no listener takes (a slash command Slack is set up for but the
    bot does not serve), Bolt logs the request and then several lines of sample code.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "\n" in message or len(message) > 200:
            record.msg = message.split("\n", 1)[0][:200]
            record.args = ()
        return True


_FIRST_LINE = _FirstLine()


def slack_user(user_id: str) -> str:
    return f"slack:{user_id}"


def _caller(
    user_id: str,
    team_id: str | None,
    channel_id: str | None,
    request_id: str | None = None,
    is_admin: bool = False,
) -> Caller:
    return Caller(
        slack_user(user_id),
        workspace=team_id,
        channel=channel_id,
        is_admin=is_admin,
        request_id=request_id,
        capabilities=CAPABILITIES,
    )


def request_id(kind: str, value: object) -> str | None:
    """The key a replay of this request will share: ``slack:trigger:<id>`` and the like.

    Slack gives each slash command and button press a ``trigger_id``, each modal a view
    id (kept across its submissions, so one modal stores once however often it is
    sent) and each event an ``event_id`` (kept across Slack's retries).
    """
    return f"slack:{kind}:{value}" if isinstance(value, str) and value else None


def response_type(reply: Reply) -> str:
    return "in_channel" if reply.visibility == "public" else "ephemeral"


def command_line(slash: str, text: str) -> str:
    """What the user typed, as one core command line (``/scalebot why 3d`` -> ``/why 3d``)."""
    name = slash.lstrip("/").casefold()
    text = text.strip()
    if name == UMBRELLA:
        return "/" + text.removeprefix("/") if text else "/help"
    return f"/{name} {text}".rstrip()


class SlackAdapter:
    """Builds the Bolt app and holds what its listeners share."""

    def __init__(self, core: AsyncCore, settings: Settings) -> None:
        self.core = core
        self.settings = settings
        self._background: set[asyncio.Task[None]] = set()
        self.admins = WorkspaceAdmins(settings.trusted_workspaces("slack"))
        client = slack_client(settings)
        #: Installed through OAuth: the flow, the installations and the token rotator.
        self.oauth: OAuth | None = build_oauth(settings, client) if settings.slack_oauth else None
        oauth = self.oauth
        self.app = AsyncApp(
            client=client,
            signing_secret=_secret(settings.slack_signing_secret) or "",
            request_verification_enabled=settings.slack_app_token is None,
            # Listeners acknowledge with the answer itself, so run them before responding.
            process_before_response=True,
            oauth_settings=oauth.settings if oauth else None,
            # Bolt takes an AsyncAuthorize as well as a function (its hint names only one).
            authorize=oauth.authorize if oauth else None,  # type: ignore[arg-type]
            installation_store_bot_only=True if oauth else None,
        )
        if oauth is not None:
            # app_uninstalled and tokens_revoked delete the workspace's installation.
            self.app.enable_token_revocation_listeners()
        self._register()
        bolt_logger = self.app.logger
        if _FIRST_LINE not in bolt_logger.filters:
            bolt_logger.addFilter(_FIRST_LINE)
        guard(
            [bolt_logger, *_bolt_loggers()],
            [_secret(settings.slack_client_secret), _secret(settings.slack_signing_secret)],
        )

    async def _who(
        self,
        client: AsyncWebClient,
        user_id: str,
        team_id: str | None,
        channel_id: str | None,
        request_id: str | None,
    ) -> Caller:
        """The caller, with Slack's admin flag where it counts (a trusted workspace)."""
        is_admin = await self.admins.is_admin(client, team_id, user_id)
        return _caller(user_id, team_id, channel_id, request_id, is_admin)

    @property
    def slash_commands(self) -> list[str]:
        return [f"/{name}" for name in self.core.commands] + [f"/{UMBRELLA}"]

    def _register(self) -> None:
        names = "|".join(re.escape(c.lstrip("/")) for c in self.slash_commands)
        self.app.command(re.compile(rf"^/(?:{names})$"))(self.on_command)
        self.app.event("app_mention")(self.on_mention)
        self.app.action(ACTION_PATTERN)(self.on_button)
        self.app.view(FORM_CALLBACK)(self.on_form)
        self.app.view(REASON_CALLBACK)(self.on_reason)
        self.app.error(self.on_error)

    # -- slash commands ------------------------------------------------------------------

    async def on_command(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        respond = _checked(respond)
        caller = await self._who(
            client,
            body["user_id"],
            body.get("team_id"),
            body.get("channel_id"),
            request_id("trigger", body.get("trigger_id")),
        )
        line = command_line(body["command"], body.get("text", ""))
        if await self._open_form(line, body, client):
            await ack()
            return
        answer = await self.core.answer(line, caller)
        if answer.reply is None:
            await ack(text="Working on it…", response_type="ephemeral")
            self._later(self._respond_when_done(answer.later, respond, client, caller))
            return
        reply = answer.reply
        first, *rest = answer.render("slack", render_messages)
        await ack(**first, response_type=response_type(reply))
        for message in rest:
            await respond(**message, response_type=response_type(reply))
        await self._upload(client, reply, caller, respond=respond)

    async def _respond_when_done(
        self, work: asyncio.Future[Reply], respond: Respond, client: AsyncWebClient, who: Caller
    ) -> None:
        reply = await work
        for message in render_messages(reply):
            await respond(**message, response_type=response_type(reply))
        await self._upload(client, reply, who, respond=respond)

    async def _open_form(self, line: str, body: dict[str, Any], client: AsyncWebClient) -> bool:
        """A command declared with a form that lacks options opens it, pre-filled.

        Most commands have no form: the name alone says so, without binding options.
        """
        core = self.core
        declared = core.commands.get(split_command(line)[0])
        if declared is None or not declared.form:
            return False
        try:
            command, options = core.parse(line)
        except UserError:
            return False  # the core's own reply explains the error
        given = {k: v for k, v in options.items() if command.option(k)}
        if not core.form_fields(command, given):
            return False
        context = Context(command, core.library, core.commands)
        extra = {"channel": body.get("channel_id"), "response_url": body.get("response_url")}
        view = command_form(command, context, given, extra)
        await client.views_open(trigger_id=body["trigger_id"], view=view)
        return True

    # -- mentions ------------------------------------------------------------------------

    async def on_mention(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """``@scalebot why does video scale?`` asks; ``@scalebot /scale 3d`` runs a command."""
        text = _MENTION.sub("", event.get("text", "")).strip()
        caller = await self._who(
            client,
            event["user"],
            event.get("team"),
            event.get("channel"),
            request_id("event", body.get("event_id")),
        )
        reply = await self.core.ask(text, caller)
        thread = event.get("thread_ts") or event.get("ts")
        for message in render_messages(reply):
            if reply.visibility == "public":
                await client.chat_postMessage(channel=event["channel"], thread_ts=thread, **message)
            else:
                await client.chat_postEphemeral(
                    channel=event["channel"], user=event["user"], **message
                )
        await self._upload(client, reply, caller, thread)

    # -- buttons -------------------------------------------------------------------------

    async def on_button(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        """Run the command a reply's button carries; ask for a reason first if it wants one."""
        respond = _checked(respond)
        action = body["actions"][0]
        text = action.get("value") or ""
        user = body["user"]["id"]
        caller = await self._who(
            client,
            user,
            (body.get("team") or {}).get("id"),
            _channel_id(body),
            request_id("trigger", body.get("trigger_id")),
        )
        await ack()
        core = self.core
        option = core.reason_option(text) if action_needs_reason(action["action_id"]) else None
        if option is not None and core.may_run(text, caller):
            title = (action.get("text") or {}).get("text") or text
            extra = {"response_url": body.get("response_url"), "channel": caller.channel}
            view = reason_form(option, title, text, extra)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        reply = await self.core.press(text, caller)
        await self._answer_press(reply, respond, client, caller)

    async def _answer_press(
        self, reply: Reply, respond: Respond, client: AsyncWebClient, caller: Caller
    ) -> None:
        """A reply that replaces its message takes the button's message; others are new."""
        replace = reply.replace and reply.kind != "error"
        for number, message in enumerate(render_messages(reply)):
            await respond(
                **message,
                response_type=response_type(reply),
                replace_original=replace and number == 0,
            )
        await self._upload(client, reply, caller, respond=respond)

    # -- forms ---------------------------------------------------------------------------

    async def on_form(self, ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A command's form: run it with the fields; put errors back onto the field at fault."""
        view = body["view"]
        user = body["user"]["id"]
        extra = metadata(view)
        caller = await self._who(
            client,
            user,
            (body.get("team") or {}).get("id"),
            extra.get("channel"),
            request_id("view", view.get("id")),
        )
        name = str(extra.get("command", ""))
        reply = await self.core.invoke(name, submitted_values(view), caller)
        field = _field_at_fault(reply, view)
        if field is not None:
            await ack(response_action="errors", errors={field: reply.summary})
            return
        await ack()
        await self._tell(client, user, extra, reply, caller)

    async def on_reason(self, ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A button's reason form: run the button's command with the reason given."""
        view = body["view"]
        user = body["user"]["id"]
        extra = metadata(view)
        caller = await self._who(
            client,
            user,
            (body.get("team") or {}).get("id"),
            extra.get("channel"),
            request_id("view", view.get("id")),
        )
        option = str(extra.get("option", ""))
        reason = submitted_values(view).get(option, "")
        reply = await self.core.press(str(extra.get("run", "")), caller, reason)
        if reply.kind == "error" and reply.data.get("option") == option:
            await ack(response_action="errors", errors={option: reply.summary})
            return
        await ack()
        response_url = extra.get("response_url")
        if response_url:
            respond = _webhook_respond(AsyncWebhookClient(response_url))
            await self._answer_press(reply, respond, client, caller)
        else:
            await self._tell(client, user, extra, reply, caller)

    async def _tell(
        self,
        client: AsyncWebClient,
        user: str,
        extra: dict[str, Any],
        reply: Reply,
        caller: Caller,
    ) -> None:
        """Answer a form: through the slash command's response URL, else by direct message."""
        response_url = extra.get("response_url")
        for message in render_messages(reply):
            if response_url:
                await _webhook_respond(AsyncWebhookClient(response_url))(**message)
            else:
                await client.chat_postMessage(channel=user, **message)
        await self._upload(client, reply, caller)

    # -- attachments ---------------------------------------------------------------------

    async def _upload(
        self,
        client: AsyncWebClient,
        reply: Reply,
        caller: Caller,
        thread: str | None = None,
        respond: Respond | None = None,
    ) -> None:
        """A reply's files: into the channel when the reply is public, else to the user.

        Slack files cannot be ephemeral, so a private reply's files go to a direct
        message with the bot rather than into the channel. A channel the app is not a
        member of refuses files (a slash command's answer still reaches it through its
        response URL): the user is told, only them, how to invite the app, with the file's
        text version (a chart's rows) so the answer is whole anyway.
        """
        if not reply.attachments:
            return
        channel = caller.channel if reply.visibility == "public" else None
        if channel is None:
            opened = await client.conversations_open(users=caller.user.removeprefix("slack:"))
            channel = opened["channel"]["id"]
        for attachment in reply.attachments:
            try:
                await client.files_upload_v2(
                    channel=channel,
                    content=attachment.data,
                    filename=attachment.filename,
                    title=attachment.filename,
                    alt_txt=attachment.description[:1000] or None,
                    thread_ts=thread,
                )
            except SlackApiError as refusal:
                code = refusal.response.get("error") if refusal.response is not None else None
                if code not in NOT_THERE:
                    raise
                log.info("Slack refused %s in %s (%s)", attachment.filename, channel, code)
                await self._cannot_post_file(client, caller, channel, attachment, respond)

    async def _cannot_post_file(
        self,
        client: AsyncWebClient,
        caller: Caller,
        channel: str,
        attachment: Attachment,
        respond: Respond | None,
    ) -> None:
        """Tell the user (ephemeral) how to let the app post files here, with the text."""
        name = await self._app_name(client)
        text = (
            f"I can't post files in <#{channel}> because I'm not a member there. "
            f"Invite me with `/invite @{name}` and ask again to get {attachment.filename}."
        )
        message: dict[str, Any] = {
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
        if attachment.text:
            message["blocks"] += preformatted(attachment.text)
            message["text"] += "\n" + escape(attachment.text)
        if respond is not None:
            await respond(**message, response_type="ephemeral", replace_original=False)
            return
        opened = await client.conversations_open(users=caller.user.removeprefix("slack:"))
        await client.chat_postMessage(channel=opened["channel"]["id"], **message)

    async def _app_name(self, client: AsyncWebClient) -> str:
        """The app's user name in this workspace, as ``/invite @...`` wants it."""
        try:
            found = await client.auth_test()
        except SlackApiError:
            return UMBRELLA
        user = found.get("user")
        return user if isinstance(user, str) and user else UMBRELLA

    # -- errors --------------------------------------------------------------------------

    async def on_error(
        self, error: Exception, body: dict[str, Any], respond: Respond | None
    ) -> BoltResponse:
        """Bolt's last resort: log the failure with what was asked, tell the user plainly.

        The user sees the same words ``Core.invoke`` uses, never the exception. A slash
        command gets them in the HTTP answer (Slack would otherwise show its own failure
        notice); anything else through its response URL, if it has one. Sending may fail
        in turn (an expired URL): that is logged, never raised.
        """
        what = body.get("command") or (body.get("view") or {}).get("callback_id")
        what = what or body.get("type") or "request"
        log.error("Slack %s failed", what, exc_info=error)
        message = render_messages(internal_error())[0]
        if body.get("command"):
            answer = {**message, "response_type": "ephemeral"}
            return BoltResponse(
                status=200,
                body=json.dumps(answer),
                headers={"content-type": "application/json; charset=utf-8"},
            )
        if respond is not None and body.get("response_url"):
            try:
                await _checked(respond)(
                    **message, response_type="ephemeral", replace_original=False
                )
            except Exception:
                log.exception("could not tell the user that Slack %s failed", what)
        return BoltResponse(status=200, body="")

    # -- background work -----------------------------------------------------------------

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Keep a reference to follow-up work until it finishes (asyncio only holds weak ones)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, on ``SLACK_API_URL`` when set (GovSlack, test servers).

    Installed through OAuth it carries no token: Bolt gives each request's copy the
    token of its workspace, and the OAuth calls authenticate with the app's credentials.
    It logs through the logger that hides tokens (:mod:`bot.slack.redact`).
    """
    return AsyncWebClient(
        token=_secret(settings.slack_bot_token),
        base_url=settings.slack_api_base_url or AsyncWebClient.BASE_URL,
        logger=SDK_LOGGER,
    )


def _bolt_loggers() -> list[logging.Logger]:
    """Bolt's loggers made so far (its middleware's, its OAuth flow's)."""
    names = [name for name in logging.root.manager.loggerDict if name.startswith("slack_bolt")]
    return [logging.getLogger(name) for name in names]


def _field_at_fault(reply: Reply, view: dict[str, Any]) -> str | None:
    """The form input an error reply is about, so Slack shows it there (None: no error)."""
    if reply.kind != "error":
        return None
    blocks = [block["block_id"] for block in view.get("blocks", [])]
    option = reply.data.get("option")
    return option if option in blocks else (blocks[0] if blocks else None)


def _channel_id(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    return channel.get("id") or (body.get("container") or {}).get("channel_id")


def _webhook_respond(webhook: AsyncWebhookClient) -> Respond:
    async def respond(**message: Any) -> Any:
        message.pop("response_type", None)
        return await webhook.send(**message, response_type="ephemeral")

    return _checked(respond)


def _checked(respond: Respond) -> Respond:
    """``respond``, with Slack's refusal logged as a warning instead of passing unseen.

    A response URL answers a refusal (an expired or used-up URL, a body it will not
    show) with an HTTP error status, and Bolt's ``respond`` returns it without raising.
    """

    async def send(**message: Any) -> Any:
        sent = await respond(**message)
        status = getattr(sent, "status_code", None)
        if isinstance(status, int) and status >= 400:
            body = str(getattr(sent, "body", ""))[:200]
            log.warning("Slack refused a reply sent to its response URL: HTTP %d %s", status, body)
        return sent

    return send


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None
