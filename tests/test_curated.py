"""The curated record (``knowledge/datasets.csv``) is enough for ``/trend`` in every field.

Each field needs, in its headline unit: at least 6 dated, distinct datasets spanning at
least 5 years, at least 3 of them setting a record (the frontier of
:func:`knowledge.trend.frontier`), so that :func:`knowledge.trend.growth` gives a rate
rather than "not enough history". Every row must carry an http(s) source and a note, say
each figure once per unit, and pass the same validation as ``/submit`` and
``scalebot import``.

The record starts where a researcher would start it: a released set that a source counts
under another name for the headline unit (a word-counted corpus for LLMs, episodes for
robotics) is entered in the headline unit, so none is left off the record by its unit's
name; the LLM record starts at the One Billion Word Benchmark (2013). README's table says
each field's rate and the published estimates beside it, as the code computes and the
domain files list them.

The file checked is the shipped one, not the researched table in ``../shared``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.core import Core
from bot.importer import read_csv
from bot.seeding import CURATED_CSV
from knowledge.identity import dataset_key
from knowledge.kb import Library, load_knowledge_base
from knowledge.models import Domain
from knowledge.trend import Figure, Growth, frontier, growth
from knowledge.units import canonical_unit
from tests.helpers import curated_rows, readme_section

MIN_DATASETS = 6
MIN_SPAN_YEARS = 5
MIN_RECORDS = 3

DOMAINS: dict[str, Domain] = {d.slug: d for d in load_knowledge_base().domains}


#: Units a source may use for what a field's headline unit counts, as README's "The curated
#: record" rules them: a word of a word-counted corpus is a word-level token, a robot's
#: episode is a trajectory. Such a figure is entered in the headline unit (the source's
#: word goes in the note), so a released set left in one of these units is off the record
#: by its unit's name alone.
SAME_THING: dict[str, frozenset[str]] = {
    "llm": frozenset({"words"}),
    "robotics": frozenset({"episodes"}),
}

#: What a row's note says when its set was never released on its own (RT-1's episodes).
NOT_RELEASED = "not released"


def trend_units(domain: Domain) -> tuple[str, ...]:
    """The units a field's record is counted in.

    Only the headline unit: a figure a source counts under another name for the same
    thing (SAME_THING) is entered in the headline unit, so the record reads one unit, and
    a figure in a unit that is not the same thing (The Pile in GiB, CO3D in videos) stays
    off it.
    """
    return (domain.headline_unit,)


def record_figures(slug: str) -> list[Figure]:
    """The field's dated curated figures in its trend unit(s), as the trend reads them."""
    units = trend_units(DOMAINS[slug])
    return [
        Figure(row["dataset"], float(row["quantity"]), int(row["year"]))
        for row in curated_rows(slug)
        if row["unit"] in units and row["year"].strip()
    ]


def describe(figures: list[Figure] | tuple[Figure, ...]) -> str:
    return "; ".join(f"{f.dataset} {f.quantity:g} ({f.year})" for f in figures) or "none"


def left_out_by_unit(slug: str, rows: list[dict[str, str]]) -> list[str]:
    """Released sets in ``rows`` that a unit's name alone keeps off ``slug``'s record.

    A dated row in a unit that counts the same thing as the headline unit (SAME_THING),
    whose set was released, and that would set a record among the headline-unit rows.
    """
    headline = DOMAINS[slug].headline_unit
    same = SAME_THING.get(slug, frozenset())
    on_record = [
        Figure(row["dataset"], float(row["quantity"]), int(row["year"]))
        for row in rows
        if row["unit"] == headline and row["year"].strip()
    ]
    problems = []
    for row in rows:
        if row["unit"] not in same or not row["year"].strip() or NOT_RELEASED in row["note"]:
            continue
        figure = Figure(row["dataset"], float(row["quantity"]), int(row["year"]))
        if figure in frontier([*on_record, figure]):
            problems.append(
                f"{slug}: {row['dataset']} ({row['quantity']} {row['unit']}, {row['year']}) "
                f"would set a record in {headline}, which counts {row['unit']} as the same "
                f"thing: enter it in {headline} with the source's word in the note"
            )
    return problems


@pytest.mark.parametrize("slug", sorted(DOMAINS))
def test_each_field_has_enough_dated_datasets_in_its_unit(slug: str) -> None:
    figures = record_figures(slug)
    datasets = {dataset_key(f.dataset) for f in figures}
    unit = " or ".join(trend_units(DOMAINS[slug]))
    assert len(datasets) >= MIN_DATASETS, (
        f"{slug}: {len(datasets)} dated datasets in {unit}, need {MIN_DATASETS}: "
        f"{describe(figures)}"
    )
    years = [f.year for f in figures]
    assert max(years) - min(years) >= MIN_SPAN_YEARS, (
        f"{slug}: the {unit} figures span {min(years)}-{max(years)}, "
        f"need {MIN_SPAN_YEARS} years or more"
    )


@pytest.mark.parametrize("slug", sorted(DOMAINS))
def test_each_field_has_a_record_frontier_and_a_rate(slug: str) -> None:
    figures = record_figures(slug)
    records = frontier(figures)
    assert len(records) >= MIN_RECORDS, (
        f"{slug}: only {len(records)} record-setting figure(s), need {MIN_RECORDS}: "
        f"{describe(records)}"
    )
    rate = growth(figures)
    assert isinstance(rate, Growth), f"{slug}: no growth rate: {rate}"
    assert rate.per_year > 1, f"{slug}: the record does not grow ({rate.per_year:.3g}x a year)"
    assert rate.points == len(records)


def test_the_llm_record_starts_at_the_one_billion_word_benchmark(core: Core) -> None:
    """WikiText-103 (2016) was not the first: a larger word-level corpus was public in 2013."""
    first = frontier(record_figures("llm"))[0]
    assert (first.dataset, first.year) == ("One Billion Word Benchmark", 2013), describe(
        frontier(record_figures("llm"))
    )
    assert first.quantity == pytest.approx(0.8e9)
    data = core.ask("/trend llm").data
    assert (data["frontier"][0]["dataset"], data["frontier"][0]["year"]) == (
        "One Billion Word Benchmark",
        2013,
    )
    assert data["years"][0] == 2013


@pytest.mark.parametrize("slug", sorted(DOMAINS))
def test_no_released_set_is_left_off_the_record_by_its_units_name(slug: str) -> None:
    problems = left_out_by_unit(slug, curated_rows(slug))
    assert not problems, "\n".join(problems)


def test_the_unit_name_check_finds_a_set_left_out() -> None:
    """The check above can fail: the One Billion Word Benchmark in words, as it once was."""
    rows = [dict(row) for row in curated_rows("llm")]
    (one_billion,) = [row for row in rows if row["dataset"] == "One Billion Word Benchmark"]
    one_billion["unit"] = "words"
    (problem,) = left_out_by_unit("llm", rows)
    assert problem.startswith("llm: One Billion Word Benchmark (800000000 words, 2013)")
    # An unreleased set may stay in another unit: RT-1's episodes, even if it were larger.
    rows = [dict(row) for row in curated_rows("robotics")]
    (rt1,) = [row for row in rows if row["dataset"] == "RT-1"]
    rt1["quantity"] = "5000000"
    assert left_out_by_unit("robotics", rows) == []
    rt1["note"] = "teleoperated episodes"
    assert len(left_out_by_unit("robotics", rows)) == 1


def test_every_row_has_an_http_source_a_note_and_a_canonical_unit() -> None:
    problems = []
    for line, row in enumerate(curated_rows(), start=2):
        name = f"line {line} ({row['domain']}, {row['dataset']})"
        if not re.match(r"https?://\S+$", row["source_url"]):
            problems.append(f"{name}: source {row['source_url']!r} is not an http(s) link")
        if not row["note"].strip():
            problems.append(f"{name}: empty note")
        if canonical_unit(row["unit"]) != row["unit"]:
            problems.append(f"{name}: unit {row['unit']!r} is not spelt as knowledge/units.py")
        if row["domain"] not in DOMAINS:
            problems.append(f"{name}: unknown domain {row['domain']!r}")
    assert not problems, "\n".join(problems)


def test_no_figure_is_given_twice_in_one_unit() -> None:
    keys = Counter(
        (row["domain"], dataset_key(row["dataset"]), row["unit"]) for row in curated_rows()
    )
    repeated = sorted(key for key, count in keys.items() if count > 1)
    assert not repeated, f"(domain, dataset, unit) given more than once: {repeated}"


def test_every_row_passes_the_real_validation(core: Core) -> None:
    points = read_csv(core, CURATED_CSV)
    assert len(points) == len(curated_rows())
    for point, row in zip(points, curated_rows(), strict=True):
        assert (point.domain, point.dataset, point.unit) == (
            row["domain"],
            row["dataset"],
            row["unit"],
        )
        assert point.quantity == float(row["quantity"])


@pytest.mark.parametrize("slug", sorted(DOMAINS))
def test_the_seeded_ledger_gives_the_same_record(core: Core, slug: str) -> None:
    """The ledger's current figures in the trend unit give the file's record.

    A dataset counted in two units keeps a current figure in each, so reading current
    figures in one unit finds the same frontier as reading every row of the file.
    """
    units = trend_units(DOMAINS[slug])
    current = [
        Figure(p.dataset, p.quantity, p.year)
        for entry in core.store.reads.datasets(slug, limit=10_000)
        for p in entry.figures
        if p.unit in units and p.year is not None
    ]
    assert frontier(current) == frontier(record_figures(slug)), (
        f"{slug}: current figures give {describe(frontier(current))}, "
        f"the file gives {describe(frontier(record_figures(slug)))}"
    )


def test_the_file_checked_is_the_shipped_one() -> None:
    assert Path(__file__).parents[1] / "knowledge" / "datasets.csv" == CURATED_CSV


def rate_text(per_year: float) -> str:
    """A yearly factor as README's table writes it: two significant figures, ``×3.3``."""
    return f"×{per_year:.2g}"


def published_text(slug: str) -> str:
    """README's "published estimate" cell for a field: each estimate linked to its source."""
    found = Library.load().published_growth(slug)
    return (
        "; ".join(f"[×{g.per_year:g}, {g.by} {g.year}]({g.source})" for g in found) or "none found"
    )


def test_readme_coverage_table_matches_the_file() -> None:
    """README's "The curated record" table says what the file holds, field by field.

    Datasets, years and record points in the headline unit, the rate fitted on that
    record, and the published estimates the field's domain file lists, with their links.
    """
    table = re.findall(
        r"^\| `([^`]+)` \| ([^|]+?) \| (\d+) \| (\d{4})-(\d{4}) \| (\d+) \| (×[\d.]+) "
        r"\| (.+?) \|$",
        readme_section("The curated record"),
        re.M,
    )
    assert sorted(row[0] for row in table) == sorted(DOMAINS), "README's table lists other fields"
    for slug, unit, datasets, first, last, points, rate, published in table:
        figures = record_figures(slug)
        years = [f.year for f in figures]
        fitted = growth(figures)
        assert isinstance(fitted, Growth), slug
        actual = (
            " or ".join(trend_units(DOMAINS[slug])),
            len({dataset_key(f.dataset) for f in figures}),
            min(years),
            max(years),
            len(frontier(figures)),
            rate_text(fitted.per_year),
            published_text(slug),
        )
        shown = (unit, int(datasets), int(first), int(last), int(points), rate, published)
        assert shown == actual, f"README says {slug}: {shown}; the file gives {actual}"
