"""The Slack adapter: a slack-bolt ``AsyncApp`` whose listeners only translate.

Every listener turns a Slack payload into a :class:`~bot.core.Caller` and a command for
the core, and the core's :class:`~bot.reply.Reply` into Block Kit. Nothing here decides
what a command means or who may run it: the core does, once, for every platform.

Slash commands are registered from the core's declarations (``/scale``, ``/compare``...)
plus the umbrella ``/scalebot <command> ...``. The reply goes back in the acknowledgement
itself when the core answers within :data:`ACK_BUDGET`; slower work is acknowledged
first and answered through ``response_url``, so Slack's 3-second deadline always holds.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings
from bot.core import Caller
from bot.errors import UserError
from bot.reply import Reply
from bot.runner import AsyncCore
from bot.slack.blocks import escape, render_messages
from bot.slack.forms import (
    REJECT_CALLBACK,
    SUBMIT_CALLBACK,
    metadata,
    reject_view,
    submit_view,
    submitted_values,
)

log = logging.getLogger(__name__)

UMBRELLA = "scalebot"
#: Answer inside the acknowledgement if the core is this quick; Slack allows 3 s in all.
ACK_BUDGET = 2.0
REVIEW_ACTION = re.compile(r"^(approve|reject):(\d+)$")
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")

Ack = Callable[..., Awaitable[None]]
Respond = Callable[..., Awaitable[Any]]


def slack_user(user_id: str) -> str:
    return f"slack:{user_id}"


def _caller(user_id: str, team_id: str | None, channel_id: str | None) -> Caller:
    return Caller(slack_user(user_id), workspace=team_id, channel=channel_id)


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
        self.app = AsyncApp(
            client=slack_client(settings),
            signing_secret=_secret(settings.slack_signing_secret) or "",
            request_verification_enabled=settings.slack_app_token is None,
            # Listeners acknowledge with the answer itself, so run them before responding.
            process_before_response=True,
        )
        self._register()

    @property
    def slash_commands(self) -> list[str]:
        return [f"/{name}" for name in self.core.core.commands] + [f"/{UMBRELLA}"]

    def _register(self) -> None:
        names = "|".join(re.escape(c.lstrip("/")) for c in self.slash_commands)
        self.app.command(re.compile(rf"^/(?:{names})$"))(self.on_command)
        self.app.event("app_mention")(self.on_mention)
        self.app.action(REVIEW_ACTION)(self.on_review_button)
        self.app.view(SUBMIT_CALLBACK)(self.on_submit_form)
        self.app.view(REJECT_CALLBACK)(self.on_reject_form)

    # -- slash commands ------------------------------------------------------------------

    async def on_command(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        caller = _caller(body["user_id"], body.get("team_id"), body.get("channel_id"))
        line = command_line(body["command"], body.get("text", ""))
        if await self._open_submit_form(line, body, client):
            await ack()
            return
        work = asyncio.ensure_future(self.core.ask(line, caller))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), ACK_BUDGET)
        except TimeoutError:
            await ack(text="Working on it…", response_type="ephemeral")
            self._later(self._respond_when_done(work, respond))
            return
        first, *rest = render_messages(reply)
        await ack(**first, response_type=response_type(reply))
        for message in rest:
            await respond(**message, response_type=response_type(reply))

    async def _respond_when_done(self, work: asyncio.Future[Reply], respond: Respond) -> None:
        reply = await work
        for message in render_messages(reply):
            await respond(**message, response_type=response_type(reply))

    async def _open_submit_form(
        self, line: str, body: dict[str, Any], client: AsyncWebClient
    ) -> bool:
        """``/submit`` with required options missing opens the form, pre-filled."""
        core = self.core.core
        try:
            command, options = core.parse(line)
        except UserError:
            return False  # the core's own reply explains the error
        if command.name != "submit" or not core.missing_options(command, options):
            return False
        known = {k: v for k, v in options.items() if command.option(k)}
        view = submit_view(
            command,
            core.library,
            known,
            {"channel": body.get("channel_id"), "response_url": body.get("response_url")},
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)
        return True

    # -- mentions ------------------------------------------------------------------------

    async def on_mention(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        """``@scalebot why does video scale?`` asks; ``@scalebot /scale 3d`` runs a command."""
        text = _MENTION.sub("", event.get("text", "")).strip()
        caller = _caller(event["user"], event.get("team"), event.get("channel"))
        reply = await self.core.ask(text, caller)
        thread = event.get("thread_ts") or event.get("ts")
        for message in render_messages(reply):
            if reply.visibility == "public":
                await client.chat_postMessage(channel=event["channel"], thread_ts=thread, **message)
            else:
                await client.chat_postEphemeral(
                    channel=event["channel"], user=event["user"], **message
                )

    # -- review buttons ------------------------------------------------------------------

    async def on_review_button(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        action = body["actions"][0]
        match = REVIEW_ACTION.match(action["action_id"])
        assert match is not None  # the listener is registered for this pattern only
        decision, point_id = match[1], int(match[2])
        user = body["user"]["id"]
        caller = _caller(user, (body.get("team") or {}).get("id"), _channel_id(body))
        if decision == "reject" and self.core.core.is_moderator(caller):
            await ack()
            view = reject_view(
                self.core.core.command("reject"),
                point_id,
                {"response_url": body.get("response_url"), "channel": caller.channel},
            )
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        await ack()
        # Approvals run at once; a non-moderator's press is refused by the core here.
        reply = await self.core.invoke(decision, {"id": str(point_id)}, caller)
        await self._show_decision(reply, caller, user, respond)

    async def _show_decision(
        self, reply: Reply, caller: Caller, user_id: str, respond: Respond
    ) -> None:
        """A decision replaces the review message (queue refreshed); a refusal does not."""
        if reply.kind == "error":
            for message in render_messages(reply):
                await respond(**message, response_type="ephemeral", replace_original=False)
            return
        queue = await self.core.invoke("review", {}, caller)
        decided = render_messages(reply)[0]["blocks"]
        decided.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Decided by <@{user_id}>"}],
            }
        )
        message = render_messages(queue)[0]
        blocks = (decided + [{"type": "divider"}] + message["blocks"])[:50]
        await respond(
            blocks=blocks,
            text=escape(reply.title),
            response_type="ephemeral",
            replace_original=True,
        )

    # -- modals --------------------------------------------------------------------------

    async def on_submit_form(self, ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        user = body["user"]["id"]
        extra = metadata(view)
        caller = _caller(user, (body.get("team") or {}).get("id"), extra.get("channel"))
        reply = await self.core.invoke("submit", submitted_values(view), caller)
        if reply.kind == "error":
            field = reply.data.get("option") or "dataset"
            await ack(response_action="errors", errors={field: reply.summary})
            return
        await ack()
        await self._tell(client, user, extra, reply)

    async def on_reject_form(self, ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        user = body["user"]["id"]
        extra = metadata(view)
        caller = _caller(user, (body.get("team") or {}).get("id"), extra.get("channel"))
        options = {**submitted_values(view), "id": str(extra.get("id", ""))}
        reply = await self.core.invoke("reject", options, caller)
        if reply.kind == "error" and reply.data.get("option") == "reason":
            await ack(response_action="errors", errors={"reason": reply.summary})
            return
        await ack()
        response_url = extra.get("response_url")
        if response_url:
            webhook = AsyncWebhookClient(response_url)
            await self._show_decision(reply, caller, user, _webhook_respond(webhook))
        else:
            await self._tell(client, user, extra, reply)

    async def _tell(
        self, client: AsyncWebClient, user: str, extra: dict[str, Any], reply: Reply
    ) -> None:
        """Answer a form: through the slash command's response URL, else by direct message."""
        response_url = extra.get("response_url")
        for message in render_messages(reply):
            if response_url:
                await AsyncWebhookClient(response_url).send(**message, response_type="ephemeral")
            else:
                await client.chat_postMessage(channel=user, **message)

    # -- background work -----------------------------------------------------------------

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Keep a reference to follow-up work until it finishes (asyncio only holds weak ones)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, on ``SLACK_API_URL`` when set (GovSlack, test servers)."""
    extra = {"base_url": settings.slack_api_base_url} if settings.slack_api_base_url else {}
    return AsyncWebClient(token=_secret(settings.slack_bot_token), **extra)


def _channel_id(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    return channel.get("id") or (body.get("container") or {}).get("channel_id")


def _webhook_respond(webhook: AsyncWebhookClient) -> Respond:
    async def respond(**message: Any) -> None:
        message.pop("response_type", None)
        await webhook.send(**message, response_type="ephemeral")

    return respond


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None
