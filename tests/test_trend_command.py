"""``/trend`` and the growth row of ``/compare``, through the core on a real ledger.

The rates are checked against answers known in advance: the curated file's records
(worked out here from the file with the same maths, and pinned), and a series built to
double exactly every year. The terminal gets the chart as text and never imports
matplotlib for it; a caller on a platform that shows images gets the PNG.
"""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bot import fieldgrowth
from bot.cli import cli
from bot.core import Core
from knowledge.ledger.values import NewPoint, Submitter
from knowledge.store import Store
from knowledge.trend import Figure, frontier
from tests.helpers import MEMBER, MODERATOR, ask_from_chat, clear_settings_env, curated_rows

GROWTH_KEYS = {
    "growth_per_year",
    "growth_low",
    "growth_high",
    "growth_leave_one_out",
    "doubling_months",
    "r2",
    "unit",
    "years",
    "frontier",
}
SYSTEM = Submitter("system:test", "system")

#: The curated record of each field in its headline unit: (× a year, doubling months,
#: R², first year, last year, records). Worked out from knowledge/datasets.csv.
KNOWN = {
    "3d": (1.5741, 18.334, 0.9519, 2004, 2023, 4),
    "llm": (3.2746, 7.012, 0.9748, 2013, 2024, 5),
    "video": (2.6506, 8.533, 0.9659, 2012, 2023, 5),
}


def point(domain: str, dataset: str, quantity: float, unit: str, year: int | None) -> NewPoint:
    return NewPoint(
        domain=domain,
        dataset=dataset,
        quantity_text=f"{quantity:g}",
        quantity=quantity,
        unit=unit,
        source_url=f"https://example.org/{dataset.replace(' ', '-')}",
        year=year,
    )


@pytest.mark.parametrize("slug", sorted(KNOWN))
def test_trend_gives_the_known_rate_of_the_curated_record(core: Core, slug: str) -> None:
    per_year, doubling, r2, first, last, records = KNOWN[slug]
    reply = core.ask(f"/trend {slug}")
    assert reply.kind == "answer", reply.summary
    data = reply.data
    assert set(data) >= GROWTH_KEYS
    assert data["growth_per_year"] == pytest.approx(per_year, abs=1e-4)
    assert data["doubling_months"] == pytest.approx(doubling, abs=1e-3)
    assert data["r2"] == pytest.approx(r2, abs=1e-4)
    assert data["years"] == [first, last]
    assert len(data["frontier"]) == records
    assert set(data["frontier"][0]) == {"dataset", "quantity", "unit", "year"}
    # The same record as the curated file gives, worked out from the file itself.
    headline = core.library.domains[slug].headline_unit
    figures = [
        Figure(row["dataset"], float(row["quantity"]), int(row["year"]))
        for row in curated_rows(slug)
        if row["unit"] == headline and row["year"].strip()
    ]
    assert [(f["dataset"], f["year"]) for f in data["frontier"]] == [
        (f.dataset, f.year) for f in frontier(figures)
    ]


def test_the_reply_states_rate_doubling_span_records_and_the_extrapolation(core: Core) -> None:
    reply = core.ask("/trend 3d")
    fields = {field.name: field.value for field in reply.fields}
    assert fields["Growth per year"] == "×1.6 (R² 0.95)"
    assert fields["Doubling time"] == "18.3 months"
    assert fields["Span"] == "2004–2023 (19 years, 4 records)"
    projected = fields["Extrapolation"]
    assert projected.startswith("At this rate, 10× today's record (Objaverse-XL, 10.2M objects)")
    assert "by 2028" in projected and "extrapolates" in projected and "not a forecast" in projected
    assert reply.items == [
        "2004: Princeton Shape Benchmark, 1.81K objects",
        "2015: ShapeNetCore, 51.3K objects",
        "2018: ABC, 1M objects",
        "2023: Objaverse-XL, 10.2M objects",
    ]
    assert [c.url for c in reply.citations][-1] == "https://arxiv.org/abs/2307.05663"
    assert reply.colour == core.library.domains["3d"].colour


def test_a_series_that_doubles_every_year_reads_as_twelve_months(core: Core) -> None:
    """Through the ledger, the index and the reply: a rate known exactly in advance."""
    core.store.points.add_many(
        [
            point("video", "Frames A", 1_000, "frames", 2010),
            point("video", "Frames B", 2_000, "frames", 2011),
            point("video", "Frames small", 1_500, "frames", 2012),  # not a record
            point("video", "Frames C", 4_000, "frames", 2012),
            point("video", "Frames D", 8_000, "frames", 2013),
            point("video", "Frames undated", 90_000, "frames", None),  # no year: off the record
        ],
        SYSTEM,
    )
    core.store.points.submit(point("video", "Frames pending", 1e9, "frames", 2014), SYSTEM)
    data = core.ask("/trend video unit:frames").data
    assert data["growth_per_year"] == pytest.approx(2.0, rel=1e-12)
    assert data["doubling_months"] == pytest.approx(12.0, rel=1e-12)
    assert data["r2"] == pytest.approx(1.0, abs=1e-12)
    assert [f["dataset"] for f in data["frontier"]] == [
        "Frames A",
        "Frames B",
        "Frames C",
        "Frames D",
    ]
    assert data["unit"] == "frames" and data["years"] == [2010, 2013]


def test_not_enough_history_gives_null_keys_and_says_what_would_help(core: Core) -> None:
    reply = core.ask("/trend robotics unit:episodes")
    assert reply.kind == "answer"
    assert {key: reply.data[key] for key in GROWTH_KEYS} == dict.fromkeys(GROWTH_KEYS)
    assert reply.data["unit_asked"] == "episodes"
    assert "only 1 figure set a record" in reply.summary
    assert "2 more dated record-setting figures" in reply.summary
    assert reply.items == ["2022: RT-1, 130K episodes"]
    nothing = core.ask("/trend 3d unit:tokens")
    assert nothing.data["frontier"] is None
    assert "3D has no approved dated figures in tokens" in nothing.summary


def test_unknown_fields_and_units_are_refused_with_an_example(core: Core) -> None:
    assert "Did you mean `video`?" in core.ask("/trend vidoe").summary
    reply = core.ask("/trend video unit:lightyears")
    assert reply.kind == "error" and "not a unit I know" in reply.summary


@pytest.mark.parametrize("seed", range(5))
def test_the_indexed_record_is_the_record_of_every_figure(tmp_path: Path, seed: int) -> None:
    """The store's one-seek-a-year read gives the frontier of all current dated figures."""
    rng = random.Random(seed)
    points = [
        point(
            "image",
            f"Set {rng.randrange(60)}",
            float(rng.randrange(1, 10 ** rng.randrange(2, 9))),
            "images",
            rng.choice([None, *range(2000, 2026)]),
        )
        for _ in range(300)
    ]
    with Core.open(tmp_path / "random.db") as core:
        core.store.points.add_many(points, SYSTEM)
        everything = [
            Figure(p.dataset, p.quantity, p.year)
            for entry in core.store.reads.datasets("image", limit=10_000)
            for p in entry.figures
            if p.unit == "images" and p.year is not None
        ]
        found = fieldgrowth.read(core.store, core.library.domains["image"], "images")
        shown = core.ask("/trend image unit:images").data["frontier"]
    expected = frontier(everything)
    assert [(p.dataset, p.quantity, p.year) for p in found.records] == [
        (f.dataset, f.quantity, f.year) for f in expected
    ]
    assert shown is None or [(f["dataset"], f["year"]) for f in shown] == [
        (f.dataset, f.year) for f in expected
    ]


def test_the_record_follows_decisions_here_and_in_another_process(core: Core) -> None:
    before = core.ask("/trend llm").data["frontier"]
    new = core.ask(
        '/submit llm "Giant Corpus" 900T tokens https://example.org/giant 2025', user=MEMBER
    )
    assert core.ask("/trend llm").data["frontier"] == before, "a pending figure is no record"
    point_id = new.data["id"]
    assert core.ask(f"/approve {point_id}", user=MODERATOR).kind == "answer"
    after = core.ask("/trend llm").data["frontier"]
    assert after[-1] == {
        "dataset": "Giant Corpus",
        "quantity": 9e14,
        "unit": "tokens",
        "year": 2025,
    }
    # Another connection (another process) approves a larger one: seen at the next ask.
    other = Store.open(core.store.path)
    try:
        other.fields.adopt_units(core.store.fields.headline_units)
        other.points.add_many([point("llm", "Bigger Corpus", 2e15, "tokens", 2026)], SYSTEM)
    finally:
        other.close()
    assert core.ask("/trend llm").data["frontier"][-1]["dataset"] == "Bigger Corpus"


def test_compare_has_a_growth_row_and_the_same_keys_per_field(core: Core) -> None:
    reply = core.ask("/compare 3d llm robotics")
    assert reply.table is not None
    rows = {row[0]: row[1:] for row in reply.table.rows}
    assert rows["Record growth (×/yr)"] == [
        "×1.6 (objects, 2004–2023)",
        "×3.3 (tokens, 2013–2024)",
        "×2.7 (trajectories, 2018–2023)",
    ]
    growth = reply.data["growth"]
    assert list(growth) == ["3d", "llm", "robotics"]
    for slug, keys in growth.items():
        assert set(keys) == GROWTH_KEYS | {"unit_asked", "published_growth"}
        trend = core.ask(f"/trend {slug}").data
        assert keys == {key: trend[key] for key in keys}
    assert not reply.attachments and not reply.preformatted, "the table says it on a terminal"


# -- pictures for platforms that show them, text for the terminal ----------------------------


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_a_chat_caller_gets_the_png_with_its_text_and_alt(core: Core) -> None:
    reply = ask_from_chat(core, "/trend 3d", "slack:U0ALICE")
    (attachment,) = reply.attachments
    assert attachment.filename == "trend-3d-objects.png"
    assert attachment.media_type == "image/png"
    assert decoded(attachment.data).size == (960, 540)
    assert "Objaverse-XL 10.2M (2023)" in attachment.description
    assert attachment.text.splitlines()[-1].startswith("fit: ×1.6 a year")
    assert not reply.preformatted, "the picture says it; no text chart in the message"
    compared = ask_from_chat(core, "/compare 3d llm video", "discord:80351110224678912")
    (chart,) = compared.attachments
    assert chart.filename == "compare-3d-llm-video.png"
    assert decoded(chart.data).size == (960, 540)
    assert [line.split()[0] for line in chart.text.splitlines()[:3]] == ["3D", "LLMs", "Video"]
    assert "×3.3/yr" in chart.text.splitlines()[1]


def test_the_same_chart_is_drawn_once_until_the_ledger_changes(core: Core) -> None:
    first = ask_from_chat(core, "/trend video", "slack:U0ALICE").attachments[0]
    again = ask_from_chat(core, "/trend video", "slack:U0ALICE").attachments[0]
    assert again.data is first.data, "kept, not drawn again"
    core.store.points.add_many([point("video", "Huge Video Set", 5e6, "hours", 2025)], SYSTEM)
    redrawn = ask_from_chat(core, "/trend video", "slack:U0ALICE").attachments[0]
    assert redrawn.data != first.data
    assert "Huge Video Set" in redrawn.description


def test_counting_commands_keeps_the_chart_another_processs_decision_does_not(
    core: Core,
) -> None:
    """A rate count is a commit that changes no reply: the kept chart survives it, here or
    from another connection; a figure approved elsewhere replaces it at the next ask."""
    first = ask_from_chat(core, "/trend video", "slack:U0ALICE").attachments[0]
    core.store.rates.add_counts("command", 0, 60, {"slack:U0ALICE": 3})
    other = Store.open(core.store.path)
    try:
        other.rates.add_counts("command", 0, 60, {"slack:U0BOB": 2})
        assert (
            ask_from_chat(core, "/trend video", "slack:U0ALICE").attachments[0].data is first.data
        )
        other.fields.adopt_units(core.store.fields.headline_units)
        other.points.add_many([point("video", "Elsewhere Set", 6e6, "hours", 2025)], SYSTEM)
    finally:
        other.close()
    redrawn = ask_from_chat(core, "/trend video", "slack:U0ALICE").attachments[0]
    assert "Elsewhere Set" in redrawn.description


def test_the_terminal_prints_a_text_chart_and_saves_no_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_settings_env(monkeypatch)
    database = tmp_path / "lab.db"
    result = CliRunner().invoke(cli, ["--db", str(database), "ask", "/trend 3d"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    bars = [line for line in lines if "█" in line]
    assert [line[:4] for line in bars] == ["2004", "2015", "2018", "2023"]
    assert [line.count("█") for line in bars] == sorted(line.count("█") for line in bars)
    assert "bars: log scale, 1.81K to 10.2M objects" in result.output
    assert not (tmp_path / "lab-files").exists()


def test_ask_json_prints_the_growth_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings_env(monkeypatch)
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "lab.db"), "ask", "--json", "/trend llm"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["data"]
    assert set(data) >= GROWTH_KEYS
    assert math.isclose(data["growth_per_year"], KNOWN["llm"][0], abs_tol=1e-4)
    assert data["frontier"][-1]["dataset"] == "DCLM-Pool"
    empty = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "lab.db"), "ask", "--json", "/trend robotics unit:episodes"]
    )
    assert json.loads(empty.output)["data"]["growth_per_year"] is None


def test_scalebot_chart_writes_the_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings_env(monkeypatch)
    database = ["--db", str(tmp_path / "lab.db")]
    one = tmp_path / "video.png"
    result = CliRunner().invoke(cli, [*database, "chart", "t2v", "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert decoded(one.read_bytes()).size == (960, 540)
    assert f"Wrote {one}" in result.output and "InternVid" in result.output
    several = tmp_path / "fields.png"
    result = CliRunner().invoke(cli, [*database, "chart", "3d", "llm", "video", "-o", str(several)])
    assert result.exit_code == 0, result.output
    assert decoded(several.read_bytes()).size == (960, 540)
    unit = CliRunner().invoke(
        cli, [*database, "chart", "video", "--unit", "clips", "-o", str(tmp_path / "c.png")]
    )
    assert unit.exit_code == 0, unit.output
    bad = CliRunner().invoke(cli, [*database, "chart", "vidoe", "-o", str(tmp_path / "x.png")])
    assert bad.exit_code == 1 and "Did you mean `video`?" in bad.output
    nothing = CliRunner().invoke(
        cli, [*database, "chart", "3d", "--unit", "tokens", "-o", str(tmp_path / "y.png")]
    )
    assert nothing.exit_code == 1 and "nothing to draw" in nothing.output
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "y.png").exists()


# -- how sure the rate is ------------------------------------------------------------------------

#: A video record in frames, not on one line; its rate, 90% interval and leave-one-out
#: range worked out with scipy and numpy: ×2.85 (×2.50–×3.25), ×2.73–×2.95.
LOOSE_FRAMES = ((30, 2012), (400, 2015), (2_500, 2016), (30_000, 2019), (400_000, 2021))


def test_trend_states_the_90_percent_interval_and_leaving_one_out(core: Core) -> None:
    core.store.points.add_many(
        [point("video", f"Frames {year}", size, "frames", year) for size, year in LOOSE_FRAMES],
        SYSTEM,
    )
    reply = core.ask("/trend video unit:frames")
    data = reply.data
    assert data["growth_per_year"] == pytest.approx(2.8525313827346, rel=1e-9)
    assert data["growth_low"] == pytest.approx(2.5035716437238924, rel=1e-9)
    assert data["growth_high"] == pytest.approx(3.2501307920961398, rel=1e-9)
    assert data["growth_leave_one_out"] == pytest.approx(
        [2.728460056930228, 2.9537601901948674], rel=1e-9
    )
    assert (
        "grew about ×2.9 a year (90% interval ×2.5–×3.3); leaving out any one record "
        "gives ×2.7–×3." in reply.summary
    )
    json.dumps(data, allow_nan=False)  # every key a program reads is plain JSON


def test_two_records_give_a_null_interval(core: Core) -> None:
    core.store.points.add_many(
        [
            point("video", "Frames A", 1e3, "frames", 2018),
            point("video", "Frames B", 1e4, "frames", 2020),
        ],
        SYSTEM,
    )
    data = core.ask("/trend video unit:frames").data
    assert data["growth_per_year"] is None
    assert data["growth_low"] is data["growth_high"] is data["growth_leave_one_out"] is None
    assert data["unit_asked"] == "frames"


def test_compare_states_each_field_s_interval(core: Core) -> None:
    added = core.ask('/domain add audio "Audio" unit:hours', MODERATOR)
    assert added.kind == "answer", added.as_text()
    core.store.points.add_many(
        [point("audio", f"Speech {year}", size, "hours", year) for size, year in LOOSE_FRAMES],
        SYSTEM,
    )
    reply = core.ask("/compare audio 3d")
    assert reply.table is not None
    rows = {row[0]: row[1:] for row in reply.table.rows}
    assert rows["90% interval (×/yr)"][0] == "×2.5–×3.3"
    assert rows["Any one record left out"][0] == "×2.7–×3.0"
    audio = reply.data["growth"]["audio"]
    assert audio["growth_low"] == pytest.approx(2.5035716437238924, rel=1e-9)
    assert audio["growth_high"] == pytest.approx(3.2501307920961398, rel=1e-9)
    assert audio["growth_leave_one_out"] == pytest.approx(
        [2.728460056930228, 2.9537601901948674], rel=1e-9
    )
    # A field with a rate has its range in the other column too, whatever the curated file says.
    other = reply.data["growth"]["3d"]
    if other["growth_per_year"] is not None:
        assert other["growth_low"] <= other["growth_per_year"] <= other["growth_high"]


# -- published estimates: beside the fitted rate, with their sources ------------------------


def test_trend_lists_each_published_estimate_with_what_it_measures_and_its_source(
    core: Core,
) -> None:
    listed = core.library.published_growth("llm")
    assert listed, "the LLM file lists Epoch AI's estimates"
    reply = core.ask("/trend llm")
    fields = {field.name: field for field in reply.fields}
    shown = fields["Published estimates (not fitted here)"]
    assert not shown.inline
    for estimate, line in zip(listed, shown.value.splitlines(), strict=True):
        assert line == f"{estimate.label}: {estimate.what}"
    assert "×3.7 a year (Epoch AI, 2024)" in shown.value
    cited = {c.url for c in reply.citations}
    assert {str(e.source) for e in listed} <= cited
    assert reply.data["published_growth"] == [
        {
            "per_year": e.per_year,
            "what": e.what,
            "by": e.by,
            "year": e.year,
            "source": str(e.source),
        }
        for e in listed
    ]
    # The fitted rate stays the ledger's: the estimate sits beside it, never in its place.
    assert reply.data["growth_per_year"] == pytest.approx(KNOWN["llm"][0], abs=1e-4)
    text = reply.as_text()
    assert "Published estimates (not fitted here):\n  ×3.7 a year (Epoch AI, 2024): " in text


def test_a_field_without_published_estimates_says_nothing_of_them(core: Core) -> None:
    assert core.library.published_growth("3d") == ()
    reply = core.ask("/trend 3d")
    assert not [f for f in reply.fields if f.name.startswith("Published")]
    assert reply.data["published_growth"] == []


def test_compare_has_a_published_row_and_key_per_field(core: Core) -> None:
    reply = core.ask("/compare image llm 3d")
    assert reply.table is not None
    rows = {row[0]: row[1:] for row in reply.table.rows}
    assert rows["Published (×/yr)"] == [
        "×1.23 a year (Epoch AI, 2022)",
        "×3.7 a year (Epoch AI, 2024); ×1.66 a year (Epoch AI, 2022)",
        "none listed",
    ]
    for slug in ("image", "llm", "3d"):
        listed = core.library.published_growth(slug)
        assert (
            reply.data["growth"][slug]["published_growth"]
            == (core.ask(f"/trend {slug}").data["published_growth"])
        )
        assert len(reply.data["growth"][slug]["published_growth"]) == len(listed)
    cited = {c.url for c in reply.citations}
    assert "https://epoch.ai/data-insights/dataset-size-trend" in cited
    assert "https://epoch.ai/blog/trends-in-training-dataset-sizes" in cited
