"""The shape the code keeps: small modules, small classes, every module named in the README.

Issue 20 split a 1,700-line store with 62 public methods; these limits keep the next one
from growing back. They count what a reader meets: lines of a module, public methods of
a class (``def`` names without a leading underscore, properties included), and the README's
architecture section, which names every module beside its one job.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "knowledge")
MAX_MODULE_LINES = 600
MAX_PUBLIC_METHODS = 25


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def public_methods(node: ast.ClassDef) -> list[str]:
    return [
        item.name
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        and not item.name.startswith("_")
    ]


def architecture_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Architecture\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def test_the_packages_hold_modules() -> None:
    assert len(modules()) > 50


@pytest.mark.parametrize("path", modules(), ids=relative)
def test_no_module_is_over_the_line_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{relative(path)} has {lines} lines (at most {MAX_MODULE_LINES}): split it by job"
    )


@pytest.mark.parametrize("path", modules(), ids=relative)
def test_no_class_has_more_public_methods_than_the_limit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    crowded = {
        node.name: len(public_methods(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and len(public_methods(node)) > MAX_PUBLIC_METHODS
    }
    assert crowded == {}, f"{relative(path)}: public methods per class {crowded}"


def test_the_counters_see_a_crowded_class() -> None:
    """The counter itself: 26 public methods are counted as 26, private ones not at all."""
    source = "class Big:\n" + "".join(f"    def m{i}(self): ...\n" for i in range(26))
    source += "    def _hidden(self): ...\n"
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.ClassDef)
    assert len(public_methods(node)) == 26


@pytest.mark.parametrize("path", modules(), ids=relative)
def test_the_readme_architecture_names_every_module(path: Path) -> None:
    if path.name == "__init__.py":
        return
    section = architecture_section()
    name = re.escape(path.name)
    assert re.search(rf"(?<![\w.]){name}(?!\w)", section), (
        f"README's Architecture section does not name {relative(path)}: add it with its one job"
    )
