"""When the database cannot take a write: a held lock, a read-only file or folder, a full disk.

Each case is made real rather than mocked: another process holds ``BEGIN IMMEDIATE`` with
a row written and not committed; the file or its folder is made read-only for this
process (``chmod``, or for root, whom modes do not stop, the immutable attribute that
stops root too); the disk "fills" through ``PRAGMA max_page_count``, which makes SQLite
fail the insert with SQLITE_FULL, the code a full disk gives. Every check goes through
what a user runs: ``scalebot ask``/``import``/``doctor``, ``Core.ask``, and the Slack and
Discord adapters on their fakes.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

import knowledge.ledger.opening
from bot.cli import cli
from bot.core import Core
from knowledge.migrations import migrations
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.payloads import slash_command
from tests.helpers import (
    MEMBER,
    MODERATOR,
    ROOT,
    clear_settings_env,
    environ_without_settings,
)
from tests.slack_stack import SLACK_MEMBER, SlackStack, slack_stack

TIMEOUT = 60.0
#: A busy timeout short enough for a test to wait out, long enough to be one.
SHORT_BUSY_MS = 300
SUBMIT = "/submit video Lockstep 12k clips https://example.org/lockstep year:2024"
SUBMISSION = {
    "domain": "video",
    "dataset": "Lockstep",
    "quantity": "12k",
    "unit": "clips",
    "source": "https://example.org/lockstep",
}
BUSY = "The ledger is busy"
WRITES_OFF = "Writes are off"

HOLDER = r"""
import sqlite3, sys

conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO kb_meta (key, value) VALUES ('held', 'a long write')")
print("held", flush=True)
sys.stdin.readline()  # until the test lets go (or dies: the pipe closes)
conn.execute("ROLLBACK")
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No scalebot variables from the caller; one moderator; no .env in the cwd."""
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_MODERATORS", MODERATOR)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An up-to-date database (migrated, seeded, claims indexed), closed."""
    path = tmp_path / "ledger" / "scalebot.db"
    Core.open(path).close()
    return path


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores opened from here on give up on a held lock after SHORT_BUSY_MS."""
    monkeypatch.setattr(knowledge.ledger.opening, "BUSY_TIMEOUT_MS", SHORT_BUSY_MS)


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def ask_json(db: Path, text: str, user: str = "alice") -> tuple[int, dict]:
    result = invoke(db, "ask", text, "--as", user, "--json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def count_named(db: Path, dataset: str) -> int:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT COUNT(*) FROM data_points WHERE dataset = ?", (dataset,))
        return int(row.fetchone()[0])
    finally:
        conn.close()


# -- a held write lock ---------------------------------------------------------------------


@contextmanager
def write_lock_held(db: Path) -> Iterator[None]:
    """Another process holds ``db``'s write lock, a row written and not committed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
        line = proc.stdout.readline() if ready else ""
        assert line.strip() == "held", f"the lock holder did not start: {line!r}"
        yield
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_a_read_answers_at_once_while_another_process_holds_a_long_write(db: Path) -> None:
    """The issue's reproduction: ``scalebot ask "/scale video"`` during a long import.

    Before, opening took the write lock to migrate, waited out the whole busy timeout
    (10 s) and died with "database is locked".
    """
    env = {**environ_without_settings(), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot.cli", "--db", str(db), "ask", "/scale video"]
    with write_lock_held(db):
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
        elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Video generation: scale and cost")
    assert "Traceback" not in done.stderr
    # Well under the 10 s busy timeout: the read never queued for the lock.
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_opening_an_up_to_date_file_does_not_wait_for_the_lock(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, with the time it takes: far less than the busy timeout it would wait."""
    monkeypatch.setattr(knowledge.ledger.opening, "BUSY_TIMEOUT_MS", 6_000)
    with write_lock_held(db):
        started = time.monotonic()
        with Core.open(db) as core:
            reply = core.ask("/compare 3d llm")
        elapsed = time.monotonic() - started
    assert reply.kind == "answer", reply.summary
    assert elapsed < 2, f"{elapsed:.2f} s: it queued for the lock"


def test_a_submission_that_cannot_get_the_lock_is_told_the_ledger_is_busy(
    db: Path, short_busy_timeout: None
) -> None:
    with write_lock_held(db):
        code, reply = ask_json(db, SUBMIT)
    assert code == 1
    assert reply["kind"] == "error" and reply["visibility"] == "private"
    assert reply["title"] == BUSY
    assert reply["data"]["error"] == "LedgerBusyError"
    summary = reply["summary"]
    assert "Nothing was stored" in summary and "try again in a minute" in summary
    assert "went wrong on our side" not in summary
    assert count_named(db, "Lockstep") == 0
    # Once the lock is free the same command goes through: nothing was left half-open.
    code, reply = ask_json(db, SUBMIT)
    assert code == 0 and reply["title"].startswith("Submitted #"), reply
    assert count_named(db, "Lockstep") == 1


def test_a_busy_ledger_leaves_the_core_usable_and_logs_a_warning(
    db: Path, short_busy_timeout: None, caplog: pytest.LogCaptureFixture
) -> None:
    with Core.open(db) as core:
        with write_lock_held(db), caplog.at_level(logging.WARNING, logger="bot.core"):
            refused = core.ask(SUBMIT, MEMBER)
            decided = core.ask("/approve 1 fine", MODERATOR)
        assert refused.title == BUSY and decided.title == BUSY
        assert not core.store.conn.in_transaction
        assert core.ask(SUBMIT, MEMBER).title.startswith("Submitted #")
    records = [r for r in caplog.records if "stored nothing" in r.getMessage()]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    assert all(r.exc_info is None for r in records), "a known cause, no traceback"


def test_an_import_under_a_held_lock_prints_one_line_and_stores_nothing(
    db: Path, tmp_path: Path, short_busy_timeout: None
) -> None:
    csv_file = tmp_path / "points.csv"
    csv_file.write_text(
        "domain,dataset,quantity,unit,year,source_url,note\n"
        "video,Bulk One,5M,clips,2024,https://example.org/bulk1,\n",
        encoding="utf-8",
    )
    with write_lock_held(db):
        result = invoke(db, "import", str(csv_file))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {BUSY}"), result.output
    assert "Nothing was stored" in lines[0]
    assert count_named(db, "Bulk One") == 0


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_adapters_say_the_ledger_is_busy(
    tmp_path: Path, short_busy_timeout: None, platform: str
) -> None:
    shown = refusal_on(platform, tmp_path, "busy")
    assert BUSY in shown and "Nothing was stored" in shown
    assert "went wrong on our side" not in shown


# -- a read-only file or folder ------------------------------------------------------------


def _chattr(flag: str, path: Path) -> bool:
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    done = subprocess.run([chattr, flag, str(path)], capture_output=True, timeout=TIMEOUT)
    return done.returncode == 0


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) read-only for this process, as a mount would make it.

    Modes stop other users only: for root the immutable attribute stands in, which
    refuses root's writes too (EPERM). Without it (no chattr, a file system without the
    attribute), root cannot be refused a write, and the test is skipped.
    """
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if not _chattr("+i", path):
        pytest.skip("running as root, and the immutable attribute is not available here")
    try:
        yield
    finally:
        _chattr("-i", path)


def test_a_read_only_file_answers_reads_and_refuses_writes(db: Path) -> None:
    code, reply = ask_json(db, "/submit video Waiting 1k clips https://example.org/waiting")
    assert code == 0, reply
    pending = reply["data"]["id"]
    writes = (
        (SUBMIT, "alice"),
        (f"/approve {pending} fine", "mod"),
        (f"/reject {pending} no", "mod"),
    )
    with read_only(db):
        result = invoke(db, "ask", "/scale video")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Video generation: scale and cost")
        for text, user in writes:
            code, reply = ask_json(db, text, user)
            assert code == 1, reply
            assert reply["title"] == WRITES_OFF, reply
            assert f"the database file is read-only: {db}" in reply["summary"]
            assert "Nothing was stored" in reply["summary"]
        assert ask_json(db, "/review", "mod")[0] == 0
        assert ask_json(db, "why does 3d data not scale")[0] == 0
        doctor = invoke(db, "doctor")
    assert doctor.exit_code == 0, doctor.output
    assert f"database: read-only (the database file is read-only: {db})" in doctor.stdout
    assert "schema: 0001_ledger" in doctor.stdout and "data points:" in doctor.stdout
    assert "knowledge base:" in doctor.stdout and "python " in doctor.stdout
    assert count_named(db, "Lockstep") == 0
    conn = sqlite3.connect(db)
    try:
        status = conn.execute("SELECT status FROM data_points WHERE id = ?", (pending,))
        assert status.fetchone() == ("pending",)
    finally:
        conn.close()


def test_a_read_only_folder_answers_reads_and_refuses_writes(db: Path) -> None:
    """No -wal or -shm file beside the database, and none can be made."""
    folder = db.parent
    assert not any(p.name.endswith(("-wal", "-shm")) for p in folder.iterdir())
    with read_only(folder):
        result = invoke(db, "ask", "/datasets video")
        assert result.exit_code == 0, result.output
        code, reply = ask_json(db, SUBMIT)
        assert code == 1 and reply["title"] == WRITES_OFF
        assert "folder is read-only" in reply["summary"] and str(folder) in reply["summary"]
        doctor = invoke(db, "doctor")
        assert doctor.exit_code == 0, doctor.output
        assert "database: read-only (the database's folder is read-only" in doctor.stdout
    assert count_named(db, "Lockstep") == 0


def test_a_read_only_file_whose_schema_is_behind_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(str(path))
    migrations.apply(old, stop_before="0003_dataset_names")
    old.close()
    with read_only(path):
        result = invoke(path, "ask", "/scale video")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: The ledger cannot be opened"), line
    assert "0003_dataset_names" in line and f"the database file is read-only: {path}" in line
    # Writable again, it is migrated on the next open.
    assert invoke(path, "ask", "/scale video").exit_code == 0


def test_a_new_database_in_a_read_only_folder_is_refused_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        result = invoke(folder / "new.db", "ask", "/scale video")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: The ledger cannot be opened: there is no database")


def test_a_read_only_folder_never_serves_an_older_ledger_than_its_wal_holds(
    db: Path, tmp_path: Path
) -> None:
    """Left by a crash: a -wal file with commits, no -shm, and a folder made read-only.

    SQLite could read the file only by ignoring the -wal file (``immutable``), which would
    answer from a ledger without those commits; the start is refused, saying what to do.
    """
    other = sqlite3.connect(db)  # open beside the core: its close does not fold the -wal in
    other.execute("SELECT COUNT(*) FROM data_points").fetchone()
    with Core.open(db) as core:
        assert core.ask(SUBMIT, MEMBER).kind == "answer"
        copy = tmp_path / "crashed"
        copy.mkdir()
        for name in (db.name, f"{db.name}-wal"):  # as a copy taken mid-run would be
            shutil.copyfile(db.parent / name, copy / name)
    other.close()
    assert (copy / f"{db.name}-wal").stat().st_size > 0
    with read_only(copy):
        result = invoke(copy / db.name, "ask", "/scale video")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "-wal file holds commits" in line and "make the folder writable once" in line
    # Writable, the commits are there.
    assert invoke(copy / db.name, "ask", "/scale video").exit_code == 0
    assert count_named(copy / db.name, "Lockstep") == 1


@pytest.mark.parametrize("platform", ["slack", "discord"])
@pytest.mark.parametrize("what", ["file", "folder"])
def test_adapters_say_writes_are_off_and_still_answer_reads(
    tmp_path: Path, platform: str, what: str
) -> None:
    shown = refusal_on(platform, tmp_path, what)
    assert WRITES_OFF in shown and "read-only" in shown and "Nothing was stored" in shown


# -- a full disk ---------------------------------------------------------------------------


def fill_until_refused(core: Core, user: str = MEMBER) -> tuple[int, str, str]:
    """Submit points until SQLite says the disk is full: (refused n, its title, summary).

    ``max_page_count`` at the file's present size: the next write that needs a new page
    fails inside SQLite with SQLITE_FULL, as when the disk has no room left.
    """
    conn = core.store.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    for n in range(500):
        text = f'/submit video "Filler {n}" {n + 1}k clips https://example.org/filler/{n}'
        reply = core.ask(text, user)
        if reply.kind == "error":
            return n, reply.title, reply.summary
    raise AssertionError("500 submissions fitted in the file's pages")


def test_a_full_disk_says_the_point_was_not_stored_and_logs_the_cause(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Core.open(db) as core, caplog.at_level(logging.WARNING, logger="bot.core"):
        n, title, summary = fill_until_refused(core)
        assert title == "Not stored: the disk is full"
        assert "nothing was stored" in summary and "will not help" in summary
        assert "try again in a moment" not in summary.casefold()
        assert not core.store.conn.in_transaction
        assert core.ask("/scale video").kind == "answer", "reads go on"
    assert count_named(db, f"Filler {n}") == 0
    assert all(count_named(db, f"Filler {k}") == 1 for k in range(n)), "the earlier ones stay"
    (record,) = [r for r in caplog.records if "stored nothing" in r.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info is None
    message = record.getMessage()
    assert "disk full" in message and str(db) in message and "database or disk is full" in message


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_adapters_say_the_disk_is_full(tmp_path: Path, platform: str) -> None:
    shown = refusal_on(platform, tmp_path, "full")
    assert "disk is full" in shown and "nothing was stored" in shown
    assert "went wrong on our side" not in shown


# -- the adapters --------------------------------------------------------------------------


def refusal_on(platform: str, tmp_path: Path, fault: str) -> str:
    """What a member sees on ``platform`` when a submission is refused by ``fault``.

    ``fault``: "busy" (another process holds the lock), "file" or "folder" (read-only),
    or "full" (SQLITE_FULL through max_page_count: submissions until one is refused).
    A read is checked to answer first, on the same stack.
    """
    folder = tmp_path / "data"
    database = folder / f"{platform}.db"
    Core.open(database).close()
    with ExitStack() as context:
        if fault in ("file", "folder"):
            context.enter_context(read_only(database if fault == "file" else folder))
        if platform == "slack":
            slack = context.enter_context(slack_stack(folder))
            core, read, submit = (
                slack.core,
                partial(_slack_read, slack),
                partial(_slack_submit, slack),
            )
        else:
            discord = context.enter_context(discord_stack(folder))
            core, read, submit = (
                discord.core,
                partial(_discord_read, discord),
                partial(_discord_submit, discord),
            )
        assert "Video generation" in read()
        if fault == "busy":
            context.enter_context(write_lock_held(database))
        if fault == "full":
            pages = core.store.conn.execute("PRAGMA page_count").fetchone()[0]
            core.store.conn.execute(f"PRAGMA max_page_count = {pages}")
        for n in range(500):
            shown = submit(n)
            if "Submitted #" not in shown:
                return shown
    raise AssertionError("500 submissions went through")


def _slack_read(slack: SlackStack) -> str:
    return json.dumps(slack.sender.command("/scale", "video", user=SLACK_MEMBER).json())


def _slack_submit(slack: SlackStack, n: int) -> str:
    text = f'video "Lockstep {n}" {n + 1}k clips https://example.org/lockstep/{n}'
    answer = slack.sender.command("/submit", text, user=SLACK_MEMBER).json()
    assert answer["response_type"] == "ephemeral", answer
    return json.dumps(answer, ensure_ascii=False)


def _discord_read(discord: DiscordStack) -> str:
    return json.dumps(discord.interact(slash_command("scale", {"domain": "video"})).json)


def _discord_submit(discord: DiscordStack, n: int) -> str:
    options = {**SUBMISSION, "dataset": f"Lockstep {n}", "quantity": f"{n + 1}k"}
    callback = discord.interact(slash_command("submit", options)).json
    assert callback["data"]["flags"] & (1 << 6), "only the member sees it"
    return json.dumps(callback["data"], ensure_ascii=False)


def test_the_command_limit_holds_in_process_when_writes_are_off(tmp_path: Path) -> None:
    """Counts cannot be stored on a read-only ledger; the limit still refuses, per process."""
    folder = tmp_path / "data"
    database = folder / "slack.db"
    Core.open(database).close()
    with read_only(folder), slack_stack(folder, command_limit="3/minute") as slack:
        answers = [_slack_read(slack) for _ in range(3)]
        assert all("Video generation" in shown for shown in answers)
        assert "Slow down" in _slack_read(slack)
        other = slack.sender.command("/scale", "video", user="UOTHER01").json()
        assert "Video generation" in json.dumps(other), "another member is not held back"
