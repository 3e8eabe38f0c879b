"""One point from ``/submit``'s values, however they arrive: typed in chat or as a CSV row.

``/submit`` (its handler) and ``scalebot import`` (and the curated file, read the same way)
both build the stored point with :func:`bot.submitpoint.submitted_point`. These tests
hold the two paths to the same stored figure, and to the same refusal, for the same
values: if either path ever builds its point (or checks a value) its own way, they part.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from bot.importer import IMPORT_COLUMNS, ImportFailed, import_csv
from tests.helpers import MEMBER, MODERATOR

#: The columns a figure is stored in, whichever way it came.
FIGURE = ("domain", "dataset", "quantity_text", "quantity", "unit", "source_url", "year", "note")

#: /submit's values as typed: field (an alias too), dataset, quantity, unit, source,
#: year ("" for none), note ("" for none).
CASES = [
    ("video", "Pathsame Clips", "12M", "clips", "https://example.org/a", "2024", ""),
    ("nerf", "Pathsame Scenes", "1.5k", "scenes", "https://example.org/b", "", "indoor scans"),
    ("llm", "Pathsame Tokens", "3.25B", "tokens", "http://example.org/c?x=1", "2021", "a, b"),
    ("video", "Pathsame Hours", "800.5", "hours", "https://example.org/d", "", ""),
]


def typed(values: tuple[str, ...]) -> str:
    domain, dataset, quantity, unit, source, year, note = values
    line = f'/submit {domain} "{dataset}" {quantity} {unit} {source}'
    line += f" year:{year}" if year else ""
    return line + (f' note:"{note}"' if note else "")


def as_row(path: Path, values: tuple[str, ...]) -> Path:
    domain, dataset, quantity, unit, source, year, note = values
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(IMPORT_COLUMNS))
        writer.writeheader()
        writer.writerow(
            {"domain": domain, "dataset": dataset, "quantity": quantity, "unit": unit,
             "year": year, "source_url": source, "note": note}
        )  # fmt: skip
    return path


def figure(core: Core, point_id: int) -> dict[str, object]:
    stored = core.store.reads.get(point_id)
    assert stored is not None
    return {column: getattr(stored, column) for column in FIGURE}


@pytest.mark.parametrize("values", CASES, ids=[case[1] for case in CASES])
def test_a_submission_and_an_imported_row_store_the_same_figure(
    tmp_path: Path, values: tuple[str, ...]
) -> None:
    with Core.open(settings=Settings(db=tmp_path / "chat.db")) as chat:
        reply = chat.ask(typed(values), MEMBER)
        assert reply.kind == "answer", reply.summary
        submitted = figure(chat, reply.data["id"])
    with Core.open(settings=Settings(db=tmp_path / "bulk.db")) as bulk:
        before = bulk.store.reads.totals().get("approved", 0)
        import_csv(bulk, as_row(tmp_path / "row.csv", values), MODERATOR)
        assert bulk.store.reads.totals().get("approved", 0) == before + 1
        (imported_id,) = [p.id for p in bulk.store.reads.all_points() if p.dataset == values[1]]
        imported = figure(bulk, imported_id)
    assert imported == submitted
    assert submitted["dataset"] == values[1] and submitted["quantity_text"] == values[2]


#: Values /submit refuses, and the words of its refusal each path must give.
REFUSED = [
    (("video", "Halfway Clips", "2.5", "clips", "https://example.org/h", "", ""), "whole"),
    (("video", "Early Clips", "5M", "clips", "https://example.org/e", "1800", ""), "1950"),
    (("nowhere", "Lost Clips", "5M", "clips", "https://example.org/l", "", ""), "nowhere"),
]


@pytest.mark.parametrize("values,word", REFUSED, ids=[case[0][1] for case in REFUSED])
def test_a_submission_and_an_imported_row_are_refused_alike(
    core: Core, tmp_path: Path, values: tuple[str, ...], word: str
) -> None:
    reply = core.ask(typed(values), MEMBER)
    assert reply.kind == "error", reply.summary
    told = reply.summary.split("\nExample:")[0]
    assert word in told
    with pytest.raises(ImportFailed) as caught:
        import_csv(core, as_row(tmp_path / "row.csv", values), MODERATOR)
    assert str(caught.value) == f"row.csv: line 2: {told}"
