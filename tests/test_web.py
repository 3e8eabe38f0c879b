"""The web view's pages, over HTTP on 127.0.0.1: what a visitor gets from each.

The ledger is the curated seed plus community activity (``tests/web_stack.py``). The
server is the real one (Datasette under uvicorn, ``bot.web.service``). Privacy has its
own file (``test_web_privacy.py``); the browser's view is in ``test_web_browser.py``.
"""

from __future__ import annotations

import html
import re
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import fieldgrowth
from bot.config import Settings
from bot.core import Core
from knowledge.kb import Library
from knowledge.trend import Figure, frontier
from tests.helpers import MODERATOR
from tests.web_stack import APPROVED, PENDING, REJECTED, Site, community_ledger, serving

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("web") / "scalebot.db"
    return path, community_ledger(path)


@pytest.fixture(scope="module")
def site(ledger: tuple[Path, dict[str, int]]) -> Iterator[Site]:
    with serving(Settings(db=ledger[0], moderators=frozenset({MODERATOR}))) as running:
        yield running


def rows(site: Site, path: str) -> list[dict]:
    separator = "&" if "?" in path else "?"
    page = site.get(f"{path}{separator}_shape=array&_size=max")
    assert page.status == 200, page.body[:500]
    return page.json()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- the pages people want ------------------------------------------------------------------


def test_home_page_names_the_ledger_and_links_each_field(site: Site) -> None:
    page = site.get("/")
    assert page.status == 200
    assert "scalebot: the community ledger of AI dataset sizes" in page.body
    for slug, domain in Library.load().domains.items():
        assert f'href="/ledger/current_figures?domain={slug}"' in page.body, slug
        assert domain.name in page.body
    assert 'href="/-/charts"' in page.body


def test_current_figures_are_one_row_per_dataset_and_unit(site: Site) -> None:
    found = rows(site, "/ledger/current_figures.json?domain=video")
    assert {row["domain"] for row in found} == {"video"}
    keys = [(row["dataset_id"], row["unit"]) for row in found]
    assert len(keys) == len(set(keys))
    internvid = [row for row in found if row["dataset"] == "InternVid"]
    assert [(row["value"], row["unit"]) for row in internvid] == [(760_000.0, "hours")]
    assert internvid[0]["source"] == "https://arxiv.org/abs/2307.06942"
    community = [row for row in found if row["dataset"] == APPROVED[0]]
    assert [(row["value"], row["unit"], row["year"]) for row in community] == [
        (5_000_000.0, "clips", 2025)
    ]
    assert community[0]["disputes"] == 1
    assert not {PENDING[0], REJECTED[0]} & {row["dataset"] for row in found}


def test_the_figures_page_facets_by_domain_unit_status_and_year(site: Site) -> None:
    page = site.get("/ledger/figures.json?domain=video")
    assert page.status == 200
    facets = page.json()["facet_results"]
    assert set(facets) == {"domain", "unit", "status", "year"}
    statuses = {item["value"]: item["count"] for item in facets["status"]["results"]}
    assert statuses["pending"] == 1
    assert statuses["rejected"] == 1
    current = site.get("/ledger/current_figures.json?domain=video").json()["facet_results"]
    assert set(current) == {"domain", "unit", "year"}
    units = {item["value"]: item["count"] for item in current["unit"]["results"]}
    assert units["clips"] == 3  # HowTo100M, Panda-70M and the community's figure


def test_a_facet_filters_the_rows(site: Site) -> None:
    hours = rows(site, "/ledger/current_figures.json?domain=video&unit=hours")
    assert hours
    assert {row["unit"] for row in hours} == {"hours"}
    every = rows(site, "/ledger/current_figures.json?domain=video")
    assert len(hours) == sum(1 for row in every if row["unit"] == "hours")


def test_every_number_links_to_its_source(site: Site) -> None:
    page = site.get("/ledger/current_figures?domain=video")
    assert page.status == 200
    cells = re.findall(r'<td class="col-value[^"]*"[^>]*>(.*?)</td>', page.body, re.S)
    listed = rows(site, "/ledger/current_figures.json?domain=video")
    assert len(cells) == len(listed)
    for cell, row in zip(cells, listed, strict=True):
        link = re.search(r'<a href="([^"]+)"', cell)
        assert link, cell
        assert html.unescape(link.group(1)) == row["source"]
    assert ">760K</a>" in page.body


def test_a_dataset_name_opens_its_history(site: Site) -> None:
    page = site.get("/ledger/current_figures?domain=video")
    assert 'href="/ledger/dataset_history?name=InternVid"' in page.body


def test_dataset_history_by_name_in_any_case(site: Site) -> None:
    history = rows(site, "/ledger/dataset_history.json?name=howto100m")
    assert history
    assert {row["dataset"] for row in history} == {"HowTo100M"}
    assert {row["unit"] for row in history} == {"hours", "clips"}
    assert all(row["status"] == "approved" for row in history)
    rejected = rows(site, f"/ledger/dataset_history.json?name={REJECTED[0].replace(' ', '+')}")
    assert [(row["status"], row["value"]) for row in rejected] == [("rejected", 12.0)]
    assert rejected[0]["decided_on"]


def test_pending_review_lists_what_awaits_a_decision(site: Site) -> None:
    pending = rows(site, "/ledger/pending_review.json")
    assert [(row["dataset"], row["value"], row["unit"]) for row in pending] == [
        (PENDING[0], 900_000.0, "hours")
    ]


def test_current_by_field_is_a_field_s_figures(site: Site) -> None:
    found = rows(site, "/ledger/current_by_field.json?field=3d")
    assert {row["domain"] for row in found} == {"3d"}
    assert "Objaverse-XL" in {row["dataset"] for row in found}


def test_current_by_field_with_no_field_is_every_field_s(site: Site) -> None:
    every = rows(site, "/ledger/current_by_field.json")
    assert {row["domain"] for row in every} == set(Library.load().domains)
    assert len(every) == len(rows(site, "/ledger/current_figures.json"))
    keys = [(row["dataset"], row["domain"], row["unit"]) for row in every]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("slug", sorted(Library.load().domains))
def test_growth_record_is_the_trend_s_frontier(
    site: Site, ledger: tuple[Path, dict[str, int]], slug: str
) -> None:
    domain = Library.load().domains[slug]
    with Core.open(ledger[0]) as core:
        # The growth rule: current approved dated figures, in (year, id) order.
        points = sorted(
            (
                p
                for p in core.store.reads.all_points()
                if p.domain == slug
                and p.status == "approved"
                and p.is_current
                and p.unit == domain.headline_unit
                and p.year is not None
            ),
            key=lambda p: (p.year, p.id),
        )
        chat = fieldgrowth.read(core.store, core.library.domains[slug]).records
    figures = [Figure(p.dataset, p.quantity, p.year or 0) for p in points]
    expected = [(f.year, f.quantity) for f in frontier(figures)]
    record = rows(site, f"/ledger/growth_record.json?field={slug}")
    assert [(row["year"], row["value"]) for row in record] == expected
    assert [row["id"] for row in record] == [p.id for p in chat]
    assert record[0]["times_previous"] is None
    assert all(row["times_previous"] > 1 for row in record[1:])


# -- charts -------------------------------------------------------------------------------


def test_a_field_s_chart_is_the_bot_s_png(site: Site) -> None:
    data = site.raw("/-/charts/video.png")
    assert png_size(data) == (960, 540)
    assert site.raw("/-/charts/video.png") == data  # kept, not drawn again


def test_a_chart_answers_to_a_field_s_alias(site: Site) -> None:
    assert site.raw("/-/charts/t2v.png") == site.raw("/-/charts/video.png")


def test_the_comparison_chart(site: Site) -> None:
    every = site.raw("/-/charts/compare.png")
    two = site.raw("/-/charts/compare.png?fields=video,3d")
    assert png_size(every) == png_size(two) == (960, 540)
    assert every != two


def test_a_field_asked_twice_is_compared_once(site: Site) -> None:
    once = site.raw("/-/charts/compare.png?fields=video,3d")
    assert site.raw("/-/charts/compare.png?fields=video,t2v,3d," + "video," * 50) == once


def test_unknown_fields_have_no_chart(site: Site) -> None:
    assert site.get("/-/charts/knitting.png").status == 404
    assert site.get("/-/charts/compare.png?fields=video,knitting").status == 404


def test_the_charts_page_shows_every_field(site: Site) -> None:
    page = site.get("/-/charts")
    assert page.status == 200
    for slug in Library.load().domains:
        assert f'src="/-/charts/{slug}.png"' in page.body
    assert 'src="/-/charts/compare.png"' in page.body


# -- a live file ---------------------------------------------------------------------------


def test_pages_follow_the_ledger_as_it_changes(tmp_path: Path) -> None:
    """Served read-only, never as immutable: a figure approved while it runs shows up."""
    path = tmp_path / "scalebot.db"
    settings = Settings(db=path, moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core, serving(settings) as running:
        before = running.raw("/-/charts/video.png")
        assert not rows(running, "/ledger/current_figures.json?domain=video&unit=hours&year=2026")
        submitted = core.ask(
            '/submit video "Huge Hours" 9M hours https://example.org/huge 2026', "console:a"
        )
        assert core.ask(f"/approve {submitted.data['id']}", MODERATOR).kind == "answer"
        found = rows(running, "/ledger/current_figures.json?domain=video&unit=hours&year=2026")
        assert [(row["dataset"], row["value"]) for row in found] == [("Huge Hours", 9e6)]
        record = rows(running, "/ledger/growth_record.json?field=video")
        assert record[-1]["dataset"] == "Huge Hours"
        assert running.raw("/-/charts/video.png") != before


def test_a_field_added_while_it_runs_gets_its_chart_and_record(tmp_path: Path) -> None:
    """/domain add on the bot: the running web view charts the new field by any name."""
    path = tmp_path / "scalebot.db"
    settings = Settings(db=path, moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core, serving(settings) as running:
        assert running.get("/-/charts/audio.png").status == 404
        added = core.ask('/domain add audio "Audio" aliases:"speech"', MODERATOR)
        assert added.kind == "answer", added.summary
        # No unit was given: the chart reads the unit most of its figures use.
        for year, hours in ((2018, 1e3), (2020, 5e4), (2022, 6e5)):
            submitted = core.ask(
                f'/submit audio "Speech {year}" {hours:g} hours https://example.org/{year} {year}',
                "console:a",
            )
            assert core.ask(f"/approve {submitted.data['id']}", MODERATOR).kind == "answer"
        core.ask('/submit audio "Clip Pile" 9 clips https://example.org/clips 2021', "console:a")
        data = running.raw("/-/charts/speech.png")
        assert png_size(data) == (960, 540)
        assert running.raw("/-/charts/audio.png") == data
        assert png_size(running.raw("/-/charts/compare.png?fields=audio,video")) == (960, 540)
        assert 'src="/-/charts/audio.png"' in running.get("/-/charts").body
        record = rows(running, "/ledger/growth_record.json?field=audio")
        assert [(row["year"], row["unit"]) for row in record] == [
            (2018, "hours"),
            (2020, "hours"),
            (2022, "hours"),
        ]
        # The home page lists it, and the growth record knows a later field's own unit.
        home = running.get("/").body
        assert 'href="/ledger/current_figures?domain=audio">Audio</a>' in home
        assert core.ask('/domain add tactile "Tactile" unit:hours', MODERATOR).kind == "answer"
        for n, (unit, quantity) in enumerate((("clips", 5), ("clips", 9), ("hours", 2))):
            submitted = core.ask(
                f'/submit tactile "Touch {n}" {quantity} {unit} https://example.org/t{n} 2020',
                "console:a",
            )
            assert core.ask(f"/approve {submitted.data['id']}", MODERATOR).kind == "answer"
        record = rows(running, "/ledger/growth_record.json?field=tactile")
        assert [(row["dataset"], row["unit"]) for row in record] == [("Touch 2", "hours")]
        # Who added the field stays private.
        for page in ("/", "/-/charts", "/ledger/growth_record?field=audio"):
            assert MODERATOR not in running.get(page).body
