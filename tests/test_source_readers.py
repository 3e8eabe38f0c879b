"""The readers' parts (issue 21, item 2): which reader a link calls for, and what each reads.

Links to arXiv, the Hub and GitHub are recognised in every form people paste; arXiv's
Atom feed is read as its API manual shows it (and refused when it declares entities);
a page's visible text is what a browser shows; the Hub's sizes become figures only in
units a row or a byte count can state. Expected values are written out by hand.
"""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.sources import arxiv, hub
from bot.sources.pagetext import NotText, html_text, page_text
from bot.sources.readers import Endpoints, github_raw
from tests.fakes.sources import Paper, _entry, _error_entry, _feed, minimal_pdf
from tests.helpers import clear_settings_env

# -- which reader ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "paper", "version"),
    [
        ("https://arxiv.org/abs/2307.06942", "2307.06942", ""),
        ("https://arxiv.org/abs/2307.06942v2", "2307.06942", "v2"),
        ("http://arxiv.org/pdf/2307.06942v1", "2307.06942", "v1"),
        ("https://arxiv.org/pdf/2307.06942.pdf", "2307.06942", ""),
        ("https://www.arxiv.org/abs/1912.04838?context=cs", "1912.04838", ""),
        ("https://arxiv.org/html/2401.00001v3", "2401.00001", "v3"),
        ("https://arxiv.org/abs/0704.0001", "0704.0001", ""),
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001", ""),
        ("https://arxiv.org/abs/math.GT/0309136v1", "math.GT/0309136", "v1"),
    ],
)
def test_arxiv_links_name_their_paper(url: str, paper: str, version: str) -> None:
    assert arxiv.paper_id(url) == arxiv.PaperId(paper, version)


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/list/cs.CV/recent",
        "https://arxiv.org/abs/",
        "https://example.org/abs/2307.06942",
        "https://arxiv.org.example.net/abs/2307.06942",
    ],
)
def test_other_links_are_no_arxiv_paper(url: str) -> None:
    assert arxiv.paper_id(url) is None


def test_arxiv_addresses_keep_the_version_asked_for() -> None:
    paper = arxiv.PaperId("hep-th/9901001", "v2")
    assert arxiv.api_address("https://api.test/query", paper) == (
        "https://api.test/query?id_list=hep-th/9901001v2"
    )
    assert arxiv.html_address("https://html.test/html", paper) == (
        "https://html.test/html/hep-th/9901001v2"
    )


@pytest.mark.parametrize(
    ("url", "dataset"),
    [
        ("https://huggingface.co/datasets/HuggingFaceFW/fineweb", "HuggingFaceFW/fineweb"),
        ("https://huggingface.co/datasets/acme/photos/tree/main/data", "acme/photos"),
        ("https://hf.co/datasets/acme/photos.v2", "acme/photos.v2"),
        ("https://huggingface.co/acme/model", None),
        ("https://huggingface.co/datasets/acme", None),
        ("https://example.org/datasets/acme/photos", None),
    ],
)
def test_hub_links_name_their_dataset(url: str, dataset: str | None) -> None:
    assert hub.dataset_id(url) == dataset


@pytest.mark.parametrize(
    ("url", "raw"),
    [
        ("https://github.com/acme/pairs", "R/acme/pairs/HEAD/README.md"),
        ("https://github.com/acme/pairs.git", "R/acme/pairs/HEAD/README.md"),
        ("https://www.github.com/acme/pairs/tree/main", "R/acme/pairs/HEAD/README.md"),
        ("https://github.com/acme/pairs/blob/v2/docs/DATA.md", "R/acme/pairs/v2/docs/DATA.md"),
        ("https://github.com/acme", None),
        ("https://github.com/features/copilot", None),
        ("https://gitlab.com/acme/pairs", None),
    ],
)
def test_github_links_are_read_raw(url: str, raw: str | None) -> None:
    assert github_raw(url, "R") == raw


# -- arXiv's feed ------------------------------------------------------------------------

PAPER = arxiv.PaperId("2307.06942")


def test_the_feed_gives_the_title_and_abstract() -> None:
    feed = _feed("id_list=2307.06942", [_entry("2307.06942v1", Paper("A & B", "It has 5 h."))])
    abstract = arxiv.read_feed(feed.encode(), PAPER)
    assert (abstract.title, abstract.summary) == ("A & B", "It has 5 h.")
    assert abstract.text == "A & B.\n\nIt has 5 h."
    assert abstract.id == "http://arxiv.org/abs/2307.06942v1"


def test_a_feed_without_entries_says_arxiv_has_no_such_paper() -> None:
    with pytest.raises(arxiv.FeedError, match=r"arXiv has no paper 2307.06942 \(.*0 results\)"):
        arxiv.read_feed(_feed("id_list=2307.06942", []).encode(), PAPER)


def test_an_error_entry_is_an_error_with_arxivs_words() -> None:
    feed = _feed("id_list=1234.1", [_error_entry("1234.1")])
    with pytest.raises(arxiv.FeedError, match=r"incorrect id format for 1234\.1"):
        arxiv.read_feed(feed.encode(), PAPER)


def test_a_feed_declaring_entities_is_refused_before_any_expansion() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY a{n + 1} "&a{n};&a{n};&a{n};&a{n};">' for n in range(20))
        + ']><feed xmlns="http://www.w3.org/2005/Atom"><title>&a20;</title></feed>'
    ).replace('<!ENTITY a "', '<!ENTITY a0 "')
    started = time.monotonic()
    with pytest.raises(arxiv.FeedError, match="document type"):
        arxiv.read_feed(bomb.encode(), PAPER)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("body", [b"<html>not a feed</html>", b"not xml at all <"])
def test_an_answer_that_is_no_atom_feed_is_an_error(body: bytes) -> None:
    with pytest.raises(arxiv.FeedError):
        arxiv.read_feed(body, PAPER)


# -- page text ---------------------------------------------------------------------------


def test_html_text_is_what_a_browser_shows() -> None:
    page = (
        "<!doctype html><html><head><title>T</title><style>p{}</style>"
        "<script>var x = '999K hours';</script></head><body>"
        "<h1>Data</h1><p>It holds 760K&nbsp;hours &amp; 234M clips.</p>"
        "<table><tr><td>7.6K</td><td>hours</td></tr></table>"
        "<p>Formula <math><mi>n</mi><annotation encoding='application/x-tex'>n=5</annotation>"
        "</math> ends.</p></body></html>"
    )
    assert html_text(page) == (
        "Data\n\nIt holds 760K hours & 234M clips.\n\n7.6K\n\nhours\n\nFormula n ends."
    )


def test_a_page_that_never_closes_its_head_still_shows_its_body() -> None:
    assert html_text("<html><head><title>x</title><body><p>5 hours</p>") == "5 hours"


def test_markup_the_parser_cannot_read_keeps_the_text_before_it() -> None:
    assert html_text("<p>It has 5 hours.</p><![foo bar 6 hours") == "It has 5 hours."


def test_page_text_by_type() -> None:
    assert page_text(b"<p>a &lt; b</p>", "text/html") == "a < b"
    assert page_text("caf\u00e9 5 h".encode(), "text/plain") == "caf\u00e9 5 h"
    assert page_text("caf\u00e9".encode("cp1252"), "text/plain") == "caf\u00e9"
    assert page_text(b"<html><p>x</p></html>", "application/octet-stream") == "x"
    assert page_text(minimal_pdf("It has 760K hours."), "application/pdf") == ("It has 760K hours.")
    assert page_text(minimal_pdf("Sniffed."), "application/octet-stream") == "Sniffed."


def test_a_body_that_is_no_text_says_what_it_is() -> None:
    with pytest.raises(NotText, match="it is image/png, not a page of text or a PDF"):
        page_text(b"\x89PNG\r\n\x1a\n", "image/png")
    with pytest.raises(NotText, match="the PDF could not be read"):
        page_text(b"%PDF-1.4 broken", "application/pdf")


# -- the Hub's sizes ----------------------------------------------------------------------


def api(dataset_info: object) -> bytes:
    return json.dumps({"id": "acme/x", "cardData": {"dataset_info": dataset_info}}).encode()


SPLITS = {
    "splits": [
        {"name": "train", "num_bytes": 2_147_483_648, "num_examples": 1_281_167},
        {"name": "test", "num_bytes": 1, "num_examples": 100_000},
    ],
    "download_size": 3_221_225_472,  # 3 GiB
    "dataset_size": 5_368_709_120,  # 5 GiB
}


def test_hub_rows_are_figures_in_a_count_unit() -> None:
    found = hub.hub_figures(api(SPLITS), "images")
    assert [(f.value, f.printed, f.unit) for f in found] == [
        (1_281_167, "1,281,167 images", "images"),
        (100_000, "100,000 images", "images"),
        (1_381_167, "1,381,167 images", "images"),
    ]
    assert found[0].sentence == "The Hub's dataset API reports 1,281,167 rows in the train split."
    assert found[0].precision == 10_000  # three significant digits: 1.28M


@pytest.mark.parametrize("unit", ["tokens", "words", "hours", "miles"])
def test_hub_rows_are_no_figure_in_tokens_words_or_measures(unit: str) -> None:
    assert hub.hub_figures(api(SPLITS), unit) == []


def test_hub_bytes_are_figures_in_gib() -> None:
    found = hub.hub_figures(api(SPLITS), "GiB")
    assert [(f.value, f.printed) for f in found] == [(5.0, "5 GiB"), (3.0, "3 GiB")]
    assert found[0].sentence == (
        "The Hub's dataset API reports 5,368,709,120 bytes (dataset_size) for the prepared dataset."
    )


def test_each_configuration_is_named_when_there_are_several() -> None:
    configs = [
        {"config_name": "en", "splits": [{"name": "train", "num_examples": 10}]},
        {"config_name": "fr", "splits": [{"name": "train", "num_examples": 20}]},
    ]
    found = hub.hub_figures(api(configs), "documents")
    assert [f.sentence for f in found] == [
        "The Hub's dataset API reports 10 rows in the train split of the en configuration.",
        "The Hub's dataset API reports 20 rows in the train split of the fr configuration.",
    ]


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"error": "Repository not found"}', api("nonsense")]
)
def test_an_answer_without_dataset_info_gives_no_figures(body: bytes) -> None:
    assert hub.hub_figures(body, "images") == []


def test_the_cards_front_matter_is_not_its_prose() -> None:
    card = "---\nsize_categories:\n- 1M<n<10M\n---\n# Photos\n\n2M images."
    assert hub.card_text(card) == "# Photos\n\n2M images."


# -- settings ----------------------------------------------------------------------------


def test_the_publishers_addresses_come_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_settings_env(monkeypatch)
    assert Endpoints.from_settings(Settings()) == Endpoints()
    monkeypatch.setenv("SCALEBOT_ARXIV_API_URL", "http://127.0.0.1:8001/api/query")
    monkeypatch.setenv("SCALEBOT_ARXIV_HTML_URL", "http://127.0.0.1:8001/html/")
    monkeypatch.setenv("SCALEBOT_HF_URL", "http://127.0.0.1:8002")
    monkeypatch.setenv("SCALEBOT_GITHUB_RAW_URL", "http://127.0.0.1:8003")
    assert Endpoints.from_settings(Settings()) == Endpoints(
        "http://127.0.0.1:8001/api/query",
        "http://127.0.0.1:8001/html",
        "http://127.0.0.1:8002",
        "http://127.0.0.1:8003",
    )


@pytest.mark.parametrize("value", ["ftp://example.org", "example.org", "https://x.org/?a=1"])
def test_a_publishers_address_must_be_http(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_HF_URL", value)
    with pytest.raises(ValidationError, match=r"SCALEBOT_HF_URL=https://huggingface\.co"):
        Settings()
