"""The news desk: record announcements and the weekly digest, posted once, through the fakes.

The real Slack and Discord adapters deliver (``tests/slack_stack.py``,
``tests/discord_stack.py``); the desk's clock is a test's, moved without sleeping. A
record is a figure larger than its field's record in its unit: the curated seed holds
3d's in objects (Objaverse-XL, about 10M), so 900B objects beats it and 12 does not.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot import newsdesk
from bot.cli import cli
from bot.config import DigestAt, Settings, parse_digest_at
from bot.core import Core
from bot.courier import after_reply
from bot.newsdesk import NewsDesk, due_period, next_send
from bot.runner import AsyncCore
from bot.serve import Service, serve
from bot.slack.app import slack_client
from bot.slack.notices import SlackNotices
from bot.slack.serve import EVENTS_PATH
from knowledge.ledger.values import iso
from tests.discord_stack import discord_stack
from tests.fakes.discord.objects import CHANNEL_ID, MODERATOR_ID
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET, SlackSender
from tests.helpers import clear_settings_env
from tests.slack_stack import SLACK_MEMBER, SLACK_MODERATOR, SlackStack, slack_stack

NEWS = "C0NEWS001"
RECORD = '3d "Huge Set" 900B objects https://example.org/huge year:2026'
SMALL = '3d "Small Set" 12 objects https://example.org/small year:2026'
UTC_ZONE = ZoneInfo("UTC")


class Clock:
    """A clock a test moves: the desk reads it, nothing sleeps."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def this_monday() -> datetime:
    """00:00 UTC of the Monday that began this (real) week: approvals made now are in it."""
    today = datetime.now(UTC).date()
    return datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=UTC)


def week_of(moment: datetime) -> str:
    year, week, _ = moment.date().isocalendar()
    return f"{year}-W{week:02d}"


# -- the schedule: which week is due when ---------------------------------------------------


@pytest.mark.parametrize(
    ("now", "at", "zone", "due"),
    [
        # 2026-11-30 is the Monday of week 49: week 48's digest is due there at nine.
        (datetime(2026, 11, 30, 8, 59, tzinfo=UTC), "mon 09:00", "UTC", "2026-W47"),
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "mon 09:00", "UTC", "2026-W48"),
        (datetime(2026, 12, 6, 23, 59, tzinfo=UTC), "mon 09:00", "UTC", "2026-W48"),
        # 08:30 UTC is 09:30 in Paris: due there already.
        (datetime(2026, 11, 30, 8, 30, tzinfo=UTC), "mon 09:00", "Europe/Paris", "2026-W48"),
        # A Friday digest covers the week that ended before that Friday.
        (datetime(2026, 12, 3, 12, 0, tzinfo=UTC), "fri 17:00", "UTC", "2026-W47"),
        (datetime(2026, 12, 4, 17, 0, tzinfo=UTC), "fri 17:00", "UTC", "2026-W48"),
        # Across a year's end: 2027-01-04 is the Monday of 2027-W01.
        (datetime(2027, 1, 4, 10, 0, tzinfo=UTC), "mon 09:00", "UTC", "2026-W53"),
    ],
)
def test_the_due_week_is_the_latest_whose_send_time_passed(
    now: datetime, at: str, zone: str, due: str
) -> None:
    assert due_period(now, parse_digest_at(at), ZoneInfo(zone)) == due


def test_the_next_send_time_is_the_coming_one() -> None:
    at = parse_digest_at("mon 09:00")
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert next_send(monday - timedelta(minutes=1), at, UTC_ZONE) == monday
    assert next_send(monday, at, UTC_ZONE) == monday + timedelta(days=7)


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"digest_at": "monday"}, "SCALEBOT_DIGEST_AT"),
        ({"digest_at": "mon 25:00"}, "SCALEBOT_DIGEST_AT"),
        ({"digest": "daily"}, "SCALEBOT_DIGEST"),
        ({"digest_tz": "Mars/Olympus"}, "SCALEBOT_DIGEST_TZ"),
        ({"slack_news_channel": "#news"}, "SCALEBOT_SLACK_NEWS_CHANNEL"),
        ({"discord_news_channel": "news"}, "discord_news_channel"),
    ],
)
def test_bad_news_settings_are_refused_with_an_example(
    values: dict[str, str], variable: str
) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_digest_is_weekly_when_a_news_channel_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_settings_env(monkeypatch)
    assert not Settings(_env_file=None).digest_weekly  # type: ignore[call-arg]
    on = Settings(_env_file=None, slack_news_channel=NEWS)  # type: ignore[call-arg]
    assert on.digest_weekly and on.digest_at == DigestAt(0, time(9, 0))
    off = Settings(_env_file=None, slack_news_channel=NEWS, digest="off")  # type: ignore[call-arg]
    assert not off.digest_weekly


# -- record announcements through Slack -----------------------------------------------------


def submitted(stack: SlackStack, text: str) -> int:
    answer = stack.sender.command("/submit", text, user=SLACK_MEMBER)
    assert answer.status == 200
    shown = json.dumps(answer.json())
    return int(shown.split("Submitted #", 1)[1].split(" ", 1)[0])


def news_posts(api: FakeSlackAPI) -> list[dict[str, object]]:
    return [c.body for c in api.of("chat.postMessage") if c.body.get("channel") == NEWS]


def news_uploads(api: FakeSlackAPI) -> list[dict[str, object]]:
    return [
        c.body for c in api.of("files.completeUploadExternal") if c.body.get("channel_id") == NEWS
    ]


@contextmanager
def desk_on(stack: SlackStack, clock: Clock, poll: float = 600.0) -> Iterator[NewsDesk]:
    """A news desk on the stack's loop, as ``scalebot run`` starts it (polling rarely: a
    test sees what the nudge after a decision does)."""
    async_core = stack.service.core
    assert isinstance(async_core, AsyncCore)
    desk = NewsDesk(async_core, clock=clock, poll=poll)
    stack.loop.run(desk.start())
    try:
        yield desk
    finally:
        stack.loop.run(desk.stop())


def test_a_record_setting_approval_posts_one_announcement_with_its_chart(tmp_path: Path) -> None:
    with slack_stack(tmp_path, slack_news_channel=NEWS) as stack:
        with desk_on(stack, Clock(datetime.now(UTC))) as desk:
            point_id = submitted(stack, RECORD)
            assert news_posts(stack.api) == []  # submitted is not news
            stack.sender.command("/approve", str(point_id), user=SLACK_MODERATOR)
            # The approval's nudge drains the outbox: no poll comes within the test.
            (upload,) = stack.api.wait_for("files.completeUploadExternal")
            assert upload.body["channel_id"] == NEWS
            (post,) = news_posts(stack.api)
            said = json.dumps(post)
            assert "Huge Set" in said and "Objaverse-XL" in said
            assert "https://example.org/huge" in said
            name, data = next(iter(stack.api.files.values()))
            assert name.endswith(".png") and data.startswith(b"\x89PNG")
            # Drained: the next turn posts nothing more.
            assert stack.loop.run(desk.drain()) == 0
        assert len(news_posts(stack.api)) == 1
        assert stack.core.store.news.pending_count() == 0


def test_a_non_record_approval_posts_no_announcement(tmp_path: Path) -> None:
    with slack_stack(tmp_path, slack_news_channel=NEWS) as stack:
        with desk_on(stack, Clock(datetime.now(UTC))) as desk:
            point_id = submitted(stack, SMALL)
            answer = stack.sender.command("/approve", str(point_id), user=SLACK_MODERATOR)
            assert f"Approved #{point_id}" in json.dumps(answer.json())
            assert stack.loop.run(desk.drain()) == 0
        assert news_posts(stack.api) == [] and news_uploads(stack.api) == []
        assert stack.core.store.reads.get(point_id).status == "approved"  # type: ignore[union-attr]


def test_a_restart_between_the_decision_and_the_post_still_posts_exactly_one(
    tmp_path: Path,
) -> None:
    decided = datetime.now(UTC)
    db = tmp_path / "slack.db"
    # The first process: the approval and its outbox row commit together; it claims the
    # row to post it and stops there (killed before any post).
    settings = Settings(_env_file=None, db=db, moderators=frozenset({"slack:UMOD"}))  # type: ignore[call-arg]
    with Core.open(settings=settings) as first:
        point_id = first.ask(f"/submit {RECORD}", "slack:U1").data["id"]
        first.ask(f"/approve {point_id}", "slack:UMOD")
        (claimed,) = first.store.news.claim("first-process", decided.isoformat())
        assert claimed.point_id == point_id
    # The second process on the same database, with the Slack adapter and a news channel.
    clock = Clock(decided + timedelta(seconds=10))
    with slack_stack(tmp_path, slack_news_channel=NEWS) as stack:
        async_core = stack.service.core
        assert isinstance(async_core, AsyncCore)
        desk = NewsDesk(async_core, clock=clock)
        # The first process's claim still holds: posting now could post it twice.
        assert stack.loop.run(desk.drain()) == 0
        clock.now = decided + timedelta(minutes=6)  # the lease (5 min) has lapsed
        assert stack.loop.run(desk.drain()) == 1
        assert stack.loop.run(desk.drain()) == 0
        clock.now += timedelta(hours=1)
        assert stack.loop.run(desk.drain()) == 0
        (post,) = news_posts(stack.api)
        assert "Huge Set" in json.dumps(post)
        assert len(news_uploads(stack.api)) == 1


# -- record announcements through Discord ---------------------------------------------------


def test_a_record_on_discord_is_posted_to_its_news_channel_with_the_chart(tmp_path: Path) -> None:
    with discord_stack(tmp_path, discord_news_channel=int(CHANNEL_ID)) as stack:
        core = stack.core
        point_id = core.ask(f"/submit {RECORD}", "slack:U1").data["id"]
        core.take_notices()
        async_core = stack.service.core
        assert isinstance(async_core, AsyncCore)
        # A moderator approves at the terminal of the same ledger: the desk finds the row.
        approved = core.ask(f"/approve {point_id}", f"discord:{MODERATOR_ID}")
        assert approved.kind == "answer"
        desk = NewsDesk(async_core, clock=Clock(datetime.now(UTC)))
        assert stack.loop.run(desk.drain()) == 1
        (post,) = stack.fake.wait_for(f"POST /channels/{CHANNEL_ID}/messages$")
        assert post.multipart and post.files and post.files[0].endswith(".png")
        assert post.contents[0].startswith(b"\x89PNG")
        embeds = json.dumps(post.json["embeds"])
        assert "Huge Set" in embeds and "Objaverse-XL" in embeds
        assert post.json["embeds"][0]["image"]["url"] == f"attachment://{post.files[0]}"
        assert stack.loop.run(desk.drain()) == 0


# -- the weekly digest ------------------------------------------------------------------------


@dataclass
class Process:
    """One bot process: its own core (its own connection) and a desk, sharing a database."""

    core: Core
    async_core: AsyncCore
    desk: NewsDesk


@contextmanager
def processes(
    tmp_path: Path, count: int, clock: Clock, **overrides: object
) -> Iterator[tuple[BackgroundLoop, FakeSlackAPI, list[Process]]]:
    """``count`` processes on one database, each delivering to one fake Slack."""
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            db=tmp_path / "shared.db",
            moderators=frozenset({"slack:UMOD"}),
            slack_bot_token="xoxb-test-token",
            slack_signing_secret="secret",
            slack_api_url=api.url,
            slack_news_channel=NEWS,
            **overrides,
        )
        made: list[Process] = []
        try:
            for number in range(count):
                core = Core.open(settings=settings)
                async_core = AsyncCore(core)
                async_core.listen(SlackNotices(slack_client(settings), settings))
                desk = NewsDesk(async_core, clock=clock, owner=f"process-{number}")
                made.append(Process(core, async_core, desk))
            yield loop, api, made
            api.assert_nothing_refused()
        finally:
            for process in made:
                loop.run(process.async_core.settle())
                process.async_core.close()
                process.core.close()
            loop.run(api.stop())


def digests(api: FakeSlackAPI) -> list[dict[str, object]]:
    return [post for post in news_posts(api) if "Weekly digest" in json.dumps(post)]


def approve_a_record(core: Core) -> int:
    point_id = core.ask(f"/submit {RECORD}", "slack:U1").data["id"]
    core.ask(f"/approve {point_id}", "slack:UMOD")
    now = datetime.now(UTC).isoformat()
    for item in core.store.news.claim("elsewhere", now):  # announced elsewhere: not news here
        core.store.news.sent(item.id, now)
    return int(point_id)


def test_two_processes_on_one_database_post_one_digest(tmp_path: Path) -> None:
    # Tuesday of next week: this week's digest (mon 09:00) is due.
    clock = Clock(this_monday() + timedelta(days=8))
    with processes(tmp_path, 2, clock) as (loop, api, (one, two)):
        approve_a_record(one.core)

        async def both() -> list[str | None]:
            return list(await asyncio.gather(one.desk.digest(), two.desk.digest()))

        sent = loop.run(both())
        this_week = week_of(this_monday())
        assert sorted(sent, key=str) == [None, this_week] or sorted(sent, key=str) == [
            this_week,
            None,
        ]
        (digest,) = digests(api)
        assert this_week in json.dumps(digest) and "Huge Set" in json.dumps(digest)
        assert len(news_uploads(api)) == 1  # its one chart
        # Later turns of either process post it no more.
        clock.now += timedelta(hours=3)
        assert loop.run(one.desk.digest()) is None and loop.run(two.desk.digest()) is None
        assert len(digests(api)) == 1
        assert one.core.store.news.digest_sent_at(this_week) is not None


def test_a_quiet_week_posts_nothing(tmp_path: Path) -> None:
    # Tuesday of this week: last week's digest is due, and the new database saw nothing
    # approved then (the curated seed is no week's news).
    clock = Clock(this_monday() + timedelta(days=1, hours=10))
    with processes(tmp_path, 1, clock) as (loop, api, (one,)):
        approve_a_record(one.core)  # this week's, not last week's
        last_week = week_of(this_monday() - timedelta(days=7))
        assert loop.run(one.desk.turn()) == (0, None)
        assert news_posts(api) == []
        # Claimed and settled: it is not tried again.
        assert one.core.store.news.last_digest() == last_week
        assert one.core.store.news.digest_sent_at(last_week) is not None


def test_a_week_of_downtime_posts_one_catch_up(tmp_path: Path) -> None:
    monday = this_monday()
    # Running on Tuesday two weeks ago: that digest (three weeks ago, quiet) was settled.
    clock = Clock(monday - timedelta(days=13))
    with processes(tmp_path, 1, clock) as (loop, api, (one,)):
        assert loop.run(one.desk.digest()) is None
        settled = week_of(monday - timedelta(days=21))
        assert one.core.store.news.last_digest() == settled
        approve_a_record(one.core)
        # Down since; back on Tuesday of next week. Two digests came due meanwhile (two
        # weeks ago and last week) and this week's too: only the latest is sent.
        clock.now = monday + timedelta(days=8)
        this_week = week_of(monday)
        assert loop.run(one.desk.digest()) == this_week
        (digest,) = digests(api)
        assert this_week in json.dumps(digest)
        news = one.core.store.news
        for skipped in (monday - timedelta(days=14), monday - timedelta(days=7)):
            assert news.digest_sent_at(week_of(skipped)) is None
        assert news.last_digest() == this_week
        # Later turns that week post no more.
        clock.now += timedelta(days=2)
        assert loop.run(one.desk.digest()) is None
        assert len(digests(api)) == 1


def test_a_claim_whose_claimer_died_is_taken_over_after_its_lease(tmp_path: Path) -> None:
    clock = Clock(this_monday() + timedelta(days=8))
    with processes(tmp_path, 2, clock) as (loop, api, (one, two)):
        approve_a_record(one.core)
        this_week = week_of(this_monday())
        # A third process claimed the week and died before posting it.
        assert one.core.store.news.claim_digest(this_week, "dead-process", iso(clock.now))
        assert loop.run(two.desk.digest()) is None  # the claim is live: not ours
        clock.now += timedelta(seconds=newsdesk.DIGEST_LEASE + 1)
        assert loop.run(two.desk.digest()) == this_week
        assert loop.run(one.desk.digest()) is None  # sent: never again
        assert len(digests(api)) == 1


def test_the_digest_off_posts_nothing(tmp_path: Path) -> None:
    clock = Clock(this_monday() + timedelta(days=8))
    with processes(tmp_path, 1, clock, digest="off") as (loop, api, (one,)):
        approve_a_record(one.core)
        assert loop.run(one.desk.digest()) is None
        assert news_posts(api) == [] and one.core.store.news.last_digest() is None


# -- scalebot digest --send (cron) -----------------------------------------------------------


def test_digest_send_claims_the_due_week_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "cron.db")
    runner = CliRunner()
    # No news channel: the digest is off by default, and --send says so.
    result = runner.invoke(cli, ["--db", db, "digest", "--send"])
    assert result.exit_code == 0, result.output
    assert "off" in result.output
    # Slack credentials without a bot behind them: the week is quiet, so nothing is
    # delivered; it is claimed all the same, and a second run leaves it.
    monkeypatch.setenv("SCALEBOT_SLACK_NEWS_CHANNEL", NEWS)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    first = runner.invoke(cli, ["--db", db, "digest", "--send"])
    assert first.exit_code == 0, first.output
    assert "quiet week" in first.output
    again = runner.invoke(cli, ["--db", db, "digest", "--send"])
    assert again.exit_code == 0 and "sent already" in again.output
    shown = runner.invoke(cli, ["--db", db, "digest"])
    assert shown.exit_code == 0 and "not sent" in shown.output


def test_no_news_channel_means_no_desk() -> None:
    from bot.serve import news_desk

    settings = Settings(_env_file=None, slack_review_channel="C0REVIEW")  # type: ignore[call-arg]
    assert news_desk(["slack"], None, settings) is None  # type: ignore[arg-type]
    with_news = Settings(_env_file=None, discord_news_channel=1300)  # type: ignore[call-arg]
    assert news_desk(["slack"], None, with_news) is None  # type: ignore[arg-type]
    assert news_desk(["discord"], None, with_news) is not None  # type: ignore[arg-type]


def test_weeks_are_named_as_the_ledger_names_them() -> None:
    assert week_of(datetime(2026, 11, 30, tzinfo=UTC)) == "2026-W49"
    assert date(2026, 11, 30).isocalendar().week == 49


def test_a_decision_at_the_console_posts_its_news_once_through_the_courier(
    tmp_path: Path,
) -> None:
    """No desk runs at the terminal: the courier sends a decision's news after the reply."""
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            db=tmp_path / "console.db",
            moderators=frozenset({"console:mod"}),
            slack_bot_token="xoxb-test-token",
            slack_signing_secret="secret",
            slack_api_url=api.url,
            slack_news_channel=NEWS,
        )
        try:
            with Core.open(settings=settings) as core:
                for line in (RECORD, SMALL):
                    point_id = core.ask(f"/submit {line}", "console:alice").data["id"]
                    after_reply(core)
                    assert core.ask(f"/approve {point_id}", "console:mod").kind == "answer"
                    after_reply(core)
                assert core.store.news.pending_count() == 0
            (post,) = news_posts(api)
            assert "Huge Set" in json.dumps(post)
            assert len(news_uploads(api)) == 1
            api.assert_nothing_refused()
        finally:
            loop.run(api.stop())


def test_scalebot_run_announces_a_record_after_the_approval(tmp_path: Path) -> None:
    """As ``scalebot run slack`` serves (:func:`bot.serve.serve`): the desk runs beside the
    adapter, and the approval's nudge posts the record without waiting for a poll."""
    with BackgroundLoop() as loop:
        api = FakeSlackAPI()
        loop.run(api.start())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            db=tmp_path / "run.db",
            moderators=frozenset({f"slack:{SLACK_MODERATOR}"}),
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=api.url,
            slack_host="127.0.0.1",
            slack_port=0,
            slack_news_channel=NEWS,
            digest="off",
        )
        core = Core.open(settings=settings)
        stop = asyncio.Event()
        ready = threading.Event()
        started: list[Service] = []

        def on_ready(services: Sequence[Service]) -> None:
            started.extend(services)
            ready.set()

        running = asyncio.run_coroutine_threadsafe(
            serve(["slack"], core, settings, stop, on_ready), loop.loop
        )
        try:
            assert ready.wait(30), "scalebot run did not start within 30 s"
            port = started[0].port  # type: ignore[attr-defined]
            sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", api.response_url(""))
            answer = sender.command("/submit", RECORD, user=SLACK_MEMBER)
            point_id = int(json.dumps(answer.json()).split("Submitted #", 1)[1].split(" ")[0])
            sender.command("/approve", str(point_id), user=SLACK_MODERATOR)
            api.wait_for("files.completeUploadExternal")
            assert len(news_posts(api)) == 1
        finally:
            loop.loop.call_soon_threadsafe(stop.set)
            running.result(30)
            loop.run(api.stop())
            core.close()
        api.assert_nothing_refused()


def test_a_withdrawn_record_posts_a_short_correction(tmp_path: Path) -> None:
    with slack_stack(tmp_path, slack_news_channel=NEWS) as stack:
        async_core = stack.service.core
        assert isinstance(async_core, AsyncCore)
        desk = NewsDesk(async_core, clock=Clock(datetime.now(UTC)))
        point_id = submitted(stack, RECORD)
        stack.sender.command("/approve", str(point_id), user=SLACK_MODERATOR)
        assert stack.loop.run(desk.drain()) == 1
        stack.sender.command("/flag", f"{point_id} the paper says 900M", user=SLACK_MEMBER)
        stack.sender.command("/reject", f"{point_id} the paper says 900M", user=SLACK_MODERATOR)
        assert stack.core.store.reads.get(point_id).status == "rejected"  # type: ignore[union-attr]
        assert stack.loop.run(desk.drain()) == 1
        _, correction = news_posts(stack.api)
        assert "Correction" in json.dumps(correction) and "Objaverse-XL" in json.dumps(correction)
        assert len(news_uploads(stack.api)) == 1  # the record's chart; a correction is short


def test_the_poll_finds_news_no_decision_here_announced(tmp_path: Path) -> None:
    """A row another process wrote (it stopped before posting) goes out at the next poll."""
    with (
        slack_stack(tmp_path, slack_news_channel=NEWS, digest="off") as stack,
        desk_on(stack, Clock(datetime.now(UTC)), poll=0.05),
    ):
        # The desk runs; the decision is another process's: no nudge reaches this one.
        other = Core.open(settings=stack.core.settings)
        try:
            point_id = other.ask(f"/submit {RECORD}", "slack:U1").data["id"]
            other.ask(f"/approve {point_id}", f"slack:{SLACK_MODERATOR}")
        finally:
            other.close()
        stack.api.wait_for("files.completeUploadExternal")
        (post,) = news_posts(stack.api)
        assert "Huge Set" in json.dumps(post)
