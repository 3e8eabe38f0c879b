"""A ledger written by hostile members: markup and spreadsheet formulas in every string.

Each script sets its own window variable when it runs, so a browser test can tell
which page ran which one; the HTML tests look for the same strings unescaped. The
formulas are cells a spreadsheet would run from a CSV download.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.core import Core
from tests.helpers import MODERATOR

#: The window variables the scripts below set, one per place a string reaches a page.
SCRIPT_FLAGS = ("pwnedField", "pwnedDataset", "pwnedNote", "pwnedPending", "pwnedPendingNote")
FIELD_SLUG = "xss"
FIELD_NAME = "<img src=x onerror=window.pwnedField=1>"
DATASET = "<img src=x onerror=window.pwnedDataset=1>"
NOTE = "<script>window.pwnedNote=1</script>"
PENDING_DATASET = "<svg onload=window.pwnedPending=1>"
PENDING_NOTE = "<img src=x onerror=window.pwnedPendingNote=1>"
#: Every markup string above, as a page must never hold it (unescaped).
MARKUP = (FIELD_NAME, DATASET, NOTE, PENDING_DATASET, PENDING_NOTE)

#: Names and notes a spreadsheet would run: ``=``, ``+``, ``-`` and ``@`` first.
FORMULA_DATASET = "=HYPERLINK(1)"
FORMULA_NOTE = "@SUM(1+1)"
PLUS_DATASET = "+cmd|calc"
MINUS_NOTE = "-2+3 counted"
#: A name that is a plain number: a spreadsheet reads it as -5 and runs nothing.
NUMBER_DATASET = "-5"
#: A note already starting with the prefix: written with one more, read back as typed.
QUOTED_NOTE = "'=already quoted"


def hostile_ledger(path: Path) -> dict[str, int]:
    """A seeded ledger at ``path`` with the strings above; the points' ids by name."""
    settings = Settings(db=path, moderators=frozenset({MODERATOR}))
    ids: dict[str, int] = {}
    with Core.open(settings=settings) as core:
        added = core.ask(f'/domain add {FIELD_SLUG} "{FIELD_NAME}" unit:clips', MODERATOR)
        assert added.kind == "answer", added.as_text()
        submissions = {
            "markup": f'/submit {FIELD_SLUG} "{DATASET}" 5M clips '
            f'https://example.org/markup 2024 "{NOTE}"',
            "pending": f'/submit {FIELD_SLUG} "{PENDING_DATASET}" 7M clips '
            f'https://example.org/pending 2025 "{PENDING_NOTE}"',
            "formula": f'/submit video "{FORMULA_DATASET}" 5M clips '
            f'https://example.org/formula 2024 "{FORMULA_NOTE}"',
            "plus": f'/submit video "{PLUS_DATASET}" 6M clips '
            f'https://example.org/plus 2024 "{MINUS_NOTE}"',
            "number": f'/submit video "{NUMBER_DATASET}" 4M clips '
            f'https://example.org/number 2024 "{QUOTED_NOTE}"',
        }
        for role, command in submissions.items():
            reply = core.ask(command, MODERATOR)
            assert reply.kind == "answer", reply.as_text()
            point_id = reply.data["id"]
            assert isinstance(point_id, int)
            ids[role] = point_id
        for role in ("markup", "formula", "plus"):
            decided = core.ask(f"/approve {ids[role]}", MODERATOR)
            assert decided.kind == "answer", decided.as_text()
    return ids
