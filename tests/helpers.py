"""Helpers that more than one test file needs, in one place that is not itself a test file.

A test file imports from here (and from the fixture modules ``discord_stack``,
``slack_stack`` and ``fakes``), never from another ``test_*.py``: importing a test file
runs it a second time under another name, and a helper copied into two files is fixed in
one and forgotten in the other. ``conftest.py`` registers this module for pytest's assert
rewriting, so a failed check here explains itself as one in a test would.
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import sqlite3
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices

from bot.config import Settings
from bot.core import Caller, Core
from bot.discord.embeds import (
    DESCRIPTION,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME,
    FIELD_VALUE,
    FIELDS,
    FOOTER,
    MESSAGE_TOTAL,
    TITLE,
)
from bot.reply import Reply
from bot.seeding import CURATED_CSV
from bot.slack.blocks import (
    BUTTON_TEXT,
    CONTEXT_ELEMENTS,
    FIELD_TEXT,
    FIELDS_PER_SECTION,
    HEADER_TEXT,
    MAX_BLOCKS,
    SECTION_TEXT,
)
from knowledge.identity import dataset_key
from knowledge.ledger.values import NewPoint

#: The repository's root: README.md, .env.example, pyproject.toml.
ROOT = Path(__file__).resolve().parent.parent

#: Console users of the shared ``settings`` fixture: one moderator, one member.
MODERATOR = "console:mod"
MEMBER = "console:alice"

# -- the README ----------------------------------------------------------------------------


def chat_caller(user: str, **facts: Any) -> Caller:
    """``user`` as a chat adapter reports them: the capabilities Slack's adapter declares
    (a chart goes as a picture), and not the operator at the terminal (limits apply)."""
    from bot.slack import CAPABILITIES

    return Caller(user, **{"capabilities": CAPABILITIES, **facts})


def ask_from_chat(core: Core, text: str, user: str, **facts: Any) -> Reply:
    """``text`` sent by ``user`` through a chat adapter (see :func:`chat_caller`)."""
    return core.run_line(text, chat_caller(user, **facts))


def readme_section(heading: str) -> str:
    """The body of README's ``## heading`` section, up to the next ``## `` heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


# -- settings and the environment ----------------------------------------------------------


def setting_env_names(field_name: str) -> tuple[str, ...]:
    """The environment variables one setting is read from, the one the docs use first.

    A field with a ``validation_alias`` is read under its alias choices only (pydantic-
    settings applies no prefix to them): ``DISCORD_TOKEN``, then ``SCALEBOT_DISCORD_TOKEN``.
    Any other field is ``SCALEBOT_`` + its name.
    """
    alias = Settings.model_fields[field_name].validation_alias
    if alias is None:
        prefix = Settings.model_config.get("env_prefix", "")
        return (f"{prefix}{field_name}".upper(),)
    choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
    names = tuple(choice.upper() for choice in choices if isinstance(choice, str))
    assert names, f"setting {field_name!r} has no environment variable name"
    return names


def documented_env_names() -> dict[str, str]:
    """Each setting's field name -> the variable the docs name it by, in declaration order."""
    return {name: setting_env_names(name)[0] for name in Settings.model_fields}


def every_setting_env_name() -> frozenset[str]:
    """Every environment variable any setting is read from, under any of its names."""
    return frozenset(env for name in Settings.model_fields for env in setting_env_names(name))


#: What every test's environment sets even when it clears the rest: no source is read
#: unless a test says so (see tests/conftest.py).
TEST_ENVIRONMENT = {"SCALEBOT_CHECK_SOURCES": "0"}


def clear_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable a setting reads, so the caller's own environment cannot leak in
    (all but :data:`TEST_ENVIRONMENT`'s, which no test should inherit by accident)."""
    for name in every_setting_env_name():
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def environ_without_settings() -> dict[str, str]:
    """This process's environment minus every setting's variable, for a child process
    (:data:`TEST_ENVIRONMENT` kept)."""
    settings = every_setting_env_name()
    kept = {name: value for name, value in os.environ.items() if name.upper() not in settings}
    return {**kept, **TEST_ENVIRONMENT}


# -- the curated seed and data points ------------------------------------------------------


def curated_rows(domain: str | None = None) -> list[dict[str, str]]:
    """The rows of the curated starter set (``knowledge/datasets.csv``), of one domain if given."""
    with CURATED_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row for row in rows if domain is None or row["domain"] == domain]


def curated_datasets(domain: str | None = None) -> set[tuple[str, str]]:
    """The curated datasets as (domain, name key): a dataset counted in two units is one.

    The ledger keeps one current figure per dataset, so a dataset with rows in two units
    (HowTo100M in clips and in hours) is one dataset with a history.
    """
    return {(row["domain"], dataset_key(row["dataset"])) for row in curated_rows(domain)}


def new_point(
    dataset: str = "Zorblax Clips",
    quantity: float = 1_000_000,
    year: int | None = 2023,
    *,
    domain: str = "video",
    unit: str = "clips",
    note: str = "",
) -> NewPoint:
    """A valid data point to hand the store directly, its source a URL named after it."""
    slug = urllib.parse.quote(dataset.casefold().replace(" ", "-"), safe="")
    return NewPoint(
        domain=domain,
        dataset=dataset,
        quantity_text=f"{quantity:g}",
        quantity=quantity,
        unit=unit,
        source_url=f"https://example.org/{slug}",
        year=year,
        note=note,
    )


# -- the ledger's invariants ---------------------------------------------------------------

#: The FTS5 indexes the store keeps in step with their content tables by triggers.
FTS_TABLES = ("data_points_fts", "claims_fts")
_COUNTED_TABLES = frozenset(
    {"data_points", "audit_log", "claims", "confirmations", "flags", *FTS_TABLES}
)


def count_rows(conn: sqlite3.Connection, table: str) -> int:
    assert table in _COUNTED_TABLES, table  # a name, never user text, goes into the SQL
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def check_fts_index(conn: sqlite3.Connection, table: str) -> None:
    """FTS5's own check that the index holds exactly what its content says (raises if not).

    The check is an INSERT, so Python's sqlite3 opens a transaction for it; it is closed
    again here (when the caller had none), or the connection would stay inside it and the
    bot's next ``BEGIN IMMEDIATE`` on it would fail ("cannot start a transaction within a
    transaction").
    """
    assert table in FTS_TABLES, table
    had_transaction = conn.in_transaction
    try:
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    finally:
        if conn.in_transaction and not had_transaction:
            conn.rollback()


def assert_ledger_intact(conn: sqlite3.Connection) -> None:
    """What every committed write keeps, whoever wrote and however they were interrupted."""
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    unaudited = conn.execute(
        "SELECT id FROM data_points WHERE id NOT IN (SELECT data_point_id FROM audit_log)"
    ).fetchall()
    assert unaudited == [], "a data point without its audit entry"
    for table in FTS_TABLES:
        check_fts_index(conn, table)
    # The pending counters are written in the same transaction as each row.
    counters = dict(
        conn.execute("SELECT domain, pending FROM domain_counts WHERE pending > 0").fetchall()
    )
    pending = dict(
        conn.execute(
            "SELECT domain, COUNT(*) FROM data_points WHERE status = 'pending' GROUP BY domain"
        ).fetchall()
    )
    assert counters == pending


# -- platform limits -----------------------------------------------------------------------


def embed_texts(embed: dict[str, Any]) -> list[str]:
    """Every piece of text a Discord embed (as JSON) shows, in reading order."""
    texts = [embed.get("title", ""), embed.get("description", "")]
    for field in embed.get("fields", []):
        texts += [field["name"], field["value"]]
    texts.append((embed.get("footer") or {}).get("text", ""))
    return texts


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts toward a message's 6,000 across its embeds."""
    return sum(len(text) for text in embed_texts(embed))


def assert_embeds_within_limits(embeds: list[dict[str, Any]]) -> None:
    """Discord's embed limits for one message (shared/reference/platform-limits.md)."""
    assert 1 <= len(embeds) <= EMBEDS_PER_MESSAGE
    assert sum(embed_size(embed) for embed in embeds) <= MESSAGE_TOTAL
    for embed in embeds:
        assert embed_size(embed) > 0, "an embed with no text"
        assert len(embed.get("title", "")) <= TITLE
        assert len(embed.get("description", "")) <= DESCRIPTION
        assert len(embed.get("fields", [])) <= FIELDS
        for field in embed.get("fields", []):
            assert len(field["name"].strip()) > 0 and len(field["name"]) <= FIELD_NAME, field
            assert len(field["value"].strip()) > 0 and len(field["value"]) <= FIELD_VALUE, field
        assert len((embed.get("footer") or {}).get("text", "")) <= FOOTER


def assert_blocks_within_limits(blocks: list[dict[str, Any]]) -> None:
    """Slack's Block Kit limits for one message (shared/reference/platform-limits.md).

    Our renderer's constants, and the fake Slack's contract (slack_sdk's models plus the
    documented limits they miss): the two must agree.
    """
    from tests.fakes.slack_contract import message_errors  # slack_sdk: only where needed

    assert message_errors(blocks) == []
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert 0 < len(block["text"]["text"]) <= HEADER_TEXT
        elif kind == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= SECTION_TEXT
            for field in block.get("fields", []):
                assert 0 < len(field["text"]) <= FIELD_TEXT
            assert len(block.get("fields", [])) <= FIELDS_PER_SECTION
        elif kind == "context":
            assert 0 < len(block["elements"]) <= CONTEXT_ELEMENTS
        elif kind == "actions":
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= BUTTON_TEXT
                assert len(element["action_id"]) <= 255


def block_text(blocks: Iterable[dict[str, Any]]) -> str:
    """All visible text of some Slack blocks, for content checks.

    The zero-width spaces that keep users' ``*`` or ``_`` from styling are invisible,
    so they are left out here as a reader would not see them.
    """
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [field["text"] for field in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)]
        parts += [
            e["text"]["text"] for e in block.get("elements", []) if isinstance(e.get("text"), dict)
        ]
    return "\n".join(str(p) for p in parts).replace("\u200b", "")


# -- servers in child processes ------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on right now, for a child process to bind."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(
    port: int,
    assert_alive: Callable[[], None],
    timeout: float,
    details: Callable[[], str] = lambda: "",
) -> None:
    """Until the Slack transport on ``port`` answers ``GET /health`` with ok (bounded).

    ``assert_alive`` fails at once if the server's process has exited, rather than
    leaving the test to wait out the whole ``timeout``; ``details`` (the child's stderr,
    say) goes into the message if the time runs out.
    """
    health = f"http://127.0.0.1:{port}/health"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                assert json.load(response)["status"] == "ok"
                return
        except OSError:
            assert_alive()
            assert time.monotonic() < deadline, (
                f"the Slack server did not start in {timeout}s:\n{details()}"
            )
            time.sleep(0.1)
