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
from dataclasses import dataclass, field, replace
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


def check_fields(body: dict[str, Any]) -> None:
    """A body whose fields are not of the types Slack sends is refused (400).

    Bolt and the listeners index what Slack documents (``view.type``, ``"id" in team``,
    ``command.strip()``): a field missing, of another type (a list for ``command``, an
    object for ``user_id``) or empty where Slack always fills it would otherwise end in
    a traceback, a "Something went wrong" or, worse, an object taken for a user.
    """
    kind = kind_of(body)
    if kind is None and "ssl_check" not in body:
        raise Refused(400, "the body is neither a command, an interaction nor an event")
    shape = _SHAPES.get(kind or "", _ANY_KIND)
    if kind == "event_callback":
        event = body.get("event")
        if isinstance(event, dict) and event.get("type") == "app_mention":
            shape = _APP_MENTION
    try:
        _check(body, shape)
    except _Fault as fault:
        path = "".join(reversed(fault.parts)).removeprefix(".")
        raise Refused(400, f"{kind or 'request'} {fault.problem % _shown(path)}") from None


# -- the shapes Slack sends --------------------------------------------------------------

_NULL = type(None)


@dataclass(frozen=True, slots=True)
class Field:
    """What one value of a body must be: its JSON types, and what it holds in turn.

    ``required``: the key must be there (and not null); ``filled``: a string, list or
    object that is not empty; ``fields``: named keys of an object; ``each``: every item
    of a list, or every value of an object whose keys are the sender's (a form's blocks).
    """

    types: tuple[type, ...]
    required: bool = False
    filled: bool = False
    fields: Mapping[str, Field] = field(default_factory=dict)
    each: Field | None = None
    #: The keys of ``fields`` that are required (found once, not per request).
    needed: tuple[str, ...] = ()


def _object(**fields: Field) -> Field:
    """An object with these keys (others are let be), when present."""
    needed = tuple(key for key, rule in fields.items() if rule.required)
    return Field((dict,), fields=fields, needed=needed)


def _needed(rule: Field) -> Field:
    """``rule``, for a key that must be there."""
    return replace(rule, required=True)


def _nullable(rule: Field) -> Field:
    """``rule``, or null (Bolt and the listeners read ``or {}``)."""
    return replace(rule, types=(*rule.types, _NULL))


#: An id, a command, a trigger: a string Slack always fills.
TEXT = Field((str,), required=True, filled=True)
#: A string when present (null too: Bolt and the listeners read ``or``/``is None``).
OPTIONAL_TEXT = Field((str, _NULL))
#: A key Slack never sends at this depth and Bolt would look into once more.
ABSENT = Field((_NULL,))


def _holder(**fields: Field) -> Field:
    """``team``, ``user``, ``channel``, ``enterprise``: an id, or an object with ``id``."""
    return replace(_object(id=OPTIONAL_TEXT, **fields), types=(str, dict, _NULL))


#: What Bolt reads of a body, of its event and of its first authorization to build its
#: context (``"id" in team``, ``len(authorizations)``): a number there is a TypeError.
_CONTEXT: dict[str, Field] = {
    "enterprise": _holder(),
    "team": _holder(enterprise_id=OPTIONAL_TEXT),
    "user": _holder(team_id=OPTIONAL_TEXT),
    "channel": _holder(),
    "enterprise_id": OPTIONAL_TEXT,
    "team_id": OPTIONAL_TEXT,
    "user_id": OPTIONAL_TEXT,
    "channel_id": OPTIONAL_TEXT,
    "is_enterprise_install": Field((bool, str, _NULL)),
    "view": _nullable(_object(app_installed_team_id=OPTIONAL_TEXT, team_id=OPTIONAL_TEXT)),
    "authorizations": ABSENT,
    "event": ABSENT,
}
_EVENT: dict[str, Field] = {
    **_CONTEXT,
    "type": TEXT,
    "user_team": OPTIONAL_TEXT,
    "ts": OPTIONAL_TEXT,
    "thread_ts": OPTIONAL_TEXT,
}
_ANY: dict[str, Field] = {
    **_CONTEXT,
    "type": OPTIONAL_TEXT,
    "is_ext_shared_channel": Field((bool, _NULL)),
    "authorizations": Field((list, _NULL), each=_object(**_CONTEXT)),
    "event": _object(**_EVENT),
    "response_url": Field((str,)),
    "response_urls": Field((list,), each=_object(response_url=Field((str,)))),
    "trigger_id": OPTIONAL_TEXT,
}
#: Interactions name their user, team and channel by objects (the listeners read ``.id``).
_INTERACTION: dict[str, Field] = {
    **_ANY,
    "user": _needed(_object(id=TEXT, team_id=OPTIONAL_TEXT)),
    "team": _nullable(_object(id=OPTIONAL_TEXT, enterprise_id=OPTIONAL_TEXT)),
    "channel": _nullable(_object(id=OPTIONAL_TEXT)),
}
#: A modal's submitted values: ``{block_id: {action_id: {"value": ...}}}``.
_INPUT = _object(value=OPTIONAL_TEXT, selected_option=_nullable(_object(value=TEXT)))
_STATE = _needed(_object(values=_needed(Field((dict,), each=Field((dict,), each=_INPUT)))))
_ACTION = _object(
    action_id=TEXT,
    block_id=OPTIONAL_TEXT,
    value=OPTIONAL_TEXT,
    text=_nullable(_object(text=OPTIONAL_TEXT)),
)
_VIEW = _object(
    id=TEXT,
    type=TEXT,
    callback_id=TEXT,
    state=_STATE,
    private_metadata=OPTIONAL_TEXT,
    blocks=Field((list,), each=_object(block_id=TEXT)),
    app_installed_team_id=OPTIONAL_TEXT,
    team_id=OPTIONAL_TEXT,
)
_SHAPES: dict[str, Field] = {
    "slash command": _object(
        **{
            **_ANY,
            "command": TEXT,
            "user_id": TEXT,
            "trigger_id": TEXT,
            "text": Field((str,)),
            "response_url": TEXT,
        }
    ),
    "block_actions": _object(
        **{
            **_INTERACTION,
            "trigger_id": TEXT,
            "response_url": TEXT,
            "container": _nullable(_object(channel_id=OPTIONAL_TEXT)),
            "actions": Field((list,), required=True, filled=True, each=_ACTION),
        }
    ),
    "view_submission": _object(**{**_INTERACTION, "view": _needed(_VIEW)}),
    "event_callback": _object(
        **{**_ANY, "event": _needed(_object(**_EVENT)), "event_id": OPTIONAL_TEXT}
    ),
}
_ANY_KIND = _object(**_ANY)
#: The one event the app subscribes to; its listener reads who, where and what.
_MENTION_EVENT = {
    **_EVENT,
    "user": TEXT,
    "channel": TEXT,
    "team": OPTIONAL_TEXT,
    "text": Field((str,)),
}
_APP_MENTION = _object(
    **{**_ANY, "event": _needed(_object(**_MENTION_EVENT)), "event_id": OPTIONAL_TEXT}
)

_JSON_NAMES = {str: "a string", list: "a list", dict: "an object", bool: "true or false"}


def _named(kind: type) -> str:
    if kind is _NULL:
        return "null"
    return _JSON_NAMES.get(kind, "a number")


class _Fault(Exception):
    """What is wrong (``%s`` stands for the field), and the path to it, built on the way up.

    The path is only put together when a body is refused: a well-formed one costs the
    type checks and nothing else.
    """

    def __init__(self, problem: str, *inner: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.parts = list(inner)


def _check(value: Any, rule: Field) -> None:
    """Raise :class:`_Fault` unless ``value`` is what ``rule`` says."""
    if not isinstance(value, rule.types):
        wanted = " or ".join(dict.fromkeys(_named(t) for t in rule.types))
        raise _Fault(f"with %s as {_named(type(value))}, not {wanted}")
    if rule.filled and not value:
        raise _Fault("with an empty %s")
    if type(value) is dict:
        for key in rule.needed:
            if value.get(key) is None:
                raise _Fault("without %s", f".{key}")
        fields = rule.fields
        if fields:
            for key, found in value.items():
                inner = fields.get(key)
                if inner is None or (found is None and _NULL in inner.types):
                    continue
                try:
                    _check(found, inner)
                except _Fault as fault:
                    fault.parts.append(f".{key}")
                    raise
        if rule.each is not None:
            for key, item in value.items():
                try:
                    _check(item, rule.each)
                except _Fault as fault:
                    fault.parts.append(f".{key}")
                    raise
    elif rule.each is not None and type(value) is list:
        for number, item in enumerate(value):
            try:
                _check(item, rule.each)
            except _Fault as fault:
                fault.parts.append(f"[{number}]")
                raise


def _shown(path: str) -> str:
    """A path for a log line: at most 80 characters, control characters escaped."""
    return repr(path[:80])[1:-1]
