"""Shared fixtures: a core on a fresh database file, as a member and as a moderator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core

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
