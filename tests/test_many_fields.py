"""Thousands of community fields: start-up is linear in them, ``/domains`` pages.

Issue 19: with N fields added by ``/domain add`` every process start rebuilt the name
indexes once per field (1.1 s at 250, 130 s at 3,000), and ``/domains`` sent all of
them at once (41 Slack messages). The work is counted here, not timed: how many times a
name is turned into its look-up key or words while the core opens.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core import Core
from bot.slack.blocks import MAX_BLOCKS
from knowledge import community, kb
from knowledge.kb import Library, names_of
from knowledge.models import CommunityDomain
from knowledge.store import Store
from tests.helpers import MODERATOR
from tests.slack_stack import SlackStack, slack_stack

#: Enough fields that one index build per field is hundreds of times the work of one.
MANY = 400


def field(n: int, **changes: Any) -> CommunityDomain:
    values: dict[str, Any] = {
        "slug": f"field-{n}",
        "name": f"Community field number {n}",
        "aliases": [f"cf{n}", f"other name {n}"],
        "colour": community.PALETTE[n % len(community.PALETTE)],
        "added_by": MODERATOR,
        "added_at": "2026-01-01T00:00:00Z",
    }
    return CommunityDomain(**(values | changes))


def add_fields(path: Path, count: int) -> None:
    """``count`` community fields written to the ledger at ``path`` in one transaction."""
    with Core.open(path):
        pass  # a migrated, seeded ledger
    store = Store.open(path)
    try:
        with store.write() as conn:
            for n in range(count):
                community.insert(conn, field(n))
    finally:
        store.close()


class Counted:
    """A function of :mod:`knowledge.kb` wrapped to count its calls (it still does its work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.calls = 0
        real: Callable[..., Any] = getattr(kb, name)

        def counting(*args: Any) -> Any:
            self.calls += 1
            return real(*args)

        monkeypatch.setattr(kb, name, counting)


def test_start_up_work_is_linear_in_community_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.db"
    add_fields(path, MANY)
    keys = Counted(monkeypatch, "name_key")
    words = Counted(monkeypatch, "name_words")
    with Core.open(settings=Settings(db=path, moderators=frozenset())) as core:
        assert len(core.library.domains) == 6 + MANY
        assert core.library.resolve(f"other name {MANY - 1}").slug == f"field-{MANY - 1}"
        names = sum(len(names_of(domain)) for domain in core.library.domains.values())
    # Each name is keyed about twice and split into words about once (the essay's at
    # the library's first build too), never once per field added before it: one build
    # per field was about MANY / 2 times the names.
    assert keys.calls <= 3 * names, (keys.calls, names)
    assert words.calls <= 2 * names, (words.calls, names)


def test_a_batch_leaves_out_a_field_whose_name_is_taken_and_keeps_the_rest() -> None:
    library = Library.load()
    first = field(1)
    again = field(2, aliases=["cf1"])  # the first field's alias
    essay = field(3, aliases=["nerf"])  # the essay's 3D
    fine = field(4)
    refused = library.add_communities([first, again, essay, fine])
    assert [(domain.slug, clash.name, clash.owner.slug) for domain, clash in refused] == [
        ("field-2", "cf1", "field-1"),
        ("field-3", "nerf", "3d"),
    ]
    assert library.resolve("cf1").slug == "field-1"
    assert library.resolve("other name 4").slug == "field-4"
    assert library.resolve("field-2") is None
    assert library.fields_in("how much cf4 data").domains[0].slug == "field-4"
    assert library.add_communities([first]) == []  # already served: nothing to do


def test_a_clash_found_at_start_is_still_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "clash.db"
    add_fields(path, 3)
    store = Store.open(path)
    try:
        with store.write() as conn:
            community.insert(conn, field(9, aliases=["nerf"]))
    finally:
        store.close()
    with caplog.at_level(logging.WARNING), Core.open(path) as core:
        assert core.library.resolve("field-9") is None
        assert core.library.resolve("field-2") is not None
    assert "'field-9' is not served: 'nerf' is now a name of '3d'" in caplog.text


# -- /domains pages --------------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        with stack.core.store.write() as conn:
            for n in range(MANY):
                community.insert(conn, field(n))
        yield stack


def test_one_page_of_domains_is_one_slack_message(slack: SlackStack) -> None:
    answer = slack.sender.command("/domains", "")
    assert answer.status == 200
    body = answer.json()
    assert len(body["blocks"]) <= MAX_BLOCKS
    text = str(body["blocks"])
    assert "Video generation (video)" in text and "Community field number 3 (field-3)" in text
    assert "Community field number 4 (field-4)" not in text  # on page 2
    found = re.search(r"Page 1 of (\d+)", text)
    assert found is not None and "/domains page:2" in text
    pages = int(found[1])
    assert pages * 10 >= 6 + MANY  # ten fields a page (a smaller page is a longer walk)
    last = slack.sender.command("/domains", f"page:{pages}").json()
    assert f"Community field number {MANY - 1} (field-{MANY - 1})" in str(last["blocks"])
    # Nothing followed on the response URL: each page is the one message acknowledged.
    assert slack.api.of("response:cmd1") == [] and slack.api.of("response:cmd2") == []
    slack.assert_nothing_refused()


def test_every_field_is_on_exactly_one_page(tmp_path: Path) -> None:
    path = tmp_path / "pages.db"
    add_fields(path, 25)
    with Core.open(path) as core:
        first = core.ask("/domains")
        assert first.page is not None and first.page.count == 4
        listed = [slug for n in range(1, 5) for slug in core.ask(f"/domains {n}").data["domains"]]
        assert listed == list(core.library.domains)
        assert first.data["total"] == 31
        assert first.page.next_command == "/domains page:2"
        assert core.ask("/domains 4").page.next_command is None
