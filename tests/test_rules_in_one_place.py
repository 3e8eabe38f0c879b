"""Rules the ledger and its callers share, each written once and read by every caller.

The ledger's version (what the reply cache and the store's own memo both watch) is read
by one function, and the ledger's refusals of a command on a point (no such point,
already decided, your own, already counted) become users' errors in one function.
Each test drives the real callers and holds them to that function's answer, and a scan
of the source checks that no second copy of the rule has grown back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import handlers.confirm
import handlers.decide
import handlers.flag
from bot.cache import ReplyCache
from bot.core import Core
from handlers.refusals import Refusals, translate
from knowledge.ledger.errors import (
    AlreadyReviewed,
    AlreadyVouched,
    LedgerError,
    OwnPoint,
    PointNotFound,
)
from knowledge.ledger.values import DataPoint, Submitter
from knowledge.ledger.version import VersionReader
from knowledge.store import Store
from tests.helpers import MEMBER, MODERATOR, new_point

ROOT = Path(__file__).resolve().parent.parent
BOB = "console:bob"
MISSING = 987_654


def sources(*folders: str) -> Iterator[tuple[str, str]]:
    """(path relative to the repository, text) of every Python module in ``folders``."""
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


# -- the ledger's version ------------------------------------------------------------------


def test_the_store_and_the_reply_cache_read_the_same_version(tmp_path: Path) -> None:
    """After each kind of commit, ours or another process's, a rate count or a change of
    the ledger, the store's memo and the reply cache give the version the one reader
    gives, and that is the version row as stored."""
    store = Store.open(tmp_path / "v.db")
    other = Store.open(tmp_path / "v.db")
    cache = ReplyCache(store)
    fresh = sqlite3.connect(tmp_path / "v.db")
    try:

        def stored() -> int:
            return int(fresh.execute("SELECT version FROM ledger_version").fetchone()[0])

        who = Submitter(MEMBER, "console")
        steps: list[tuple[str, Callable[[], object]]] = [
            ("opened", lambda: None),
            ("our submission", lambda: store.points.submit(new_point("Ours"), who)),
            ("another's submission", lambda: other.points.submit(new_point("Theirs"), who)),
            ("a rate count", lambda: other.rates.add_counts("command", 0, 60, {MEMBER: 1})),
            ("our decision", lambda: store.reviews.review(1, "approve", MODERATOR, None)),
            ("another's decision", lambda: other.reviews.review(2, "reject", MODERATOR, None)),
        ]
        seen = []
        for name, step in steps:
            step()
            expected = stored()
            assert store.memo.version() == expected, name
            assert cache.version() == expected, name
            assert VersionReader(fresh).read() == expected, name
            seen.append(expected)
        assert seen[3] == seen[2], "a rate count is no change of the ledger"
        assert len(set(seen)) == len(seen) - 1, seen
    finally:
        fresh.close()
        cache.close()
        other.close()
        store.close()


def test_only_one_module_reads_the_ledger_version() -> None:
    readers = [
        path
        for path, text in sources("bot", "handlers", "knowledge")
        if "FROM ledger_version" in text
    ]
    assert readers == ["knowledge/ledger/version.py"]


# -- the ledger's refusals -----------------------------------------------------------------


def submitted(core: Core, name: str, user: str = MEMBER) -> DataPoint:
    reply = core.ask(
        f'/submit video "{name}" 1M clips https://example.org/{name.split()[0]} year:2023',
        user,
    )
    assert reply.kind == "answer", reply.as_text()
    point = core.store.reads.get(int(reply.data["id"]))
    assert point is not None
    return point


def stored(core: Core, point_id: int) -> DataPoint:
    point = core.store.reads.get(point_id)
    assert point is not None
    return point


def refused_as(
    core: Core, command: str, user: str, error: LedgerError, point_id: int, said: Refusals
) -> None:
    """``command`` is refused with exactly the user error :func:`translate` makes of the
    ledger's ``error``: its class, its sentence and its example."""
    reply = core.ask(command, user)
    expected = translate(error, point_id, said)
    assert expected is not None, (command, error)
    assert reply.kind == "error", reply.as_text()
    assert reply.data["error"] == type(expected).__name__, reply.data
    assert expected.message in reply.summary, (expected.message, reply.summary)
    assert reply.data["example"] == expected.example


@pytest.mark.parametrize(
    ("command", "user", "said"),
    [
        (f"/confirm {MISSING}", BOB, handlers.confirm.REFUSALS),
        (f"/flag {MISSING} the source says otherwise", BOB, handlers.flag.REFUSALS),
        (f"/approve {MISSING}", MODERATOR, handlers.decide.REFUSALS),
        (f"/reject {MISSING} no source", MODERATOR, handlers.decide.REFUSALS),
    ],
)
def test_a_missing_point_is_refused_alike(
    core: Core, command: str, user: str, said: Refusals
) -> None:
    refused_as(core, command, user, PointNotFound(f"#{MISSING}"), MISSING, said)


def test_each_refusal_of_a_point_is_the_one_translation(core: Core) -> None:
    own = submitted(core, "Own Clips")
    refused_as(core, f"/confirm {own.id}", MEMBER, OwnPoint(own), own.id, handlers.confirm.REFUSALS)

    vouched = submitted(core, "Vouched Clips")
    assert core.ask(f"/confirm {vouched.id}", BOB).kind == "answer"
    refused_as(
        core,
        f"/confirm {vouched.id}",
        BOB,
        AlreadyVouched(stored(core, vouched.id)),
        vouched.id,
        handlers.confirm.REFUSALS,
    )
    assert core.ask(f"/flag {vouched.id} wrong split", BOB).kind == "answer"
    refused_as(
        core,
        f"/flag {vouched.id} still wrong",
        BOB,
        AlreadyVouched(stored(core, vouched.id)),
        vouched.id,
        handlers.flag.REFUSALS,
    )

    rejected = submitted(core, "Rejected Clips")
    assert core.ask(f"/reject {rejected.id} no source", MODERATOR).kind == "answer"
    gone = AlreadyReviewed(stored(core, rejected.id))
    refused_as(core, f"/confirm {rejected.id}", BOB, gone, rejected.id, handlers.confirm.REFUSALS)
    refused_as(core, f"/flag {rejected.id} wrong", BOB, gone, rejected.id, handlers.flag.REFUSALS)
    refused_as(
        core, f"/approve {rejected.id}", MODERATOR, gone, rejected.id, handlers.decide.REFUSALS
    )


def test_only_the_translation_names_the_ledgers_refusals() -> None:
    """No handler catches a refusal of the ledger by name but :mod:`handlers.refusals`."""
    names = ("PointNotFound", "AlreadyReviewed", "OwnPoint", "AlreadyVouched")
    catching = [
        path
        for path, text in sources("handlers", "bot")
        if any(f"except {name}" in text or f"except ({name}" in text for name in names)
    ]
    assert catching == []
    translating = [
        path for path, text in sources("handlers") if any(name in text for name in names)
    ]
    assert translating == ["handlers/refusals.py"]
