"""``scalebot publish OUT_DIR``: what the web view shows, nothing else, the same bytes.

The ledger (``tests/publish_stack.py``) holds every kind of private value the bot
keeps; the snapshot is checked column by column against the web view's public list,
and every byte of every file is searched for each private value. Publishing twice, and
from a copy of the ledger, gives the same bytes; the descriptor validates against the
Frictionless Data Package profile and measures every file truly.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from bot.core import Core
from bot.publish import package
from bot.web.privacy import PRIVATE_COLUMNS, PUBLIC_READS, protect
from knowledge import records
from tests.helpers import MODERATOR
from tests.publish_stack import (
    FIELD_NAME,
    FIELD_SLUG,
    READ_URL,
    SECRETS,
    SENTENCE,
    TOKENS,
    private_ledger,
    snapshot_files,
)

PROFILE = Path(__file__).parent / "data" / "frictionless" / "datapackage-2.0.json"
#: The tables a snapshot holds: the web view's two views and its datasets table, the
#: growth record query's answer, and the fields the home page and charts name.
TABLES = {"figures", "current_figures", "datasets", "growth_records", "fields"}
#: The columns of the two tables the web view does not read from the ledger as they are:
#: growth_records is the growth_record query's columns with its field; fields the
#: field's slug and name (its links), its record's unit and its chart.
FIELD_COLUMNS = ["slug", "name", "unit", "chart"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "scalebot.db"
    private_ledger(path)
    return path


def run_publish(ledger: Path, out_dir: Path, env: dict[str, str] | None = None) -> str:
    """``scalebot --db LEDGER publish OUT_DIR`` as a user runs it; its output."""
    result = CliRunner().invoke(
        cli, ["--db", str(ledger), "publish", str(out_dir)], env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def snapshot(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("published") / "snapshot"
    run_publish(ledger, out_dir, env=TOKENS)
    return out_dir


@pytest.fixture
def snapshot_db(snapshot: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{(snapshot / 'ledger.db').as_uri()}?mode=ro", uri=True)
    yield conn
    conn.close()


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


# -- nothing private ------------------------------------------------------------------------


def test_the_ledger_holds_every_private_value(ledger: Path) -> None:
    """The search below means something: each planted value is in the ledger's file."""
    conn = sqlite3.connect(ledger)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    held = ledger.read_bytes()
    absent = [s for s in SECRETS if s not in TOKENS.values() and s.encode() not in held]
    assert absent == []


def test_no_file_holds_a_private_value(snapshot: Path) -> None:
    """Every byte of every file: ids, notes, check sentences, addresses read, tokens."""
    found = {
        (path, secret)
        for path, data in snapshot_files(snapshot).items()
        for secret in SECRETS
        if secret.encode() in data or secret.encode("utf-16-le") in data
    }
    assert found == set()


def test_the_snapshot_holds_only_public_tables_and_columns(
    snapshot_db: sqlite3.Connection, ledger: Path
) -> None:
    """Each table and column against the web view's public list (bot/web/privacy.py)."""
    kinds = dict(
        snapshot_db.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')"
        ).fetchall()
    )
    assert kinds == dict.fromkeys(TABLES, "table")
    source = sqlite3.connect(ledger)
    try:
        for view in ("figures", "current_figures"):
            shown = columns(snapshot_db, view)
            assert shown == columns(source, view)
            assert set(shown) <= PUBLIC_READS[view]
        assert columns(snapshot_db, "datasets") == columns(source, "datasets")
        assert set(columns(snapshot_db, "datasets")) <= PUBLIC_READS["datasets"]
        protect(source, show_users=False)
        query = source.execute(records.growth_record_sql({}), {"field": "video"})
        assert columns(snapshot_db, "growth_records") == ["domain"] + [
            d[0] for d in query.description
        ]
    finally:
        source.close()
    assert columns(snapshot_db, "fields") == FIELD_COLUMNS
    every = {name for table in TABLES for name in columns(snapshot_db, table)}
    assert every & PRIVATE_COLUMNS == set()


def test_the_snapshot_holds_what_the_web_view_shows(
    snapshot_db: sqlite3.Connection, ledger: Path
) -> None:
    """Row for row: the views and the datasets table, pending and rejected figures too."""
    source = sqlite3.connect(ledger)
    try:
        for table in ("figures", "current_figures", "datasets"):
            names = ", ".join(columns(source, table))
            expected = source.execute(f"SELECT {names} FROM {table} ORDER BY id").fetchall()
            got = snapshot_db.execute(f"SELECT {names} FROM {table} ORDER BY id").fetchall()
            assert got == expected, table
    finally:
        source.close()
    statuses = dict(snapshot_db.execute("SELECT status, count(*) FROM figures GROUP BY status"))
    assert set(statuses) == {"approved", "pending", "rejected"}
    found = snapshot_db.execute(
        "SELECT source_check, source_figures FROM figures WHERE source = ?",
        ("https://example.org/pending-hours",),
    ).fetchone()
    assert found == ("states", "900K hours")
    fields = dict(snapshot_db.execute("SELECT slug, name FROM fields"))
    assert fields[FIELD_SLUG] == FIELD_NAME


def test_a_token_in_the_environment_is_not_in_the_output(ledger: Path, tmp_path: Path) -> None:
    output = run_publish(ledger, tmp_path / "out", env=TOKENS)
    assert "published" in output
    assert not any(token in output for token in TOKENS.values())


# -- files ----------------------------------------------------------------------------------


def test_each_table_is_a_csv_and_a_json_file_with_the_same_rows(
    snapshot: Path, snapshot_db: sqlite3.Connection
) -> None:
    for table in TABLES:
        names = columns(snapshot_db, table)
        rows = snapshot_db.execute(f"SELECT * FROM [{table}] ORDER BY rowid").fetchall()
        data = (snapshot / f"{table}.csv").read_bytes()
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
        with (snapshot / f"{table}.csv").open(encoding="utf-8", newline="") as text:
            read = list(csv.reader(text))
        assert read[0] == names
        assert len(read) - 1 == len(rows) > 0
        as_text = [["" if v is None else str(v) for v in row] for row in rows]
        assert sorted(read[1:]) == sorted(as_text)
        objects = json.loads((snapshot / f"{table}.json").read_text(encoding="utf-8"))
        assert [list(o) for o in objects] == [names] * len(rows)
        assert sorted(map(repr, (tuple(o.values()) for o in objects))) == sorted(map(repr, rows))


def test_every_chart_is_a_png(snapshot: Path) -> None:
    """Each field's (a field moderators added too) and the comparison."""
    charts = sorted(path.name for path in (snapshot / "charts").iterdir())
    fields = sorted(json.loads((snapshot / "fields.json").read_text("utf-8")), key=str)
    assert f"{FIELD_SLUG}.png" in charts
    assert len(charts) == len(fields) + 1
    for name in charts:
        data = (snapshot / "charts" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"tEXt" not in data and b"tIME" not in data and b"matplotlib" not in data


def test_a_csv_cell_that_would_start_a_formula_is_text(tmp_path: Path) -> None:
    path = tmp_path / "scalebot.db"
    with Core.open(settings=Settings(db=path, moderators=frozenset({MODERATOR}))) as core:
        reply = core.ask(
            '/submit video "=HYPERLINK(1)" 5M clips https://example.org/formula 2024 note:@SUM(2)',
            "console:eve",
        )
        assert reply.kind == "answer", reply.as_text()
    run_publish(path, tmp_path / "out")
    text = (tmp_path / "out" / "figures.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and "'@SUM(2)" in text
    objects = json.loads((tmp_path / "out" / "figures.json").read_text(encoding="utf-8"))
    assert {"=HYPERLINK(1)", "@SUM(2)"} <= {v for o in objects for v in o.values()}


# -- the same bytes -------------------------------------------------------------------------


def test_the_same_ledger_gives_the_same_bytes(ledger: Path, snapshot: Path, tmp_path: Path) -> None:
    """Again, and from a copy of the ledger in another folder: every file, byte for byte."""
    run_publish(ledger, tmp_path / "again")
    copy = tmp_path / "copy" / "other-name.db"
    copy.parent.mkdir()
    source = sqlite3.connect(ledger)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    run_publish(copy, tmp_path / "from-copy")
    first = snapshot_files(snapshot)
    assert len(first) > 15
    assert snapshot_files(tmp_path / "again") == first
    assert snapshot_files(tmp_path / "from-copy") == first


def test_created_is_the_ledgers_last_change_not_the_run(ledger: Path, tmp_path: Path) -> None:
    """Every time the ledger stamps moved into the past: ``created`` follows the latest."""
    old = tmp_path / "old.db"
    shutil.copy(ledger, old)
    conn = sqlite3.connect(old)
    try:
        stamped = {
            "audit_log": ["at"],
            "data_points": ["submitted_at", "reviewed_at"],
            "datasets": ["created_at", "latest_at"],
            "source_checks": ["checked_at"],
            "domains": ["added_at"],
        }
        for table, names in stamped.items():
            for name in names:
                conn.execute(
                    f"UPDATE {table} SET {name} = '2024-01-02T03:04:05.678901Z' "
                    f"WHERE {name} IS NOT NULL"
                )
        conn.execute(
            "UPDATE audit_log SET at = '2024-05-06T07:08:09.5Z' "
            "WHERE id = (SELECT max(id) FROM audit_log)"
        )
        conn.commit()
    finally:
        conn.close()
    run_publish(old, tmp_path / "out")
    described = json.loads((tmp_path / "out" / "datapackage.json").read_text("utf-8"))
    assert described["created"] == "2024-05-06T07:08:09Z"


def test_the_sqlite_file_is_a_plain_file_for_immutable_serving(snapshot: Path) -> None:
    """No write-ahead log or journal beside it; the header's fixed fields as set."""
    data = (snapshot / "ledger.db").read_bytes()
    assert data[:16] == b"SQLite format 3\x00"
    assert int.from_bytes(data[16:18], "big") == 4096  # page size
    assert data[18:20] == b"\x01\x01"  # rollback journal, not WAL
    assert int.from_bytes(data[36:40], "big") == 0  # no free pages
    assert sorted(p.name for p in snapshot.iterdir() if p.name.startswith("ledger.db")) == [
        "ledger.db"
    ]


# -- the descriptor -------------------------------------------------------------------------


def test_the_descriptor_is_a_valid_data_package(snapshot: Path) -> None:
    described = json.loads((snapshot / "datapackage.json").read_text("utf-8"))
    schema = json.loads(PROFILE.read_text("utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [error.message for error in validator.iter_errors(described)] == []
    assert described["name"] == package.PACKAGE_NAME
    assert described["$schema"].endswith("/2.0/datapackage.json")


def test_the_descriptor_measures_every_file(snapshot: Path) -> None:
    """Each file but the descriptor is a resource, with its true size, SHA-256 and rows."""
    described = json.loads((snapshot / "datapackage.json").read_text("utf-8"))
    files = snapshot_files(snapshot)
    resources = described["resources"]
    assert sorted(r["path"] for r in resources) == sorted(set(files) - {"datapackage.json"})
    assert len({r["name"] for r in resources}) == len(resources)
    for resource in resources:
        data = files[resource["path"]]
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert (
            resource["mediatype"]
            == {
                ".csv": "text/csv",
                ".json": "application/json",
                ".png": "image/png",
                ".db": "application/vnd.sqlite3",
            }[os.path.splitext(resource["path"])[1]]
        )
        if resource["path"].endswith(".csv"):
            header, *rows = list(csv.reader(data.decode("utf-8").splitlines()))
            assert [f["name"] for f in resource["schema"]["fields"]] == header
            assert resource["rows"] == len(rows)
            assert described["counts"][resource["path"][: -len(".csv")]] == len(rows)


def test_the_descriptor_counts_figures_by_status(
    snapshot: Path, snapshot_db: sqlite3.Connection
) -> None:
    counts = json.loads((snapshot / "datapackage.json").read_text("utf-8"))["counts"]
    for status in ("approved", "pending", "rejected"):
        (held,) = snapshot_db.execute(
            "SELECT count(*) FROM figures WHERE status = ?", (status,)
        ).fetchone()
        assert counts[status] == held > 0
    assert counts["charts"] == len(list((snapshot / "charts").iterdir()))


def test_the_planted_check_is_public_only_as_the_web_shows_it(snapshot: Path) -> None:
    """The check's status and figures are public; its sentence and address are not."""
    text = (snapshot / "figures.json").read_text("utf-8")
    assert '"source_check":"states"' in text and '"source_figures":"900K hours"' in text
    assert SENTENCE not in text and READ_URL not in text
