"""arXiv papers as arXiv would have them read: the export API's Atom for the abstract.

An ``arxiv.org/abs/…`` or ``/pdf/…`` link names a paper; its title and abstract come from
the export API (``?id_list=ID``), which arXiv asks machines to use instead of its pages,
and its full text from arXiv's HTML rendering where there is one. This module knows the
identifiers and the Atom feed; :mod:`bot.sources.readers` does the fetching.

The feed is parsed with :mod:`xml.etree` (with ``defusedxml`` when it is installed). A
feed carrying a document type declaration is refused before parsing: arXiv's never does,
and a declaration is where an entity-expansion bomb would be defined.
"""

from __future__ import annotations

import importlib
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit


def _xml_parser() -> Callable[[bytes], Any]:
    """defusedxml's ``fromstring`` when it is installed, else the standard library's."""
    try:
        return importlib.import_module("defusedxml.ElementTree").fromstring
    except ImportError:
        return ElementTree.fromstring


_fromstring = _xml_parser()

#: Hosts whose links name an arXiv paper.
HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ERRORS = "arxiv.org/api/errors"
#: 2104.10133, 1912.04838v2; hep-th/9901001, math.GT/0309136v1.
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_PATH = re.compile(
    rf"^/(?:abs|pdf|html|format)/(?P<id>{_NEW_ID}|{_OLD_ID})(?P<version>v\d+)?(?:\.pdf)?/?$"
)


class FeedError(ValueError):
    """The API's answer is not a feed with the paper: the message says why."""


@dataclass(frozen=True)
class PaperId:
    """A paper's identifier and the version a link named, if any (``v2``)."""

    id: str
    version: str = ""

    @property
    def versioned(self) -> str:
        return self.id + self.version


@dataclass(frozen=True)
class Abstract:
    """What the export API says about a paper."""

    id: str
    title: str
    summary: str

    @property
    def text(self) -> str:
        """Title and abstract as one text, each a paragraph of its own."""
        return f"{self.title}.\n\n{self.summary}"


def paper_id(url: str) -> PaperId | None:
    """The paper an arXiv link names, or None when ``url`` is no arXiv paper link."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower().rstrip(".") not in HOSTS:
        return None
    found = _PATH.match(parts.path)
    if found is None:
        return None
    return PaperId(found["id"], found["version"] or "")


def api_address(base: str, paper: PaperId) -> str:
    """The export API's query for ``paper`` (the version the link named, if any)."""
    return f"{base}?id_list={quote(paper.versioned, safe='/.')}"


def html_address(base: str, paper: PaperId) -> str:
    """Where arXiv serves ``paper``'s HTML full text, if it has one."""
    return f"{base}/{paper.versioned}"


def _parse(body: bytes) -> Any:
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise FeedError("the export API's answer declares a document type (not arXiv's feed)")
    try:
        return _fromstring(body)
    except ElementTree.ParseError as exc:
        raise FeedError(f"the export API's answer is not XML ({exc})") from None
    except ValueError as exc:  # defusedxml's refusals
        raise FeedError(f"the export API's answer was refused ({exc})") from None


def _text(element: Any, tag: str) -> str:
    found = element.find(_ATOM + tag)
    return " ".join((found.text or "").split()) if found is not None else ""


def read_feed(body: bytes, paper: PaperId) -> Abstract:
    """The paper's title and abstract from the API's Atom feed, or :class:`FeedError`.

    arXiv answers an identifier it does not know with a feed of no entries, and a
    malformed one with an entry whose id is under ``arxiv.org/api/errors``; both are
    errors here, worded for a moderator.
    """
    root = _parse(body)
    if root.tag != _ATOM + "feed":
        raise FeedError("the export API's answer is not an Atom feed")
    for entry in root.findall(_ATOM + "entry"):
        entry_id = _text(entry, "id")
        if _ERRORS in entry_id:
            raise FeedError(f"arXiv's API answered an error: {_text(entry, 'summary')}")
        title, summary = _text(entry, "title"), _text(entry, "summary")
        if title and summary:
            return Abstract(entry_id, title, summary)
    total = root.find(_OPENSEARCH + "totalResults")
    count = (total.text or "").strip() if total is not None else "no"
    raise FeedError(f"arXiv has no paper {paper.versioned} (its API found {count} results)")
