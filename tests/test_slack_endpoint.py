"""``POST /slack/events`` refuses what it cannot read: a status and one log line, no traceback.

Every request here is raw bytes sent with ``http.client`` to the real service on
127.0.0.1, so headers can be what no well-behaved client would send (a signature that
is not ASCII, a timestamp that is not a number). Each refusal must leave one warning in
the log, no record with a traceback, nothing for Bolt's listeners and nothing in the
database; unsigned requests are refused before their bodies are decoded.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.gate import MAX_BODY, form_fields
from bot.slack.serve import EVENTS_PATH
from tests.fakes.loop import STEP_TIMEOUT
from tests.fakes.slack_client import sign
from tests.slack_stack import SlackStack, slack_stack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
WRONG_SIGNATURE = "v0=" + "0" * 64
OBJAVERSE = '3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'


@dataclass
class Endpoint:
    """The running service, what reached Bolt's listeners, and a raw HTTP client."""

    stack: SlackStack
    reached: list[dict[str, Any]] = field(default_factory=list)

    def send(
        self,
        body: bytes,
        content_type: str | None = FORM,
        *,
        signed: bool = True,
        timestamp: str | bytes | None = None,
        signature: str | bytes | None = None,
    ) -> tuple[int, bytes]:
        """POST ``body`` as given; signed with the app's secret unless told otherwise.

        ``timestamp`` and ``signature`` go out as given, bytes included (header values
        no client library would send).
        """
        now = int(time.time())
        if signature is None:
            signature = sign(body, now) if signed else WRONG_SIGNATURE
        headers: dict[str, str | bytes] = {
            "X-Slack-Request-Timestamp": str(now) if timestamp is None else timestamp,
            "X-Slack-Signature": signature,
        }
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.request(headers, body)

    def request(self, headers: dict[str, str | bytes], body: bytes = b"") -> tuple[int, bytes]:
        """One POST on a fresh connection; the body's length is declared unless chunked."""
        if "Transfer-Encoding" not in headers:
            headers = {"Content-Length": str(len(body)), **headers}
        port = self.stack.service.port
        assert port is not None
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=STEP_TIMEOUT)
        try:
            connection.putrequest("POST", EVENTS_PATH, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def assert_untouched(self) -> None:
        """Nothing reached a listener, called Slack's API or changed the ledger."""
        assert self.reached == []
        assert self.stack.api.calls == []
        assert self.stack.core.store.queue.pending_total() == 0


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    with slack_stack(tmp_path) as stack:
        found = Endpoint(stack)

        async def record(body: dict[str, Any], next: Any) -> None:
            """A global middleware: it runs after Bolt's own checks, before any listener."""
            found.reached.append(body)
            await next()

        stack.service.adapter.app.middleware(record)
        yield found


def command_form(text: str = OBJAVERSE, **changes: str | None) -> bytes:
    """A slash command's form as Slack sends it; ``None`` leaves a field out."""
    form: dict[str, str | None] = {
        "token": "legacy-unused",
        "team_id": "T0LAB",
        "channel_id": "C0CHAN1",
        "user_id": "UMEMBER1",
        "user_name": "umember1",
        "command": "/submit",
        "text": text,
        "response_url": "http://127.0.0.1:9/response/never",
        "trigger_id": "trigger.endpoint",
        **changes,
    }
    return urllib.parse.urlencode({k: v for k, v in form.items() if v is not None}).encode()


def single_warning(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    """The one record a refusal leaves: a warning of ours, with no traceback."""
    records = caplog.records
    assert [r.exc_info for r in records if r.exc_info] == []
    assert len(records) == 1, [r.getMessage() for r in records]
    (record,) = records
    assert record.levelno == logging.WARNING
    assert record.name == "bot.slack.serve"
    assert "\n" not in record.getMessage()
    return record


def refused(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, expected: int, **send: Any
) -> str:
    """Send, expect ``expected`` and a single warning; returns the warning's text."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        status, answer = endpoint.send(**send)
    assert status == expected, answer
    assert "error" in json.loads(answer)
    message = single_warning(caplog).getMessage()
    assert f"with {expected}:" in message
    endpoint.assert_untouched()
    return message


# -- the unsigned requests: 401 before the body is read as anything -----------------

UNREADABLE: dict[str, dict[str, Any]] = {
    "non-UTF-8 body": {"body": b"text=caf\xe9&command=/scale"},
    "broken JSON": {"body": b'{"type": "event_callback", ', "content_type": JSON},
    "payload that is not JSON": {"body": b"payload=%7Bnot+json"},
    "unknown charset": {"body": b"command=/scale", "content_type": f"{FORM}; charset=x-nope"},
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unsigned_unreadable_bodies_get_401(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    message = refused(endpoint, caplog, 401, signed=False, **UNREADABLE[case])
    assert "does not match" in message


def test_a_timestamp_that_is_not_a_number_gets_401(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    for stamp in ("soon", "1e9", "-12", "1_700_000_000", "١٢٣٤"):
        message = refused(
            endpoint,
            caplog,
            401,
            body=command_form(),
            timestamp=stamp.encode("utf-8"),
            signature=WRONG_SIGNATURE,
        )
        assert "not a number" in message


def test_a_signature_that_is_not_ascii_gets_401(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_form()
    good = sign(body, int(time.time()))
    for signature in ("v0=" + "é" * 64, good[:-1] + "é", good.upper()):
        raw = signature.encode("utf-8")
        message = refused(endpoint, caplog, 401, body=body, signature=raw)
        assert "not v0= and hex" in message


def test_missing_signature_headers_get_401(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    with caplog.at_level(logging.INFO):
        status, _ = endpoint.request({"Content-Type": FORM}, command_form())
    assert status == 401
    assert "no signature headers" in single_warning(caplog).getMessage()
    endpoint.assert_untouched()


# -- signed, but not what Slack sends: 400 --------------------------------------------------


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_signed_unreadable_bodies_get_400(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    refused(endpoint, caplog, 400, **UNREADABLE[case])


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml", None]
)
def test_signed_request_with_a_wrong_content_type_gets_400(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, content_type: str | None
) -> None:
    message = refused(endpoint, caplog, 400, body=command_form(), content_type=content_type)
    assert "content type" in message


@pytest.mark.parametrize("left_out", ["user_id", "trigger_id"])
def test_signed_slash_command_without_user_or_trigger_gets_400(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, left_out: str
) -> None:
    message = refused(endpoint, caplog, 400, body=command_form(**{left_out: None}))
    assert left_out in message
    empty = refused(endpoint, caplog, 400, body=command_form(**{left_out: ""}))
    assert left_out in empty


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[1, 2]", JSON),
        (b'{"type": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON),
        (b'{"type": "event_callback", "n": ' + b"9" * 5_000 + b"}", JSON),
        (b'"event_callback"', JSON),
        (b"payload=%5B%5D", FORM),
        (b"", FORM),
        (b"text=hello", FORM),
        (b'{"type": "view_submission", "user": {"id": "U1"}}', JSON),
        (b'payload={"type": "block_actions", "user": {"id": "U1"}, "actions": []}', FORM),
    ],
)
def test_signed_bodies_without_what_a_listener_reads_get_400(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    refused(endpoint, caplog, 400, body=body, content_type=content_type)


def test_an_oversized_body_gets_413_before_it_is_read(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """A declared length over the limit is refused on the headers (the body never sent)."""
    caplog.clear()
    headers: dict[str, str | bytes] = {
        "Content-Type": FORM,
        "Content-Length": str(MAX_BODY + 1),
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": WRONG_SIGNATURE,
    }
    with caplog.at_level(logging.INFO):
        status, _ = endpoint.request(headers)
    assert status == 413
    assert "413" in single_warning(caplog).getMessage()
    endpoint.assert_untouched()


def test_an_oversized_chunked_body_gets_413(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a declared length the limit holds while reading."""
    caplog.clear()
    body = b"text=" + b"x" * (MAX_BODY + 10)
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 65536]), body[i : i + 65536])
        for i in range(0, len(body), 65536)
    )
    headers: dict[str, str | bytes] = {
        "Content-Type": FORM,
        "Transfer-Encoding": "chunked",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": sign(body, int(time.time())),
    }
    with caplog.at_level(logging.INFO):
        status, _ = endpoint.request(headers, chunks + b"0\r\n\r\n")
    assert status == 413
    assert "413" in single_warning(caplog).getMessage()
    endpoint.assert_untouched()


def test_five_hundred_bad_requests_leave_five_hundred_short_lines(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue's measure: 500 unreadable requests wrote 0.9 MB of tracebacks."""
    cases = list(UNREADABLE.values())
    with caplog.at_level(logging.INFO):
        for number in range(500):
            status, _ = endpoint.send(signed=number % 2 == 0, **cases[number % len(cases)])
            assert status in (400, 401)
    assert len(caplog.records) == 500
    assert not any(record.exc_info for record in caplog.records)
    assert sum(len(record.getMessage()) for record in caplog.records) < 500 * 120
    endpoint.assert_untouched()


# -- signed, readable, but of the wrong types: 400 and one line (issue 19) -----------------


def view_submission(**view_changes: Any) -> dict[str, Any]:
    """A modal's submission as Slack sends it; a change of ``None`` leaves a key out."""
    view: dict[str, Any] = {
        "id": "V0FORM",
        "type": "modal",
        "callback_id": "scalebot_form",
        "team_id": "T0LAB",
        "private_metadata": json.dumps({"command": "submit", "channel": "C0CHAN1"}),
        "blocks": [{"type": "input", "block_id": "dataset"}],
        "state": {"values": {"dataset": {"value": {"type": "plain_text_input", "value": "X"}}}},
    }
    for key, value in view_changes.items():
        if value is None:
            view.pop(key)
        else:
            view[key] = value
    return {
        "type": "view_submission",
        "team": {"id": "T0LAB"},
        "user": {"id": "UMEMBER1", "team_id": "T0LAB"},
        "api_app_id": "A0SCALEBOT",
        "trigger_id": "trigger.view",
        "view": view,
    }


def slash_json(**changes: Any) -> dict[str, Any]:
    body = {
        "command": "/scale",
        "text": "video",
        "user_id": "UMEMBER1",
        "trigger_id": "t.1",
        "response_url": "http://127.0.0.1:9/response/never",
    }
    return {**body, **changes}


def press(**changes: Any) -> dict[str, Any]:
    action = {"type": "button", "action_id": "scalebot:run:0", "value": "/scale video"}
    body = {
        "type": "block_actions",
        "team": {"id": "T0LAB"},
        "user": {"id": "UMEMBER1"},
        "trigger_id": "trigger.press",
        "response_url": "http://127.0.0.1:9/response/never",
        "actions": [action],
    }
    return {**body, **changes}


def mention(**event_changes: Any) -> dict[str, Any]:
    event = {"type": "app_mention", "user": "UMEMBER1", "channel": "C0CHAN1", "text": "hi"}
    return {"type": "event_callback", "event_id": "Ev1", "event": {**event, **event_changes}}


#: Each body and the field its refusal must name. Before, each was a 500 or a traceback
#: with "Something went wrong", or (``user_id`` an object) taken for a user.
MALFORMED: dict[str, tuple[dict[str, Any], str]] = {
    "view without type": (view_submission(type=None), "view.type"),
    "view with a state that is a list": (view_submission(state=[1]), "view.state"),
    "view state values a list": (view_submission(state={"values": [1]}), "view.state.values"),
    "view state without values": (view_submission(state={"v": {}}), "view.state.values"),
    "view input value a number": (
        view_submission(state={"values": {"dataset": {"value": {"value": 5}}}}),
        "view.state.values.dataset.value.value",
    ),
    "view selected option a string": (
        view_submission(state={"values": {"d": {"value": {"selected_option": "x"}}}}),
        "selected_option",
    ),
    "view block without its id": (view_submission(blocks=[{"type": "input"}]), "block_id"),
    "view callback id a list": (view_submission(callback_id=["scalebot_form"]), "callback_id"),
    "command a list": (slash_json(command=["/scale"]), "command"),
    "text a list": (slash_json(text=["video"]), "text"),
    "text null": (slash_json(text=None), "text"),
    "user_id an object": (slash_json(user_id={"id": "UMEMBER1"}), "user_id"),
    "trigger_id a number": (slash_json(trigger_id=12), "trigger_id"),
    "team a number": (slash_json(team=5), "team"),
    "authorizations a number": (slash_json(authorizations=3), "authorizations"),
    "response_url an object": (slash_json(response_url={}), "response_url"),
    "actions of strings": (press(actions=["scalebot:run:0"]), "actions[0]"),
    "action id a number": (press(actions=[{"action_id": 7}]), "action_id"),
    "team a string on a press": (press(team="T0LAB"), "team"),
    "user a string on a press": (press(user="UMEMBER1"), "user"),
    "mention by an object": (mention(user={"id": "UMEMBER1"}), "event.user"),
    "mention text a list": (mention(text=["hi"]), "event.text"),
    "event type a number": (mention(type=1), "event.type"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_signed_bodies_of_the_wrong_types_get_400_and_one_line(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, field_name = MALFORMED[case]
    message = refused(endpoint, caplog, 400, body=json.dumps(body).encode(), content_type=JSON)
    assert field_name in message and len(message) < 300


def test_the_well_formed_versions_of_those_bodies_are_answered(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """The control: the same builders, unchanged, pass the gate and reach the listeners."""
    with caplog.at_level(logging.INFO):
        answered = press(response_url=endpoint.stack.api.response_url("press"))
        for body in (slash_json(), answered, view_submission()):
            status, answer = endpoint.send(json.dumps(body).encode(), JSON)
            assert status == 200, answer
    assert len(endpoint.reached) == 3
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_form_interaction_with_an_object_for_a_user_id_is_no_user(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """The form Slack posts for interactions carries JSON: a forged user is refused there too."""
    payload = urllib.parse.urlencode({"payload": json.dumps(press(user={"id": ["U1"]}))})
    message = refused(endpoint, caplog, 400, body=payload.encode())
    assert "user.id" in message


def test_metadata_that_is_not_ours_reads_as_none() -> None:
    from bot.slack.forms import metadata

    deep = "[" * 100_000 + "]" * 100_000
    assert metadata({"private_metadata": deep}) == {}
    assert metadata({"private_metadata": '{"command": ["x"], "run": "/scale"}'}) == {
        "run": "/scale"
    }


@pytest.mark.parametrize(
    "body",
    [slash_json(command="/not-ours", text="x" * 5_000), press(actions=[{"action_id": "other"}])],
    ids=["unknown command", "unknown button"],
)
def test_a_signed_request_no_listener_takes_is_one_short_line(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, body: dict[str, Any]
) -> None:
    """Bolt answers 404 and logged the request plus nine lines of sample code."""
    with caplog.at_level(logging.INFO):
        status, _ = endpoint.send(json.dumps(body).encode(), JSON)
    assert status == 404
    records = [r for r in caplog.records if not r.name.startswith("slack_sdk")]
    assert len(records) == 1 and not records[0].exc_info
    message = records[0].getMessage()
    assert message.startswith("Unhandled request") and "\n" not in message
    assert len(message) <= 200


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index path in a JSON value, the value itself excluded."""
    found: list[tuple[Any, ...]] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, inner in items:
        found.append((*path, key))
        found.extend(_paths(inner, (*path, key)))
    return found


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_DELETE = object()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_any_field_of_another_type_is_a_400_or_an_answer_never_a_traceback(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    answered = press(response_url=endpoint.stack.api.response_url("press"))
    body = data.draw(st.sampled_from([slash_json(), answered, view_submission(), mention()]))
    body = json.loads(json.dumps(body))
    path = data.draw(st.sampled_from(_paths(body)))
    *parents, last = path
    holder = body
    for key in parents:
        holder = holder[key]
    old = holder[last]
    new = data.draw(
        st.just(_DELETE) | json_values.filter(lambda v: type(v) is not type(old)), label="new"
    )
    if new is _DELETE:
        if isinstance(holder, list):
            holder.pop(last)
        else:
            del holder[last]
    else:
        holder[last] = new
    caplog.clear()
    with caplog.at_level(logging.INFO):
        status, answer = endpoint.send(json.dumps(body).encode(), JSON)
    assert status in (200, 400, 404), answer
    records = [r for r in caplog.records if not r.name.startswith("slack_sdk")]
    assert not [r.getMessage() for r in records if r.exc_info or r.levelno >= logging.ERROR]
    assert all("\n" not in r.getMessage() for r in records)


# -- a sender that hangs up mid-body: one line at most -------------------------------------

HANG_UPS = 500


def hang_up(port: int, body: bytes, chunked: bool) -> None:
    """Headers (a Content-Length, or chunked), half the body, then close the socket."""
    now = int(time.time())
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
        f"{framing}\r\nX-Slack-Request-Timestamp: {now}\r\n"
        f"X-Slack-Signature: {sign(body, now)}\r\n\r\n"
    ).encode()
    half = body[: len(body) // 2]
    if chunked:
        half = b"%x\r\n%s\r\n" % (len(half), half)
    with socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT) as raw:
        raw.sendall(head + half)


def test_five_hundred_hang_ups_mid_body_leave_at_most_a_line_each(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The issue's measure: 500 of them logged 621 KB of tracebacks."""
    port = endpoint.stack.service.port
    assert port is not None
    body = command_form()
    capfd.readouterr()
    with caplog.at_level(logging.DEBUG, logger="aiohttp"), caplog.at_level(logging.INFO):
        for number in range(HANG_UPS):
            hang_up(port, body, chunked=number % 2 == 1)
        deadline = time.monotonic() + 60
        hung = [r for r in caplog.records if "hung up" in r.getMessage()]
        while len(hung) < HANG_UPS and time.monotonic() < deadline:
            time.sleep(0.05)
            hung = [r for r in caplog.records if "hung up" in r.getMessage()]
        # Still serving, and what it answers after them is a normal answer.
        status, _ = endpoint.send(command_form("video", command="/scale"))
    assert status == 200
    assert len(hung) == HANG_UPS
    records = [r for r in caplog.records if not r.name.startswith("slack_sdk")]
    assert not [r for r in records if r.exc_info or r.levelno >= logging.WARNING]
    assert len(records) <= HANG_UPS + 5, [r.getMessage() for r in records[-5:]]
    assert all("\n" not in r.getMessage() for r in records)
    assert sum(len(r.getMessage()) for r in records) < HANG_UPS * 80
    assert len(capfd.readouterr().err) < 2_000


# -- what still gets through ----------------------------------------------------------------


def test_a_signed_command_still_reaches_its_listener(endpoint: Endpoint) -> None:
    """The control for the tests above: the recorder sees what passes, and it is answered."""
    status, answer = endpoint.send(command_form("video", command="/scale"))
    assert status == 200
    assert json.loads(answer)["blocks"][0]["text"]["text"].startswith("Video generation")
    assert [body["command"] for body in endpoint.reached] == ["/scale"]


def test_charset_utf8_is_accepted(endpoint: Endpoint) -> None:
    body = command_form("vidéo", command="/scale")
    status, answer = endpoint.send(body, f"{FORM}; charset=UTF-8")
    assert status == 200, answer
    assert endpoint.reached[0]["text"] == "vidéo"


def test_a_question_with_the_word_payload_reaches_the_listener(endpoint: Endpoint) -> None:
    """Bolt's own parser took any form containing "payload" for an interaction and lost it."""
    body = command_form("what payload size do robots need", command="/ask")
    status, answer = endpoint.send(body)
    assert status == 200, answer
    assert json.loads(answer)["blocks"][0]["text"]["text"].startswith("Best matches")
    assert endpoint.reached[0]["text"] == "what payload size do robots need"


def test_slacks_own_checks_still_get_through(endpoint: Endpoint) -> None:
    """The URL check when the request URL is set, and the periodic certificate check."""
    challenge = json.dumps({"token": "t", "challenge": "c0ffee", "type": "url_verification"})
    status, answer = endpoint.send(challenge.encode(), JSON)
    assert status == 200
    assert json.loads(answer) == {"challenge": "c0ffee"}
    status, _ = endpoint.send(b"ssl_check=1&token=legacy-unused")
    assert status == 200


# -- the form parser ------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab=&+%2041zé\u00ff;"), max_size=40) | st.text(max_size=40))
def test_form_fields_reads_forms_as_the_standard_library_does(text: str) -> None:
    assert form_fields(text) == dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
