"""Discord's published OpenAPI spec as the fake's contract: every request body is checked.

The spec (``spec/openapi.json``, vendored from ``discord/discord-api-spec``; see
``spec/README.md``) gives each operation's ``requestBody`` as JSON Schema 2020-12. A
request is matched to its operation by method and path template (discord.py's paths are
relative to ``/api/v10``, the spec's server), its body (or a multipart upload's
``payload_json``) is validated with ``jsonschema``, and each violation becomes a leaf of
Discord's ``errors`` tree: the path of the invalid value, then ``_errors: [{code,
message}]``, as in ``{"embeds": {"0": {"title": {"_errors": [{"code":
"BASE_TYPE_MAX_LENGTH", "message": "Must be 256 or fewer in length."}]}}}}``. Limits Discord
documents but the spec does not encode are added by :mod:`tests.fakes.discord.limits`.

Unions (``oneOf``/``anyOf``) are resolved as Discord resolves them: by their discriminator.
A branch whose ``type`` field has another value, or that wants another JSON type, is
ruled out; the errors of the branch that remains are reported (so a bad ``max_value`` of an
integer option is reported at ``options.0.max_value``, not as "matches no option kind").

The spec is read and its validators are built once per process (``contract()``), one
validator per operation and media type, so a test suite pays for the parse once.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fakes.discord import limits

SPEC_PATH = Path(__file__).parent / "spec" / "openapi.json"
#: The commit of ``discord/discord-api-spec`` that ``spec/openapi.json`` comes from.
SPEC_COMMIT = "74fda0fad044407ea280043a03ffc9bc64c4e49e"
_SPEC_URI = "urn:discord-api-spec:openapi.json"

#: Discord's answer to a body that breaks the contract (with an ``errors`` tree).
INVALID_FORM_BODY = 50035

#: Where the spec refuses what the real Discord accepts: schema name -> (replacement, why).
#: Kept minimal; each entry widens one schema, never switches validation off.
EXCEPTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "SnowflakeType": (
        {
            "anyOf": [
                {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "format": "snowflake"},
                {"type": "integer", "minimum": 0, "maximum": 2**64 - 1},
            ]
        },
        "Discord reads a snowflake given as a JSON integer as well as a string; discord.py "
        "sends an upload's attachment ids as integers (``{'id': 0}``), which Discord accepts.",
    ),
}

Errors = dict[str, Any]
#: A URI has a scheme (``https:``, ``attachment:``) and something after it.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")


# -- formats ----------------------------------------------------------------------------


def _formats() -> FormatChecker:
    """The spec's ``format``s that constrain a value, checked as Discord checks them."""
    checker = FormatChecker(formats=())

    def within(low: int, high: int) -> Any:
        def check(value: object) -> bool:
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high

        return check

    checker.checks("int32")(within(-(2**31), 2**31 - 1))
    checker.checks("int64")(within(-(2**63), 2**63 - 1))

    @checker.checks("snowflake")
    def snowflake(value: object) -> bool:
        return not isinstance(value, str) or (value.isdigit() and int(value) < 2**64)

    @checker.checks("uri")
    def uri(value: object) -> bool:
        return not isinstance(value, str) or _URI.match(value) is not None

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if isinstance(value, str):
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    return checker


# -- Discord's error tree ----------------------------------------------------------------


def _choices(values: Iterable[Any]) -> str:
    return "(" + ", ".join(repr(value) for value in values) + ")"


_TYPE_ERRORS = {
    "integer": ("NUMBER_TYPE_COERCE", 'Value "{}" is not int.'),
    "number": ("NUMBER_TYPE_COERCE", 'Value "{}" is not a number.'),
    "string": ("BASE_TYPE_STRING", 'Value "{}" is not a string.'),
    "boolean": ("BASE_TYPE_BOOLEAN", 'Value "{}" is not bool.'),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
}

_FORMAT_ERRORS = {
    "uri": ("URL_TYPE_INVALID_URL", "Not a well formed URL."),
    "snowflake": ("NUMBER_TYPE_COERCE", 'Value "{}" is not snowflake.'),
    "int32": ("NUMBER_TYPE_MAX", "int value is out of range for int32."),
    "int64": ("NUMBER_TYPE_MAX", "int value is out of range for int64."),
    "date-time": ("DATE_TYPE_PARSE", 'Could not parse "{}". Should be ISO8601.'),
}


def _leaf(error: ValidationError) -> dict[str, str]:
    """Discord's ``{code, message}`` for one violation (codes as Discord names them)."""
    code, message = _said(error)
    return {"code": code, "message": message}


def _said(error: ValidationError) -> tuple[str, str]:
    rule, bound, value = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    number = "int" if isinstance(value, int) else "float"
    if rule in ("maxLength", "minLength") and "minLength" in schema and "maxLength" in schema:
        low, high = schema["minLength"], schema["maxLength"]
        return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
    if rule in ("maxLength", "maxItems", "maxProperties"):
        return "BASE_TYPE_MAX_LENGTH", f"Must be {bound} or fewer in length."
    if rule in ("minLength", "minItems", "minProperties"):
        return "BASE_TYPE_MIN_LENGTH", f"Must be {bound} or more in length."
    if rule in ("maximum", "exclusiveMaximum"):
        said = "less than or equal to" if rule == "maximum" else "less than"
        return "NUMBER_TYPE_MAX", f"{number} value should be {said} {bound}."
    if rule in ("minimum", "exclusiveMinimum"):
        said = "greater than or equal to" if rule == "minimum" else "greater than"
        return "NUMBER_TYPE_MIN", f"{number} value should be {said} {bound}."
    if rule == "required":
        return "BASE_TYPE_REQUIRED", "This field is required"
    if rule in ("enum", "const"):
        allowed = bound if rule == "enum" else [bound]
        return "BASE_TYPE_CHOICES", f"Value must be one of {_choices(allowed)}."
    if rule == "type":
        wanted = [bound] if isinstance(bound, str) else [t for t in bound if t != "null"]
        code, message = _TYPE_ERRORS.get(wanted[0] if wanted else "", ("BASE_TYPE_INVALID", "{}"))
        return code, message.format(value)
    if rule == "pattern":
        return "STRING_TYPE_REGEX", "String value did not match validation regex."
    if rule == "format":
        code, message = _FORMAT_ERRORS.get(bound, ("BASE_TYPE_INVALID", "Invalid format: {}"))
        return code, message.format(value)
    if rule == "uniqueItems":
        return "SET_TYPE_ALREADY_CONTAINS_VALUE", "The set already contains this value"
    if rule in ("oneOf", "anyOf"):
        return "UNION_TYPE_CHOICES", "Value matches none of the allowed types."
    return "BASE_TYPE_INVALID", error.message


def _rules_out(error: ValidationError) -> bool:
    """Whether ``error`` says a union's branch is another kind of thing altogether.

    A branch for another JSON type (``null`` for ``oneOf: [null, X]``), or for another
    value of the ``type`` discriminator (an integer option is not a string option).
    """
    path = list(error.relative_path)
    if error.validator == "type" and not path:
        return True
    return error.validator in ("enum", "const") and path == ["type"]


def leaves(error: ValidationError) -> list[ValidationError]:
    """The violations to report for ``error``: a union's are those of its matching branch."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for inner in error.context:
        branches.setdefault(inner.relative_schema_path[0], []).append(inner)
    viable = [found for found in branches.values() if not any(map(_rules_out, found))]
    if not viable:
        return [error]
    chosen = min(viable, key=len)
    return [leaf for inner in chosen for leaf in leaves(inner)]


def _where(error: ValidationError) -> list[list[str]]:
    """The paths in the body an error belongs at (a missing field's own name included)."""
    path = [str(key) for key in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        return [[*path, name] for name in error.validator_value if name not in error.instance]
    return [path]


def add_error(tree: Errors, path: list[str], leaf: dict[str, str]) -> None:
    """Put ``leaf`` at ``path`` of Discord's errors tree (once)."""
    node = tree
    for key in path:
        node = node.setdefault(key, {})
    found = node.setdefault("_errors", [])
    if leaf not in found:
        found.append(leaf)


def errors_tree(errors: Iterable[ValidationError]) -> Errors:
    """Discord's ``errors`` object for ``errors`` (empty when there are none)."""
    tree: Errors = {}
    for error in errors:
        for leaf in leaves(error):
            for path in _where(leaf):
                add_error(tree, path, _leaf(leaf))
    return tree


# -- operations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its method, path template and request body schemas."""

    method: str
    template: str
    pattern: re.Pattern[str]
    #: Media type -> JSON pointer (in the spec) of that request body schema.
    bodies: dict[str, str]


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation, fixed segments before parameters (``@original`` before an id)."""
    found = []
    for template, item in spec["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            at = ("paths", template, method, "requestBody", "content")
            bodies = {media: _pointer(*at, media, "schema") for media in content}
            found.append(Operation(method.upper(), template, re.compile(regex), bodies))
    return sorted(found, key=lambda op: (op.template.count("{"), -op.template.count("/")))


class Contract:
    """The spec, its operations, and a validator per operation body, made when first used."""

    def __init__(self, spec: dict[str, Any]) -> None:
        spec = copy.deepcopy(spec)
        schemas = spec["components"]["schemas"]
        for name, (replacement, _why) in EXCEPTIONS.items():
            schemas[name] = replacement
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self.operations = _operations(spec)
        self.formats = _formats()
        self._validators: dict[tuple[str, str, str], Draft202012Validator] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        """The spec's operation for ``method`` on ``path`` (relative to ``/api/v10``)."""
        return next(
            (op for op in self.operations if op.method == method and op.pattern.fullmatch(path)),
            None,
        )

    def validator(self, operation: Operation, media: str) -> Draft202012Validator:
        key = (operation.method, operation.template, media)
        validator = self._validators.get(key)
        if validator is None:
            schema = {"$ref": _SPEC_URI + "#" + operation.bodies[media]}
            validator = Draft202012Validator(
                schema, registry=self.registry, format_checker=self.formats
            )
            self._validators[key] = validator
        return validator

    def check(self, method: str, path: str, body: Any, *, multipart: bool = False) -> Errors:
        """Discord's errors tree for this request's body; empty when Discord would accept it.

        A path the spec does not describe, or an operation without a request body, is not
        checked (the fake answers those as before).
        """
        operation = self.operation(method, path)
        if operation is None or not operation.bodies:
            return {}
        wanted = ["multipart/form-data", "application/json"] if multipart else ["application/json"]
        media = next((m for m in wanted if m in operation.bodies), None)
        if media is None:
            return {}
        tree = errors_tree(self.validator(operation, media).iter_errors(body))
        for where, leaf in limits.check(operation.method, operation.template, body):
            add_error(tree, where, leaf)
        return tree


@cache
def contract() -> Contract:
    """The process's one :class:`Contract`, read from the vendored spec."""
    return Contract(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
