"""``scalebot check --curated`` (issue 21, item 6) against the fake publishers.

A tiny curated file (``--file``) cites the fakes' arXiv paper, Hub dataset, GitHub README
and a plain page; the settings point the readers at the fakes, which run on an event loop
of their own thread (the command runs its own). With every source on an address that
refuses connections, the command says the network is not reachable and fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.fakes.sources import SourceFakes, serving_in_thread
from tests.helpers import clear_settings_env
from tests.test_source_checks import fakes_with_sources

HEADER = "domain,dataset,quantity,unit,year,source_url,note\n"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCALEBOT_DB", str(tmp_path / "ledger.db"))
    monkeypatch.setenv("SCALEBOT_CHECK_TIMEOUT", "5")


def curated(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "curated.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_every_curated_figure_is_checked_and_tabled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with serving_in_thread(fakes_with_sources()) as fakes:
        for name, value in fakes.environment().items():
            monkeypatch.setenv(name, value)
        path = curated(
            tmp_path,
            [
                "video,InternVid,800000,hours,2023,https://arxiv.org/abs/2307.06942,",
                "video,Clips,234000000,clips,2023,https://arxiv.org/pdf/2307.06942,",
                "image,Photos,1281167,images,2024,https://huggingface.co/datasets/acme/photos,",
                "image,Pairs,100000000,image-text pairs,2024,https://github.com/acme/pairs,",
                f"video,Quiet,5,hours,2024,{fakes.page_url('/nothing')},",
                f"video,Gone,5,hours,2024,{fakes.page_url('/gone')},",
            ],
        )
        result = CliRunner().invoke(cli, ["check", "--curated", "--file", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["dataset", "field", "figure", "status", "found", "/", "reason"]
    by_dataset = {line.split()[0]: line for line in lines[1:7]}
    assert by_dataset["InternVid"].split()[1:5] == ["video", "800,000", "hours", "differs"]
    assert by_dataset["InternVid"].endswith("nearly 760K hours")
    assert " states " in by_dataset["Clips"]
    assert " states " in by_dataset["Photos"]
    assert " states " in by_dataset["Pairs"]
    assert " absent " in by_dataset["Quiet"]
    assert by_dataset["Gone"].endswith("unreachable  127.0.0.1 answered 404 Not Found")
    assert lines[-1] == "6 curated figures checked: 3 states, 1 differs, 1 absent, 1 unreachable"


def test_without_a_network_it_says_so_and_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Port 1 on 127.0.0.1: nothing listens there, so every connection is refused.
    nowhere = "http://127.0.0.1:1"
    for name, value in (
        SourceFakes(ports=dict.fromkeys(("arxiv", "hub", "github", "web"), 1)).environment().items()
    ):
        monkeypatch.setenv(name, value)
    path = curated(
        tmp_path,
        [
            "video,InternVid,760000,hours,2023,https://arxiv.org/abs/2307.06942,",
            "image,Photos,1281167,images,2024,https://huggingface.co/datasets/acme/photos,",
            f"video,Page,5,hours,2024,{nowhere}/page,",
        ],
    )
    result = CliRunner().invoke(cli, ["check", "--curated", "--file", str(path)])
    assert result.exit_code == 1, result.output
    assert "the network is not reachable" in result.output
    assert "could not connect to 127.0.0.1" in result.output


def test_check_without_what_to_check_shows_the_usage() -> None:
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2
    assert "scalebot check --curated" in result.output
