"""Where platforms may be named, and how adapters reach the core: checked on the source.

Only the adapters (``bot/discord/``, ``bot/slack/``, the console), the CLI, the settings,
the service runner and the table of what each adapter reports (``bot/platforms.py``) may
decide anything by a platform's name. Everything else (the core, the runner, the command
model, handlers, the ledger) decides on what the adapter declares
(:class:`bot.capabilities.Capabilities`) and the neutral facts it reports
(``Caller.local_operator``, ``is_admin``, the workspace). And the adapters hold the
runner (:class:`bot.runner.AsyncCore`), never the core behind it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT

PLATFORM_NAMES = frozenset({"slack", "discord", "console"})
#: Where a platform may be named: the adapters, the CLI, the settings, the services.
MAY_NAME_PLATFORMS = (
    "bot/discord/",
    "bot/slack/",
    "bot/console.py",
    "bot/terminal.py",
    "bot/serve.py",
    "bot/cli.py",
    "bot/config.py",
    "bot/platforms.py",
)
#: The modules that hold an AsyncCore and must use only its public methods.
ADAPTERS = ("bot/discord/", "bot/slack/", "bot/console.py", "bot/terminal.py", "bot/serve.py")
PREFIX_CALLS = frozenset({"startswith", "endswith", "removeprefix", "partition", "split"})


def modules(under: tuple[str, ...] = ("bot", "handlers", "knowledge")) -> Iterator[Path]:
    for package in under:
        yield from sorted((ROOT / package).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring constants (prose may name a platform; code may not)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def is_platform_prefix(value: object) -> bool:
    return isinstance(value, str) and value.partition(":")[0] in PLATFORM_NAMES and ":" in value


def platform_switches(source: str, filename: str = "<source>") -> list[str]:
    """Every place ``source`` decides by a platform's name, as ``line: code``.

    A string that is exactly a platform's name (compared, listed in a set, matched in a
    ``case``, passed as a default), and a user-id prefix such as ``"console:"`` that is
    compared or tested with ``startswith``. An id built with the prefix (a data value,
    ``f"slack:{user_id}"``) is not a decision and is not flagged.
    """
    tree = ast.parse(source, filename=filename)
    prose = docstrings(tree)
    lines = source.splitlines()
    flagged: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            prose.update(id(part) for part in node.values)
        is_name = isinstance(node, ast.Constant) and node.value in PLATFORM_NAMES
        if is_name and id(node) not in prose:
            flagged.add(node.lineno)
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and is_platform_prefix(o.value) for o in operands):
                flagged.add(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PREFIX_CALLS
            and any(isinstance(a, ast.Constant) and is_platform_prefix(a.value) for a in node.args)
        ):
            flagged.add(node.lineno)
    return [f"{n}: {lines[n - 1].strip()}" for n in sorted(flagged)]


NAME_FREE = [path for path in modules() if not relative(path).startswith(MAY_NAME_PLATFORMS)]


@pytest.mark.parametrize("path", NAME_FREE, ids=relative)
def test_no_module_outside_the_adapters_decides_by_a_platforms_name(path: Path) -> None:
    found = platform_switches(path.read_text(encoding="utf-8"), str(path))
    assert not found, (
        f"{relative(path)} decides by a platform's name:\n  "
        + "\n  ".join(found)
        + "\nLet the adapter declare it instead: a capability in bot/capabilities.py "
        "(e.g. Capabilities(images=True)) or a neutral fact on Caller (local_operator)."
    )


@pytest.mark.parametrize(
    "code",
    [
        'IMAGE_PLATFORMS = frozenset({"slack", "discord"})',
        'limited = caller.platform != "console" and not moderator',
        'if platform == "slack":\n    pass',
        'match platform:\n    case "discord":\n        pass',
        'exempt = user.startswith("console:")',
        'exempt = user[:8] == "console:"',
        'def f(platform="console"):\n    pass',
    ],
)
def test_the_check_finds_each_way_of_switching_on_a_name(code: str) -> None:
    assert platform_switches(code)


@pytest.mark.parametrize(
    "code",
    [
        '"""Slack and Discord show images; the console does not."""',
        'user = f"slack:{user_id}"',
        "shows = request.images",
        "who = Submitter(request.user, request.platform)",
    ],
)
def test_the_check_lets_prose_ids_and_data_through(code: str) -> None:
    assert platform_switches(code) == []


# -- the adapters hold the runner, not the core ----------------------------------------


def reaches_through(source: str, filename: str = "<source>") -> list[str]:
    """Every ``….core.core`` (or ``core.core``) in ``source``, as ``line: code``."""
    tree = ast.parse(source, filename=filename)
    lines = source.splitlines()
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "core"):
            continue
        inner = node.value
        if (isinstance(inner, ast.Attribute) and inner.attr == "core") or (
            isinstance(inner, ast.Name) and inner.id == "core"
        ):
            found.add(node.lineno)
    return [f"{n}: {lines[n - 1].strip()}" for n in sorted(found)]


ADAPTER_MODULES = [path for path in modules(("bot",)) if relative(path).startswith(ADAPTERS)]


def test_the_adapters_are_found() -> None:
    names = {relative(path) for path in ADAPTER_MODULES}
    assert {"bot/discord/client.py", "bot/slack/app.py", "bot/serve.py"} <= names


@pytest.mark.parametrize("path", ADAPTER_MODULES, ids=relative)
def test_an_adapter_uses_the_runners_public_api_only(path: Path) -> None:
    found = reaches_through(path.read_text(encoding="utf-8"), str(path))
    assert not found, (
        f"{relative(path)} reaches through the runner to the core:\n  "
        + "\n  ".join(found)
        + "\nAdd what it needs to bot/runner.py's AsyncCore (e.g. runner.commands, "
        "runner.parse(line), await runner.suggest(...)) and call that."
    )


@pytest.mark.parametrize(
    "code",
    ["names = self.core.core.commands", "library = core.core.library"],
)
def test_the_check_finds_a_reach_through(code: str) -> None:
    assert reaches_through(code)


def test_the_check_lets_the_runners_own_api_through() -> None:
    assert reaches_through("names = self.core.commands\nreply = await self.core.ask(t, c)") == []
