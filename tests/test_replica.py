"""Replication around the drill: the setting, ``scalebot restore``, the start, doctor.

``SCALEBOT_REPLICA_URL`` is checked when the settings are read and never printed with its
password; ``scalebot restore`` writes a new file only, to a point in time with ``--at``,
and says whether what it restored is a ledger; a bot that starts with no database and a
replica begins from the replica; doctor reads the replica's state from the running bot's
Litestream; with no replica set, no Litestream runs at all.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.replica import replica_status
from tests.replica_stack import (
    ReplicatedBot,
    invoke,
    no_socket,
    process_gone,
    restored_ids,
)

linux = pytest.mark.skipif(sys.platform != "linux", reason="the bot's Litestream child")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("http://backups.example.org/x", "s3://my-bucket/scalebot"),
        ("/var/backups/scalebot", "file:///var/backups/scalebot"),
        ("file://relative/x", "file:///var/backups/scalebot"),
        ("s3:///no-bucket", "names no bucket"),
    ],
)
def test_a_bad_replica_url_is_refused_with_an_example(value: str, said: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(replica_url=value)
    assert said in str(raised.value)


def test_the_replica_password_is_never_shown(tmp_path: Path) -> None:
    url = "sftp://backup:hunter2@backups.example.org/scalebot"
    settings = Settings(replica_url=url)
    assert settings.replica_url is not None
    assert settings.replica_url.secret() == url
    assert "hunter2" not in f"{settings.replica_url} {settings.replica_url!r} {settings!r}"
    shown = invoke("--db", str(tmp_path / "a.db"), "doctor", replica=url)
    assert shown.exit_code == 0, shown.stderr
    assert "sftp://backup:****@backups.example.org/scalebot" in shown.stdout
    assert "hunter2" not in shown.stdout + shown.stderr
    refused = invoke("--db", str(tmp_path / "a.db"), "doctor", replica="ftp://u:hunter2@h/x")
    assert refused.exit_code == 1
    assert "SCALEBOT_REPLICA_URL" in refused.stderr and "s3://my-bucket" in refused.stderr
    assert "hunter2" not in refused.stderr


def test_restore_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    existing = tmp_path / "scalebot.db"
    existing.write_bytes(b"the ledger of today")
    done = invoke("restore", "--from", (tmp_path / "replica").as_uri(), "-o", str(existing))
    assert done.exit_code == 1
    assert f"{existing} exists" in done.stderr and "never overwrites" in done.stderr
    assert existing.read_bytes() == b"the ledger of today"


def test_restore_from_an_empty_replica_says_so(tmp_path: Path) -> None:
    done = invoke(
        "restore", "--from", (tmp_path / "nothing").as_uri(), "-o", str(tmp_path / "x.db")
    )
    assert done.exit_code == 1
    assert "holds no backup" in done.stderr
    assert not (tmp_path / "x.db").exists()


@linux
def test_restore_to_a_point_in_time(tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    bot = ReplicatedBot(tmp_path / "a" / "scalebot.db", replica, tmp_path / "bot.log", 0.2)
    try:
        bot.litestream_pid()
        before = bot.submit()
        time.sleep(1.0)  # shipped, in a change file of its own
        moment = datetime.now(UTC)
        time.sleep(0.6)
        after = bot.submit()
        assert bot.stop() == 0, bot.log_text()
    finally:
        bot.close()
    then = tmp_path / "then.db"
    done = invoke(
        "restore", "--from", replica.as_uri(), "--at", moment.isoformat(), "-o", str(then)
    )
    assert done.exit_code == 0, done.stderr
    assert f"as of {moment.isoformat()}" in done.stdout
    assert before in restored_ids(then) and after not in restored_ids(then)
    latest = tmp_path / "latest.db"
    done = invoke("restore", "--from", replica.as_uri(), "-o", str(latest))
    assert done.exit_code == 0, done.stderr
    assert {before, after} <= restored_ids(latest)
    conn = sqlite3.connect(latest)
    approved, pending = (
        conn.execute(f"SELECT COUNT(*) FROM data_points WHERE status = '{s}'").fetchone()[0]
        for s in ("approved", "pending")
    )
    conn.close()
    assert (
        f"{approved + pending:,} figures ({approved:,} approved, {pending:,} pending)"
        in done.stdout
    )


@linux
def test_restore_says_when_the_replica_holds_no_ledger(tmp_path: Path) -> None:
    """A replica of another program's database restores, and is named for what it is."""
    from bot.replica.supervisor import Replication

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('not a ledger')")
    conn.commit()
    replica = tmp_path / "replica"
    with Replication(Settings(db=other, replica_url=replica.as_uri())) as replication:
        replication.start()
        conn.execute("INSERT INTO notes VALUES ('still not')")
        conn.commit()
    conn.close()
    done = invoke("restore", "--from", replica.as_uri(), "-o", str(tmp_path / "r.db"))
    assert done.exit_code == 1
    assert "not a usable scalebot ledger" in done.stderr and "no migrations table" in done.stderr


@linux
def test_a_new_machine_starts_from_the_replica(tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    first = ReplicatedBot(tmp_path / "old" / "scalebot.db", replica, tmp_path / "old.log", 0.2)
    try:
        first.litestream_pid()
        written = {first.submit() for _ in range(3)}
        assert first.stop() == 0, first.log_text()
    finally:
        first.close()

    fresh = tmp_path / "new" / "scalebot.db"  # a new container's empty volume
    second = ReplicatedBot(fresh, replica, tmp_path / "new.log", 0.2)
    try:
        second.litestream_pid()
        later = second.submit()
        assert second.stop() == 0, second.log_text()
    finally:
        second.close()
    assert "restored" in second.log_text() and "from the replica" in second.log_text()
    assert written | {later} <= restored_ids(fresh)
    assert later > max(written)  # it went on from the old ledger, not a new one


@linux
def test_an_empty_replica_starts_a_new_ledger(tmp_path: Path) -> None:
    bot = ReplicatedBot(tmp_path / "scalebot.db", tmp_path / "replica", tmp_path / "bot.log")
    try:
        bot.litestream_pid()
        assert bot.stop() == 0
    finally:
        bot.close()
    assert "holds no database yet: starting a new ledger" in bot.log_text()


@linux
def test_an_unreadable_replica_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    replica = tmp_path / "a-file" / "replica"
    done = invoke("--db", str(tmp_path / "scalebot.db"), "run", "console", replica=replica.as_uri())
    assert done.exit_code == 1
    assert (
        "cannot be restored from the replica" in done.stderr
        and "Nothing was started" in done.stderr
    )
    assert not (tmp_path / "scalebot.db").exists()


@linux
def test_doctor_shows_the_running_replica_and_its_lag(tmp_path: Path) -> None:
    db = tmp_path / "scalebot.db"
    replica = tmp_path / "replica"
    bot = ReplicatedBot(db, replica, tmp_path / "bot.log", 0.2)
    try:
        bot.litestream_pid()
        bot.submit()
        time.sleep(0.5)
        shown = invoke("--db", str(db), "doctor", replica=replica.as_uri())
        status = replica_status(Settings(db=db, replica_url=replica.as_uri()))
        assert bot.stop() == 0
    finally:
        bot.close()
    assert shown.exit_code == 0, shown.stderr
    assert f"replica: {replica.as_uri()} (replicating)" in shown.stdout
    assert "lag" in shown.stdout
    assert status is not None and status.state == "replicating"
    assert status.lag_seconds is not None and status.lag_seconds < 5
    assert status.error is None
    after = replica_status(Settings(db=db, replica_url=replica.as_uri()))
    assert after is not None and after.state == "not running" and after.lag_seconds is None


def test_no_replica_no_status(tmp_path: Path) -> None:
    assert replica_status(Settings(db=tmp_path / "scalebot.db")) is None


@linux
def test_without_a_replica_no_litestream_runs(tmp_path: Path) -> None:
    db = tmp_path / "scalebot.db"
    bot = ReplicatedBot(db, None, tmp_path / "bot.log")
    try:
        bot.submit()
        assert no_socket(db)
        children = Path(f"/proc/{bot.proc.pid}/task/{bot.proc.pid}/children")
        assert children.read_text().split() == []
        assert bot.stop() == 0
    finally:
        bot.close()
    assert "bot.replica" not in bot.log_text()


@linux
def test_a_second_bot_on_the_database_starts_no_second_litestream(tmp_path: Path) -> None:
    db = tmp_path / "scalebot.db"
    replica = tmp_path / "replica"
    first = ReplicatedBot(db, replica, tmp_path / "one.log", 0.2)
    second = None
    try:
        litestream = first.litestream_pid()
        second = ReplicatedBot(db, replica, tmp_path / "two.log", 0.2)
        written = second.submit()
        assert "already replicates" in second.log_text()
        assert second.stop() == 0
        time.sleep(0.6)  # the first bot's Litestream ships the second's write
        assert first.stop() == 0
    finally:
        first.close()
        if second is not None:
            second.close()
    assert process_gone(litestream)
    restored = tmp_path / "restored.db"
    done = invoke("restore", "--from", replica.as_uri(), "-o", str(restored))
    assert done.exit_code == 0, done.stderr
    assert written in restored_ids(restored)
