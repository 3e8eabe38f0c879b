"""``/digest [week:YYYY-Www]``: the week's news on demand, on the console, Slack and Discord.

The week is made by real decisions on a real ledger (a record-setting approval, an
ordinary approval, a pending submission, a disputed figure) and then asked for by the
week those decisions fell in, read from the ledger's own time stamp, so a test run
across a Monday midnight asks for the right week. What the reply must say is known in
advance: the curated 3D record is Objaverse-XL (10.2M objects, 2023) and the test's
record three times that.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import handlers.digest
from bot.config import Settings
from bot.core import Core
from handlers import news
from knowledge.digest import iso_week, previous_week, week_bounds, week_facts
from tests.discord_stack import DiscordStack, discord_stack
from tests.fakes.discord.payloads import slash_command
from tests.helpers import MEMBER, MODERATOR, ask_from_chat
from tests.slack_stack import SLACK_MODERATOR, SlackStack, slack_stack

RECORD = '/submit 3d "Mega Objects" 30.6M objects https://example.org/mega 2025'
ORDINARY = '/submit video "Clippy" 2M clips https://example.org/clippy 2020'
WAITING = '/submit video "Clippy Two" 3M clips https://example.org/clippy-two 2021'


def _week(core: Core, moderator: str = MODERATOR, member: str = MEMBER) -> datetime:
    """A week with a record, an ordinary approval, one pending and one disputed figure;
    returns the moment of the last approval (the week's "now")."""
    ids = []
    for line in (RECORD, ORDINARY):
        submitted = core.ask(line, member)
        assert submitted.kind == "answer", submitted.summary
        ids.append(int(submitted.data["id"]))
        decided = core.ask(f"/approve {ids[-1]}", moderator)
        assert decided.kind == "answer", decided.summary
    assert core.ask(WAITING, member).kind == "answer"
    assert core.ask(f"/flag {ids[1]} the page says 1.2M", "console:bob").kind == "answer"
    approved = core.store.reads.get(ids[1])
    assert approved is not None and approved.reviewed_at is not None
    return datetime.fromisoformat(approved.reviewed_at.replace("Z", "+00:00"))


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """Set ``/digest``'s clock: ``at[0] = moment``."""
    moment = [datetime(2026, 12, 3, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(handlers.digest, "clock", lambda: moment[0])
    yield moment


def test_the_week_in_one_reply(core: Core, at: list[datetime]) -> None:
    at[0] = _week(core)
    period = iso_week(at[0], UTC)
    reply = core.ask("/digest")  # this week, by the clock
    assert reply.kind == "answer", reply.summary
    assert reply.title == f"Weekly digest, {period}"
    assert reply.summary.endswith(": two figures approved, one new record.")
    fields = {field.name: field.value for field in reply.fields}
    assert fields["Approved this week"].splitlines()[0].startswith("3D: #")
    assert "Mega Objects: 30.6M objects, 2025" in fields["Approved this week"]
    assert "Video generation: #" in fields["Approved this week"]
    assert fields["New records"] == (
        "3D: Mega Objects, 30.6M objects, 2025 (×3.0 the previous record, Objaverse-XL, 2023)"
    )
    assert fields["Waiting for review"] == (
        "One figure pending review and one approved figure disputed now; moderators: /review."
    )
    assert fields["Records that grew"] == "3D ×3.0 in objects (now Mega Objects)"
    # The fastest-growing field is the one /trend gives the highest rate, in /trend's words.
    rates = {
        slug: core.ask(f"/trend {slug}").data["growth_per_year"] for slug in core.library.domains
    }
    fastest = max((r, slug) for slug, r in rates.items() if r is not None)[1]
    name = core.library.domains[fastest].name
    assert fields["Fastest-growing field"].startswith(f"{name}: ×")
    assert "90% interval" in fields["Fastest-growing field"]
    assert reply.data["fastest"]["domain"] == fastest
    assert reply.data["quiet"] is False
    assert reply.data["pending"] == 1 and reply.data["disputed"] == 1
    # One chart: the field whose record grew, as text on the terminal.
    assert "Mega Objects" in reply.preformatted
    assert reply.data["chart"] == {"domain": "3d", "unit": "objects"}
    # The same week asked for by name is the same reply.
    assert core.ask(f"/digest week:{period}").as_text() == reply.as_text()


def test_the_chart_is_a_png_where_pictures_show(core: Core, at: list[datetime]) -> None:
    at[0] = _week(core)
    reply = ask_from_chat(core, "/digest", "slack:U0READER")
    (chart,) = reply.attachments
    assert chart.filename == "trend-3d-objects.png"
    assert Image.open(io.BytesIO(chart.data)).format == "PNG"


def test_a_quiet_week_says_so_and_nothing_else(core: Core, at: list[datetime]) -> None:
    at[0] = _week(core)
    before = previous_week(iso_week(at[0], UTC))
    reply = ask_from_chat(core, f"/digest week:{before}", "slack:U0READER")
    assert reply.kind == "answer"
    assert reply.title == f"Weekly digest, {before}: a quiet week"
    assert "no figure was approved and no field set a new record" in reply.summary
    assert reply.data["quiet"] is True
    assert reply.fields == [] and reply.attachments == [] and reply.preformatted == ""


def test_a_fresh_ledger_has_a_quiet_week(core: Core, at: list[datetime]) -> None:
    """The curated seed is not news: a new bot's first week is quiet."""
    at[0] = datetime.now(UTC)
    reply = core.ask("/digest")
    assert reply.data["quiet"] is True
    assert reply.summary.endswith("Nothing waits for review now.")


def test_the_week_is_the_labs_time_zones_as_the_posted_digest_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sunday 12:00 UTC is already Monday in Kiritimati (UTC+14): a lab there that set
    SCALEBOT_DIGEST_TZ asks for next week's digest, the one its news channel will get."""
    sunday_noon = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    settings = Settings(db=tmp_path / "tz.db", digest_tz="Pacific/Kiritimati")
    monkeypatch.setattr(handlers.digest, "clock", lambda: sunday_noon)
    with Core.open(settings=settings) as core:
        reply = core.ask("/digest")
        named = core.ask("/digest week:2026-W50")
        later = core.ask("/digest week:2026-W51")
    assert reply.title == "Weekly digest, 2026-W50: a quiet week"
    assert reply.data["start"] == week_bounds("2026-W50", "Pacific/Kiritimati")[0]
    assert reply.data["start"].startswith("2026-12-06T10:00:00")
    assert named.kind == "answer"  # begun there, though not yet in UTC
    assert later.kind == "error" and "has not begun yet; this week is 2026-W50" in later.summary


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("2020w5", "2020-W05"), ("2020-W05", "2020-W05"), ("2026-w1", "2026-W01")],
)
def test_a_week_is_read_in_its_usual_spellings(
    core: Core, at: list[datetime], typed: str, shown: str
) -> None:
    assert core.ask(f"/digest week:{typed}").title == f"Weekly digest, {shown}: a quiet week"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("last", "The week must be an ISO week such as 2026-W48"),
        ("2026-48", "The week must be an ISO week such as 2026-W48"),
        ("2025-W53", "2025 has weeks 1 to 52; there is no week 53."),
        ("2026-W00", "2026 has weeks 1 to 53; there is no week 0."),
        ("2026-W50", "The week 2026-W50 has not begun yet; this week is 2026-W49."),
    ],
)
def test_a_bad_week_says_what_is_wrong_with_an_example(
    core: Core, at: list[datetime], typed: str, said: str
) -> None:
    reply = core.ask(f"/digest week:{typed}")
    assert reply.kind == "error"
    text = reply.as_text()
    assert said in text
    assert "/digest week:2026-W48" in text


# -- on the platforms --------------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackStack]:
    with slack_stack(tmp_path) as stack:
        yield stack


def test_slack_shows_the_digest_and_uploads_its_chart(
    slack: SlackStack, at: list[datetime]
) -> None:
    # Decided by a second process on the same database, as a console beside the bot would.
    with Core.open(settings=slack.core.settings) as other:
        at[0] = _week(other, moderator=f"slack:{SLACK_MODERATOR}", member="slack:U0ALICE")
    body = slack.sender.command("/digest", "", channel="C0RESEARCH").json()
    if "blocks" not in body:
        body = slack.api.wait_for(f"response:cmd{slack.sender.sent}")[0].body
    assert body["blocks"][0]["text"]["text"] == f"Weekly digest, {iso_week(at[0], UTC)}"
    assert "Mega Objects" in json.dumps(body["blocks"])
    slack.api.wait_for("files.completeUploadExternal")
    assert [name for name, _ in slack.api.files.values()] == ["trend-3d-objects.png"]


@pytest.fixture
def discord(tmp_path: Path) -> Iterator[DiscordStack]:
    with discord_stack(tmp_path) as stack:
        yield stack


def test_discord_shows_a_past_week_and_a_bad_week(discord: DiscordStack) -> None:
    sent = discord.interact(slash_command("digest", {"week": "2020-W05"}))
    message: dict[str, Any] = sent.json["data"]
    assert message["embeds"][0]["title"] == "Weekly digest, 2020-W05: a quiet week"
    refused = discord.interact(slash_command("digest", {"week": "someday"}))
    text = json.dumps(refused.json["data"], ensure_ascii=False)
    assert "ISO week such as 2026-W48" in text and "/digest week:2026-W48" in text


def test_facts_read_without_fields_still_name_the_fastest_field(
    core: Core, at: list[datetime]
) -> None:
    """A caller of ``week_facts`` that ranks no fields (``domains=()``) gets the same post."""
    at[0] = _week(core)
    period = iso_week(at[0], UTC)
    start, end = week_bounds(period)
    bare = week_facts(core.store, start, end)
    assert bare.fastest is None
    reply = news.digest_reply(core.store, bare, False, period, library=core.library)
    assert reply.as_text() == core.ask(f"/digest week:{period}").as_text()


def test_a_busy_week_lists_the_first_figures_and_counts_the_rest_by_field(
    core: Core, at: list[datetime]
) -> None:
    for n in range(7):
        submitted = core.ask(
            f"/submit robotics Arm{n} {n + 1}K episodes https://example.org/arm{n} 2019", MEMBER
        )
        assert core.ask(f"/approve {submitted.data['id']}", MODERATOR).kind == "answer"
    at[0] = datetime.now(UTC)
    reply = core.ask("/digest")
    fields = {field.name: field.value for field in reply.fields}
    lines = fields["Approved this week"].splitlines()
    assert len(lines) == news.DIGEST_LINES + 1
    assert lines[0].startswith("Robotics: #") and "Arm0: 1K episodes, 2019" in lines[0]
    assert lines[-1] == "and two more (by field: Robotics 7)"
    assert reply.data["approved"] == 7
