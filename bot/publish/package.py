"""``datapackage.json``: the snapshot described as a Frictionless Data Package (v2).

A reader (or a CDN's integrity check) learns from it what each file is, how large,
its SHA-256, and for tables their columns and row count, without opening them; the
package's ``created`` is the time of the ledger's last change, never the time of the
run, so the same ledger gives the same descriptor. ``counts`` sums the ledger up (how
many figures by status, datasets, fields, records, charts). The descriptor lists every
file of the snapshot but itself: that is also how a later ``scalebot publish`` knows a
folder it may replace (:mod:`bot.publish.folder`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.publish.tables import Table

#: The descriptor's file name, as the standard has it.
DESCRIPTOR = "datapackage.json"
#: The package's name: also what marks a folder as a snapshot this command wrote.
PACKAGE_NAME = "scalebot-ledger"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TITLE = "scalebot: the community ledger of AI dataset sizes"
DESCRIPTION = (
    "How much training data each AI field has, figure by figure, each with its source: "
    "the public part of the scalebot ledger (what its web view shows), as SQLite, CSV, "
    "JSON and PNG charts. No platform user ids, review notes or audit log."
)


@dataclass(frozen=True)
class Written:
    """One file the snapshot wrote, as the descriptor names it."""

    path: str
    name: str
    title: str
    description: str
    format: str
    mediatype: str
    #: The table a CSV or JSON file holds, with its row count (None: not a table).
    table: Table | None = None
    rows: int | None = None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def schema(table: Table) -> dict[str, Any]:
    """``table`` as a Frictionless Table Schema."""
    described: dict[str, Any] = {
        "fields": [
            {"name": column.name, "type": column.kind, "description": column.description}
            for column in table.columns
        ],
        "missingValues": [""],
    }
    if table.primary_key is not None:
        described["primaryKey"] = [table.primary_key]
    return described


def resource(folder: Path, written: Written) -> dict[str, Any]:
    """The descriptor's entry for ``written``, measured from the file in ``folder``.

    A table's CSV file is its tabular resource (``type: table``, its schema and row
    count); its JSON file carries the same schema as a plain JSON resource, since
    Frictionless' own validator (frictionless-py 5) cannot measure the bytes, hash or
    rows of a JSON table and would call every one of them invalid.
    """
    path = folder / written.path
    entry: dict[str, Any] = {
        "name": written.name,
        "path": written.path,
        "title": written.title,
        "description": written.description,
        "format": written.format,
        "mediatype": written.mediatype,
    }
    if written.mediatype.startswith("text/") or written.format == "json":
        entry["encoding"] = "utf-8"
    entry["bytes"] = path.stat().st_size
    entry["hash"] = f"sha256:{sha256(path)}"
    if written.table is not None:
        if written.format == "csv":
            entry["type"] = "table"
        entry["schema"] = schema(written.table)
        if written.format == "csv":
            entry["rows"] = written.rows
    return entry


def descriptor(
    folder: Path, written: Sequence[Written], created: str, counts: Mapping[str, int]
) -> dict[str, Any]:
    """The whole descriptor of the files ``written`` into ``folder``."""
    return {
        "$schema": PROFILE,
        "name": PACKAGE_NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "created": created,
        "keywords": ["machine learning", "datasets", "training data", "scaling"],
        "counts": dict(counts),
        "resources": [resource(folder, entry) for entry in written],
    }


def write_descriptor(folder: Path, described: Mapping[str, Any]) -> None:
    text = json.dumps(described, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    (folder / DESCRIPTOR).write_text(text, encoding="utf-8", newline="\n")


def listed_paths(text: str) -> frozenset[str] | None:
    """The files a descriptor written by this command lists, or None if ``text`` is not
    one (not JSON, another package's, no resources)."""
    try:
        described = json.loads(text)
    except ValueError:
        return None
    if not isinstance(described, dict) or described.get("name") != PACKAGE_NAME:
        return None
    resources = described.get("resources")
    if not isinstance(resources, list):
        return None
    paths = [entry.get("path") for entry in resources if isinstance(entry, dict)]
    return frozenset(path for path in paths if isinstance(path, str))
