"""Talks to the adapter as Slack does: signed, form-encoded or JSON HTTP requests.

What the adapter answers in the HTTP response itself (a slash command's reply, a view
to show) is a body Slack checks as it checks the Web API's: the sender keeps each one
Slack would refuse in :attr:`SlackSender.refusals`, for ``slack_stack`` to fail on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.fakes.loop import STEP_TIMEOUT
from tests.fakes.slack_api import TEAM
from tests.fakes.slack_contract import answer_errors

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes,
    content_type: str = "application/x-www-form-urlencoded",
    *,
    timestamp: int | None = None,
    signature: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: its type, the time and the v0 signature."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature or sign(body, timestamp),
    }


@dataclass
class Answer:
    status: int
    text: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.text)


class SlackSender:
    def __init__(self, events_url: str, response_base: str) -> None:
        self.events_url = events_url
        self.response_base = response_base
        self.sent = 0
        #: Acknowledgements Slack would refuse, each with Slack's reasons.
        self.refusals: list[str] = []

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Answer:
        headers = signed_headers(body, content_type, timestamp=timestamp, signature=signature)
        request = urllib.request.Request(self.events_url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=STEP_TIMEOUT) as response:
                answer = Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())
        self._check(answer)
        return answer

    def _check(self, answer: Answer) -> None:
        """Keep what Slack would refuse of an acknowledgement's JSON body."""
        try:
            body = answer.json()
        except ValueError:
            return
        errors = answer_errors(body)
        if errors:
            self.refusals.append("acknowledgement: " + "; ".join(errors))

    def command_body(
        self,
        command: str,
        text: str = "",
        user: str = "UMEMBER1",
        channel: str = "C0CHAN1",
        team: str = TEAM,
    ) -> bytes:
        self.sent += 1
        form = {
            "token": "legacy-unused",
            "team_id": team,
            "team_domain": "lab",
            "channel_id": channel,
            "channel_name": "research",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SCALEBOT",
            "response_url": f"{self.response_base}cmd{self.sent}",
            "trigger_id": f"trigger.{self.sent}",
        }
        return urllib.parse.urlencode(form).encode()

    def command(self, command: str, text: str = "", **kwargs: Any) -> Answer:
        body = self.command_body(command, text, **kwargs)
        return self.post(body, "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> Answer:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], team: str = TEAM) -> Answer:
        self.sent += 1
        envelope = {
            "token": "legacy-unused",
            "team_id": team,
            "api_app_id": "A0SCALEBOT",
            "type": "event_callback",
            "event_id": f"Ev{self.sent:08d}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.post(json.dumps(envelope).encode(), "application/json")

    def press(
        self,
        button: dict[str, Any],
        user: str,
        response_name: str = "review",
        channel: str = "C0CHAN1",
    ) -> Answer:
        """Press ``button`` (a Block Kit button element as the adapter sent it)."""
        return self.button(
            button["action_id"],
            user,
            response_name,
            channel,
            value=button.get("value"),
            text=button["text"]["text"],
        )

    def button(
        self,
        action_id: str,
        user: str,
        response_name: str = "review",
        channel: str = "C0CHAN1",
        *,
        value: str | None = None,
        text: str = "Button",
        team: str = TEAM,
    ) -> Answer:
        self.sent += 1
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": team, "domain": "lab"},
                "user": {"id": user, "name": user.lower(), "team_id": team},
                "api_app_id": "A0SCALEBOT",
                "trigger_id": f"trigger.{self.sent}",
                "channel": {"id": channel, "name": "research"},
                "container": {"type": "message", "is_ephemeral": True, "channel_id": channel},
                "response_url": f"{self.response_base}{response_name}",
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": "b1",
                        "text": {"type": "plain_text", "text": text},
                        "value": action_id if value is None else value,
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
        )

    def view_submission(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        user: str,
        *,
        view_id: str | None = None,
    ) -> Answer:
        """Submit ``view`` (as the adapter opened it) with ``values`` per block id.

        Slack keeps a modal's id across its submissions and gives each submission a
        new ``trigger_id``; ``view_id`` names the modal (default: a new one each call).
        """
        self.sent += 1
        state = {}
        for block in view["blocks"]:
            block_id = block["block_id"]
            value = values.get(block_id)
            if block["element"]["type"] == "static_select":
                option = {"text": {"type": "plain_text", "text": value}, "value": value}
                chosen = option if value else None
                state[block_id] = {"value": {"type": "static_select", "selected_option": chosen}}
            else:
                state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": TEAM, "domain": "lab"},
                "user": {"id": user, "name": user.lower(), "team_id": TEAM},
                "api_app_id": "A0SCALEBOT",
                "trigger_id": f"trigger.{self.sent}",
                "view": {
                    **view,
                    "id": view_id or f"V{self.sent:04d}",
                    "team_id": TEAM,
                    "state": {"values": state},
                },
            }
        )
