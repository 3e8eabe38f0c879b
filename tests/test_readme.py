"""README.md stays true: its "What it looks like" console session is what the code prints.

Each ``$ scalebot ask "..."`` in that ```console block is run through the CLI on a fresh
database and its output compared with the text shown under it. Also checks that the
README's first screen names ``make run`` and ``make test``, and that the Makefile has them.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers import ROOT, clear_settings_env, readme_section

README = ROOT / "README.md"
FIRST_SCREEN_LINES = 30


def console_session() -> list[tuple[list[str], str]]:
    """(argv after ``scalebot``, expected output) for each ``$`` line of the console block."""
    body = readme_section("What it looks like")
    block = re.search(r"^```console\n(.*?)^```", body, re.M | re.S)
    assert block, "no ```console block under 'What it looks like'"
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            argv = shlex.split(line[2:])
            assert argv[0] == "scalebot", line
            steps.append((argv[1:], []))
        else:
            assert steps, f"output before any command: {line!r}"
            steps[-1][1].append(line)
    return [(argv, "\n".join(out).strip("\n")) for argv, out in steps]


SESSION = console_session()


def test_session_has_the_ask_examples() -> None:
    asked = [argv[1] for argv in (a for a, _ in SESSION) if argv[0] == "ask"]
    assert len(asked) >= 2
    assert "/scale video" in asked
    assert all(expected for _, expected in SESSION)


@pytest.mark.parametrize(("argv", "expected"), SESSION, ids=[" ".join(a) for a, _ in SESSION])
def test_console_block_matches_real_output(
    argv: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "fresh.db"), *argv], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    actual = result.output.strip("\n")
    if actual != expected:
        # Show the first differing line rather than two long blobs.
        pairs = zip(expected.splitlines(), actual.splitlines(), strict=False)
        first = next(
            (n for n, (a, b) in enumerate(pairs, 1) if a != b),
            min(len(expected.splitlines()), len(actual.splitlines())) + 1,
        )
        pytest.fail(
            f"README output for `scalebot {shlex.join(argv)}` differs from the code's, "
            f"first at line {first}:\n--- README\n{expected}\n--- code\n{actual}"
        )


def test_first_screen_names_make_run_and_make_test() -> None:
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN_LINES])
    assert "make run" in first_screen
    assert "make test" in first_screen


def test_makefile_has_run_and_test_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z][\w.-]*)\s*:", makefile, re.M))
    assert {"run", "test"} <= targets


def test_readme_says_this_test_exists() -> None:
    assert "tests/test_readme.py" in README.read_text(encoding="utf-8")
