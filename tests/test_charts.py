"""The chart renderer (bot/charts.py) and the text charts (bot/textchart.py).

Every PNG is opened again: it decodes, has the promised size, is not blank (many
colours, a good share of ink) and is drawn in the field's own colour. The text charts
are checked for what a reader relies on: one row per record in order, bars growing with
the size, and a line that says how the bars are scaled.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

from PIL import Image

from bot import charts, textchart
from bot.charts import Series, compare_chart, trend_chart
from knowledge.trend import Figure, growth
from tests.helpers import ROOT, environ_without_settings

PURPLE, BLUE = "#9b5de5", "#4c6ef5"


def figures(*rows: tuple[str, float, int]) -> list[Figure]:
    return [Figure(name, quantity, year) for name, quantity, year in rows]


OBJECTS = figures(
    ("Princeton Shape Benchmark", 1_814, 2004),
    ("ShapeNetCore", 51_300, 2015),
    ("ModelNet", 12_311, 2015),
    ("ABC", 1_000_000, 2018),
    ("Objaverse 1.0", 800_000, 2022),
    ("Objaverse-XL", 10_200_000, 2023),
)
TOKENS = figures(("WikiText-103", 103e6, 2016), ("C4", 156e9, 2019), ("RedPajama", 30e12, 2023))


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def pixels_near(image: Image.Image, colour: str, tolerance: int = 40) -> int:
    target = tuple(int(colour[n : n + 2], 16) for n in (1, 3, 5))
    return sum(
        count
        for count, rgb in image.getcolors(maxcolors=1 << 20) or []
        if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    )


def assert_a_real_picture(png: bytes, colour: str) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = opened(png)
    assert image.size == (charts.WIDTH, charts.HEIGHT)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "more than a flat background"
    white = sum(count for count, rgb in colours if rgb == (255, 255, 255))
    ink = 1 - white / (image.width * image.height)
    assert 0.03 < ink < 0.6, f"{ink:.1%} of the picture is drawn on"
    assert pixels_near(image, colour) > 300, "the field's colour draws its record"
    return image


def test_a_trend_chart_is_a_real_picture_in_the_fields_colour() -> None:
    result = growth(OBJECTS)
    chart = trend_chart("3D", "3d", "objects", OBJECTS, result, PURPLE)
    assert_a_real_picture(chart.png, PURPLE)
    assert chart.filename == "trend-3d-objects.png"
    assert chart.alt.startswith("Chart of 3D's record dataset size in objects by year")
    for record in ("Princeton Shape Benchmark 1.81K (2004)", "Objaverse-XL 10.2M (2023)"):
        assert record in chart.alt
    assert "×1.6 a year" in chart.alt and "Extrapolated, 10 times the record by 2028" in chart.alt


def test_a_field_without_enough_history_still_gets_its_records_drawn() -> None:
    few = figures(("RT-1", 130_000, 2022))
    chart = trend_chart("Robotics", "robotics", "episodes", few, growth(few), "#6c757d")
    assert_a_real_picture(chart.png, "#6c757d")
    assert "Not enough history for a rate: only 1 figure set a record" in chart.alt


def test_a_comparison_puts_each_field_in_its_colour() -> None:
    chart = compare_chart(
        [
            Series("3D", PURPLE, growth(OBJECTS), "objects"),
            Series("LLMs", BLUE, growth(TOKENS), "tokens"),
        ],
        ["3d", "llm"],
    )
    image = assert_a_real_picture(chart.png, PURPLE)
    assert pixels_near(image, BLUE) > 300
    assert chart.filename == "compare-3d-llm.png"
    assert "3D (objects): ×1.6/yr, ×5.62K from 2004 to 2023" in chart.alt
    assert "LLMs (tokens): ×5.9/yr, ×291K from 2016 to 2023" in chart.alt


def test_long_titles_and_names_stay_on_the_picture() -> None:
    long = figures(
        ("An Extremely Long Dataset Name Of Many Words", 10, 2000),
        ("Another Extremely Long Dataset Name", 1_000, 2001),
        ("Yet Another Long Name For A Dataset", 100_000, 2002),
    )
    chart = trend_chart(
        "A Field With A Long Name", "long", "image-text pairs", long, growth(long), BLUE
    )
    image = assert_a_real_picture(chart.png, BLUE)
    # Nothing is drawn in the outermost column of pixels: text was not cut at the edge.
    right = [image.getpixel((image.width - 1, y)) for y in range(image.height)]
    assert set(right) == {(255, 255, 255)}


def test_matplotlib_is_imported_only_for_the_first_chart() -> None:
    """Starting the bot (CLI, adapters, core) imports no plotting; the first chart does."""
    script = (
        "import sys\n"
        "import bot.cli, bot.serve, bot.runner, bot.slack.app, bot.discord.client\n"
        "from bot import charts\n"
        "from bot.registry import COMMANDS\n"
        "from bot.runner import AsyncCore\n"
        "assert 'matplotlib' not in sys.modules, 'imported at start'\n"
        "assert not charts.loaded()\n"
        "assert AsyncCore.budget_for(COMMANDS['trend']) == 0.0\n"
        "assert AsyncCore.budget_for(COMMANDS['scale']) is None\n"
        "from knowledge.trend import Figure, growth\n"
        "f = [Figure('a', 1, 2000), Figure('b', 10, 2001), Figure('c', 100, 2002)]\n"
        "charts.trend_chart('X', 'x', 'hours', f, growth(f), '#123456')\n"
        "assert charts.loaded()\n"
        "assert AsyncCore.budget_for(COMMANDS['trend']) is None\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**environ_without_settings(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


# -- text charts ------------------------------------------------------------------------------


def test_a_record_chart_has_a_row_per_record_with_growing_bars() -> None:
    rows = [textchart.Row(f.year, f.dataset, f.quantity) for f in growth(OBJECTS).frontier]
    text = textchart.record_chart(rows, "objects", "fit: ×1.6 a year")
    lines = text.splitlines()
    assert [line[:4] for line in lines[:4]] == ["2004", "2015", "2018", "2023"]
    bars = [line.count(textchart.BAR) for line in lines[:4]]
    assert bars[0] == 1 and bars[-1] == textchart.WIDTH and bars == sorted(bars)
    assert len({line.index(" ", 6 + textchart.WIDTH) for line in lines[:4]}) == 1, "aligned"
    assert lines[4] == "bars: log scale, 1.81K to 10.2M objects"
    assert lines[5] == "fit: ×1.6 a year"


def test_a_rate_chart_ranks_fields_by_growth_and_keeps_those_without_a_rate() -> None:
    text = textchart.rate_chart(
        [
            textchart.RateRow("3D", 1.6, "×5.62K since 2004 (objects)"),
            textchart.RateRow("LLMs", 5.8, "×2.32M since 2016 (tokens)"),
            textchart.RateRow("Audio", None, "not enough history"),
        ]
    )
    three_d, llms, audio, legend = text.splitlines()
    assert llms.count(textchart.BAR) == textchart.WIDTH
    assert 0 < three_d.count(textchart.BAR) < llms.count(textchart.BAR)
    assert textchart.BAR not in audio and audio.endswith("not enough history")
    assert legend.startswith("bars: log scale")


def test_the_readme_shows_charts_the_code_drew() -> None:
    """The Growth section's pictures are in docs/, decode, and are the renderer's size."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Growth")
    section = readme[start : readme.index("\n## ", start + 1)]
    shown = re.findall(r"!\[([^\]]+)\]\((docs/[^)]+\.png)\)", section)
    assert len(shown) >= 2, "the Growth section shows a trend and a comparison"
    for alt, path in shown:
        assert len(alt) > 40, f"{path} has alt text that says what it shows"
        # The video trend is drawn in video's colour, the comparison in each field's.
        colour = "#f4a261" if "trend-video" in path else BLUE
        assert_a_real_picture((ROOT / path).read_bytes(), colour)
