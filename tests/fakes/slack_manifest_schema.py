"""Slack's published app-manifest JSON schema, read offline from ``tests/fakes/slack_spec``.

The main schema picks a versioned one by ``_metadata.major_version`` through ``$ref``s to
their published URLs; each URL is mapped here to the vendored copy of the same file, so
validation needs no network (see ``slack_spec/README.md`` for the source and version).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource

SPEC = Path(__file__).resolve().parent / "slack_spec"
MAIN = SPEC / "manifest.schema.json"


def _refs(schema: Any) -> list[str]:
    """Every ``$ref`` in ``schema`` that points at another file (not ``#/...``)."""
    if isinstance(schema, dict):
        found = [schema["$ref"]] if not str(schema.get("$ref", "#")).startswith("#") else []
        return found + [ref for value in schema.values() for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for value in schema for ref in _refs(value)]
    return []


@cache
def validator() -> Draft7Validator:
    """A validator of the main schema, whose file ``$ref``s resolve to the vendored files."""
    main = json.loads(MAIN.read_text(encoding="utf-8"))
    resources = []
    for url in sorted(set(_refs(main))):
        local = SPEC / "schemas" / url.rsplit("/", 1)[-1]
        contents = json.loads(local.read_text(encoding="utf-8"))
        resources.append((url, Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft7Validator(main, registry=registry)


def manifest_errors(manifest: dict[str, Any]) -> list[str]:
    """Why Slack's schema refuses ``manifest``, one line per violation (empty: valid).

    The main schema is a ``oneOf`` over versions, so its own message only says "not
    valid under any of the given schemas"; the violations inside the branch that matches
    the manifest's version are the useful ones, and are listed instead.
    """
    lines: list[str] = []
    for error in validator().iter_errors(manifest):
        lines += [_line(leaf) for leaf in _leaves(error)]
    return sorted(set(lines))


def _line(error: Any) -> str:
    """``features/slash_commands/0/description: 'xxxx…' is too long (2001 > maxLength 2000)``."""
    where = "/".join(map(str, error.absolute_path)) or "(root)"
    message = error.message
    if isinstance(error.instance, str) and len(error.instance) > 40:
        message = message.replace(repr(error.instance), repr(error.instance[:30] + "…"))
    if error.validator in ("maxLength", "minLength"):
        limit = f"{error.validator} {error.validator_value}"
        message += f" ({len(error.instance)} characters; {limit})"
    return f"{where}: {message}"


def _tests_version(errors: list[Any]) -> bool:
    """Whether a ``oneOf`` branch failed on its version test: then it is another version's."""
    return any(
        "_metadata" in [*error.absolute_path, *error.schema_path]
        or (error.validator == "required" and "_metadata" in error.validator_value)
        or (error.validator == "not" and "_metadata" in str(error.validator_value))
        for error in errors
    )


def _leaves(error: Any) -> list[Any]:
    """The innermost violations under ``error``, skipping the version-picking branches."""
    if not error.context:
        return [error]
    # A branch that failed only on its version test (``_metadata``) is not this version.
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    relevant = [sub for subs in branches.values() if not _tests_version(subs) for sub in subs]
    return [leaf for sub in relevant or list(error.context) for leaf in _leaves(sub)]
