"""Options several commands declare alike, written once so they read and check alike.

A field is what most commands are about, a dataset what several look up; a data point's
number is what ``/confirm``, ``/flag``, ``/approve`` and ``/reject`` act on; a page is how
``/datasets`` and ``/history`` page. Declared here, each keeps one kind, one label, one
length or range on every platform; a command says only what the value is for, in its
own words (its description).
"""

from __future__ import annotations

from dataclasses import replace

from bot import kinds
from bot.commands import SAFE_INTEGER, Option, OptionType

#: The largest data point number accepted: the widest bound a chat platform takes (Discord's
#: integer options stop at 2**53 - 1). SQLite's rowids could go higher; no ledger gets there.
MAX_POINT_ID = SAFE_INTEGER
#: The last page a paginated command shows.
MAX_PAGE = 100_000
#: The longest dataset name accepted, in characters.
DATASET_MAX = OptionType.DATASET.max_length


def field(
    description: str = "The field, e.g. video, 3d, llm",
    *,
    name: str = "domain",
    required: bool = True,
) -> Option:
    """``domain``: a research field by slug, name or alias (``OptionType.DOMAIN``: label
    "field", at most 60 characters). ``description`` is the command's help text for it.
    """
    return Option(name, OptionType.DOMAIN, description, required=required)


def dataset(description: str, *, name: str = "dataset", label: str = "") -> Option:
    """``dataset``: a dataset's name, offered from the ledger (``OptionType.DATASET``: label
    "dataset name", at most 120 characters); ``label`` names it otherwise where a command
    takes two ("dataset to merge into").
    """
    kind = replace(OptionType.DATASET, label=label) if label else OptionType.DATASET
    return Option(name, kind, description)


def point_id() -> Option:
    """``id``: the data point a command acts on, as /review and the replies number it."""
    return Option(
        "id",
        kinds.WholeNumber(
            label="data point number", min_value=1, max_value=MAX_POINT_ID, max_length=24
        ),
        "The data point's number, e.g. 12",
    )


def page() -> Option:
    """``page``: which page of a paginated reply, the first by default."""
    return Option(
        "page",
        kinds.WholeNumber(label="page number", min_value=1, max_value=MAX_PAGE, max_length=10),
        "Page number",
        required=False,
        default=1,
    )
