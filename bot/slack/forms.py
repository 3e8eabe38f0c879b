"""Slack modals built from the core's command declarations, and their submitted values.

The submission form has one input per ``/submit`` option, with the option's own limits
(``max_length``, required or not), so Slack refuses over-long text before it is sent
and the core refuses whatever else is wrong, field by field. The reject form asks for
the one thing a rejection needs: the reason.
"""

from __future__ import annotations

import json
from typing import Any

from bot.commands import Command, Option, OptionType
from knowledge.kb import Library

SUBMIT_CALLBACK = "scalebot_submit"
REJECT_CALLBACK = "scalebot_reject"
INPUT_ACTION = "value"
#: Slack's limits for modals: title 24 characters, label 2000, placeholder 150.
MODAL_TITLE = 24
PLACEHOLDER = 150

View = dict[str, Any]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _input(option: Option, library: Library, initial: str | None) -> dict[str, Any]:
    element: dict[str, Any]
    if option.type is OptionType.DOMAIN:
        element = {
            "type": "static_select",
            "action_id": INPUT_ACTION,
            "placeholder": _plain("Choose a field"),
            "options": [
                {"text": _plain(domain.name), "value": slug}
                for slug, domain in library.domains.items()
            ],
        }
        chosen = library.resolve(initial) if initial else None
        if chosen:
            element["initial_option"] = {"text": _plain(chosen.name), "value": chosen.slug}
    else:
        element = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "max_length": option.max_length,
            "multiline": option.max_length > 200,
            "placeholder": _plain(option.description[:PLACEHOLDER]),
        }
        if initial:
            element["initial_value"] = initial[: option.max_length]
    return {
        "type": "input",
        "block_id": option.name,
        "optional": not option.required,
        "label": _plain(option.name.replace("_", " ").capitalize()),
        "element": element,
    }


def submit_view(
    command: Command, library: Library, initial: dict[str, str], metadata: dict[str, Any]
) -> View:
    """The data-point form, pre-filled with whatever the slash command already gave."""
    return {
        "type": "modal",
        "callback_id": SUBMIT_CALLBACK,
        "title": _plain("Submit a data point"),
        "submit": _plain("Submit"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": [_input(option, library, initial.get(option.name)) for option in command.options],
    }


def reject_view(command: Command, point_id: int, metadata: dict[str, Any]) -> View:
    """Asks for the reason (``/reject``'s required text option) before rejecting."""
    reason = next(o for o in command.options if o.type is OptionType.TEXT and o.required)
    block = {
        "type": "input",
        "block_id": reason.name,
        "label": _plain(f"Why reject #{point_id}?"),
        "element": {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "max_length": reason.max_length,
            "multiline": True,
            "placeholder": _plain(reason.description[:PLACEHOLDER]),
        },
    }
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "title": _plain(f"Reject #{point_id}"[:MODAL_TITLE]),
        "submit": _plain("Reject"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({**metadata, "id": point_id}),
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
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
