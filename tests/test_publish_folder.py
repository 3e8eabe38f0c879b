"""Where ``scalebot publish`` writes: a whole snapshot or none, never another folder's files.

A folder a web server serves must go from one whole snapshot to the next: while a new
one is written the old one is still there untouched, a failed run leaves it as it was,
and nothing is left beside it. A folder that is not a snapshot is refused with the
reason and an example, and nothing in it is touched.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.core import Core
from bot.publish import files, package
from bot.publish.folder import FolderRefused, _exchange, replace
from tests.helpers import MODERATOR
from tests.publish_stack import snapshot_files


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "scalebot.db"
    Core.open(settings=Settings(db=path, moderators=frozenset({MODERATOR}))).close()
    return path


def publish(ledger: Path, out_dir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(ledger), "publish", str(out_dir)])
    return result.exit_code, result.output


def approve_one_more(ledger: Path) -> None:
    with Core.open(settings=Settings(db=ledger, moderators=frozenset({MODERATOR}))) as core:
        reply = core.ask(
            '/submit video "Fresh Clips" 7M clips https://example.org/fresh 2025', "console:eve"
        )
        assert reply.kind == "answer", reply.as_text()


def siblings(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.parent.iterdir() if p.name != out_dir.name)


def test_a_new_folder_is_made_with_its_parents(ledger: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "site" / "snapshot"
    code, output = publish(ledger, out_dir)
    assert code == 0, output
    assert (out_dir / "datapackage.json").is_file()
    assert siblings(out_dir) == []


def test_an_empty_folder_is_used(ledger: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "empty"
    out_dir.mkdir()
    code, output = publish(ledger, out_dir)
    assert code == 0, output
    assert (out_dir / "ledger.db").is_file()


def test_a_folder_that_is_not_a_snapshot_is_refused_and_left_alone(
    ledger: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "home"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")
    code, output = publish(ledger, out_dir)
    assert code == 1
    assert "is not empty and is not a snapshot" in output
    assert "e.g. `scalebot publish snapshot/`" in output
    assert snapshot_files(out_dir) == {"notes.txt": b"mine"}
    assert siblings(out_dir) == []


def test_a_file_is_refused(ledger: Path, tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, output = publish(ledger, target)
    assert code == 1
    assert "is not a folder" in output and "scalebot publish snapshot/" in output
    assert target.read_text() == "x"


def test_a_previous_snapshot_is_replaced_whole(ledger: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "snapshot"
    assert publish(ledger, out_dir)[0] == 0
    before = snapshot_files(out_dir)
    approve_one_more(ledger)
    code, output = publish(ledger, out_dir)
    assert code == 0, output
    after = snapshot_files(out_dir)
    assert after != before
    assert b"Fresh Clips" in after["figures.csv"]
    assert siblings(out_dir) == []


def test_a_snapshot_with_files_of_its_own_is_refused(ledger: Path, tmp_path: Path) -> None:
    """The folder is replaced whole: a page someone added there would be lost."""
    out_dir = tmp_path / "snapshot"
    assert publish(ledger, out_dir)[0] == 0
    (out_dir / "index.html").write_text("<h1>ours</h1>")
    before = snapshot_files(out_dir)
    code, output = publish(ledger, out_dir)
    assert code == 1
    assert "holds files a snapshot did not write (index.html)" in output
    assert snapshot_files(out_dir) == before


def test_readers_see_the_old_snapshot_until_the_new_one_is_whole(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the last write of a run, OUT_DIR still holds the previous snapshot, unchanged."""
    out_dir = tmp_path / "snapshot"
    assert publish(ledger, out_dir)[0] == 0
    before = snapshot_files(out_dir)
    approve_one_more(ledger)
    seen: list[dict[str, bytes]] = []
    write_descriptor = package.write_descriptor

    def watched(folder: Path, described: dict) -> None:
        seen.append(snapshot_files(out_dir))
        write_descriptor(folder, described)

    monkeypatch.setattr(package, "write_descriptor", watched)
    assert publish(ledger, out_dir)[0] == 0
    assert seen == [before]
    assert snapshot_files(out_dir) != before


def test_a_failed_run_leaves_the_previous_snapshot_and_nothing_beside_it(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "snapshot"
    assert publish(ledger, out_dir)[0] == 0
    before = snapshot_files(out_dir)

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_bytes", disk_full)
    code, output = publish(ledger, out_dir)
    assert code == 1
    assert "No space left on device" in output
    assert snapshot_files(out_dir) == before
    assert siblings(out_dir) == []


def test_replace_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    """The exchange itself (Linux): both names stay, their contents trade places."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "one").write_text("1")
    (second / "two").write_text("2")
    if not _exchange(first, second):
        pytest.skip("this system cannot exchange two folders in one rename")
    assert [p.name for p in first.iterdir()] == ["two"]
    assert [p.name for p in second.iterdir()] == ["one"]


def test_replace_refuses_before_writing(tmp_path: Path) -> None:
    out_dir = tmp_path / "taken"
    out_dir.mkdir()
    (out_dir / "x").write_text("x")
    called: list[Path] = []
    with pytest.raises(FolderRefused):
        replace(out_dir, called.append)
    assert called == []


def test_the_working_folder_as_out_dir(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scalebot publish .`` in an empty folder: the snapshot goes beside it, then in."""
    out_dir = tmp_path / "here"
    out_dir.mkdir()
    monkeypatch.chdir(out_dir)
    code, output = publish(ledger, Path("."))
    assert code == 0, output
    assert (out_dir / "datapackage.json").is_file()
    assert siblings(out_dir) == []


def test_the_command_line_loads_publish_only_when_asked() -> None:
    """``scalebot ask`` and the console start no slower: the CLI imports no Datasette,
    matplotlib or rich for the publish command until it runs."""
    code = (
        "import sys, bot.cli\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'datasette', 'matplotlib', "
        "'rich'}), 'bot.publish.snapshot' in sys.modules)"
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=True,
    )
    assert proc.stdout.strip() == "[] False"
