"""Chat and web give one field the same record and the same rate (issue 18, item 3).

The reproduction: a figure is corrected (a newer approved figure of the same dataset
replaces it), a duplicate dataset is merged, a disputed figure is withdrawn. Chat's
``/trend`` and the web view's growth record and chart (a real Datasette under uvicorn on
127.0.0.1, ``tests/web_stack.py``) must then still name the same records and the same
rate, and the web's PNG is the very chart a chat reply attaches.

Each ledger here is a community field with its own unit, so nothing depends on the
curated file's figures.
"""

from __future__ import annotations

from pathlib import Path

from bot import fieldgrowth
from bot.config import Settings
from bot.core import Core
from knowledge import trend
from tests.helpers import MODERATOR, ask_from_chat
from tests.web_stack import Site, serving

MEMBER = "console:member"
#: A platform that shows images: its /trend reply carries the PNG.
SLACK_USER = "slack:U0GROWTH1"


def submit(core: Core, name: str, quantity: str, year: int, unit: str = "hours") -> int:
    slug = name.casefold().replace(" ", "-")
    reply = core.ask(
        f'/submit audio "{name}" {quantity} {unit} https://example.org/{slug}-{year} {year}',
        MEMBER,
    )
    assert reply.kind == "answer", reply.as_text()
    point_id = reply.data["id"]
    assert isinstance(point_id, int)
    return point_id


def approve(core: Core, point_id: int) -> None:
    reply = core.ask(f"/approve {point_id}", MODERATOR)
    assert reply.kind == "answer", reply.as_text()


def added(core: Core, name: str, quantity: str, year: int, unit: str = "hours") -> int:
    point_id = submit(core, name, quantity, year, unit)
    approve(core, point_id)
    return point_id


def web_record(site: Site, slug: str) -> list[dict]:
    page = site.get(f"/ledger/growth_record.json?field={slug}&_shape=array&_size=max")
    assert page.status == 200, page.body[:500]
    rows = page.json()
    assert isinstance(rows, list)
    return rows


def chat_and_web_agree(core: Core, site: Site, slug: str) -> dict:
    """Assert chat and web name the same records, rate and chart; /trend's data."""
    domain = core.library.resolve(slug)
    assert domain is not None
    found = fieldgrowth.read(core.store, domain)  # what /trend, /compare and /scale read
    chat = [(p.dataset, p.quantity, p.unit, p.year) for p in found.records]
    web = [(r["dataset"], r["value"], r["unit"], r["year"]) for r in web_record(site, slug)]
    assert web == chat
    data = core.ask(f"/trend {slug}").data
    web_rate = trend.growth(trend.Figure(r[0], r[1], r[3]) for r in web)
    if isinstance(web_rate, trend.Growth):
        assert data["growth_per_year"] == web_rate.per_year
        assert [(f["dataset"], f["year"]) for f in data["frontier"]] == [(r[0], r[3]) for r in web]
    else:
        assert data["growth_per_year"] is None
    # The web's PNG is the chart a chat reply on an image platform attaches, byte for byte.
    attached = ask_from_chat(core, f"/trend {slug}", SLACK_USER).attachments
    assert attached, "the field has records, so /trend draws them"
    assert site.raw(f"/-/charts/{slug}.png") == attached[0].data
    return data


def test_a_corrected_figure_counts_once_in_chat_and_on_the_web(tmp_path: Path) -> None:
    """The issue's report: after a correction, chat has a rate and the web has none."""
    settings = Settings(db=tmp_path / "scalebot.db", moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core, serving(settings) as site:
        assert core.ask('/domain add audio "Audio" unit:hours', MODERATOR).kind == "answer"
        typo = added(core, "Speech Pile", "1B", 2018)  # a typo: the paper says 100 hours
        added(core, "Talk Bank", "1K", 2019)
        added(core, "Voice Hoard", "10K", 2020)
        added(core, "Speech Pile", "100", 2018)  # the correction, now its current figure
        assert core.store.reads.get(typo).is_current == 0
        data = chat_and_web_agree(core, site, "audio")
        assert [f["quantity"] for f in data["frontier"]] == [100, 1000, 10000]
        assert data["growth_per_year"] is not None
        # /compare's chart and the web's comparison chart are one picture too.
        compared = ask_from_chat(core, "/compare audio video", SLACK_USER).attachments
        assert compared
        assert site.raw("/-/charts/compare.png?fields=audio,video") == compared[0].data


def test_a_merged_and_a_withdrawn_figure_count_as_the_ledger_says(tmp_path: Path) -> None:
    """A duplicate merged into its dataset counts once; a withdrawn figure not at all."""
    settings = Settings(db=tmp_path / "scalebot.db", moderators=frozenset({MODERATOR}))
    with Core.open(settings=settings) as core, serving(settings) as site:
        assert core.ask('/domain add audio "Audio" unit:hours', MODERATOR).kind == "answer"
        added(core, "Talk Bank", "1K", 2017)
        added(core, "Voice Hoard", "10K", 2019)
        added(core, "Voice Hoard v2", "20K", 2020)  # the same set, named twice
        withdrawn = added(core, "Speech Ocean", "1M", 2021)
        chat_and_web_agree(core, site, "audio")
        merged = core.ask('/merge "Voice Hoard v2" "Voice Hoard" domain:audio', MODERATOR)
        assert merged.kind == "answer", merged.as_text()
        core.store.vouches.flag(withdrawn, MEMBER, "the paper counts minutes, not hours")
        assert core.ask(f"/reject {withdrawn} counted in minutes", MODERATOR).kind == "answer"
        data = chat_and_web_agree(core, site, "audio")
        assert data["growth_per_year"] is None  # two records left: no rate anywhere
        records = web_record(site, "audio")
        assert [(r["dataset"], r["year"]) for r in records] == [
            ("Talk Bank", 2017),
            ("Voice Hoard", 2020),
        ]
