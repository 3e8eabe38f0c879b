"""The ``scalebot`` command line (bot/cli.py) and the Python entry point ``from bot import Core``.

Covers ``ask`` (plain, ``--as``, ``--json``, error exit status), ``run`` (console with piped
input, EOF, no-argument fallback to the console, ``all`` with no credentials), ``kb check``,
``import`` (all or nothing, line numbers), ``export`` (CSV and JSON, round-tripped through
``import``), ``backup`` (same counts, no silent overwrite), ``doctor`` (secrets hidden), and one
real run of the installed console script. Everything goes through CliRunner on ``bot.cli:cli``
with the database in ``tmp_path`` and the environment cleared of scalebot's variables.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import CREDENTIALS_HELP, cli
from bot.importer import IMPORT_COLUMNS
from knowledge.kb import Library
from knowledge.store import Store
from tests.helpers import clear_settings_env, count_rows, curated_rows, environ_without_settings

SUBMIT = "/submit video WebVid 10M clips https://example.org/webvid 2023"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No scalebot variables from the caller's environment and no .env file in the cwd."""
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "scalebot.db"


def invoke(db: Path | None, *args: str, input: str | None = None) -> Result:
    runner = CliRunner()
    prefix = ["--db", str(db)] if db is not None else []
    return runner.invoke(cli, [*prefix, *args], input=input, catch_exceptions=False)


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {table: count_rows(conn, table) for table in ("data_points", "audit_log", "claims")}


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(IMPORT_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in IMPORT_COLUMNS})
    return path


def row(dataset: str, quantity: str = "10M", **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "domain": "video",
        "dataset": dataset,
        "quantity": quantity,
        "unit": "clips",
        "year": 2023,
        "source_url": f"https://example.org/{dataset.lower()}",
        "note": "",
    }
    base.update(extra)
    return base


# -- ask -------------------------------------------------------------------------------------


def test_ask_prints_the_plain_reply(db: Path) -> None:
    result = invoke(db, "ask", "/scale video")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Video generation: scale and cost"
    assert "Sources:" in lines
    assert not result.output.lstrip().startswith("{")
    assert db.exists()


def test_ask_as_user_stores_console_user(db: Path) -> None:
    result = invoke(db, "ask", SUBMIT, "--as", "bob", "--json")
    assert result.exit_code == 0, result.output
    reply = json.loads(result.output)
    assert reply["kind"] == "answer"
    point_id = reply["data"]["id"]
    store = Store.open(db)
    try:
        point = store.reads.get(point_id)
        assert point is not None
        assert point.submitted_by == "console:bob"
        assert point.platform == "console"
        assert point.status == "pending"
        assert point.dataset == "WebVid"
        assert [e.actor for e in store.history.audit_log(point_id)] == ["console:bob"]
    finally:
        store.close()


def test_ask_default_user_is_console_local(db: Path) -> None:
    reply = json.loads(invoke(db, "ask", SUBMIT, "--json").output)
    store = Store.open(db)
    try:
        assert store.reads.get(reply["data"]["id"]).submitted_by == "console:local"
    finally:
        store.close()


def test_ask_json_prints_the_reply_model(db: Path) -> None:
    result = invoke(db, "ask", "/scale video", "--json")
    assert result.exit_code == 0, result.output
    reply = json.loads(result.output)
    assert reply["title"] == "Video generation: scale and cost"
    assert reply["kind"] == "answer"
    assert reply["visibility"] == "public"
    assert {"summary", "fields", "citations", "data"} <= reply.keys()
    assert any("arxiv.org" in (c.get("url") or "") for c in reply["citations"])


def test_ask_error_reply_exits_nonzero_with_message(db: Path) -> None:
    result = invoke(db, "ask", "/scale vidoe")
    assert result.exit_code == 1
    assert "Unknown domain" in result.output
    assert "video" in result.output
    assert "Example: /scale" in result.output


def test_ask_error_reply_as_json_exits_nonzero(db: Path) -> None:
    result = invoke(db, "ask", "/nosuchcommand", "--json")
    assert result.exit_code == 1
    reply = json.loads(result.output)
    assert reply["kind"] == "error"
    assert reply["visibility"] == "private"
    assert reply["data"]["error"] == "UnknownCommand"


def test_refused_submission_stores_nothing(db: Path) -> None:
    before = invoke(db, "ask", "/domains")
    assert before.exit_code == 0
    rows = counts(db)
    result = invoke(db, "ask", "/submit video WebVid lots clips https://example.org/x")
    assert result.exit_code == 1
    assert "quantity" in result.output
    assert counts(db) == rows


def test_db_comes_from_scalebot_db_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("SCALEBOT_DB", str(target))
    result = invoke(None, "ask", "/domains")
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert not (tmp_path / "scalebot.db").exists()


def test_db_option_overrides_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCALEBOT_DB", str(tmp_path / "from-env.db"))
    chosen = tmp_path / "chosen.db"
    assert invoke(chosen, "ask", "/domains").exit_code == 0
    assert chosen.exists()
    assert not (tmp_path / "from-env.db").exists()


def test_invalid_configuration_is_refused_with_a_message(
    monkeypatch: pytest.MonkeyPatch, db: Path
) -> None:
    monkeypatch.setenv("SCALEBOT_MODERATORS", "alice")
    result = invoke(db, "ask", "/domains")
    assert result.exit_code != 0
    assert "MODERATORS" in result.output
    assert "platform:user_id" in result.output


def test_moderator_from_env_can_review(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    monkeypatch.setenv("SCALEBOT_MODERATORS", "console:mod")
    point_id = json.loads(invoke(db, "ask", SUBMIT, "--as", "alice", "--json").output)["data"]["id"]
    refused = invoke(db, "ask", f"/approve {point_id}", "--as", "alice")
    assert refused.exit_code == 1
    approved = invoke(db, "ask", f"/approve {point_id}", "--as", "mod")
    assert approved.exit_code == 0, approved.output
    store = Store.open(db)
    try:
        point = store.reads.get(point_id)
        assert point.status == "approved"
        assert point.reviewed_by == "console:mod"
    finally:
        store.close()


# -- run -------------------------------------------------------------------------------------


def test_run_console_answers_each_piped_line(db: Path) -> None:
    result = invoke(db, "run", "console", input="/scale video\n\n/domains\n/scale vidoe\nexit\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Video generation: scale and cost" in out
    assert "Unknown domain" in out
    for slug in Library.load().domains:
        assert slug in out
    # Replies come in the order the commands were typed.
    assert out.index("Video generation") < out.index("Unknown domain")


def test_run_console_stops_at_exit(db: Path) -> None:
    result = invoke(db, "run", "console", input="exit\n/scale video\n")
    assert result.exit_code == 0
    assert "Video generation" not in result.output


def test_run_console_as_user(db: Path) -> None:
    result = invoke(db, "run", "console", "--as", "carol", input=f"{SUBMIT}\nquit\n")
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    try:
        pending = [p for p in store.reads.all_points() if p.status == "pending"]
        assert [p.submitted_by for p in pending] == ["console:carol"]
    finally:
        store.close()


def test_run_console_leaves_cleanly_at_eof(db: Path) -> None:
    result = invoke(db, "run", "console", input="/scale video")
    assert result.exit_code == 0, result.output
    assert "Video generation: scale and cost" in result.output
    assert result.exception is None


def test_run_console_on_empty_input(db: Path) -> None:
    result = invoke(db, "run", "console", input="")
    assert result.exit_code == 0
    assert result.exception is None


def test_run_without_credentials_starts_the_console(db: Path) -> None:
    result = invoke(db, "run", input="/scale llm\nexit\n")
    assert result.exit_code == 0, result.output
    assert "LLM" in result.output.splitlines()[0]
    assert db.exists()


def test_run_all_without_credentials_names_the_variables(db: Path) -> None:
    assert "DISCORD_TOKEN" in CREDENTIALS_HELP
    assert "SLACK_BOT_TOKEN" in CREDENTIALS_HELP
    result = invoke(db, "run", "all")
    assert result.exit_code != 0
    assert "DISCORD_TOKEN" in result.output
    assert "SLACK_BOT_TOKEN" in result.output
    assert "Traceback" not in result.output


def test_run_slack_without_credentials_is_refused(db: Path) -> None:
    result = invoke(db, "run", "slack")
    assert result.exit_code != 0
    assert "SLACK_BOT_TOKEN" in result.output


def test_run_unknown_platform_is_a_usage_error(db: Path) -> None:
    result = invoke(db, "run", "irc")
    assert result.exit_code == 2
    assert "irc" in result.output


# -- kb check --------------------------------------------------------------------------------


def test_kb_check_prints_counts(db: Path) -> None:
    result = invoke(db, "kb", "check")
    assert result.exit_code == 0, result.output
    library = Library.load()
    out = result.output
    assert "OK" in out
    assert f"{len(library.kb.domains)} domains" in out
    assert f"{len(library.claims())} claims" in out
    assert f"{len(curated_rows())} curated data points" in out
    assert not db.exists()  # checking the files never touches the database


# -- import ----------------------------------------------------------------------------------


def test_import_loads_rows_as_approved(db: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "new.csv",
        [row("Alpha", "10M"), row("Beta", "2.5B", unit="hours", note="a note, with comma")],
    )
    result = invoke(db, "import", str(path), "--as", "dana")
    assert result.exit_code == 0, result.output
    assert "2" in result.output
    store = Store.open(db)
    try:
        imported = {p.dataset: p for p in store.reads.all_points() if p.origin == "import"}
        assert set(imported) == {"Alpha", "Beta"}
        beta = imported["Beta"]
        assert beta.status == "approved"
        assert beta.quantity == 2.5e9
        assert beta.quantity_text == "2.5B"
        assert beta.unit == "hours"
        assert beta.note == "a note, with comma"
        assert beta.submitted_by == "console:dana"
    finally:
        store.close()


def test_import_bad_row_refuses_whole_file_with_line_number(db: Path, tmp_path: Path) -> None:
    invoke(db, "ask", "/domains")
    before = counts(db)
    path = write_csv(tmp_path / "bad.csv", [row("Good"), row("Good2"), row("Bad", "lots")])
    result = invoke(db, "import", str(path))
    assert result.exit_code != 0
    assert "line 4" in result.output
    assert "bad.csv" in result.output
    assert counts(db) == before


def test_import_missing_column_is_refused_at_line_1(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("domain,dataset,quantity\nvideo,X,10M\n", encoding="utf-8")
    result = invoke(db, "import", str(path))
    assert result.exit_code != 0
    assert "line 1" in result.output
    assert "unit" in result.output


def test_import_missing_file_is_a_usage_error(db: Path, tmp_path: Path) -> None:
    result = invoke(db, "import", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2


# -- export ----------------------------------------------------------------------------------


def curated_keys() -> set[tuple[str, str, str, str]]:
    return {(r["domain"], r["dataset"], r["quantity"], r["unit"]) for r in curated_rows()}


def test_export_csv_contains_curated_datasets(db: Path) -> None:
    result = invoke(db, "export", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0])[: len(IMPORT_COLUMNS)] == list(IMPORT_COLUMNS)
    assert {"status", "origin", "submitted_by", "reviewed_by", "reviewed_at"} <= set(rows[0])
    exported = {(r["domain"], r["dataset"], r["quantity"], r["unit"]) for r in rows}
    assert exported == curated_keys()
    assert {r["origin"] for r in rows} == {"curated"}


def test_export_json_contains_curated_datasets(db: Path) -> None:
    result = invoke(db, "export", "--format", "json")
    assert result.exit_code == 0, result.output
    points = json.loads(result.output)
    assert {(p["domain"], p["dataset"], p["quantity_text"], p["unit"]) for p in points} == (
        curated_keys()
    )
    assert all(p["status"] == "approved" for p in points)


def test_export_includes_pending_with_review_fields(db: Path, tmp_path: Path) -> None:
    invoke(db, "ask", SUBMIT, "--as", "bob")
    out = tmp_path / "out.json"
    assert invoke(db, "export", "--format", "json", "-o", str(out)).exit_code == 0
    points = json.loads(out.read_text(encoding="utf-8"))
    pending = [p for p in points if p["status"] == "pending"]
    assert len(pending) == 1
    assert pending[0]["submitted_by"] == "console:bob"
    assert pending[0]["reviewed_by"] is None


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_round_trips_through_import(fmt: str, tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    extra = write_csv(tmp_path / "extra.csv", [row("Gamma", "1,200", note='x, "quoted"')])
    assert invoke(source, "import", str(extra)).exit_code == 0
    dump = tmp_path / f"dump.{fmt}"
    assert invoke(source, "export", "--format", fmt, "-o", str(dump)).exit_code == 0

    if fmt == "csv":
        to_import = dump
    else:
        points = json.loads(dump.read_text(encoding="utf-8"))
        to_import = write_csv(
            tmp_path / "from-json.csv", [{**p, "quantity": p["quantity_text"]} for p in points]
        )

    def key(p) -> tuple:
        return (
            p.domain,
            p.dataset,
            p.quantity_text,
            p.quantity,
            p.unit,
            p.year,
            p.source_url,
            p.note,
        )

    src = Store.open(source)
    try:
        exported = sorted(key(p) for p in src.reads.all_points())
    finally:
        src.close()

    fresh = tmp_path / "fresh.db"
    result = invoke(fresh, "import", str(to_import))
    assert result.exit_code == 0, result.output
    store = Store.open(fresh)
    try:
        imported = sorted(key(p) for p in store.reads.all_points() if p.origin == "import")
    finally:
        store.close()
    assert imported == exported
    assert any(k[1] == "Gamma" and k[3] == 1200 for k in imported)


# -- backup ----------------------------------------------------------------------------------


def test_backup_writes_sqlite_file_with_same_counts(db: Path, tmp_path: Path) -> None:
    invoke(db, "ask", SUBMIT)
    target = tmp_path / "copy.db"
    result = invoke(db, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    assert counts(target) == counts(db)
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The copy is a working scalebot database.
    copied = json.loads(invoke(target, "export", "--format", "json").output)
    assert any(p["dataset"] == "WebVid" and p["status"] == "pending" for p in copied)


def test_backup_refuses_to_overwrite_without_force(db: Path, tmp_path: Path) -> None:
    invoke(db, "ask", "/domains")
    target = tmp_path / "copy.db"
    target.write_bytes(b"keep me")
    result = invoke(db, "backup", str(target))
    assert result.exit_code != 0
    assert "--force" in result.output
    assert target.read_bytes() == b"keep me"

    forced = invoke(db, "backup", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert counts(target) == counts(db)


def test_backup_onto_the_database_itself_is_refused(db: Path) -> None:
    invoke(db, "ask", "/domains")
    before = counts(db)
    result = invoke(db, "backup", str(db), "--force")
    assert result.exit_code != 0
    assert counts(db) == before


# -- doctor ----------------------------------------------------------------------------------


def test_doctor_masks_secrets_and_shows_db_schema_counts(
    monkeypatch: pytest.MonkeyPatch, db: Path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-123")
    monkeypatch.setenv("SCALEBOT_MODERATORS", "console:mod,slack:U024BE7LH")
    result = invoke(db, "doctor")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "secret-123" not in out
    assert "xoxb" not in out
    token_line = next(line for line in out.splitlines() if "SLACK_BOT_TOKEN" in line)
    assert "hidden" in token_line
    discord_line = next(line for line in out.splitlines() if "DISCORD_TOKEN" in line)
    assert "not set" in discord_line
    assert "console:mod" in out
    assert str(db.resolve()) in out

    store = Store.open(db)
    try:
        schema = store.schema_version()
        totals = store.reads.totals()
    finally:
        store.close()
    assert schema
    assert all(name in out for name in schema)
    assert f"{totals['approved']} approved" in out
    assert f"{totals['claims']} claims" in out
    # One token without a signing secret or app token does not make Slack runnable.
    assert "none (console only)" in out


# -- Python entry point ----------------------------------------------------------------------


def test_python_entry_point(db: Path) -> None:
    from bot import Core

    core = Core.open(db)
    try:
        reply = core.ask("/scale video", user="console:alice")
        assert reply.kind == "answer"
        assert reply.title == "Video generation: scale and cost"
        assert reply.as_text().startswith(reply.title)
        assert reply.model_dump()["title"] == reply.title
        submitted = core.ask(SUBMIT, user="console:alice")
        assert core.store.reads.get(submitted.data["id"]).submitted_by == "console:alice"
    finally:
        core.close()
    # The CLI sees what the Python API wrote.
    out = json.loads(invoke(db, "export", "--format", "json").output)
    assert any(p["submitted_by"] == "console:alice" for p in out)


def test_python_entry_point_same_text_as_cli(db: Path, tmp_path: Path) -> None:
    from bot import Core

    with Core.open(tmp_path / "api.db") as core:
        text = core.ask("/compare 3d llm", user="console:alice").as_text()
    cli_out = invoke(db, "ask", "/compare 3d llm", "--as", "alice").output
    assert cli_out.rstrip("\n") == text.rstrip("\n")


# -- the installed console script -----------------------------------------------------------


@pytest.mark.slow
def test_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "scalebot"
    if not script.exists():
        pytest.skip(f"no console script at {script}")
    env = environ_without_settings()
    db = tmp_path / "sub.db"
    proc = subprocess.run(
        [str(script), "--db", str(db), "ask", "/scale video"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "Video generation: scale and cost"
    assert "Traceback" not in proc.stderr
    assert counts(db)["data_points"] == len(curated_rows())
