"""Options several commands declare alike, written once so they read and check alike.

A data point's number is what ``/confirm``, ``/flag``, ``/approve`` and ``/reject``
act on; a page is how ``/datasets`` and ``/history`` page. Declared here, each keeps
one label, one range and one help text on every platform.
"""

from __future__ import annotations

from bot.commands import SAFE_INTEGER, Option, OptionType

#: The largest data point number accepted: the widest bound a chat platform takes (Discord's
#: integer options stop at 2**53 - 1). SQLite's rowids could go higher; no ledger gets there.
MAX_POINT_ID = SAFE_INTEGER
#: The last page a paginated command shows.
MAX_PAGE = 100_000


def point_id() -> Option:
    """``id``: the data point a command acts on, as /review and the replies number it."""
    return Option(
        "id",
        OptionType.INTEGER,
        "The data point's number, e.g. 12",
        label="data point number",
        min_value=1,
        max_value=MAX_POINT_ID,
        max_length=24,
    )


def page() -> Option:
    """``page``: which page of a paginated reply, the first by default."""
    return Option(
        "page",
        OptionType.INTEGER,
        "Page number",
        required=False,
        label="page number",
        min_value=1,
        max_value=MAX_PAGE,
        default=1,
        max_length=10,
    )
