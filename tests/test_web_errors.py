"""A hostile visitor's addresses against the real web view: a 4xx each, one log line at most.

Datasette's default error handler printed every error with rich, local variables and
all (tens of kilobytes, up to a second of CPU each), and answered 500 for addresses it
could not read. These walk the addresses the issue named and ~150 more built from
Datasette's query options and unreadable values, over HTTP on 127.0.0.1 against the
running server (``tests/web_stack.py``), and read everything the process printed or
logged for each one.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.helpers import MODERATOR
from tests.web_stack import Site, community_ledger, serving

#: The addresses the issue named, with the status each must answer and a word of its page.
NAMED = [
    ("/wp-login.php", 404, "not found"),
    ("/ledger/figures?_where=1", 403, "_where= is not allowed"),
    ("/ledger/figures?_facet=x", 400, "no such column: x"),
    ("/ledger/figures?_timelimit=abc", 400, "_timelimit=abc"),
    ("/ledger/figures?_next=abc", 400, "_next=abc"),
    ("/ledger/figures?_sort=nope", 400, "cannot sort table by nope"),
    ("/ledger/figures.json?_sort=nope", 400, "cannot sort table by nope"),
    ("/ledger/figures?_facet_array=note", 400, "public columns"),
    ("/ledger/figures/59", 404, "/ledger/figures?id=59"),
    ("/ledger/current_figures/1.json", 404, "/ledger/current_figures?id=1"),
    ("//x", 404, "not found"),
    ("/.env", 404, "not found"),
]

#: Datasette's query options, and values a page cannot read, crossed on the views and a
#: table: every pair is an address a scanner or a curious visitor sends.
OPTIONS = (
    "_sort _sort_desc _next _size _timelimit _facet _facet_array _facet_date _where _col "
    "_nocol _through _search value__gt year__in"
).split()
VALUES = ["abc", "-1", "99999999999999999999", "'", "[1", "{}", "1e999", "submitted_by"]
PAGES = ["/ledger/figures", "/ledger/current_figures.json", "/ledger/datasets"]
OTHERS = [
    "/ledger/data_points/1",
    "/ledger/datasets/abc",
    "/ledger/datasets/1,2",
    "/ledger.db",
    "/%2e%2e/etc/passwd",
    "/-/static/../../x",
    "/ledger/figures.xyz",
    "/-/charts/nope.png",
    "/-/charts/compare.png?fields=nope",
    "/ledger/current_by_field?field=video&_timelimit=abc",
    "/ledger/growth_record?field=video&_size=abc",
    "/ledger/datasets?_sort=name&_sort_desc=name",
    "/ledger/figures.csv?_size=abc",
]


def probes() -> list[str]:
    crossed = [
        f"{page}?{urllib.parse.urlencode({option: value})}"
        for page, option, value in itertools.product(PAGES, OPTIONS, VALUES)
    ]
    return [url for url, _, _ in NAMED] + OTHERS + crossed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path: Path = tmp_path_factory.mktemp("hostile") / "scalebot.db"
    community_ledger(path)
    with serving(Settings(db=path, moderators=frozenset({MODERATOR}))) as running:
        yield running


def _printed(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every line printed (stdout, stderr) or logged at INFO and above since the last call."""
    out, err = capfd.readouterr()
    # uvicorn's access log is off when served (``access_log=False``); pytest's capture
    # still hands its records over, so they are left out here.
    logged = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.INFO and record.name != "uvicorn.access"
    ]
    caplog.clear()
    return [line for line in (out + err).splitlines() if line.strip()] + logged


@pytest.mark.parametrize(("path", "status", "words"), NAMED)
def test_a_named_hostile_address_answers_its_4xx_and_says_why(
    site: Site,
    path: str,
    status: int,
    words: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _printed(capfd, caplog)
    page = site.get(path)
    printed = _printed(capfd, caplog)
    assert page.status == status, (path, page.status, page.body[:300])
    assert words.lower() in page.body.lower(), page.body[:500]
    assert len(printed) <= 1, printed[:20]
    assert not any("Traceback" in line or "locals" in line for line in printed), printed


def test_no_probe_answers_500_or_prints_more_than_a_line(
    site: Site, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _printed(capfd, caplog)
    failures: list[str] = []
    noisy: dict[str, list[str]] = {}
    answered: dict[int, int] = {}
    urls = probes()
    assert len(urls) > 150
    for url in urls:
        page = site.get(url)
        answered[page.status] = answered.get(page.status, 0) + 1
        if page.status >= 500:
            failures.append(f"{page.status} {url}: {page.body[:200]}")
        printed = _printed(capfd, caplog)
        if len(printed) > 1 or any(len(line) > 300 for line in printed):
            noisy[url] = printed[:5]
    assert not failures, "\n".join(failures)
    assert not noisy, noisy
    # The probes are hostile, not all refused: some are simply pages (a sort by a column).
    assert answered.get(400, 0) > 50, answered
    print(f"{len(urls)} probes: {dict(sorted(answered.items()))}")


def test_a_fault_of_our_own_is_a_500_with_one_error_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """What the address did not cause is not the visitor's fault: 500, one line, no locals.

    A field's chart breaks in our code (its ledger lost the table the chart reads); the
    line names the exception, the address and where it was raised.
    """
    path = tmp_path / "scalebot.db"
    community_ledger(path)
    with serving(Settings(db=path)) as running:
        with sqlite3.connect(path) as connection:
            connection.execute("DROP TABLE data_points")
        caplog.set_level(logging.DEBUG)
        _printed(capfd, caplog)
        page = running.get("/-/charts/video.png")
        errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
        printed = _printed(capfd, caplog)
    assert page.status == 500, page.body[:300]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "OperationalError" in errors[0].getMessage()
    assert "GET /-/charts/video.png" in errors[0].getMessage()
    assert len(printed) == 1 and "Traceback" not in printed[0], printed
