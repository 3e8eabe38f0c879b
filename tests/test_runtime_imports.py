"""The runtime (``bot/``) reaches handlers only through the command registry.

A handler module is a command: importing one from elsewhere (the CLI drawing a chart, the
core checking an import's rows) ties the runtime to one command's module and its wording.
What a handler and the runtime both need lives in a module of ``bot/`` or ``knowledge/``
(:mod:`bot.fieldgrowth`, :mod:`bot.submitpoint`). Read from the source, function-level
imports included, so a lazy import cannot hide.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The one module that collects the handlers' ``COMMAND``s.
REGISTRY = ROOT / "bot" / "registry.py"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_only_the_registry_imports_handlers() -> None:
    modules = sorted((ROOT / "bot").rglob("*.py"))
    assert len(modules) > 20, "the bot package is where this test expects it"
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.partition(".")[0] == "handlers"
        )
        for path in modules
        if path != REGISTRY
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert "handlers" in imported_modules(REGISTRY)
