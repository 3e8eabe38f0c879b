"""The docs a lab reads name exactly what the code declares, read from the code itself.

``.env.example`` and README's "Configuration" table against ``Settings.model_fields`` (each
setting under the variable it is read from), README's "Commands" table against
``bot.registry.COMMANDS``, and README's units against ``knowledge.units.UNITS``. Each check
goes both ways: nothing declared is missing from the doc, and the doc names nothing that is
not declared. (``/help``, the Slack manifest and Discord's sync are checked against
``COMMANDS`` in test_commands.py, test_slack_setup.py and test_discord_setup.py.)
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.registry import COMMANDS
from knowledge.units import UNITS
from tests.helpers import (
    ROOT,
    clear_settings_env,
    documented_env_names,
    every_setting_env_name,
    readme_section,
    setting_env_names,
)

SETTINGS = documented_env_names()
#: Values a setting of any type here accepts, tried in turn: one must change the field
#: ("0" for a switch that is on by default).
PROBES = (
    "console:probe",
    "7",
    "1",
    "auto",
    "7/minute",
    "http://127.0.0.1:8001",
    "file:///srv/probe",
    "0",
    "off",
    "fri 17:00",
    "Europe/Paris",
    "T0PROBE01",
    "json",
)


def assigned_in_env_example() -> list[str]:
    """The variable of each ``NAME=value`` line of .env.example, in order (comments skipped)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", text, re.M)


def table_first_cells(section: str) -> list[str]:
    """The first cell of each body row of the Markdown table(s) in a README section."""
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [row.strip("|").split("|")[0].strip() for row in rows]
    # Row 1 is the header, row 2 the |---| rule.
    return [cell for cell in cells[2:] if cell]


def configuration_table_names() -> list[str]:
    cells = table_first_cells(readme_section("Configuration"))
    return [name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)]


def commands_table_names() -> list[str]:
    cells = table_first_cells(readme_section("Commands"))
    return [name for cell in cells for name in re.findall(r"`/([a-z][a-z0-9_-]*)", cell)]


def repeated(names: list[str]) -> list[str]:
    return [name for name, count in Counter(names).items() if count > 1]


# -- the helper that names each setting's variable is right ---------------------------------


@pytest.mark.parametrize(
    ("field", "variable"),
    [(field, variable) for field in Settings.model_fields for variable in setting_env_names(field)],
)
def test_each_setting_is_read_from_the_variable_named_for_it(
    field: str, variable: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Keeps the checks below honest: the names they expect are the ones Settings reads."""
    monkeypatch.chdir(tmp_path)  # no .env
    clear_settings_env(monkeypatch)
    default = getattr(Settings(_env_file=None), field)  # type: ignore[call-arg]
    for probe in PROBES:
        monkeypatch.setenv(variable, probe)
        try:
            value = getattr(Settings(_env_file=None), field)  # type: ignore[call-arg]
        except ValidationError:
            continue
        if value != default:
            return
    pytest.fail(f"setting {field!r} is not read from {variable} (tried {PROBES})")


# -- .env.example --------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "variable"), SETTINGS.items())
def test_env_example_sets_every_setting(field: str, variable: str) -> None:
    assert variable in assigned_in_env_example(), (
        f"setting {field!r} is missing from .env.example: add `{variable}=` with a comment"
    )


def test_env_example_sets_only_settings_and_each_once() -> None:
    assigned = assigned_in_env_example()
    unknown = sorted(set(assigned) - every_setting_env_name())
    assert not unknown, f".env.example sets variables no setting reads: {unknown}"
    assert not repeated(assigned), f".env.example sets these twice: {repeated(assigned)}"


# -- README: Configuration -----------------------------------------------------------------


@pytest.mark.parametrize(("field", "variable"), SETTINGS.items())
def test_readme_configuration_lists_every_setting(field: str, variable: str) -> None:
    assert variable in configuration_table_names(), (
        f"setting {field!r} is missing from README's Configuration table: add a `{variable}` row"
    )


def test_readme_configuration_lists_only_settings_and_each_once() -> None:
    listed = configuration_table_names()
    assert listed, "no variables found in README's Configuration table"
    unknown = sorted(set(listed) - every_setting_env_name())
    assert not unknown, f"README's Configuration table lists what no setting reads: {unknown}"
    assert not repeated(listed), f"listed twice in the Configuration table: {repeated(listed)}"


# -- README: Commands ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(COMMANDS))
def test_readme_commands_table_names_every_command(name: str) -> None:
    assert name in commands_table_names(), f"/{name} is missing from README's Commands table"


def test_readme_commands_table_names_only_commands() -> None:
    named = commands_table_names()
    assert named, "no commands found in README's Commands table"
    unknown = sorted(set(named) - set(COMMANDS))
    assert not unknown, f"README's Commands table names commands that do not exist: {unknown}"
    assert not repeated(named), f"named twice in the Commands table: {repeated(named)}"


# -- README: units -------------------------------------------------------------------------


def test_readme_names_the_unit_vocabulary() -> None:
    text = " ".join(readme_section("Commands").split())
    found = re.search(r"Units come from a fixed vocabulary \(([^)]*)\)", text)
    assert found, "README's Commands section no longer lists the units"
    listed = [unit.strip() for unit in found.group(1).split(",")]
    missing = [unit for unit in UNITS if unit not in listed]
    unknown = [unit for unit in listed if unit not in UNITS]
    assert not missing and not unknown, f"README's units: missing {missing}, unknown {unknown}"
