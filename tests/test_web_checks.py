"""The web view's source check columns, over HTTP on 127.0.0.1 (the real Datasette).

Covers: ``source_check`` and ``source_figures`` on every figure the web shows (both
views and the canned queries), empty for a figure never checked; what stays private
(the sentences, the address read, the reason a source was not read: a reason may name
the server's own network), on every page a link reaches and in SQL; the table itself
refused by URL and unlisted.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.web.privacy import protect
from knowledge.sourcecheck import FoundFigure, SourceCheck
from knowledge.store import Store
from tests.helpers import MODERATOR
from tests.web_stack import APPROVED, PENDING, REJECTED, Site, community_ledger, serving

#: Text of the stored checks that no public page or query may show.
SENTENCE = "Our corpus sums to 900K hours SENTENCE-ONLY-IN-THE-CHECK of narrated video."
READ_URL = "https://export.example.org/READ-URL-ONLY-IN-THE-CHECK"
REASON = "10.20.30.40 REASON-ONLY-IN-THE-CHECK refused the connection"
HIDDEN = (
    SENTENCE,
    "SENTENCE-ONLY-IN-THE-CHECK",
    "READ-URL-ONLY-IN-THE-CHECK",
    REASON,
    "10.20.30.40",
)


def checked_ledger(path: Path) -> dict[str, int]:
    """The web tests' community ledger, its pending figure's source found to state other
    figures, its approved one's unreachable; the rejected one never checked."""
    ids = community_ledger(path)
    store = Store.open(path)
    try:
        store.checks.record(
            ids["pending"],
            SourceCheck(
                status="differs",
                url=PENDING[3],
                read_url=READ_URL,
                checked_at="2026-12-03T07:00:00.000000Z",
                unit="hours",
                figures=(
                    FoundFigure(850_000.0, "850K hours", SENTENCE),
                    FoundFigure(7_100.0, "7,100 hours", SENTENCE),
                ),
            ),
        )
        store.checks.record(
            ids["approved"],
            SourceCheck(
                status="unreachable",
                url=APPROVED[3],
                read_url=READ_URL,
                checked_at="2026-12-03T07:01:00.000000Z",
                unit="clips",
                reason=REASON,
            ),
        )
    finally:
        store.close()
    return ids


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("checks") / "scalebot.db"
    return path, checked_ledger(path)


@pytest.fixture(scope="module")
def site(ledger: tuple[Path, dict[str, int]]) -> Iterator[Site]:
    with serving(Settings(db=ledger[0], moderators=frozenset({MODERATOR}))) as running:
        yield running


def rows(site: Site, path: str) -> list[dict]:
    separator = "&" if "?" in path else "?"
    page = site.get(f"{path}{separator}_shape=array&_size=max")
    assert page.status == 200, page.body[:500]
    return page.json()


def by_dataset(found: list[dict]) -> dict[str, tuple[object, object]]:
    return {row["dataset"]: (row["source_check"], row["source_figures"]) for row in found}


def test_every_figure_shows_its_check_status_and_the_figures_found(site: Site) -> None:
    shown = by_dataset(rows(site, "/ledger/figures.json"))
    assert shown[PENDING[0]] == ("differs", "850K hours; 7,100 hours")
    assert shown[APPROVED[0]] == ("unreachable", "")
    assert shown[REJECTED[0]] == (None, None)
    # The curated figures were never checked.
    assert shown["InternVid"] == (None, None)


def test_current_figures_show_the_check_too(site: Site) -> None:
    shown = by_dataset(rows(site, "/ledger/current_figures.json?domain=video"))
    assert shown[APPROVED[0]] == ("unreachable", "")
    assert PENDING[0] not in shown


def test_figures_can_be_filtered_by_check_status(site: Site) -> None:
    found = rows(site, "/ledger/figures.json?source_check=differs")
    assert [row["dataset"] for row in found] == [PENDING[0]]


def test_the_canned_queries_show_the_check(site: Site) -> None:
    (pending,) = rows(site, "/ledger/pending_review.json")
    assert (pending["source_check"], pending["source_figures"]) == (
        "differs",
        "850K hours; 7,100 hours",
    )
    history = rows(site, "/ledger/dataset_history.json?name=" + urllib.parse.quote(APPROVED[0]))
    assert [row["source_check"] for row in history] == ["unreachable"]
    current = by_dataset(rows(site, "/ledger/current_by_field.json?field=video"))
    assert current[APPROVED[0]] == ("unreachable", "")


def test_the_figures_page_has_the_column_with_its_description(site: Site) -> None:
    page = site.get("/ledger/figures")
    assert page.status == 200
    assert "source_check" in page.body and "source_figures" in page.body
    assert "850K hours; 7,100 hours" in page.body


def test_no_page_reachable_by_link_shows_a_check_s_private_text(site: Site) -> None:
    seen: set[str] = set()
    queue = ["/", "/ledger/figures", "/ledger/pending_review", "/ledger/figures.csv?_size=max"]
    while queue and len(seen) < 300:
        path = queue.pop(0)
        if path in seen or path.endswith(".png") or "/-/static" in path:
            continue
        seen.add(path)
        page = site.get(path.replace("&amp;", "&"))
        assert page.status in (200, 400), f"{path}: {page.status}"
        for hidden in HIDDEN:
            assert hidden not in page.body, f"{path} shows {hidden!r}"
        if "html" in page.content_type:
            queue += [
                urllib.parse.urljoin("/", href)
                for href in re.findall(r'href="(/[^"#]*)"', page.body)
                if href not in seen
            ]
    assert len(seen) > 30


@pytest.mark.parametrize("form", ["", ".json", ".csv", "/1", "/1.json"])
def test_the_checks_table_is_refused_by_url_and_unlisted(site: Site, form: str) -> None:
    page = site.get(f"/ledger/source_checks{form}")
    assert page.status in (403, 404), f"/ledger/source_checks{form}: {page.status}"
    for hidden in HIDDEN:
        assert hidden not in page.body
    listing = site.get("/ledger.json").json()
    assert "source_checks" not in {table["name"] for table in listing["tables"]}


@pytest.mark.parametrize("column", ["data", "read_url", "url", "checked_at", "*"])
def test_sql_reads_no_private_column_of_a_check(
    ledger: tuple[Path, dict[str, int]], column: str
) -> None:
    conn = sqlite3.connect(f"{ledger[0].resolve().as_uri()}?mode=ro", uri=True)
    protect(conn, show_users=False)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="prohibited"):
            conn.execute(f"select {column} from source_checks")
        assert conn.execute("select status, found from source_checks order by point_id").fetchall()
    finally:
        conn.close()
