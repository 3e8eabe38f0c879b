"""Shared fixtures: a core on a fresh database file, and the essay's text when it is at hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core

#: The essay's full text is not part of the repository: it sits beside it, in the team's
#: ``shared/reference`` folder (as in CI). A bare clone has no copy; the few checks that
#: need the text (the own-words rule, essay.toml against the text) skip there.
ESSAY_TEXT_NAME = "../shared/reference/source-post.txt"
ESSAY_TEXT = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "source-post.txt"

MODERATOR = "console:mod"
MEMBER = "console:alice"


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
