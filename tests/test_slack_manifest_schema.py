"""The Slack app manifest against Slack's own published JSON schema (vendored, offline).

``slack_manifest.yaml`` and the manifest ``python -m bot.slack.manifest --url URL``
prints must both be manifests Slack's app page takes; the schema is the public
``slackapi/manifest-schema`` one (``tests/fakes/slack_spec/README.md``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from bot.registry import COMMANDS
from bot.slack.manifest import build_manifest, main
from tests.fakes.slack_manifest_schema import manifest_errors
from tests.helpers import ROOT

URL = "https://bot.example.org/slack/events"


def committed() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))


def test_the_committed_manifest_is_valid_for_slack() -> None:
    assert manifest_errors(committed()) == []


def test_the_http_manifest_printed_for_a_url_is_valid_for_slack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--url", URL])
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == build_manifest(COMMANDS, URL)
    assert manifest_errors(printed) == []


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        (("features", "slash_commands", 0, "description"), "x" * 2001, "maxLength 2000"),
        (("features", "slash_commands", 0, "command"), "/" + "c" * 32, "maxLength 32"),
        (("features", "slash_commands", 0, "command"), "scale", "does not match"),
        (("display_information", "name"), "n" * 36, "too long"),
        (("settings", "interactivity", "is_enabled"), "yes", "is not of type 'boolean'"),
    ],
)
def test_a_broken_manifest_is_refused_naming_the_field(
    where: tuple[str | int, ...], value: object, named: str
) -> None:
    """The schema check can fail: each break is caught, at its path, for its reason."""
    manifest = copy.deepcopy(committed())
    parent: Any = manifest
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    errors = manifest_errors(manifest)
    path = "/".join(map(str, where))
    assert any(e.startswith(f"{path}: ") and named in e for e in errors), errors


def test_an_unknown_key_is_refused() -> None:
    manifest = committed()
    manifest["settings"]["socket_mode"] = True  # the key is socket_mode_enabled
    assert any("socket_mode" in e for e in manifest_errors(manifest))


@pytest.mark.parametrize("url", ["bot.example.org/slack/events", "ftp://bot.example.org/x"])
def test_a_url_slack_would_refuse_is_refused_with_an_example(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Slack's schema takes only http(s) request URLs: the generator says so, with one."""
    with pytest.raises(SystemExit) as stopped:
        main(["--url", url])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert repr(url) in error and URL in error
    with pytest.raises(ValueError, match="https://"):
        build_manifest(COMMANDS, url)
