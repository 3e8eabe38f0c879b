"""Hugging Face datasets: the card's text and the sizes the Hub's dataset API reports.

A dataset card is prose a person wrote; the Hub's API (``/api/datasets/OWNER/NAME``)
also carries the card's ``dataset_info`` as data: each configuration's splits with
their ``num_examples`` and ``num_bytes``, its ``dataset_size`` and ``download_size``.
Those are offered to the judge as figures the source states outside its text:

- rows, in the point's unit, when that unit counts whole items a row holds one of
  (images, videos, clips, documents, image-text pairs, objects, scenes, trajectories,
  episodes, frames, books). Not for ``tokens`` or ``words``: a row holds many of those,
  so a row count says nothing about them; nor for measures (hours, miles).
- bytes, as GiB (2^30 bytes), for the ``GiB`` unit: ``dataset_size`` (the prepared
  data) and ``download_size`` (the files fetched), each per configuration.

The Hub reports exact counts; a submitter rounds. A Hub figure therefore states any
submitted figure that agrees with it to three significant digits (1,281,167 images
states a submitted 1.28M, not 1.3M), as if the Hub had printed it that way.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from knowledge.figures_in_text import Figure
from knowledge.units import COUNTS

HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
#: Count units a dataset row is one of (see the module's docstring for why not tokens).
ROW_UNITS = COUNTS - {"tokens", "words"}
GIB = 2**30
SIGNIFICANT = 3
_PATH = re.compile(r"^/datasets/(?P<owner>[\w.\-]+)/(?P<name>[\w.\-]+)(?:/.*)?$")
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(?:\n|\Z)", re.DOTALL)


def dataset_id(url: str) -> str | None:
    """``OWNER/NAME`` of a Hub dataset link, or None when ``url`` is not one."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower().rstrip(".") not in HOSTS:
        return None
    found = _PATH.match(parts.path)
    return f"{found['owner']}/{found['name']}" if found else None


def card_address(base: str, dataset: str) -> str:
    return f"{base}/datasets/{quote(dataset)}/raw/main/README.md"


def api_address(base: str, dataset: str) -> str:
    return f"{base}/api/datasets/{quote(dataset)}"


def card_text(markdown: str) -> str:
    """The card's prose: its YAML front matter (metadata, read through the API) dropped."""
    return _FRONT_MATTER.sub("", markdown, count=1)


def _precision(value: float, whole: bool) -> float:
    if value <= 0:
        return 1.0
    step = 10.0 ** (math.floor(math.log10(value)) - SIGNIFICANT + 1)
    return max(step, 1.0) if whole else step


def _figure(value: float, unit: str, printed: str, sentence: str) -> Figure:
    return Figure(value, _precision(value, unit in COUNTS), unit, sentence, printed)


def _configs(info: Any) -> list[Mapping[str, Any]]:
    if isinstance(info, Mapping):
        return [info]
    if isinstance(info, list):
        return [config for config in info if isinstance(config, Mapping)]
    return []


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _rows(config: Mapping[str, Any], where: str, unit: str) -> Iterable[Figure]:
    splits = [s for s in config.get("splits") or () if isinstance(s, Mapping)]
    counted = [(str(s.get("name", "?")), _number(s.get("num_examples"))) for s in splits]
    counts = [(name, n) for name, n in counted if n is not None]
    for name, n in counts:
        yield _figure(
            n,
            unit,
            f"{n:,} {unit}",
            f"The Hub's dataset API reports {n:,} rows in the {name} split{where}.",
        )
    if len(counts) > 1:
        total = sum(n for _, n in counts)
        yield _figure(
            total,
            unit,
            f"{total:,} {unit}",
            f"The Hub's dataset API reports {total:,} rows in all splits{where}.",
        )


def _bytes(config: Mapping[str, Any], where: str) -> Iterable[Figure]:
    for key, what in (("dataset_size", "the prepared dataset"), ("download_size", "its download")):
        size = _number(config.get(key))
        if size:
            gib = size / GIB
            yield _figure(
                gib,
                "GiB",
                f"{gib:,.{SIGNIFICANT}g} GiB",
                f"The Hub's dataset API reports {size:,} bytes ({key}) for {what}{where}.",
            )


def hub_figures(api_body: bytes, unit: str) -> list[Figure]:
    """The sizes in the Hub API's answer that count in ``unit`` (see the module docstring).

    An answer that is not the JSON the Hub gives (or has no ``dataset_info``) gives none.
    """
    if unit not in ROW_UNITS and unit != "GiB":
        return []
    try:
        data = json.loads(api_body)
    except (ValueError, UnicodeDecodeError):
        return []
    card = data.get("cardData") if isinstance(data, Mapping) else None
    configs = _configs(card.get("dataset_info") if isinstance(card, Mapping) else None)
    found: list[Figure] = []
    for config in configs:
        name = config.get("config_name")
        where = f" of the {name} configuration" if len(configs) > 1 and name else ""
        found.extend(_rows(config, where, unit) if unit in ROW_UNITS else _bytes(config, where))
    return found
