"""The hashed lock files pin what pyproject.toml names, inside its bounds, and only that.

``requirements.lock`` is what the Docker image installs (the runtime), and
``requirements-dev.lock`` what ``make`` and so CI install (the runtime and the ``dev``
extra); both are written by pip-compile (``make lock``) and installed with
``pip --require-hashes --no-deps``. With ``--no-deps`` pip installs exactly the file, so a
dependency missing from it would only show as an import error on the machine that lacks
it, and a bound changed in pyproject.toml without ``make lock`` would leave the lock
outside it; these tests fail first, here. The runtime lock is checked against the
dependency tree the installed packages declare (their metadata), so a dev tool in the
image, or a runtime package missing from it, fails too.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from tests.helpers import ROOT

RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})$")


@dataclass(frozen=True)
class Pin:
    """One package of a lock file: its exact version and the sha256 of each file allowed."""

    version: Version
    hashes: tuple[str, ...]


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    """Parse pip-compile's output: ``name==version \\`` then ``--hash=sha256:...`` lines."""
    entries: list[list[str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        part = line.removesuffix("\\").strip()
        if raw.startswith((" ", "\t")):
            assert entries, f"{path.name}: {raw!r} continues no requirement"
            entries[-1].append(part)
        else:
            entries.append([part])
    pins: dict[NormalizedName, Pin] = {}
    for requirement_text, *options in entries:
        assert not requirement_text.startswith("-"), (
            f"{path.name}: option {requirement_text!r}; the lock holds pinned packages only"
        )
        requirement = Requirement(requirement_text)
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", (
            f"{path.name}: {requirement_text!r} is not pinned with =="
        )
        hashes = []
        for option in options:
            match = HASH.match(option)
            assert match, f"{path.name}: {requirement.name}: {option!r} is not --hash=sha256:..."
            hashes.append(match.group(1))
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{path.name} pins {requirement.name} twice"
        pins[name] = Pin(Version(specs[0].version), tuple(hashes))
    return pins


RUNTIME = [Requirement(spec) for spec in PYPROJECT["project"]["dependencies"]]
DEV = [Requirement(spec) for spec in PYPROJECT["project"]["optional-dependencies"]["dev"]]
BUILD = [Requirement(spec) for spec in PYPROJECT["build-system"]["requires"]]


def check_pinned(requirement: Requirement, path: Path) -> None:
    pins = read_lock(path)
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is not in {path.name}: run `make lock`"
    pin = pins[name]
    assert requirement.specifier.contains(pin.version, prereleases=True), (
        f"{path.name} pins {requirement.name}=={pin.version}, outside pyproject.toml's "
        f"{requirement}: run `make lock`"
    )
    assert pin.hashes, f"{path.name} pins {requirement.name} without --hash: run `make lock`"


@pytest.mark.parametrize("requirement", RUNTIME + BUILD, ids=str)
def test_each_runtime_dependency_is_pinned_and_hashed_for_the_image(
    requirement: Requirement,
) -> None:
    check_pinned(requirement, RUNTIME_LOCK)


@pytest.mark.parametrize("requirement", RUNTIME + DEV + BUILD, ids=str)
def test_each_dependency_is_pinned_and_hashed_for_make_and_ci(requirement: Requirement) -> None:
    check_pinned(requirement, DEV_LOCK)


@pytest.mark.parametrize("path", [RUNTIME_LOCK, DEV_LOCK], ids=lambda p: p.name)
def test_every_pin_carries_a_hash(path: Path) -> None:
    """``pip --require-hashes`` refuses the whole file for one bare pin: say which here."""
    bare = [name for name, pin in read_lock(path).items() if not pin.hashes]
    assert not bare, f"{path.name}: no --hash for {bare}: run `make lock`"


def test_the_image_runs_the_versions_the_suite_passed_with() -> None:
    """The runtime lock is the dev lock less the dev tools, at the same versions."""
    runtime, dev = read_lock(RUNTIME_LOCK), read_lock(DEV_LOCK)
    assert runtime.keys() <= dev.keys(), f"only in {RUNTIME_LOCK.name}: {runtime.keys() - dev}"
    moved = {
        name: (str(pin.version), str(dev[name].version))
        for name, pin in runtime.items()
        if pin.version != dev[name].version
    }
    assert not moved, f"pinned differently (runtime, dev): {moved}: run `make lock`"


def closure(requirements: list[Requirement]) -> set[NormalizedName]:
    """Every package these requirements pull in, by the installed packages' own metadata."""
    seen: set[tuple[NormalizedName, str]] = set()
    todo = [(requirement, "") for requirement in requirements]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        for wanted in ("", *sorted(requirement.extras)):
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            try:
                declared = metadata.requires(name) or []
            except metadata.PackageNotFoundError:
                pytest.fail(f"{name} is not installed: run `make` to install the locks")
            todo.extend((Requirement(spec), wanted) for spec in declared)
    return {name for name, _ in seen}


def test_the_runtime_lock_is_the_runtime_tree_and_no_dev_tool() -> None:
    runtime_tree = closure(RUNTIME + BUILD)
    locked = set(read_lock(RUNTIME_LOCK))
    assert runtime_tree <= locked, f"the image would lack {sorted(runtime_tree - locked)}"
    dev_only = set(read_lock(DEV_LOCK)) - runtime_tree
    assert {"pytest", "ruff", "mypy", "pip-tools"} <= dev_only
    assert not locked & dev_only, f"dev-only packages in the image: {sorted(locked & dev_only)}"
    assert locked <= runtime_tree, f"needed by nothing at run time: {sorted(locked - runtime_tree)}"


def test_the_dev_lock_holds_the_whole_dev_tree() -> None:
    wanted = closure([Requirement(f"{PYPROJECT['project']['name']}[dev]"), *BUILD])
    wanted.discard(canonicalize_name(PYPROJECT["project"]["name"]))
    locked = set(read_lock(DEV_LOCK))
    assert wanted <= locked, f"make would lack {sorted(wanted - locked)}: run `make lock`"


def test_the_locks_were_compiled_for_the_images_python() -> None:
    """pip-compile resolves markers for the Python it runs on: the image's, 3.11."""
    base = next(
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("FROM ")
    )
    image_python = re.match(r"python:(\d+\.\d+)", base)
    assert image_python, base
    for path in (RUNTIME_LOCK, DEV_LOCK):
        header = path.read_text(encoding="utf-8")[:400]
        assert f"by pip-compile with Python {image_python.group(1)}\n" in header, path.name


def test_make_and_the_image_install_from_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    stamp_rule = makefile.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes --no-deps -r requirements-dev.lock" in stamp_rule
    assert "--no-deps --no-build-isolation -e ." in stamp_rule
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "--no-deps --no-build-isolation ." in dockerfile
