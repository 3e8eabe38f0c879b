"""Packaging and layout: pyproject, the Dockerfile, import boundaries, and portable files.

- pyproject: the ``scalebot`` console script points at the CLI, a ``dev`` extra exists, every
  runtime dependency has a lower bound.
- Dockerfile: slim base, non-root USER, a VOLUME for the database, runs ``scalebot run all``,
  copies every package; hadolint-clean when the ``hadolint`` binary sits next to Python.
- ``handlers/`` and ``knowledge/`` never import a chat platform (ast scan, then a real import).
- No tracked text file holds a machine-specific absolute path.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import import_module, metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.helpers import ROOT, clear_settings_env

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PLATFORM_MODULES = ("discord", "slack", "slack_bolt", "slack_sdk", "bot.slack", "bot.discord")
PLATFORM_FREE = ("handlers", "knowledge")


# -- pyproject -------------------------------------------------------------------------------


def test_console_script_points_at_the_cli() -> None:
    target = PYPROJECT["project"]["scripts"]["scalebot"]
    module_name, _, attr = target.partition(":")
    assert module_name == "bot.cli"
    entry = getattr(import_module(module_name), attr)
    assert callable(entry)


def test_installed_entry_point_matches_pyproject() -> None:
    scripts = metadata.entry_points(group="console_scripts", name="scalebot")
    if not scripts:
        pytest.skip("scalebot is not installed in this environment")
    (script,) = scripts
    assert script.value == PYPROJECT["project"]["scripts"]["scalebot"]


def test_dev_extra_exists_with_the_test_tools() -> None:
    dev = PYPROJECT["project"]["optional-dependencies"]["dev"]
    names = {Requirement(spec).name.lower() for spec in dev}
    assert {"pytest", "ruff"} <= names


@pytest.mark.parametrize("spec", PYPROJECT["project"]["dependencies"])
def test_runtime_dependency_has_lower_bound(spec: str) -> None:
    requirement = Requirement(spec)
    operators = {s.operator for s in requirement.specifier}
    assert operators & {">=", "~=", "=="}, f"{spec} has no lower bound"
    assert ">=" in operators, f"{spec}: use >= for runtime dependencies"


def test_runtime_dependencies_cover_what_the_code_imports() -> None:
    names = {Requirement(spec).name.lower() for spec in PYPROJECT["project"]["dependencies"]}
    for needed in ("click", "pydantic", "pydantic-settings", "sqlite-utils", "rapidfuzz"):
        assert needed in names


# -- Dockerfile ------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        logical.append(current)
        current = ""
    if current:
        logical.append(current)
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def exec_form(args: str) -> list[str]:
    assert args.startswith("["), f"use the exec (JSON) form: {args}"
    return json.loads(args)


INSTRUCTIONS = dockerfile_instructions()


def last(keyword: str) -> str | None:
    found = [args for kw, args in INSTRUCTIONS if kw == keyword]
    return found[-1] if found else None


def test_docker_base_is_slim() -> None:
    base = last("FROM")
    assert base
    image = base.split()[0]
    assert re.search(r"(slim|alpine|distroless)", image), image
    assert ":" in image and not image.endswith(":latest"), f"pin the base tag: {image}"


def test_docker_runs_as_non_root() -> None:
    user = last("USER")
    assert user, "no USER instruction"
    assert user.split(":")[0] not in {"root", "0"}
    keywords = [kw for kw, _ in INSTRUCTIONS]
    assert keywords.index("USER") > max(i for i, kw in enumerate(keywords) if kw == "RUN")


def test_docker_database_lives_on_a_volume() -> None:
    volume = last("VOLUME")
    assert volume, "no VOLUME instruction"
    volumes = json.loads(volume) if volume.startswith("[") else volume.split()
    env = " ".join(args for kw, args in INSTRUCTIONS if kw == "ENV")
    match = re.search(r"SCALEBOT_DB=(\S+)", env)
    assert match, "the image should set SCALEBOT_DB"
    db_path = match.group(1)
    assert any(db_path.startswith(v.rstrip("/") + "/") for v in volumes), (db_path, volumes)


def test_docker_command_is_scalebot_run_all() -> None:
    entrypoint = last("ENTRYPOINT")
    cmd = last("CMD")
    argv = (exec_form(entrypoint) if entrypoint else []) + (exec_form(cmd) if cmd else [])
    assert argv == ["scalebot", "run", "all"]


def test_docker_exposes_the_web_view_to_the_host() -> None:
    """``-e SCALEBOT_WEB_PORT=8001 -p 8001:8001`` reaches it: listening beyond loopback."""
    exposed = {args for kw, args in INSTRUCTIONS if kw == "EXPOSE"}
    assert "8001" in exposed
    env = " ".join(args for kw, args in INSTRUCTIONS if kw == "ENV")
    assert "SCALEBOT_WEB_HOST=0.0.0.0" in env


def test_docker_copies_every_package() -> None:
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {name.rstrip("*") for name in include}
    copied = " ".join(args for kw, args in INSTRUCTIONS if kw in {"COPY", "ADD"})
    for package in packages:
        assert re.search(rf"(^|\s)(\./)?{package}/?(\s|$)", copied), f"{package} not copied"
    assert "pyproject.toml" in copied
    assert ".env" not in copied.split()


def test_hadolint_passes() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        pytest.skip(f"no hadolint binary at {hadolint}")
    proc = subprocess.run(
        [str(hadolint), "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- import boundaries ----------------------------------------------------------------------


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def is_platform(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in PLATFORM_MODULES)


PLATFORM_FREE_FILES = sorted(p for d in PLATFORM_FREE for p in (ROOT / d).rglob("*.py"))


def test_platform_free_packages_have_sources() -> None:
    for package in PLATFORM_FREE:
        assert any(p.is_relative_to(ROOT / package) for p in PLATFORM_FREE_FILES), package


@pytest.mark.parametrize(
    "path", PLATFORM_FREE_FILES, ids=[str(p.relative_to(ROOT)) for p in PLATFORM_FREE_FILES]
)
def test_no_platform_import(path: Path) -> None:
    bad = [m for m in imported_modules(path) if is_platform(m)]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_is_platform_recognises_platform_modules() -> None:
    assert is_platform("discord.ext.commands")
    assert is_platform("slack_bolt")
    assert is_platform("bot.slack.blocks")
    assert not is_platform("bot.commands")
    assert not is_platform("slackline")


@pytest.mark.slow
def test_importing_handlers_and_knowledge_loads_no_platform() -> None:
    """Transitively too: importing every module of both packages pulls in no platform library."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {PLATFORM_FREE!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        f"roots = {PLATFORM_MODULES!r}\n"
        "print('\\n'.join(sorted(m for m in sys.modules\n"
        "    if any(m == r or m.startswith(r + '.') for r in roots))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


# -- portable files -------------------------------------------------------------------------

# Built from parts so this file does not match itself.
MACHINE_PATH = re.compile("/" + "(?:work|home|Users|root)" + "/")


def tracked_text_files() -> list[Path]:
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            capture_output=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in proc.stdout.decode().split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        files.append(path)
    return files


def test_no_machine_specific_absolute_paths() -> None:
    files = tracked_text_files()
    assert any(p.name == "pyproject.toml" for p in files)
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_no_env_file_is_tracked() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in tracked_text_files()}
    assert ".env" not in names
    assert not any(os.path.basename(n) == ".env" for n in names)


def test_env_example_loads_unchanged_as_the_console_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Copying .env.example to .env as it ships must give a valid, console-only setup."""
    from bot.config import Settings

    clear_settings_env(monkeypatch)
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.configured_platforms() == []
    assert settings.discord_guild is None and settings.discord_shards is None
    assert "slack:U024BE7LH" in settings.moderators
