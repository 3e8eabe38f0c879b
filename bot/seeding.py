"""What opening the core brings into the ledger: the claims index, units, curated points.

Each is checked with a plain read first, so an up-to-date ledger opens without the
write lock. A read-only ledger that is behind is served as it is, and the log says what
is missing. The curated points are read as ``scalebot import`` reads a file
(:func:`bot.importer.read_csv`): each row checked as ``/submit`` checks it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Protocol

from bot.importer import SubmitChecks, read_csv
from knowledge.kb import KB_DIR, Library
from knowledge.ledger.faults import LedgerReadOnly
from knowledge.ledger.values import Submitter


class Opening(SubmitChecks, Protocol):
    """The core as it opens: its library too (a protocol, so this module needs no core)."""

    library: Library


log = logging.getLogger(__name__)

CURATED_CSV = KB_DIR / "datasets.csv"


def curated_edition(path: Path) -> str:
    """A fingerprint of the curated file: a new edition is brought into every ledger."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def catch_up(core: Opening) -> None:
    """Index the knowledge base's claims and seed the curated points, if not done yet.

    Both check with a plain read first, so an up-to-date database opens without the
    write lock. A read-only one that is behind is served as it is, and the log says
    what is missing.
    """
    store = core.store
    try:
        store.search.compile_claims(core.library)
        store.fields.adopt_units(
            {
                domain.slug: domain.headline_unit
                for domain in core.library.domains.values()
                if domain.headline_unit
            }
        )
    except LedgerReadOnly as fault:
        log.warning("the claims index predates the knowledge base files: %s", fault)
    edition = curated_edition(CURATED_CSV)
    if store.meta("curated_edition") == edition:
        return
    points = read_csv(core, CURATED_CSV)
    try:
        store.curated.sync_curated(points, Submitter("system:curated", "system"), edition)
    except LedgerReadOnly as fault:
        log.warning("the curated data points are not up to date: %s", fault)
