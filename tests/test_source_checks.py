"""Source checks end to end (issue 21, items 2 and 6): the checker against fake publishers.

The fakes (tests/fakes/sources.py) answer on 127.0.0.1 as arXiv's export API and HTML,
the Hub, raw GitHub and a plain web server answer. Cited addresses are the real ones
(``https://arxiv.org/abs/...``); the readers turn them into the publishers' machine
addresses, which the settings point at the fakes. Every scenario is bounded in time.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.config import Settings
from bot.sources.checker import SourceChecker
from bot.sources.fetch import Fetcher, FetchLimits
from bot.sources.pace import HostPace
from bot.sources.readers import Endpoints
from knowledge.sourcecheck import SourceCheck
from tests.fakes.sources import Dataset, Paper, SourceFakes, minimal_pdf, serving
from tests.helpers import clear_settings_env

#: The InternVid paper's abstract as arXiv serves it (2307.06942), its sizes sentence whole.
INTERNVID = Paper(
    title="InternVid: A Large-scale Video-Text Dataset for Multimodal Understanding and Generation",
    summary="This paper introduces InternVid, a large-scale video-centric multimodal "
    "dataset that enables learning powerful and transferable video-text representations "
    "for multimodal understanding and generation. The InternVid dataset contains over 7 "
    "million videos lasting nearly 760K hours, yielding 234M video clips accompanied by "
    "detailed descriptions of total 4.1B words.",
)
SENTENCE = (
    "The InternVid dataset contains over 7 million videos lasting nearly 760K hours, "
    "yielding 234M video clips accompanied by detailed descriptions of total 4.1B words."
)
#: A paper whose abstract gives no hours, but whose HTML full text does.
FULLTEXT = Paper(
    title="A Driving Corpus",
    summary="We present a corpus of driving logs for planning research.",
    html="<html><head><title>x</title><script>var hours = '999K hours';</script></head>"
    "<body><article><h2>3 Data</h2><p>The corpus holds 1,200 hours of driving &amp; "
    "parking.</p></article></body></html>",
)
BOUND = 20.0  # seconds any one scenario may take


def fakes_with_sources() -> SourceFakes:
    fakes = SourceFakes()
    fakes.papers["2307.06942"] = INTERNVID
    fakes.papers["2401.00001"] = FULLTEXT
    fakes.papers["hep-th/9901001"] = Paper("Old Style", "A catalogue of 3,000 images.")
    fakes.datasets["acme/photos"] = Dataset(
        card="---\nlicense: cc-by-4.0\nsize_categories:\n- 1M<n<10M\n---\n# Photos\n\n"
        "A photo collection for classification.\n",
        dataset_info={
            "features": [{"name": "image", "dtype": "image"}],
            "splits": [
                {"name": "train", "num_bytes": 140_000_000_000, "num_examples": 1_281_167},
                {"name": "validation", "num_bytes": 6_400_000_000, "num_examples": 50_000},
            ],
            "download_size": 150_323_855_360,  # 140 GiB exactly
            "dataset_size": 146_400_000_000,
        },
    )
    fakes.readmes["acme/pairs/HEAD/README.md"] = (
        "# Pairs\n\nWe release 100M image-text pairs filtered from the web.\n"
    )
    fakes.pages["/page"] = (
        b"<html><body><p>InternVid: 760K hours of video.</p></body>",
        "text/html",
    )
    fakes.pages["/nothing"] = (b"<p>A page about video, with no size at all.</p>", "text/html")
    fakes.pages["/paper.pdf"] = (
        minimal_pdf("Our corpus has 760K hours of narrated video."),
        "application/pdf",
    )
    return fakes


def endpoints(fakes: SourceFakes) -> Endpoints:
    return Endpoints(fakes.arxiv_api, fakes.arxiv_html, fakes.hf, fakes.github_raw)


def checker(fakes: SourceFakes, **kwargs: Any) -> SourceChecker:
    """A checker that may reach the fakes: private addresses allowed, no pace, no cache."""
    limits = FetchLimits(allow_private=True, timeout=kwargs.pop("timeout", 10.0))
    pace = kwargs.pop("pace", HostPace({}))
    fetcher = Fetcher(limits, cache=None, pace=pace, **kwargs.pop("fetcher", {}))
    return SourceChecker(fetcher, endpoints=endpoints(fakes), **kwargs)


def run(scenario: Callable[[SourceFakes], Coroutine[Any, Any, Any]]) -> Any:
    async def bounded() -> Any:
        async with asyncio.timeout(BOUND), serving(fakes_with_sources()) as fakes:
            return await scenario(fakes)

    return asyncio.run(bounded())


def check(url: str | Callable[[SourceFakes], str], value: float, unit: str) -> SourceCheck:
    async def scenario(fakes: SourceFakes) -> SourceCheck:
        address = url(fakes) if callable(url) else url
        return await checker(fakes).check(address, value, unit)

    result: SourceCheck = run(scenario)
    return result


# -- arXiv -----------------------------------------------------------------------------


def test_internvid_800k_hours_differs_listing_760k_with_its_sentence() -> None:
    result = check("https://arxiv.org/abs/2307.06942", 800_000, "hours")
    assert result.status == "differs", result
    assert [(f.value, f.printed) for f in result.figures] == [(760_000, "nearly 760K hours")]
    assert result.figures[0].sentence == SENTENCE
    assert result.url == "https://arxiv.org/abs/2307.06942"


def test_internvid_760k_hours_states() -> None:
    result = check("https://arxiv.org/abs/2307.06942", 760_000, "hours")
    assert result.status == "states", result
    assert result.figures[0].printed == "nearly 760K hours"


def test_an_abstract_is_read_through_the_export_api_when_arxiv_has_no_html() -> None:
    async def scenario(fakes: SourceFakes) -> tuple[SourceCheck, SourceFakes]:
        found = await checker(fakes).check("https://arxiv.org/pdf/2307.06942v2", 234e6, "clips")
        return found, fakes

    result, fakes = run(scenario)
    assert result.status == "states", result
    assert result.read_url == f"{fakes.arxiv_api}?id_list=2307.06942v2"
    assert [(r.path, r.query) for r in fakes.requests] == [
        ("/api/query", "id_list=2307.06942v2"),
        ("/html/2307.06942v2", ""),  # answered 404: the abstract alone is read
    ]


def test_the_html_full_text_is_read_where_arxiv_serves_it() -> None:
    async def scenario(fakes: SourceFakes) -> tuple[SourceCheck, str]:
        found = await checker(fakes).check("https://arxiv.org/abs/2401.00001", 1200, "hours")
        return found, fakes.arxiv_html

    result, html = run(scenario)
    assert result.status == "states", result
    assert result.read_url == f"{html}/2401.00001"
    assert [f.printed for f in result.figures] == ["1,200 hours"]  # not the script's 999K


def test_an_old_style_arxiv_id_is_read_too() -> None:
    result = check("http://arxiv.org/abs/hep-th/9901001", 3000, "images")
    assert result.status == "states", result


def test_an_abstract_without_a_figure_in_the_unit_is_absent() -> None:
    result = check("https://arxiv.org/abs/2307.06942", 10, "trajectories")
    assert (result.status, result.figures) == ("absent", ())


def test_a_paper_arxiv_does_not_have_is_unreachable_with_why() -> None:
    result = check("https://arxiv.org/abs/2399.99999", 1, "hours")
    assert result.status == "unreachable"
    assert result.reason == "arXiv has no paper 2399.99999 (its API found 0 results)"


def test_arxiv_pace_is_kept_between_the_api_and_the_html_and_no_longer() -> None:
    interval = 0.3

    async def scenario(fakes: SourceFakes) -> tuple[list[float], float]:
        paced = checker(fakes, pace=HostPace({"127.0.0.1": interval}))
        started = time.monotonic()
        await paced.check("https://arxiv.org/abs/2307.06942", 760_000, "hours")
        await paced.check("https://arxiv.org/abs/2401.00001", 1200, "hours")
        return [r.arrived for r in fakes.requests], time.monotonic() - started

    arrivals, took = run(scenario)
    assert len(arrivals) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert all(gap >= interval - 0.05 for gap in gaps), gaps
    assert took < 3 * interval + 1.0, f"{took:.2f} s for three paced intervals of {interval} s"


# -- the Hub, GitHub, pages ------------------------------------------------------------


def test_the_hub_api_rows_state_a_rounded_count_of_images() -> None:
    result = check("https://huggingface.co/datasets/acme/photos", 1.28e6, "images")
    assert result.status == "states", result
    assert result.figures[0].printed == "1,281,167 images"
    assert "train split" in result.figures[0].sentence


def test_the_hub_api_rows_differ_from_another_count_and_are_listed() -> None:
    result = check("https://huggingface.co/datasets/acme/photos", 2e6, "images")
    assert result.status == "differs", result
    assert [f.value for f in result.figures] == [1_281_167, 50_000, 1_331_167]


def test_the_hub_download_size_states_gib() -> None:
    # download_size 150,323,855,360 bytes = 140 GiB (140 x 2^30).
    result = check("https://huggingface.co/datasets/acme/photos/tree/main", 140, "GiB")
    assert result.status == "states", result
    assert "download_size" in result.figures[0].sentence


def test_hub_rows_are_no_figure_in_tokens() -> None:
    result = check("https://huggingface.co/datasets/acme/photos", 1_281_167, "tokens")
    assert result.status == "absent", result


def test_a_dataset_the_hub_does_not_have_is_unreachable() -> None:
    result = check("https://huggingface.co/datasets/acme/none", 1, "images")
    assert result.status == "unreachable"
    assert "404" in result.reason


def test_a_github_readme_states_its_figure() -> None:
    async def scenario(fakes: SourceFakes) -> tuple[SourceCheck, str]:
        found = await checker(fakes).check(
            "https://github.com/acme/pairs", 100e6, "image-text pairs"
        )
        return found, fakes.github_raw

    result, raw = run(scenario)
    assert result.status == "states", result
    assert result.read_url == f"{raw}/acme/pairs/HEAD/README.md"


def test_a_page_states_its_figure() -> None:
    result = check(lambda fakes: fakes.page_url("/page"), 760_000, "hours")
    assert result.status == "states", result


def test_a_pdf_states_its_figure() -> None:
    result = check(lambda fakes: fakes.page_url("/paper.pdf"), 760_000, "hours")
    assert result.status == "states", result
    assert result.figures[0].sentence == "Our corpus has 760K hours of narrated video."


def test_a_page_without_a_figure_is_absent() -> None:
    result = check(lambda fakes: fakes.page_url("/nothing"), 760_000, "hours")
    assert (result.status, result.figures) == ("absent", ())


def test_a_missing_page_is_unreachable_with_its_status() -> None:
    result = check(lambda fakes: fakes.page_url("/gone"), 760_000, "hours")
    assert result.status == "unreachable"
    assert result.reason == "127.0.0.1 answered 404 Not Found"


def test_a_50_mb_body_is_unreachable_too_large() -> None:
    result = check(lambda fakes: fakes.page_url("/huge"), 760_000, "hours")
    assert result.status == "unreachable"
    assert result.reason.startswith("too large")


def test_a_30_second_hang_is_unreachable_within_the_configured_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("SCALEBOT_CHECK_TIMEOUT", "0.5")
    monkeypatch.setenv("SCALEBOT_DB", str(tmp_path / "ledger.db"))

    async def scenario(fakes: SourceFakes) -> tuple[SourceCheck, float]:
        for name, value in fakes.environment().items():
            monkeypatch.setenv(name, value)
        configured = SourceChecker.from_settings(Settings())
        started = time.monotonic()
        found = await configured.check(fakes.page_url("/hang"), 760_000, "hours")
        return found, time.monotonic() - started

    result, took = run(scenario)
    assert result.status == "unreachable"
    assert "within 0.5 s" in result.reason
    assert took < 3.0


def test_a_redirect_to_loopback_is_refused_when_private_addresses_are() -> None:
    public = "93.184.215.14"

    async def resolve(host: str) -> list[str]:
        assert host == "papers.example", host
        return [public]

    async def scenario(fakes: SourceFakes) -> SourceCheck:
        def route(address: str, port: int) -> tuple[str, int]:
            assert address == public
            return "127.0.0.1", fakes.ports["web"]

        guarded = SourceChecker(
            Fetcher(FetchLimits(), cache=None, pace=HostPace({}), resolver=resolve, route=route),
            endpoints=endpoints(fakes),
        )
        loopback = fakes.page_url("/page")
        return await guarded.check(f"http://papers.example/to?location={loopback}", 1, "hours")

    result = run(scenario)
    assert result.status == "refused", result
    assert "127.0.0.1" in result.reason


def test_a_burst_of_100_checks_never_has_more_than_max_concurrent_fetches_in_flight() -> None:
    async def scenario(fakes: SourceFakes) -> tuple[list[SourceCheck], int]:
        fakes.delay = 0.01
        bounded = checker(fakes, max_concurrent=4)
        urls = [
            fakes.page_url("/page"),
            "https://huggingface.co/datasets/acme/photos",
            "https://github.com/acme/pairs",
            "https://arxiv.org/abs/2307.06942",
        ]
        found = await asyncio.gather(
            *(bounded.check(urls[n % 4], 760_000, "hours") for n in range(100))
        )
        return list(found), fakes.max_in_flight

    results, most = run(scenario)
    assert len(results) == 100
    assert all(r.status in ("states", "differs", "absent") for r in results)
    assert 2 <= most <= 4, most


def test_reading_a_big_page_never_stalls_the_event_loop() -> None:
    """A 4 MB page takes seconds of CPU to read and judge; chat must go on meanwhile."""
    paragraph = b"<p>The corpus holds <b>1,200</b> hours of driving &amp; 234M clips.</p>\n"
    big = b"<html><body>" + paragraph * (4_000_000 // len(paragraph)) + b"</body></html>"

    async def scenario(fakes: SourceFakes) -> tuple[SourceCheck, float, int]:
        fakes.pages["/big"] = (big, "text/html")
        gaps: list[float] = []
        done = asyncio.Event()

        async def chat() -> None:  # what the bot's loop does meanwhile: answer promptly
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(chat())
        found = await checker(fakes).check(fakes.page_url("/big"), 1200, "hours")
        done.set()
        await ticking
        return found, max(gaps), len(gaps)

    result, longest, ticks = run(scenario)
    assert result.status == "states", result
    assert ticks > 10  # the check took a while: the loop was watched throughout
    assert longest < 0.5, f"the event loop stalled {longest:.2f} s while a page was read"
