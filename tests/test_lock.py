"""requirements.lock pins every dependency pyproject.toml names, inside its bounds.

CI, ``make`` and the Dockerfile install with ``pip -c requirements.lock``, so a fresh
machine gets the versions the suite passed with; a bound changed in pyproject.toml
without ``make lock`` would leave the lock outside it, and pip would refuse the install
on CI instead of here.
"""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.helpers import ROOT


def locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.lock: {line!r} is not name==version"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_each_dependency_is_pinned_within_its_bounds(requirement: Requirement) -> None:
    pins = locked()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is not in requirements.lock: run `make lock`"
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"requirements.lock pins {requirement.name}=={pins[name]}, outside pyproject.toml's "
        f"{requirement}: run `make lock`"
    )


def test_the_lock_pins_each_package_once() -> None:
    lines = [
        canonicalize_name(line.partition("==")[0])
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == len(set(lines))
