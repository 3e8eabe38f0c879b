"""Only what should be public: every way into the web view, tried.

The ledger holds community activity by platform users (``tests/web_stack.py``: a
submitter on Slack with a workspace and channel, a moderator's note, a Discord member's
dispute, a confirmation). None of their ids, nor the note, may reach any page, JSON or
CSV, by link, by URL, by facet or by SQL, unless ``SCALEBOT_WEB_SHOW_USERS=1``; no
statement may write, whatever the settings; and a visitor's own SQL is refused unless
``SCALEBOT_WEB_ALLOW_SQL=1``.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from bot.web.privacy import PRIVATE_COLUMNS, PUBLIC_READS, Authorizer, protect
from tests.helpers import MODERATOR
from tests.web_stack import (
    CONFIRMER,
    FLAGGER,
    PRIVATE,
    SUBMITTER,
    Site,
    community_ledger,
    serving,
)

#: Every table the ledger has (and those colleagues' migrations may add): none but the
#: public views and ``datasets`` may be shown.
PRIVATE_TABLES = (
    "data_points",
    "audit_log",
    "flags",
    "confirmations",
    "request_keys",
    "kb_meta",
    "domain_counts",
    "claims",
    "claims_fts",
    "data_points_fts",
    "searchable_points",
    "_sqlite_migrations",
    "rate_counts",
    "ledger_version",
    "domains",
    "domain_names",
    "source_checks",
    "sqlite_master",
)
#: Datasette's own pages that describe the instance: its settings, metadata, the
#: database file's path, versions, plugins, threads, permissions.
INTROSPECTION = (
    "/-/metadata",
    "/-/metadata.json",
    "/-/settings",
    "/-/settings.json",
    "/-/config",
    "/-/config.json",
    "/-/databases.json",
    "/-/versions.json",
    "/-/plugins.json",
    "/-/threads.json",
    "/-/actor.json",
    "/-/permissions",
    "/-/allow-debug",
    "/-/messages",
    "/-/patterns",
    "/-/auth-token",
)
SECRET_SQL = (
    "select submitted_by from data_points",
    "select * from data_points",
    "select reviewed_by, review_note from data_points",
    "select * from audit_log",
    "select user from flags",
    "select user from confirmations",
    "select count(*) from audit_log",
    # A CTE named after a public view is still a read of the private column.
    "with figures as (select submitted_by as dataset from data_points) select * from figures",
    "select (select submitted_by from data_points limit 1) from current_figures",
    "select * from figures join data_points using (id)",
)
#: What SQLite says when the authorizer refuses a statement, depending on the statement.
REFUSED = r"not authorized|prohibited|authorization denied"
WRITES = (
    "insert into kb_meta (key, value) values ('x', 'y')",
    "update data_points set status = 'approved'",
    "delete from data_points",
    "drop view figures",
    "create table stolen (x)",
    "create temp table stolen (x)",
    "create temp view figures as select 1 as id",
    "attach database ':memory:' as other",
    "pragma writable_schema = 1",
    "pragma query_only = 0",
    "begin immediate",
    "vacuum",
)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("private") / "scalebot.db"
    community_ledger(path)
    return path


def settings(ledger: Path, **web: bool) -> Settings:
    return Settings(db=ledger, moderators=frozenset({MODERATOR}), **web)


@pytest.fixture(scope="module")
def site(ledger: Path) -> Iterator[Site]:
    with serving(settings(ledger)) as running:
        yield running


@pytest.fixture(scope="module")
def sql_site(ledger: Path) -> Iterator[Site]:
    with serving(settings(ledger, web_allow_sql=True)) as running:
        yield running


@pytest.fixture(scope="module")
def users_site(ledger: Path) -> Iterator[Site]:
    with serving(settings(ledger, web_show_users=True)) as running:
        yield running


def assert_nothing_private(text: str, where: str) -> None:
    for secret in PRIVATE:
        assert secret not in text, f"{where} shows {secret!r}"
    for column in PRIVATE_COLUMNS:
        assert column not in text, f"{where} names the private column {column!r}"


def links_of(body: str) -> list[str]:
    return [urllib.parse.urljoin("/", href) for href in re.findall(r'href="(/[^"#]*)"', body)]


def test_the_ledger_holds_what_must_stay_private(ledger: Path) -> None:
    """The tests below mean something: each kind of private row is there to leak."""
    conn = sqlite3.connect(ledger)
    try:
        for table, column, who in (
            ("data_points", "submitted_by", SUBMITTER),
            ("data_points", "reviewed_by", MODERATOR),
            ("audit_log", "actor", MODERATOR),
            ("flags", "user", FLAGGER),
            ("confirmations", "user", CONFIRMER),
            ("rate_counts", "user", SUBMITTER),
        ):
            found = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (who,))
            assert found.fetchone()[0] > 0, f"no {table}.{column} = {who!r} in the ledger"
    finally:
        conn.close()


# -- pages ----------------------------------------------------------------------------------


def test_no_page_reachable_by_link_shows_anything_private(site: Site) -> None:
    """Every page, JSON and CSV one can reach by following links from the home page."""
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < 400:
        path = queue.pop(0)
        if path in seen or path.endswith(".png") or "/-/static" in path:
            continue
        seen.add(path)
        page = site.get(path.replace("&amp;", "&"))
        assert page.status in (200, 400), f"{path}: {page.status}"
        assert_nothing_private(page.body, path)
        if "html" in page.content_type:
            queue += [link for link in links_of(page.body) if link not in seen]
    assert len(seen) > 30, sorted(seen)
    assert any("/ledger/figures" in path for path in seen)
    assert any(".csv" in path for path in seen)


@pytest.mark.parametrize("table", PRIVATE_TABLES)
@pytest.mark.parametrize("form", ["", ".json", ".csv", "/1", "/1.json", ".json?_col=submitted_by"])
def test_private_tables_are_refused_by_url(site: Site, table: str, form: str) -> None:
    for name in (table, table.upper()):
        page = site.get(f"/ledger/{name}{form}")
        assert page.status in (403, 404), f"/ledger/{name}{form}: {page.status}"
        assert_nothing_private(page.body, f"/ledger/{name}{form}")


def test_public_tables_show_no_private_column(site: Site) -> None:
    for table in ("figures", "current_figures", "datasets"):
        page = site.get(f"/ledger/{table}.json?_size=max")
        assert page.status == 200
        assert_nothing_private(page.body, table)
        # Asking for a column the view does not have is an error (which repeats the
        # name asked for), not a leak.
        asked = site.get(f"/ledger/{table}.json?_col=submitted_by")
        assert asked.status == 400
        assert_nothing_private(asked.body.replace("submitted_by", ""), f"{table}?_col=")


def test_the_database_lists_only_public_tables(site: Site) -> None:
    listing = site.get("/ledger.json").json()
    assert {table["name"] for table in listing["tables"]} == {"datasets"}
    assert {view["name"] for view in listing["views"]} == {"figures", "current_figures"}
    home = site.get("/.json").json()
    assert set(home) == {"ledger"}


@pytest.mark.parametrize("path", INTROSPECTION)
def test_introspection_pages_are_not_served(site: Site, path: str) -> None:
    page = site.get(path)
    assert page.status == 404, f"{path}: {page.status}"
    assert "scalebot.db" not in page.body


def test_no_download_no_internal_database(site: Site, ledger: Path) -> None:
    for path in ("/ledger.db", "/_internal", "/_internal.json", "/_memory", "/scalebot"):
        page = site.get(path)
        assert page.status in (403, 404), f"{path}: {page.status}"
        assert str(ledger) not in page.body


# -- SQL ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/ledger?sql=select+1",
        "/ledger.json?sql=select+1",
        "/ledger.csv?sql=select+1",
        "/ledger/-/query?sql=select+1",
        "/ledger/-/query.json?sql=select+1",
    ],
)
def test_a_visitor_s_own_sql_is_off_by_default(site: Site, path: str) -> None:
    page = site.get(path)
    assert page.status in (403, 404), f"{path}: {page.status}"


def test_no_page_offers_a_sql_editor_by_default(site: Site) -> None:
    assert 'name="sql"' not in site.get("/ledger").body


def sql(site: Site, statement: str) -> tuple[int, str]:
    page = site.get("/ledger.json?" + urllib.parse.urlencode({"sql": statement}))
    return page.status, page.body


def test_allowed_sql_reads_public_data(sql_site: Site) -> None:
    status, body = sql(sql_site, "select dataset, value from current_figures where domain = 'llm'")
    assert status == 200
    assert "DCLM-Pool" in body
    status, body = sql(sql_site, "select id, dataset, quantity from data_points limit 3")
    assert status == 200, body


@pytest.mark.parametrize("statement", SECRET_SQL)
def test_allowed_sql_still_reads_nothing_private(sql_site: Site, statement: str) -> None:
    status, body = sql(sql_site, statement)
    assert status != 200, body
    # The error repeats the statement: the column names it asked for are no leak.
    for column in PRIVATE_COLUMNS:
        if column in statement:
            body = body.replace(column, "")
    assert_nothing_private(body, statement)


@pytest.mark.parametrize("statement", WRITES)
def test_allowed_sql_never_writes(sql_site: Site, ledger: Path, statement: str) -> None:
    status, _ = sql(sql_site, statement)
    assert status != 200
    check = sqlite3.connect(ledger)
    try:
        assert check.execute("select count(*) from kb_meta where key = 'x'").fetchone() == (0,)
        assert check.execute("select count(*) from data_points").fetchone()[0] > 50
        names = {row[0] for row in check.execute("select name from sqlite_master")}
        assert {"figures", "current_figures"} <= names and "stolen" not in names
    finally:
        check.close()


# -- the rule itself, on a connection ------------------------------------------------------


def guarded(ledger: Path, *, show_users: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{ledger.resolve().as_uri()}?mode=ro", uri=True)
    protect(conn, show_users=show_users)
    return conn


@pytest.mark.parametrize("show_users", [False, True])
@pytest.mark.parametrize("statement", WRITES)
def test_the_authorizer_refuses_every_write(ledger: Path, show_users: bool, statement: str) -> None:
    conn = guarded(ledger, show_users=show_users)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=REFUSED):
            conn.execute(statement)
    finally:
        conn.close()


def test_the_authorizer_refuses_private_columns_one_by_one(ledger: Path) -> None:
    conn = guarded(ledger, show_users=False)
    try:
        columns = [row[1] for row in conn.execute("pragma table_info(data_points)")]
        assert set(columns) >= PRIVATE_COLUMNS
        public = PUBLIC_READS["data_points"]
        for column in columns:
            statement = f"select {column} from data_points limit 1"
            if column in public:
                conn.execute(statement).fetchall()
            else:
                with pytest.raises(sqlite3.DatabaseError, match="prohibited"):
                    conn.execute(statement)
        assert not PRIVATE_COLUMNS & public
    finally:
        conn.close()


def test_the_public_views_read_only_public_columns(ledger: Path) -> None:
    conn = guarded(ledger, show_users=False)
    try:
        for view in ("figures", "current_figures"):
            conn.execute(f"select * from {view}").fetchall()
    finally:
        conn.close()


def test_the_authorizer_is_only_for_the_web_view(ledger: Path) -> None:
    """A plain connection (the bot's) reads everything: the rule lives on Datasette's."""
    conn = sqlite3.connect(ledger)
    try:
        assert conn.execute(
            "select count(*) from data_points where submitted_by = ?", (SUBMITTER,)
        ).fetchone() == (3,)
    finally:
        conn.close()


def test_authorizer_allows_schema_pragmas_not_settings() -> None:
    rule = Authorizer(show_users=False)
    assert rule(sqlite3.SQLITE_PRAGMA, "table_info", "audit_log", None, None) == 0
    assert rule(sqlite3.SQLITE_PRAGMA, "schema_version", None, None, None) == 0
    assert rule(sqlite3.SQLITE_PRAGMA, "schema_version", "7", None, None) != 0
    assert rule(sqlite3.SQLITE_PRAGMA, "writable_schema", "1", None, None) != 0


# -- SCALEBOT_WEB_SHOW_USERS=1 ---------------------------------------------------------------


def test_show_users_publishes_ids_and_every_table(users_site: Site) -> None:
    points = users_site.get("/ledger/data_points.json?_shape=array&_size=max")
    assert points.status == 200
    assert SUBMITTER in points.body
    audit = users_site.get("/ledger/audit_log.json")
    assert audit.status == 200
    assert MODERATOR in audit.body


def test_show_users_still_keeps_sql_off_and_introspection_hidden(users_site: Site) -> None:
    assert users_site.get("/ledger?sql=select+1").status == 403
    assert users_site.get("/-/databases.json").status == 404


# -- a ledger from a later release -----------------------------------------------------------

#: A moderator's id in a table a later migration adds (community fields, 0007).
FIELD_ADDER = "discord:99887766554433221"


def test_tables_a_later_migration_adds_stay_private(tmp_path: Path) -> None:
    """A table added after the privacy rule was written is private until the rule names
    it: here community fields (``0007_community_domains``), whose rows say who added them."""
    path = tmp_path / "scalebot.db"
    community_ledger(path)
    with Core.open(settings=Settings(db=path, moderators=frozenset({FIELD_ADDER}))) as core:
        added = core.ask('/domain add audio "Audio" aliases:"speech"', FIELD_ADDER)
        assert added.kind == "answer", added.summary
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT added_by FROM domains").fetchall() == [(FIELD_ADDER,)]
    conn.close()
    with serving(settings(path)) as running:
        assert running.get("/ledger/current_figures.json?domain=video").status == 200
        listing = running.get("/ledger.json").json()
        assert {table["name"] for table in listing["tables"]} == {"datasets"}
        for form in ("", ".json", ".csv", "/audio.json"):
            for table in ("domains", "domain_names"):
                page = running.get(f"/ledger/{table}{form}")
                assert page.status in (403, 404), f"/ledger/{table}{form}: {page.status}"
                assert FIELD_ADDER not in page.body
