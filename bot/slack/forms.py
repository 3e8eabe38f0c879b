"""Slack modals built from the core's command declarations, and their submitted values.

Two forms serve every command. A command declared with ``form`` that lacks options is
finished in a modal with one input per option, each with the option's own limits and
widget (a menu for fields, a line or a paragraph for text), so Slack refuses over-long
text before it is sent and the core refuses whatever else is wrong, field by field.
A button whose action ``needs_reason`` opens a one-input modal for the option its
command still lacks. Neither knows which command it serves.
"""

from __future__ import annotations

import json
from typing import Any

from bot.commands import Command, Option
from bot.kinds import Context
from bot.phrasing import capitalized
from bot.slack.blocks import fit

FORM_CALLBACK = "scalebot_form"
REASON_CALLBACK = "scalebot_reason"
INPUT_ACTION = "value"
#: Slack's limits for modals: title 24 characters, label 2000, placeholder 150; a menu
#: holds 100 options, each with a label of 75 characters.
MODAL_TITLE = 24
BUTTON_TEXT = 24
PLACEHOLDER = 150
MENU_ENTRIES = 100
MENU_LABEL = 75
METADATA = 3000

View = dict[str, Any]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _menu(option: Option, context: Context, initial: str | None) -> dict[str, Any]:
    entries = option.type.menu(option, context)[:MENU_ENTRIES]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": INPUT_ACTION,
        "placeholder": _plain(fit(f"Choose a {option.noun}", PLACEHOLDER)),
        "options": [{"text": _plain(fit(e.label, MENU_LABEL)), "value": e.value} for e in entries],
    }
    chosen = option.type.menu_value(initial, option, context) if initial else None
    match = next((e for e in entries if e.value == chosen), None)
    if match is not None:
        element["initial_option"] = {
            "text": _plain(fit(match.label, MENU_LABEL)),
            "value": match.value,
        }
    return element


def _input(option: Option, context: Context, initial: str | None) -> dict[str, Any]:
    widget = option.type.widget(option)
    if widget == "menu":
        element = _menu(option, context, initial)
    else:
        element = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "max_length": option.max_length,
            "multiline": widget == "paragraph",
            "placeholder": _plain(fit(option.description, PLACEHOLDER)),
        }
        if initial:
            element["initial_value"] = initial[: option.max_length]
    return {
        "type": "input",
        "block_id": option.name,
        "optional": not option.required,
        "label": _plain(capitalized(option.noun)),
        "element": element,
    }


def command_form(command: Command, context: Context, given: dict[str, str], extra: dict) -> View:
    """The modal that finishes ``command``: every option, pre-filled with what was given."""
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _plain(fit(f"/{command.name}", MODAL_TITLE)),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "private_metadata": _metadata({**extra, "command": command.name}),
        "blocks": [_input(option, context, given.get(option.name)) for option in command.options],
    }


def reason_form(option: Option, title: str, text: str, extra: dict) -> View:
    """The one-input modal a button opens to ask for the value its command ``text`` lacks.

    Optional when the option is (Keep's note on a disputed figure), as Discord's is.
    """
    block = {
        "type": "input",
        "block_id": option.name,
        "optional": not option.required,
        "label": _plain(capitalized(option.noun)),
        "element": {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "max_length": option.max_length,
            "multiline": option.type.widget(option) == "paragraph",
            "placeholder": _plain(fit(option.description, PLACEHOLDER)),
        },
    }
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "title": _plain(fit(title, MODAL_TITLE) or "scalebot"),
        "submit": _plain(fit(title.split(" ")[0], BUTTON_TEXT) or "Send"),
        "close": _plain("Cancel"),
        "private_metadata": _metadata({**extra, "run": text, "option": option.name}),
        "blocks": [block],
    }


def submitted_values(view: View) -> dict[str, str]:
    """``{block_id: text}`` of a submitted modal; empty inputs are left out."""
    values: dict[str, str] = {}
    for block_id, actions in view["state"]["values"].items():
        state = actions.get(INPUT_ACTION) or {}
        selected = state.get("selected_option")
        value = selected["value"] if selected else state.get("value")
        if value:
            values[block_id] = value
    return values


def metadata(view: View) -> dict[str, Any]:
    """What the modal carries back (:func:`_metadata`): its string values, else nothing.

    Only strings are ever put there; anything else (a forged or broken metadata, JSON
    nested too deep) is read as absent rather than failing the listener.
    """
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {key: value for key, value in loaded.items() if isinstance(value, str)}


def _metadata(values: dict[str, Any]) -> str:
    """What the modal carries back to us; Slack allows 3,000 characters of it."""
    text = json.dumps(values)
    if len(text) > METADATA:
        text = json.dumps({k: v for k, v in values.items() if k != "response_url"})
    return text
