"""A point's review card is edited in place when its source check is done.

A pending point's card (``PointPending``) goes to both review channels; the card drawn
again after its source check (``PointChecked``) replaces it: the same message, now
showing the new card, on Slack (``chat.update``) and Discord (a message edit). These run
what ``scalebot run all`` runs (both adapters around one core, against the fake Slack Web
API and the fake Discord, which keep the channels' messages), and what the console runs
(``deliver_now``, a client of its own per command). The cards are recorded beside the
ledger, so the record outlives the process that posted the card.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.cardlog import CardLog, CardPlace, cards_path
from bot.config import Settings
from bot.core import Core
from bot.courier import deliver_now
from bot.discord.client import DiscordService
from bot.notices import Notice, PointChecked, PointPending, SourceDiffers
from bot.reply import Reply, ReplyField
from bot.runner import AsyncCore
from bot.slack.serve import SlackService
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.objects import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    MEMBER_ID,
    MODERATOR_ID,
    TOKEN,
    message_object,
    user_object,
)
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import SIGNING_SECRET

SLACK_REVIEW = "C0REVIEW1"
SLACK_MEMBER = "UMEMBER1"
DISCORD_REVIEW = CHANNEL_ID
#: What the checked card says that the pending one does not.
CHECKED = "The source states 12M objects"


@dataclass
class Review:
    """Both platforms' adapters around one core, as ``scalebot run all`` runs them."""

    loop: BackgroundLoop
    discord: FakeDiscord
    slack: FakeSlackAPI
    settings: Settings
    core: Core
    async_core: AsyncCore
    services: list[DiscordService | SlackService] = field(default_factory=list)

    def start(self) -> None:
        """Start fresh adapters (new deliverers, nothing in memory from earlier ones)."""
        for service in (
            DiscordService(self.async_core, self.settings),
            SlackService(self.async_core, self.settings),
        ):
            self.loop.run(service.start())
            self.services.append(service)
        self.loop.run(self.discord.wait_connected())

    def stop(self) -> None:
        self.loop.run(self.async_core.settle())
        while self.services:
            self.loop.run(self.services.pop().stop())

    def announce(self, *notices: Notice) -> None:
        """Deliver ``notices`` as the core hands them out, and wait until they are done."""

        async def deliver() -> None:
            self.async_core.announce(list(notices))
            await self.async_core.settle()

        self.loop.run(deliver())

    def pending(self, name: str, submitter: str = f"slack:{SLACK_MEMBER}") -> PointPending:
        """Submit a point (on the core directly) and return its card notice."""
        line = f'/submit 3d "{name}" 12M objects https://example.org/{name.replace(" ", "-")}'
        self.core.ask(line, submitter)
        (notice,) = self.core.take_notices()
        assert isinstance(notice, PointPending)
        return notice

    def slack_cards(self) -> list[dict[str, Any]]:
        return self.slack.in_channel(SLACK_REVIEW)

    def discord_cards(self) -> list[dict[str, Any]]:
        return self.discord.in_channel(DISCORD_REVIEW)


def checked(notice: Notice, said: str = CHECKED) -> PointChecked:
    """The card of ``notice``'s point drawn again with what its source states."""
    card = notice.message
    fields = [*card.fields, ReplyField(name="Source check", value=said, inline=False)]
    return PointChecked(
        point_id=notice.point_id, message=card.model_copy(update={"fields": fields})
    )


def settings_for(fake_discord: FakeDiscord, fake_slack: FakeSlackAPI, db: Path) -> Settings:
    return Settings(
        db=db,
        moderators=frozenset({f"discord:{MODERATOR_ID}", "slack:UMOD0001"}),
        discord_token=TOKEN,
        discord_api_url=fake_discord.api_url,
        discord_gateway_url=fake_discord.gateway_url,
        discord_review_channel=int(DISCORD_REVIEW),
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
        slack_host="127.0.0.1",
        slack_port=0,
        slack_review_channel=SLACK_REVIEW,
    )


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with BackgroundLoop() as loop:
        fake_discord, fake_slack = FakeDiscord(), FakeSlackAPI()
        loop.run(fake_discord.start())
        loop.run(fake_slack.start())
        settings = settings_for(fake_discord, fake_slack, tmp_path / "review.db")
        core = Core.open(settings=settings)
        async_core = AsyncCore(core)
        review = Review(loop, fake_discord, fake_slack, settings, core, async_core)
        try:
            review.start()
            yield review
            loop.run(async_core.settle())
            fake_discord.assert_contract_kept()
            fake_slack.assert_nothing_refused()
        finally:
            review.stop()
            async_core.close()
            core.close()
            loop.run(fake_slack.stop())
            loop.run(fake_discord.stop())
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def slack_text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"])


def discord_text(message: dict[str, Any]) -> str:
    return json.dumps(message["embeds"])


def discord_buttons(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def assert_one_checked_card(review: Review, point_id: int) -> tuple[str, str]:
    """Each review channel holds one message: the checked card of ``point_id``, with its
    buttons. Returns (Slack ts, Discord message id)."""
    (slack_card,) = review.slack_cards()
    assert f"New data point #{point_id} to review" in slack_text(slack_card)
    assert CHECKED in slack_text(slack_card) and CHECKED in slack_card["text"]
    assert f"/approve {point_id}" in slack_text(slack_card)
    (discord_card,) = review.discord_cards()
    assert f"#{point_id}" in discord_text(discord_card) and CHECKED in discord_text(discord_card)
    assert discord_buttons(discord_card) == [
        f"scalebot:run:/approve {point_id}",
        f"scalebot:ask:/reject {point_id}",
    ]
    return slack_card["ts"], discord_card["id"]


# -- run all: the adapters' deliverers ------------------------------------------------------


def test_a_checked_point_edits_its_card_in_place(review: Review) -> None:
    pending = review.pending("Edited Set")
    review.announce(pending)
    (slack_card,) = review.slack_cards()
    (discord_card,) = review.discord_cards()
    assert CHECKED not in slack_text(slack_card) and CHECKED not in discord_text(discord_card)

    review.announce(checked(pending))
    ts, message_id = assert_one_checked_card(review, pending.point_id)
    assert (ts, message_id) == (slack_card["ts"], discord_card["id"])
    (update,) = review.slack.of("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (SLACK_REVIEW, ts)
    (edit,) = review.discord.of(f"PATCH /channels/{DISCORD_REVIEW}/messages/{message_id}$")
    assert edit.json["allowed_mentions"] == {"parse": []}
    assert len(review.slack.of("chat.postMessage")) == 1
    assert len(review.discord.of(f"POST /channels/{DISCORD_REVIEW}/messages$")) == 1


def test_a_card_and_its_check_announced_at_once_leave_one_card(review: Review) -> None:
    """The check may finish before the first card is posted: the edit waits for it."""
    pending = review.pending("Quick Set")
    review.announce(pending, checked(pending))
    assert_one_checked_card(review, pending.point_id)
    assert len(review.slack.of("chat.update")) == 1


def test_a_check_with_no_card_posted_is_posted_and_then_edited(review: Review) -> None:
    pending = review.pending("Unposted Set")  # its card never delivered
    review.announce(checked(pending, "first check"))
    (slack_card,) = review.slack_cards()
    (discord_card,) = review.discord_cards()
    assert "first check" in slack_text(slack_card) and "first check" in discord_text(discord_card)
    assert review.slack.of("chat.update") == []

    review.announce(checked(pending))  # recorded when posted: a second check edits it
    assert assert_one_checked_card(review, pending.point_id) == (
        slack_card["ts"],
        discord_card["id"],
    )


def test_the_recorded_card_outlives_a_restart(review: Review) -> None:
    pending = review.pending("Lasting Set")
    review.announce(pending)
    (slack_card,) = review.slack_cards()
    (discord_card,) = review.discord_cards()
    review.stop()
    review.start()  # new adapters and deliverers: only the file beside the ledger knows
    assert cards_path(review.settings.db).exists()
    review.announce(checked(pending))
    assert assert_one_checked_card(review, pending.point_id) == (
        slack_card["ts"],
        discord_card["id"],
    )


def test_a_deleted_card_is_posted_anew_and_recorded(review: Review) -> None:
    pending = review.pending("Deleted Set")
    review.announce(pending)
    (slack_card,) = review.slack_cards()
    (discord_card,) = review.discord_cards()
    del review.slack.messages[(SLACK_REVIEW, slack_card["ts"])]  # a moderator deleted both
    del review.discord.messages[discord_card["id"]]

    review.announce(checked(pending, "first check"))
    (slack_new,) = review.slack_cards()
    (discord_new,) = review.discord_cards()
    assert slack_new["ts"] != slack_card["ts"] and discord_new["id"] != discord_card["id"]
    assert "first check" in slack_text(slack_new) and "first check" in discord_text(discord_new)

    review.announce(checked(pending))  # the new card is the one edited next
    assert assert_one_checked_card(review, pending.point_id) == (slack_new["ts"], discord_new["id"])


def test_an_edit_refused_otherwise_is_one_warning_and_no_new_card(
    review: Review, caplog: pytest.LogCaptureFixture
) -> None:
    """A recorded message that someone else wrote: the platforms refuse the edit (Slack
    ``cant_update_message``, Discord 403 50005); one warning each, nothing posted."""
    caplog.set_level(logging.WARNING)
    pending = review.pending("Foreign Set")
    slack_ts = review.slack.keep({"channel": SLACK_REVIEW, "text": "hello"}, "UOTHER01")
    foreign = message_object(channel_id=DISCORD_REVIEW, author=user_object(MEMBER_ID))
    review.discord.messages[foreign["id"]] = foreign
    log = CardLog.beside(review.settings.db)
    log.keep_now("slack", pending.point_id, CardPlace(SLACK_REVIEW, (slack_ts,)))
    log.keep_now("discord", pending.point_id, CardPlace(DISCORD_REVIEW, (foreign["id"],)))

    review.announce(checked(pending))
    assert review.slack.of("chat.postMessage") == []
    assert review.discord.of(f"POST /channels/{DISCORD_REVIEW}/messages$") == []
    warnings = [r.getMessage() for r in caplog.records if f"#{pending.point_id}" in r.getMessage()]
    assert sorted(w.split(":", 1)[0] for w in warnings) == ["discord", "slack"], warnings
    assert all("could not edit the card of" in w for w in warnings)
    assert any("cant_update_message" in w for w in warnings)
    assert any("50005" in w for w in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_card_that_became_longer_keeps_its_first_message_and_adds_the_rest(
    review: Review,
) -> None:
    """Drawn as more messages than before: the first is edited, the rest posted after it;
    drawn shorter again, the surplus is deleted, and the buttons stay on the last one."""
    pending = review.pending("Growing Set")
    review.announce(pending)
    (slack_first,) = review.slack_cards()
    (discord_first,) = review.discord_cards()
    many = [ReplyField(name=f"Figure {n}", value="x " * 900, inline=False) for n in range(60)]
    long_card = pending.message.model_copy(update={"fields": [*pending.message.fields, *many]})
    review.announce(PointChecked(point_id=pending.point_id, message=long_card))
    slack_now, discord_now = review.slack_cards(), review.discord_cards()
    assert len(slack_now) > 1 and len(discord_now) > 1
    assert slack_now[0]["ts"] == slack_first["ts"]
    assert discord_now[0]["id"] == discord_first["id"]
    assert [discord_buttons(m) != [] for m in discord_now] == [False] * (len(discord_now) - 1) + [
        True
    ]

    review.announce(checked(pending))
    assert assert_one_checked_card(review, pending.point_id) == (
        slack_first["ts"],
        discord_first["id"],
    )


def test_source_differs_reaches_the_submitter_by_direct_message(review: Review) -> None:
    slack_point = review.pending("Slack Differs")
    discord_point = review.pending("Discord Differs", submitter=f"discord:{MEMBER_ID}")
    said = "Your source states 9M objects, not 12M"
    review.announce(
        SourceDiffers(
            point_id=slack_point.point_id,
            message=Reply(title=f"Check #{slack_point.point_id}", summary=said),
            submitter=f"slack:{SLACK_MEMBER}",
        ),
        SourceDiffers(
            point_id=discord_point.point_id,
            message=Reply(title=f"Check #{discord_point.point_id}", summary=said),
            submitter=f"discord:{MEMBER_ID}",
        ),
    )
    (opened,) = review.slack.of("conversations.open")
    assert opened.body == {"users": SLACK_MEMBER}
    (letter,) = review.slack.in_channel(f"D{SLACK_MEMBER}")
    assert said in slack_text(letter) and f"#{slack_point.point_id}" in slack_text(letter)
    (dm,) = review.discord.in_channel(DM_CHANNEL_ID)
    assert said in discord_text(dm) and f"#{discord_point.point_id}" in discord_text(dm)
    # Neither review channel hears of it, and no card is recorded for a letter.
    assert review.slack_cards() == [] and review.discord_cards() == []
    assert CardLog.beside(review.settings.db).where_now("slack", slack_point.point_id) is None


# -- the console: a client of its own per command ------------------------------------------


def test_the_console_records_its_cards_and_edits_them_as_run_all_does(review: Review) -> None:
    """A card the console posted is edited by the console's next delivery, then by the
    running adapters, then by the console again: one message throughout."""
    pending = review.pending("Console Set")
    deliver_now([pending], review.settings)
    (slack_card,) = review.slack_cards()
    (discord_card,) = review.discord_cards()
    first = (slack_card["ts"], discord_card["id"])

    deliver_now([checked(pending, "checked at the terminal")], review.settings)
    (slack_now,) = review.slack_cards()
    (discord_now,) = review.discord_cards()
    assert "checked at the terminal" in slack_text(slack_now)
    assert "checked at the terminal" in discord_text(discord_now)
    assert (slack_now["ts"], discord_now["id"]) == first

    review.announce(checked(pending))  # ``scalebot run all`` edits the console's card
    assert assert_one_checked_card(review, pending.point_id) == first

    deliver_now([checked(pending, "checked again")], review.settings)
    (slack_now,) = review.slack_cards()
    assert "checked again" in slack_text(slack_now) and slack_now["ts"] == first[0]
    assert len(review.slack.of("chat.update")) == 3


# -- the card log ----------------------------------------------------------------------------


def test_the_card_log_is_a_file_beside_the_ledger_or_in_memory(tmp_path: Path) -> None:
    place = CardPlace("C1", ("1.000001", "1.000002"))
    on_disk = CardLog.beside(tmp_path / "scalebot.db")
    assert on_disk.path == tmp_path / "scalebot.cards.db"
    on_disk.keep_now("slack", 7, place)
    again = CardLog.beside(tmp_path / "scalebot.db")  # another process, later
    assert again.where_now("slack", 7) == place
    assert again.where_now("discord", 7) is None and again.where_now("slack", 8) is None
    moved = CardPlace("C1", ("2.000001",))
    again.keep_now("slack", 7, moved)
    assert on_disk.where_now("slack", 7) == moved

    memory = CardLog.beside(Path(":memory:"))
    assert memory.path is None
    memory.keep_now("discord", 7, place)
    assert memory.where_now("discord", 7) == place
    assert not (Path.cwd() / ":memory:").exists() and not Path(":memory:.cards.db").exists()


def test_a_card_log_that_cannot_be_written_is_a_warning_not_a_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A directory where the file should be: the card is still delivered (posted anew)."""
    caplog.set_level(logging.WARNING)
    (tmp_path / "blocked").mkdir()
    blocked = CardLog(tmp_path / "blocked")

    async def use() -> CardPlace | None:
        await blocked.keep("slack", 3, CardPlace("C1", ("1.000001",)))
        return await blocked.where("slack", 3)

    assert asyncio.run(use()) is None
    said = [r.getMessage() for r in caplog.records]
    assert any("could not record where the card of #3 went" in s for s in said), said
    assert any("could not read where the card of #3 went" in s for s in said), said


def test_a_card_recorded_in_another_channel_is_posted_in_the_review_channel(
    review: Review,
) -> None:
    """The review channel was changed since the card was posted: the checked card goes to
    the channel moderators now watch, and the old one is left as it is."""
    pending = review.pending("Moved Set")
    old_ts = review.slack.keep({"channel": "C0OLDREV1", "text": "old card"}, "UBOT0001")
    log = CardLog.beside(review.settings.db)
    log.keep_now("slack", pending.point_id, CardPlace("C0OLDREV1", (old_ts,)))
    log.keep_now("discord", pending.point_id, CardPlace("1", ("2",)))
    review.announce(checked(pending))
    ts, message_id = assert_one_checked_card(review, pending.point_id)
    assert (
        review.slack.of("chat.update") == []
        and review.discord.of(lambda r: r.method == "PATCH") == []
    )
    assert review.slack.in_channel("C0OLDREV1")[0]["text"] == "old card"
    assert log.where_now("slack", pending.point_id) == CardPlace(SLACK_REVIEW, (ts,))
    assert log.where_now("discord", pending.point_id) == CardPlace(DISCORD_REVIEW, (message_id,))
