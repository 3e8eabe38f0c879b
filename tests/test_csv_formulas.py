"""No formulas in CSV: ``scalebot export --format csv`` and the web's CSV downloads.

Pending figures are public, so a member can name a dataset ``=HYPERLINK(...)`` or note
``@SUM(...)``; whoever opens the CSV in a spreadsheet would run it. Both CSV writers put
each cell through one rule (``bot/csvcells.py``): a text that would start a formula gets
a ``'`` in front; a plain number stays a number; JSON stays exact; ``scalebot import``
takes the ``'`` off again, so an export imports back as it was. The web's CSV is
checked through Datasette's own renderer on the real server; the rule itself, and the
filter that applies it to Datasette's CSV message by message, in ``test_csv_cells.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from knowledge.store import Store
from tests.helpers import MODERATOR
from tests.hostile_stack import (
    FORMULA_DATASET,
    FORMULA_NOTE,
    MINUS_NOTE,
    NUMBER_DATASET,
    PLUS_DATASET,
    QUOTED_NOTE,
    hostile_ledger,
)
from tests.web_stack import Site, serving

#: Each hostile string and the cell a spreadsheet must get for it, written out by hand.
EXPECTED_CELLS = {
    FORMULA_DATASET: "'=HYPERLINK(1)",
    FORMULA_NOTE: "'@SUM(1+1)",
    PLUS_DATASET: "'+cmd|calc",
    MINUS_NOTE: "'-2+3 counted",
    NUMBER_DATASET: "-5",
    QUOTED_NOTE: "''=already quoted",
}


# -- scalebot export ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csvcells") / "scalebot.db"
    hostile_ledger(path)
    return path


def invoke(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def exported_rows(db: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(invoke(db, "export", "--format", "csv"))))


def test_export_csv_writes_formulas_as_text(ledger: Path) -> None:
    rows = {row["source_url"]: row for row in exported_rows(ledger)}
    formula = rows["https://example.org/formula"]
    assert (formula["dataset"], formula["note"]) == (
        EXPECTED_CELLS[FORMULA_DATASET],
        EXPECTED_CELLS[FORMULA_NOTE],
    )
    plus = rows["https://example.org/plus"]
    assert (plus["dataset"], plus["note"]) == (
        EXPECTED_CELLS[PLUS_DATASET],
        EXPECTED_CELLS[MINUS_NOTE],
    )
    number = rows["https://example.org/number"]
    assert (number["dataset"], number["note"]) == (
        EXPECTED_CELLS[NUMBER_DATASET],
        EXPECTED_CELLS[QUOTED_NOTE],
    )
    # Numbers stay numbers, the typed quantity as typed.
    assert (formula["quantity"], formula["year"]) == ("5M", "2024")
    assert formula["id"].isdigit()


def test_no_exported_cell_starts_a_formula(ledger: Path) -> None:
    text = invoke(ledger, "export", "--format", "csv")
    for line in csv.reader(io.StringIO(text)):
        for cell in line:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-[0-9.]+", cell), cell


def test_export_json_stays_exact(ledger: Path) -> None:
    points = json.loads(invoke(ledger, "export", "--format", "json"))
    names = {point["dataset"] for point in points}
    notes = {point["note"] for point in points}
    assert {FORMULA_DATASET, PLUS_DATASET, NUMBER_DATASET} <= names
    assert {FORMULA_NOTE, MINUS_NOTE, QUOTED_NOTE} <= notes


def test_an_export_imports_back_as_it_was_typed(ledger: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.csv"
    invoke(ledger, "export", "--format", "csv", "-o", str(dump))
    video = tmp_path / "video.csv"
    with dump.open(newline="", encoding="utf-8") as source:
        kept = [
            row
            for row in csv.DictReader(source)
            if row["source_url"].endswith(("/formula", "/plus", "/number"))
        ]
    with video.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(kept[0]))
        writer.writeheader()
        writer.writerows(kept)
    fresh = tmp_path / "fresh.db"
    invoke(fresh, "import", str(video))
    store = Store.open(fresh)
    try:
        imported = {(p.dataset, p.note) for p in store.reads.all_points() if p.origin == "import"}
    finally:
        store.close()
    assert imported == {
        (FORMULA_DATASET, FORMULA_NOTE),
        (PLUS_DATASET, MINUS_NOTE),
        (NUMBER_DATASET, QUOTED_NOTE),
    }


# -- the web's CSV, through Datasette's renderer -------------------------------------------


@pytest.fixture(scope="module")
def site(ledger: Path) -> Iterator[Site]:
    settings = Settings(db=ledger, moderators=frozenset({MODERATOR}), web_allow_sql=True)
    with serving(settings) as running:
        yield running


def csv_rows(site: Site, path: str) -> list[dict[str, str]]:
    page = site.get(path)
    assert page.status == 200, page.body[:500]
    return list(csv.DictReader(io.StringIO(page.body, newline="")))


@pytest.mark.parametrize(
    "path",
    [
        "/ledger/figures.csv?domain=video&_size=max",
        "/ledger/figures.csv?domain=video&_stream=1",
        "/ledger/figures.csv?domain=video&_size=max&_dl=1",
        "/ledger/current_figures.csv?domain=video&_size=max",
        "/ledger/current_by_field.csv?field=video&_size=max",
        "/ledger/dataset_history.csv?" + urlencode({"name": FORMULA_DATASET}),
    ],
)
def test_web_csv_writes_formulas_as_text(site: Site, path: str) -> None:
    rows = {row["source"]: row for row in csv_rows(site, path)}
    formula = rows["https://example.org/formula"]
    assert (formula["dataset"], formula["note"]) == (
        EXPECTED_CELLS[FORMULA_DATASET],
        EXPECTED_CELLS[FORMULA_NOTE],
    )
    # The figure is a number and stays one.
    assert formula["value"] == "5000000.0"
    if "dataset_history" not in path:
        plus = rows["https://example.org/plus"]
        assert (plus["dataset"], plus["note"]) == (
            EXPECTED_CELLS[PLUS_DATASET],
            EXPECTED_CELLS[MINUS_NOTE],
        )


def test_web_csv_of_pending_figures(site: Site) -> None:
    rows = {row["source"]: row for row in csv_rows(site, "/ledger/pending_review.csv")}
    number = rows["https://example.org/number"]
    assert (number["dataset"], number["note"]) == (
        EXPECTED_CELLS[NUMBER_DATASET],
        EXPECTED_CELLS[QUOTED_NOTE],
    )


def test_a_visitor_s_sql_as_csv(site: Site) -> None:
    sql = (
        "select -5 as number, '-5' as text_number, '=1+2' as formula, '@x' as at, "
        "char(9) || '=1' as tab, 'a\"b,c' as quoted, '''=x' as prefixed"
    )
    rows = csv_rows(site, f"/ledger.csv?sql={quote(sql)}")
    assert rows == [
        {
            "number": "-5",
            "text_number": "-5",
            "formula": "'=1+2",
            "at": "'@x",
            "tab": "'\t=1",
            "quoted": 'a"b,c',
            "prefixed": "''=x",
        }
    ]


def test_a_formula_as_a_column_name_is_text_too(site: Site) -> None:
    page = site.get("/ledger.csv?sql=" + quote('select 1 as "=cmd"'))
    assert page.body.splitlines()[0] == "'=cmd"


def test_web_json_stays_exact(site: Site) -> None:
    page = site.get("/ledger/figures.json?domain=video&_shape=array&_size=max")
    names = {row["dataset"] for row in page.json()}
    notes = {row["note"] for row in page.json()}
    assert {FORMULA_DATASET, PLUS_DATASET, NUMBER_DATASET} <= names
    assert {FORMULA_NOTE, MINUS_NOTE, QUOTED_NOTE} <= notes


def test_export_and_web_write_the_same_cells(ledger: Path, site: Site) -> None:
    exported = {row["source_url"]: (row["dataset"], row["note"]) for row in exported_rows(ledger)}
    web = {
        row["source"]: (row["dataset"], row["note"])
        for row in csv_rows(site, "/ledger/figures.csv?_size=max")
    }
    for source in ("formula", "plus", "number"):
        url = f"https://example.org/{source}"
        assert exported[url] == web[url]
