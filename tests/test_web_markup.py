"""Markup members typed is text on every web page; a normal page logs no error.

A moderator can name a field ``<img src=x onerror=...>`` and any member can submit a
dataset or a note like it (``tests/hostile_stack.py``). Each page that shows those
strings (the home page's field links, the charts page, every table, view and canned
query) must hold them escaped. The browser's view of the same pages is in
``test_web_browser.py``. Also here: counting rows on the home page reads no private
table (Datasette printed an ``ERROR ... not authorized`` line per private table), and a
curated figure shows that it is curated, not the seed's day as its decision.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.config import Settings
from tests.helpers import MODERATOR
from tests.hostile_stack import (
    DATASET,
    FIELD_NAME,
    FIELD_SLUG,
    MARKUP,
    NOTE,
    PENDING_DATASET,
    PENDING_NOTE,
    hostile_ledger,
)
from tests.web_stack import APPROVED, Site, community_ledger, serving

#: Every page that shows a field's name, a dataset's name or a note, and what it shows.
PAGES = {
    "/": (FIELD_NAME,),
    "/-/charts": (FIELD_NAME,),
    f"/ledger/current_figures?domain={FIELD_SLUG}": (DATASET, NOTE),
    f"/ledger/figures?domain={FIELD_SLUG}": (DATASET, NOTE, PENDING_DATASET, PENDING_NOTE),
    f"/ledger/datasets?domain={FIELD_SLUG}": (DATASET, PENDING_DATASET),
    "/ledger/pending_review": (PENDING_DATASET, PENDING_NOTE),
    f"/ledger/current_by_field?field={FIELD_SLUG}": (DATASET, NOTE),
    f"/ledger/growth_record?field={FIELD_SLUG}": (DATASET,),
    "/ledger/dataset_history?" + urlencode({"name": DATASET}): (DATASET, NOTE),
    # Facets list the values themselves, as links.
    f"/ledger/figures?domain={FIELD_SLUG}&_facet=dataset&_facet=note": (DATASET, NOTE),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("hostile") / "scalebot.db"
    hostile_ledger(path)
    with serving(Settings(db=path, moderators=frozenset({MODERATOR}))) as running:
        yield running


@pytest.mark.parametrize("path", sorted(PAGES))
def test_markup_in_the_ledger_is_text_on_the_page(hostile: Site, path: str) -> None:
    page = hostile.get(path)
    assert page.status == 200, page.body[:300]
    for markup in MARKUP:
        assert markup not in page.body, f"{path} holds {markup!r} as markup"
    # ... and each string is there, as text a person reads.
    for shown in PAGES[path]:
        assert html.escape(shown, quote=False) in page.body, f"{path} does not show {shown!r}"


def test_a_dataset_s_own_row_page_shows_its_name_as_text(hostile: Site) -> None:
    found = hostile.get("/ledger/datasets.json?" + urlencode({"name": DATASET, "_shape": "array"}))
    [dataset] = found.json()
    page = hostile.get(f"/ledger/datasets/{dataset['id']}")
    assert page.status == 200
    assert DATASET not in page.body
    assert html.escape(DATASET, quote=False) in page.body


def test_the_home_page_links_the_hostile_field_by_its_escaped_name(hostile: Site) -> None:
    body = hostile.get("/").body
    link = re.search(rf'<a href="([^"]*domain={FIELD_SLUG})">([^<]*)</a>', body)
    assert link is not None, "the home page has no link to the field"
    assert html.unescape(link.group(2)) == FIELD_NAME


# -- a normal page logs no error ------------------------------------------------------------

#: The pages a visitor opens, none of which is anyone's mistake.
NORMAL_PAGES = (
    "/",
    "/ledger",
    "/ledger/current_figures?domain=video",
    "/ledger/figures",
    "/ledger/datasets",
    "/ledger/datasets/1",
    "/ledger/pending_review",
    "/ledger/dataset_history?name=InternVid",
    "/ledger/growth_record?field=video",
    "/ledger/current_by_field?field=3d",
    "/-/charts",
)


def test_normal_pages_log_nothing_at_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scalebot.db"
    community_ledger(path)
    caplog.set_level(logging.DEBUG)
    with serving(Settings(db=path, moderators=frozenset({MODERATOR}))) as site:
        capfd.readouterr()  # start-up's output is not a page's
        for page in NORMAL_PAGES:
            assert site.get(page).status == 200, page
        printed = capfd.readouterr()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    # Datasette prints its SQL errors rather than logging them: those count too.
    assert "ERROR" not in printed.err, printed.err[:2000]
    assert "ERROR" not in printed.out, printed.out[:2000]


def test_the_home_page_counts_the_public_rows(tmp_path: Path) -> None:
    """With no count refused, Datasette shows the counts it used to drop."""
    path = tmp_path / "scalebot.db"
    community_ledger(path)
    with serving(Settings(db=path)) as site:
        body = site.get("/").body
    assert re.search(r"[\d,]+ rows? in 1 table", body), body[:3000]


# -- curated rows ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("curated") / "scalebot.db"
    community_ledger(path)
    with serving(Settings(db=path, moderators=frozenset({MODERATOR}))) as running:
        yield running


def test_curated_figures_have_no_decision_day(site: Site) -> None:
    rows = site.get("/ledger/current_figures.json?domain=video&_shape=array&_size=max").json()
    curated = [row for row in rows if row["origin"] == "curated"]
    community = [row for row in rows if row["dataset"] == APPROVED[0]]
    assert curated and community
    assert {row["decided_on"] for row in curated} == {None}
    # A moderator's approval keeps its day.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", community[0]["decided_on"])


@pytest.mark.parametrize(
    "path",
    [
        "/ledger/current_figures?domain=video",
        "/ledger/figures?domain=video",
        "/ledger/current_by_field?field=video",
        "/ledger/dataset_history?name=InternVid",
    ],
)
def test_curated_figures_say_curated_where_the_decision_day_goes(site: Site, path: str) -> None:
    body = site.get(path).body
    cells = re.findall(r'<td class="col-decided_on[^"]*">(.*?)</td>', body, re.S)
    assert cells, f"{path} has no decided_on column"
    shown = {re.sub(r"<[^>]+>", "", cell).strip() for cell in cells}
    assert "curated" in shown
    internvid = re.search(r">InternVid</a></td>.*?</tr>", body, re.S)
    assert internvid is not None
    assert re.search(r'col-decided_on[^"]*"><span class="curated"', internvid.group(0))
