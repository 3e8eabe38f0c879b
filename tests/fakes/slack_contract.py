"""What Slack refuses in the messages and views it is sent, so the fake Slack refuses it too.

Every ``blocks`` and ``view`` the adapter sends is checked twice:

1. with the models Slack ships in ``slack_sdk.models``: each block parsed with
   ``Block.parse`` (a view with ``View(**view)``), then ``validate_json()`` on it and on
   every object inside it. These already hold most of Block Kit's limits: section text
   3,000, at most 10 fields and 10 context elements, header 150, button text 75 and value
   2,000, ``action_id`` and ``block_id`` 255, at most 25 actions and 100 menu options,
   input label 2,000, placeholder 150, a modal's title, submit and close 24, its blocks
   100 and its ``private_metadata`` 3,000;
2. with :data:`EXTRA_LIMITS`, the documented rules those models do not check (each read
   in slack_sdk 3.48's source, where no validator holds it).

Each violation ends with the JSON pointer of the value at fault, as Slack's
``[json-pointer:/blocks/0/text/text]`` does. The extra rules are worded as Slack words
them (``must be less than 3001 characters``, ``no more than 50 items allowed``,
``unsupported type: ...``); a model's failure keeps slack_sdk's own sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, Option, OptionGroup
from slack_sdk.models.views import View

#: Slack's documented limits that ``slack_sdk.models`` leave unchecked. Sources: the
#: chat.postMessage reference ("up to 50 blocks" in ``blocks``), the section block
#: reference ("maximum length for the text in each item is 2000 characters" of
#: ``fields``), the text composition object ("minimum length 1, maximum 3000"); the
#: project's summary of them is ``shared/reference/platform-limits.md``. Checked in code
#: beside them: the view reference's "``title`` required" for a modal and "``submit``
#: required when an input block is within the blocks array", no ``null`` anywhere (Slack
#: answers "must provide an object"), ``plain_text`` where only that is taken, and a
#: message's top-level ``text`` (see :func:`message_errors`). A static select keeps its
#: options as plain dicts, which its model never checks: they are parsed with ``Option``.
EXTRA_LIMITS: dict[str, int] = {
    "message blocks": 50,
    "section field text": 2000,
    "text object text": 3000,
}

#: Where Block Kit takes a ``plain_text`` object only (a ``mrkdwn`` one is refused).
PLAIN_TEXT_ONLY = frozenset(
    {
        ("header", "text"),
        ("button", "text"),
        ("input", "label"),
        ("input", "hint"),
        ("modal", "title"),
        ("modal", "submit"),
        ("modal", "close"),
        ("*", "placeholder"),
    }
)

_TEXT_TYPES = ("plain_text", "mrkdwn")
#: Keys under which slack_sdk keeps option objects as dicts instead of parsing them.
_OPTION_KEYS = ("options", "initial_option", "initial_options")
#: Lists whose every item must be an object (the models skip any other item silently).
_OBJECT_LISTS = ("blocks", "elements", "fields", "options", "option_groups")


def _at(message: str, pointer: str) -> str:
    return f"{message} [json-pointer:{pointer}]"


def message_errors(blocks: Any, path: str = "/blocks") -> list[str]:
    """Why Slack would refuse these message ``blocks`` (empty: it takes them)."""
    if not isinstance(blocks, list):
        return [_at("must provide an array", path)]
    errors: list[str] = []
    most = EXTRA_LIMITS["message blocks"]
    if len(blocks) > most:
        errors.append(_at(f"no more than {most} items allowed", path))
    for index, block in enumerate(blocks):
        errors += _block_errors(block, f"{path}/{index}")
    return errors


def missing_text(message: dict[str, Any]) -> str | None:
    """What is wrong when a message has blocks but no top-level ``text`` (None: nothing).

    Slack itself only *warns* here (``missing_text_or_fallback_or_attachments``): the
    blocks are posted, but notifications and screen readers have nothing to say. The
    fake refuses it, so that the bot never leaves it out.
    """
    text = message.get("text")
    if message.get("blocks") and not (isinstance(text, str) and text.strip()):
        return _at("missing required field: text (Slack warns of blocks without it)", "/text")
    return None


def answer_errors(answer: Any) -> list[str]:
    """Why Slack would refuse an acknowledgement's body: a message, or a view to show."""
    if not isinstance(answer, dict):
        return []
    errors: list[str] = []
    if "blocks" in answer:
        errors += message_errors(answer["blocks"])
        if (no_text := missing_text(answer)) is not None:
            errors.append(no_text)
    if answer.get("response_action") in ("update", "push"):
        errors += view_errors(answer.get("view"))
    return errors


def view_errors(view: Any, path: str = "/view") -> list[str]:
    """Why Slack would refuse this ``view`` (a modal or a Home tab); empty if none."""
    if not isinstance(view, dict):
        return [_at("must provide an object", path)]
    try:
        model = View(**view)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        return [_at(f"could not be read: {error}", path)]
    errors = list(_model_errors(model, path))
    outside_blocks = {key: value for key, value in view.items() if key != "blocks"}
    errors += _raw_errors(outside_blocks, path, parent=str(view.get("type")))
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        for index, block in enumerate(blocks):
            errors += _block_errors(block, f"{path}/blocks/{index}", models=False)
    if view.get("type") == "modal":
        if "title" not in view:
            errors.append(_at("missing required field: title", path))
        holds_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if holds_input and "submit" not in view:
            errors.append(_at("must define `submit` to use an `input` block in modals", path))
    return errors


def _block_errors(block: Any, path: str, *, models: bool = True) -> list[str]:
    """One block: parsed and validated by slack_sdk's model, then the extra rules."""
    if not isinstance(block, dict):
        return [_at("must provide an object", path)]
    errors: list[str] = []
    if models:
        try:
            model = Block.parse(block)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            return [_at(f"could not be read: {error}", path)]
        if model is None:
            return [_at(f"unsupported type: {block.get('type')}", f"{path}/type")]
        errors += _model_errors(model, path)
    errors += _raw_errors(block, path, parent=str(block.get("type")))
    return errors


def _model_errors(model: JsonObject, path: str) -> Iterator[str]:
    """``validate_json()`` of ``model`` and of every model object it holds."""
    try:
        model.validate_json()
    except SlackObjectFormationError:
        # validate_json stops at the first failure; name every one, as Slack does.
        for check in _validators(model):
            try:
                check()
            except SlackObjectFormationError as error:
                yield _at(str(error), path)
            except (TypeError, AttributeError) as error:
                yield _at(f"could not be validated: {error}", path)
    except (TypeError, AttributeError) as error:  # a value of the wrong kind
        yield _at(f"could not be validated: {error}", path)
    for key in sorted(model.attributes):
        value = getattr(model, key, None)
        if isinstance(value, JsonObject):
            yield from _model_errors(value, f"{path}/{key}")
        elif isinstance(value, dict) and key in _OPTION_KEYS:
            yield from _option_errors(value, f"{path}/{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                here = f"{path}/{key}/{index}"
                if item is None:
                    yield _at("unsupported type", f"{here}/type")
                elif isinstance(item, JsonObject):
                    yield from _model_errors(item, here)
                elif isinstance(item, dict) and key in _OPTION_KEYS:
                    yield from _option_errors(item, here)
                elif isinstance(item, dict) and key == "option_groups":
                    yield from _parsed(OptionGroup, item, here)


def _validators(model: JsonObject) -> list[Any]:
    """The model's ``@JsonValidator`` methods, the ones ``validate_json()`` runs."""
    names = sorted(name for name in dir(model) if not name.startswith("__"))
    found = [getattr(model, name, None) for name in names]
    return [check for check in found if callable(check) and hasattr(check, "validator")]


def _option_errors(option: dict[str, Any], path: str) -> Iterator[str]:
    yield from _parsed(Option, option, path)


def _parsed(kind: type[JsonObject], raw: dict[str, Any], path: str) -> Iterator[str]:
    try:
        model = kind(**raw)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        yield _at(f"could not be read: {error}", path)
        return
    yield from _model_errors(model, path)


def _raw_errors(value: Any, path: str, parent: str, key: str = "") -> list[str]:
    """The rules of :data:`EXTRA_LIMITS` and :data:`PLAIN_TEXT_ONLY`, over the raw JSON."""
    errors: list[str] = []
    if value is None:
        return [_at("must provide a value, not null", path)]
    if isinstance(value, list):
        for index, item in enumerate(value):
            if key in _OBJECT_LISTS and not isinstance(item, dict):
                errors.append(_at("must provide an object", f"{path}/{index}"))
            else:
                errors += _raw_errors(item, f"{path}/{index}", parent, key)
        return errors
    if not isinstance(value, dict):
        return errors
    if value.get("type") in _TEXT_TYPES:
        errors += _text_errors(value, path, parent, key)
    kind = str(value.get("type", parent)) if value.get("type") not in _TEXT_TYPES else parent
    for child_key, child in value.items():
        errors += _raw_errors(child, f"{path}/{child_key}", kind, child_key)
    return errors


def _text_errors(text: dict[str, Any], path: str, parent: str, key: str) -> list[str]:
    errors: list[str] = []
    plain_only = (parent, key) in PLAIN_TEXT_ONLY or ("*", key) in PLAIN_TEXT_ONLY
    if plain_only and text.get("type") != "plain_text":
        errors.append(_at("must be a plain_text text object", f"{path}/type"))
    body = text.get("text")
    if not isinstance(body, str):
        return [*errors, _at("must provide a string", f"{path}/text")]
    if not body:
        errors.append(_at("must be more than 0 characters", f"{path}/text"))
    limit = EXTRA_LIMITS["text object text"]
    if parent == "section" and key == "fields":
        limit = EXTRA_LIMITS["section field text"]
    errors += _length(body, limit, f"{path}/text")
    return errors


def _length(value: Any, limit: int, path: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [_at(f"must be less than {limit + 1} characters", path)]
    return []
