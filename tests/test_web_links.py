"""Links from chat to the web view: with ``SCALEBOT_WEB_URL`` set, replies point at its pages.

``/datasets`` links to the field's current figures as a filtered table, ``/history`` to
the dataset's history, ``/scale`` and ``/trend`` to both the table and the field's chart
(a community field's too), ``/compare`` to the comparison chart. Each link is
followed on a running web view, so a link that names a page that does not exist fails
here rather than in a reader's browser. Without the variable, no reply links anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from bot.core import Core
from bot.reply import Reply
from tests.helpers import MODERATOR
from tests.web_stack import Site, serving

BASE = "https://ledger.example.org/scalebot"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("links") / "scalebot.db"
    Core.open(path).close()
    return path


@pytest.fixture(scope="module")
def core(ledger: Path) -> Iterator[Core]:
    settings = Settings(db=ledger, moderators=frozenset({MODERATOR}), web_url=BASE + "/")
    with Core.open(settings=settings) as opened:
        yield opened


@pytest.fixture(scope="module")
def site(ledger: Path) -> Iterator[Site]:
    with serving(Settings(db=ledger)) as running:
        yield running


def web_links(reply: Reply) -> list[str]:
    return [c.url for c in reply.citations if c.url and c.url.startswith(BASE)]


def follow(site: Site, url: str) -> int:
    """The status of ``url``'s page on the local web view (its path after the base)."""
    parts = urlsplit(url)
    path = parts.path.removeprefix(urlsplit(BASE).path)
    return site.get(path + (f"?{parts.query}" if parts.query else "")).status


def test_datasets_links_to_the_field_s_filtered_table(core: Core, site: Site) -> None:
    reply = core.ask("/datasets video", "console:a")
    assert web_links(reply) == [f"{BASE}/ledger/current_figures?domain=video"]
    assert f"{BASE}/ledger/current_figures?domain=video" in reply.as_text()
    assert follow(site, web_links(reply)[0]) == 200


def test_history_links_to_the_dataset_s_history(core: Core, site: Site) -> None:
    reply = core.ask('/history "Panda-70M"', "console:a")
    assert web_links(reply) == [f"{BASE}/ledger/dataset_history?name=Panda-70M"]
    assert follow(site, web_links(reply)[0]) == 200
    page = site.get("/ledger/dataset_history.json?name=Panda-70M&_shape=array")
    assert {row["unit"] for row in page.json()} == {"clips", "hours"}


def test_a_name_with_spaces_is_quoted_in_its_link(core: Core) -> None:
    reply = core.ask('/history "KITTI (raw data)"', "console:a")
    assert web_links(reply) == [f"{BASE}/ledger/dataset_history?name=KITTI+%28raw+data%29"]


def test_scale_links_to_the_table_and_the_chart(core: Core, site: Site) -> None:
    reply = core.ask("/scale t2v", "console:a")
    assert web_links(reply) == [
        f"{BASE}/ledger/current_figures?domain=video",
        f"{BASE}/-/charts/video.png",
    ]
    for url in web_links(reply):
        assert follow(site, url) == 200


def test_trend_links_to_the_chart_and_the_table(core: Core, site: Site) -> None:
    reply = core.ask("/trend video", "console:a")
    assert web_links(reply) == [
        f"{BASE}/ledger/current_figures?domain=video",
        f"{BASE}/-/charts/video.png",
    ]
    for url in web_links(reply):
        assert follow(site, url) == 200


def test_compare_links_to_the_comparison_chart(core: Core, site: Site) -> None:
    reply = core.ask("/compare video 3d", "console:a")
    assert web_links(reply) == [f"{BASE}/-/charts/compare.png?fields=video%2C3d"]
    assert follow(site, web_links(reply)[0]) == 200


def test_a_community_field_s_card_links_to_its_pages(core: Core, site: Site) -> None:
    added = core.ask('/domain add tactile "Tactile sensing" unit:hours', MODERATOR)
    assert added.kind == "answer", added.summary
    reply = core.ask("/scale tactile", "console:a")
    assert web_links(reply) == [
        f"{BASE}/ledger/current_figures?domain=tactile",
        f"{BASE}/-/charts/tactile.png",
    ]
    for url in web_links(reply):
        assert follow(site, url) == 200


def test_without_a_web_url_no_reply_links_to_the_web(ledger: Path) -> None:
    with Core.open(settings=Settings(db=ledger)) as plain:
        commands = ("/datasets video", '/history "Panda-70M"', "/scale video", "/trend video")
        for command in (*commands, "/compare video 3d"):
            reply = plain.ask(command, "console:a")
            assert reply.kind == "answer"
            assert not any("/ledger/" in (c.url or "") for c in reply.citations), command
            assert "/-/charts" not in reply.as_text()


def test_the_web_url_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="SCALEBOT_WEB_URL"):
        Settings(web_url="ledger.example.org")
    assert Settings(web_url="http://127.0.0.1:8001/").web_url == "http://127.0.0.1:8001"
