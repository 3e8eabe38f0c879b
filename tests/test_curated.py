"""The curated record (``knowledge/datasets.csv``) is enough for ``/trend`` in every field.

Each field needs, in its headline unit: at least 6 dated, distinct datasets spanning at
least 5 years, at least 3 of them setting a record (the frontier of
:func:`knowledge.trend.frontier`), so that :func:`knowledge.trend.growth` gives a rate
rather than "not enough history". Every row must carry an http(s) source and a note, say
each figure once per unit, and pass the same validation as ``/submit`` and
``scalebot import``.

The file checked is the shipped one, not the researched table in ``../shared``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.core import CURATED_CSV, Core
from knowledge.kb import load_knowledge_base
from knowledge.models import Domain
from knowledge.store import dataset_key
from knowledge.trend import Figure, Growth, frontier, growth
from knowledge.units import canonical_unit
from tests.helpers import curated_rows, readme_section

MIN_DATASETS = 6
MIN_SPAN_YEARS = 5
MIN_RECORDS = 3

DOMAINS: dict[str, Domain] = {d.slug: d for d in load_knowledge_base().domains}


def trend_units(domain: Domain) -> tuple[str, ...]:
    """The units a field's record is counted in.

    Only the headline unit: no field treats two units of the vocabulary as one (the
    vocabulary's own spellings already fold "demonstrations" into trajectories), so a
    figure in another unit (The Pile in GiB, RT-1 in episodes) stays off the record.
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
    points = core.read_csv(CURATED_CSV)
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
        for entry in core.store.datasets(slug, limit=10_000)
        for p in entry.figures
        if p.unit in units and p.year is not None
    ]
    assert frontier(current) == frontier(record_figures(slug)), (
        f"{slug}: current figures give {describe(frontier(current))}, "
        f"the file gives {describe(frontier(record_figures(slug)))}"
    )


def test_the_file_checked_is_the_shipped_one() -> None:
    assert Path(__file__).parents[1] / "knowledge" / "datasets.csv" == CURATED_CSV


def test_readme_coverage_table_matches_the_file() -> None:
    """README's "The curated record" table says what the file holds, field by field."""
    table = re.findall(
        r"^\| `([^`]+)` \| ([^|]+?) \| (\d+) \| (\d{4})-(\d{4}) \| (\d+) \|$",
        readme_section("The curated record"),
        re.M,
    )
    assert sorted(row[0] for row in table) == sorted(DOMAINS), "README's table lists other fields"
    for slug, unit, datasets, first, last, points in table:
        figures = record_figures(slug)
        years = [f.year for f in figures]
        actual = (
            " or ".join(trend_units(DOMAINS[slug])),
            len({dataset_key(f.dataset) for f in figures}),
            min(years),
            max(years),
            len(frontier(figures)),
        )
        shown = (unit, int(datasets), int(first), int(last), int(points))
        assert shown == actual, f"README says {slug}: {shown}; the file gives {actual}"
