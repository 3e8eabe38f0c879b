"""Shared fixtures: a core on a fresh database file, and the essay's text when it is at hand.

Plain helpers (not fixtures) live in ``tests/helpers.py``; test files import them from there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test reads a cited source unless it says so (check_sources=True, with a fake server
# on 127.0.0.1): a submission in any other test must not reach for the network.
os.environ.setdefault("SCALEBOT_CHECK_SOURCES", "0")

# Before anything imports it: the shared helpers' asserts then explain a failure as a
# test's own do (pytest rewrites asserts in test files and conftest only, unless told).
pytest.register_assert_rewrite("tests.helpers")

from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from tests.helpers import MODERATOR, ROOT  # noqa: E402

#: The essay's full text is not part of the repository: it sits beside it, in the team's
#: ``shared/reference`` folder (as in CI). A bare clone has no copy; the few checks that
#: need the text (the own-words rule, essay.toml against the text) skip there.
ESSAY_TEXT_NAME = "../shared/reference/source-post.txt"
ESSAY_TEXT = ROOT.parent / "shared" / "reference" / "source-post.txt"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=tmp_path / "scalebot.db", moderators=frozenset({MODERATOR}))


@pytest.fixture
def core(settings: Settings) -> Iterator[Core]:
    """A core on a new database, seeded with the curated points, one moderator configured."""
    with Core.open(settings=settings) as opened:
        yield opened


@pytest.fixture(scope="session")
def essay_text() -> str:
    """The essay's text, or a skip that names the file it needs."""
    if not ESSAY_TEXT.is_file():
        pytest.skip(f"needs the essay's text in {ESSAY_TEXT_NAME}, which is not beside this clone")
    return ESSAY_TEXT.read_text(encoding="utf-8")
