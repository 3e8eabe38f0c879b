"""Reading a cited source the way its publisher intends it to be read.

Given the address a point cites, :func:`read` picks the reader:

- an arXiv paper (``arxiv.org/abs/ID``, ``/pdf/ID``, with or without a version): its
  title and abstract from the export API, then its HTML full text where arXiv serves
  one (a 404 there is normal: the abstract alone is read);
- a Hugging Face dataset (``huggingface.co/datasets/OWNER/NAME``): its card, and the
  sizes the Hub's dataset API reports as extra figures (:mod:`bot.sources.hub`);
- a GitHub repository (``github.com/OWNER/REPO``): its README, raw (a link to a file in
  it, ``/blob/REF/PATH``, reads that file); the repository's page when there is no
  ``README.md``;
- anything else: the page's text (:mod:`bot.sources.pagetext`: HTML, plain text, PDF).

Every fetch goes through the one :class:`~bot.sources.fetch.Fetcher` (its address
rules, pace and cache); parsing runs off the event loop. The outcome is a
:class:`Reading` or the fetch's :class:`~bot.sources.fetch.Unreachable` /
:class:`~bot.sources.fetch.Refused`, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from bot.sources import arxiv, hub
from bot.sources.fetch import Fetched, Fetcher, Refused, Unreachable
from bot.sources.pagetext import NotText, decode, page_text
from bot.sources.work import off_the_loop

if TYPE_CHECKING:
    from bot.config import Settings
    from knowledge.figures_in_text import Figure

GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
#: First path segments of github.com that are not an owner.
_GITHUB_PAGES = frozenset(
    "about apps blog collections contact enterprise explore features issues login marketplace "
    "new notifications orgs organizations pricing pulls search settings site sponsors topics "
    "trending users".split()
)


@dataclass(frozen=True)
class Endpoints:
    """Where each publisher's machine-readable copy is (``SCALEBOT_*_URL``); tests move them."""

    arxiv_api: str = "https://export.arxiv.org/api/query"
    arxiv_html: str = "https://arxiv.org/html"
    hf: str = "https://huggingface.co"
    github_raw: str = "https://raw.githubusercontent.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpoints:
        return cls(
            settings.arxiv_api_url,
            settings.arxiv_html_url,
            settings.hf_url,
            settings.github_raw_url,
        )


@dataclass(frozen=True)
class Reading:
    """A source read: the text to judge, the address read, and figures it states elsewhere."""

    text: str
    read_url: str
    extra: tuple[Figure, ...] = ()


Failed = Unreachable | Refused
Outcome = Reading | Failed


async def read(
    url: str, unit: str, fetcher: Fetcher, endpoints: Endpoints, *, fresh: bool = False
) -> Outcome:
    """``url`` read by the reader its publisher calls for (see the module docstring)."""
    paper = arxiv.paper_id(url)
    if paper is not None:
        return await _read_arxiv(url, paper, fetcher, endpoints, fresh)
    dataset = hub.dataset_id(url)
    if dataset is not None:
        return await _read_hub(url, dataset, unit, fetcher, endpoints, fresh)
    raw = github_raw(url, endpoints.github_raw)
    if raw is not None:
        outcome = await _read_page(raw, fetcher, fresh, asked=url)
        if not (isinstance(outcome, Unreachable) and _missing(outcome)):
            return outcome
    return await _read_page(url, fetcher, fresh, asked=url)


def _missing(outcome: Unreachable) -> bool:
    """Whether the host answered that there is no such page (rather than failing)."""
    return " answered 404" in outcome.reason or " answered 410" in outcome.reason


def _as_asked(outcome: Failed, asked: str) -> Failed:
    """The failure under the address the point cites, its reason naming what was read."""
    if outcome.url == asked:
        return outcome
    reason = f"{outcome.url}: {outcome.reason}"
    if isinstance(outcome, Refused):
        return Refused(asked, reason)
    return Unreachable(asked, reason, network=outcome.network)


async def _read_page(url: str, fetcher: Fetcher, fresh: bool, *, asked: str) -> Outcome:
    outcome = await fetcher.fetch(url, fresh=fresh)
    if not isinstance(outcome, Fetched):
        return _as_asked(outcome, asked)
    try:
        text = await off_the_loop(page_text, outcome.body, outcome.content_type)
    except NotText as exc:
        return Unreachable(asked, f"{outcome.final_url} could not be read as text: {exc}")
    return Reading(text, outcome.final_url)


async def _read_arxiv(
    url: str, paper: arxiv.PaperId, fetcher: Fetcher, endpoints: Endpoints, fresh: bool
) -> Outcome:
    """The abstract from the export API, then the HTML full text if arXiv has one."""
    api = arxiv.api_address(endpoints.arxiv_api, paper)
    answer = await fetcher.fetch(api, fresh=fresh)
    if not isinstance(answer, Fetched):
        return _as_asked(answer, url)
    try:
        abstract = await off_the_loop(arxiv.read_feed, answer.body, paper)
    except arxiv.FeedError as exc:
        return Unreachable(url, str(exc))
    html = arxiv.html_address(endpoints.arxiv_html, paper)
    full = await fetcher.fetch(html, fresh=fresh)
    if not isinstance(full, Fetched):  # no HTML rendering (404) or it failed: abstract only
        return Reading(abstract.text, api)
    try:
        body = await off_the_loop(page_text, full.body, full.content_type)
    except NotText:
        return Reading(abstract.text, api)
    return Reading(f"{abstract.text}\n\n{body}", full.final_url)


async def _read_hub(
    url: str, dataset: str, unit: str, fetcher: Fetcher, endpoints: Endpoints, fresh: bool
) -> Outcome:
    """The dataset card's prose and the sizes the Hub's API reports; either may be missing."""
    card_url = hub.card_address(endpoints.hf, dataset)
    api_url = hub.api_address(endpoints.hf, dataset)
    # One after the other: a check holds at most one fetch at a time, so the checker's
    # bound on checks is a bound on fetches.
    card = await fetcher.fetch(card_url, fresh=fresh)
    api = await fetcher.fetch(api_url, fresh=fresh)
    if isinstance(card, Refused):
        return _as_asked(card, url)
    extra: tuple[Figure, ...] = ()
    if isinstance(api, Fetched):
        extra = tuple(await off_the_loop(hub.hub_figures, api.body, unit))
    if isinstance(card, Fetched):
        text = await off_the_loop(decode, card.body)
        return Reading(hub.card_text(text), card.final_url, extra)
    if isinstance(api, Fetched):
        return Reading("", api.final_url, extra)
    return _as_asked(card, url)


def github_raw(url: str, base: str) -> str | None:
    """The raw address of what a GitHub link shows: its README, or the file it links to."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower().rstrip(".") not in GITHUB_HOSTS:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() in _GITHUB_PAGES:
        return None
    owner, repo = segments[0], segments[1].removesuffix(".git")
    where = f"{base}/{quote(owner)}/{quote(repo)}"
    if len(segments) >= 5 and segments[2] == "blob":
        return f"{where}/{quote('/'.join(segments[3:]))}"
    return f"{where}/HEAD/README.md"
