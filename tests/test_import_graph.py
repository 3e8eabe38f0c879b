"""No circle among the project's modules: each one can be read knowing only those below it.

The graph is built from the source with :mod:`ast`, not by importing: every ``import`` and
``from ... import`` of a module in ``bot/``, ``handlers/`` or ``knowledge/`` counts, at the
top of a file, inside a function (a lazy import is still a dependency) and under
``if TYPE_CHECKING:`` (a circle through type hints is still one for a reader and for
mypy). ``bot.commands -> bot.kinds -> bot.suggest -> bot.commands`` was one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("bot", "handlers", "knowledge")

#: Circles known when this test was written, each to be broken by a change of its own;
#: the test below fails once one is gone, so that it is taken off this list.
KNOWN: set[frozenset[str]] = set()


def modules() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its ``__init__``)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> Iterator[str]:
    """The dotted names ``path`` (module ``name``) imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # ``from bot import kinds`` imports the module bot.kinds; ``from bot.kinds import
            # Option`` a name of bot.kinds: the longest known prefix decides below.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports (itself excluded)."""
    known = modules()

    def owner(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = {owner(target) for target in imported(name, path)}
        edges[name] = {target for target in targets if target and target != name}
    return edges


def circles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def path_around(component: frozenset[str], edges: dict[str, set[str]]) -> str:
    """One circle through ``component``, as ``a -> b -> a``, for the failure message."""
    start = min(component)
    trail = [start]
    seen = {start}
    while True:
        step = min(target for target in edges[trail[-1]] if target in component)
        if step in seen:
            return " -> ".join([*trail[trail.index(step) :], step])
        trail.append(step)
        seen.add(step)


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Keeps the check honest: top-level, lazy, type-checking and relative imports count."""
    (tmp_path / "bot").mkdir()
    source = tmp_path / "bot" / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import knowledge.units\n"
        "from bot import kinds\n"
        "from .phrasing import join_and\n"
        "if TYPE_CHECKING:\n"
        "    from knowledge.kb import Library\n"
        "def later():\n"
        "    from bot.serve import Service\n",
        encoding="utf-8",
    )
    assert set(imported("bot.probe", source)) == {
        "typing.TYPE_CHECKING",
        "knowledge.units",
        "bot.kinds",
        "bot.phrasing.join_and",
        "knowledge.kb.Library",
        "bot.serve.Service",
    }
    assert "bot.kinds" in graph()["bot.commands"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]


def test_no_import_circle_among_the_modules() -> None:
    edges = graph()
    new = [component for component in circles(edges) if component not in KNOWN]
    assert not new, "import circles: " + "; ".join(path_around(c, edges) for c in new)


def test_each_known_circle_is_still_there() -> None:
    """A circle broken is taken off KNOWN, so that it cannot come back unnoticed."""
    gone = KNOWN - set(circles(graph()))
    assert not gone, f"no longer circles, take them off KNOWN: {[sorted(c) for c in gone]}"
