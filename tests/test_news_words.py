"""What the news channel is told: record announcements and corrections, as words.

Each item comes from a real decision on a real ledger (``/submit`` then ``/approve``,
the Nth ``/confirm``, ``/flag`` then ``/reject``) and is read back from the outbox the
way the news desk reads it (``store.news.claim``); the figures the reply must state are
known in advance from the curated file (3D's record is Objaverse-XL, 10.2M objects,
2023) and the numbers the test submits.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.config import Settings
from bot.core import Core
from handlers import news
from knowledge.ledger.values import NewsItem
from tests.helpers import MEMBER, MODERATOR

NOW = "2026-12-03T09:00:00Z"
#: 3.06 × 10.2M: three times the curated record, so the reply says ×3.0.
SUBMIT = '/submit 3d "Mega Objects" 30.6M objects https://example.org/mega 2025'


def _submit(core: Core, line: str = SUBMIT) -> int:
    reply = core.ask(line, MEMBER)
    assert reply.kind == "answer", reply.summary
    return int(reply.data["id"])


def _claimed(core: Core) -> list[NewsItem]:
    return core.store.news.claim("test", NOW)


def _record_item(core: Core) -> NewsItem:
    point = _submit(core)
    assert core.ask(f"/approve {point}", MODERATOR).kind == "answer"
    (item,) = _claimed(core)
    return item


def test_a_record_is_announced_with_field_figure_source_previous_record_and_chart(
    core: Core,
) -> None:
    item = _record_item(core)
    reply = news.announcement(core.store, item, True, library=core.library)
    text = reply.as_text()
    assert reply.title == "New 3D record: Mega Objects, 30.6M objects"
    # The previous record by name and year, and how many times larger the new one is.
    assert "×3.0 the previous record, Objaverse-XL (10.2M objects, 2023)" in reply.summary
    fields = {field.name: field.value for field in reply.fields}
    assert fields["Record"] == "Mega Objects: 30.6M objects, 2025"
    assert fields["Previous record"].startswith("Objaverse-XL: 10.2M objects, 2023")
    assert fields["Decision"] == f"#{item.point_id}, approved by a moderator"
    # Both records' sources.
    assert [c.url for c in reply.citations][:2] == [
        "https://example.org/mega",
        "https://arxiv.org/abs/2307.05663",
    ]
    # The field's growth rate with its interval, in /trend's words for the same ledger.
    trend = core.ask("/trend 3d")
    said = fields["Field's growth"]
    assert "90% interval" in said
    assert said.split(";")[0] in trend.summary
    assert reply.data["growth_per_year"] == pytest.approx(trend.data["growth_per_year"])
    assert reply.data["previous"]["dataset"] == "Objaverse-XL"
    assert reply.data["times_previous"] == pytest.approx(3.0)
    # The record chart, a PNG that shows the new record.
    (chart,) = reply.attachments
    assert chart.media_type == "image/png"
    image = Image.open(io.BytesIO(chart.data))
    assert image.format == "PNG" and image.width > 300
    assert "Mega Objects" in chart.text
    assert 'More: /trend 3d unit:objects · /datasets 3d · /history "Mega Objects"' in text


def test_without_images_the_chart_is_rows_of_text(core: Core) -> None:
    reply = news.announcement(core.store, _record_item(core), False, library=core.library)
    assert reply.attachments == []
    rows = reply.preformatted.splitlines()
    assert rows[-3].startswith("2025") and rows[-3].endswith("Mega Objects")
    assert "import matplotlib" not in reply.as_text()


def test_a_library_is_not_needed_to_name_an_essay_field(core: Core) -> None:
    item = _record_item(core)
    assert news.announcement(core.store, item, False).title == (
        news.announcement(core.store, item, False, library=core.library).title
    )


def test_an_approval_by_confirmations_says_so(tmp_path: Path) -> None:
    settings = Settings(
        db=tmp_path / "scalebot.db",
        moderators=frozenset({MODERATOR}),
        auto_approve_confirmations=2,
    )
    with Core.open(settings=settings) as core:
        point = _submit(core)
        for member in ("console:bea", "console:cal"):
            assert core.ask(f"/confirm {point}", member).kind == "answer"
        (item,) = _claimed(core)
        reply = news.announcement(core.store, item, False, library=core.library)
    assert item.decision == "confirmations"
    fields = {field.name: field.value for field in reply.fields}
    assert fields["Decision"] == f"#{point}, approved by members' confirmations"


def test_a_withdrawn_record_gets_a_short_correction_naming_the_record_now(core: Core) -> None:
    record = _record_item(core)
    core.store.news.sent(record.id, NOW)
    assert core.ask(f"/flag {record.point_id} the paper says 3.06M", "console:bob").kind == (
        "answer"
    )
    assert core.ask(f"/reject {record.point_id} the paper says 3.06M", MODERATOR).kind == ("answer")
    (item,) = _claimed(core)
    reply = news.announcement(core.store, item, True, library=core.library)
    assert item.kind == "correction"
    assert reply.title == "Correction: the 3D record in objects"
    assert reply.summary == (
        f"#{record.point_id} Mega Objects (30.6M objects) was withdrawn by a moderator. "
        "The 3D record in objects is now Objaverse-XL, 10.2M objects, 2023."
    )
    # Short: no chart, no growth, just what changed and where to look.
    assert reply.attachments == [] and reply.fields == []
    assert [c.url for c in reply.citations] == ["https://arxiv.org/abs/2307.05663"]
    assert reply.data["record"]["dataset"] == "Objaverse-XL"


def test_a_smaller_correction_of_the_record_says_what_it_was_corrected_to(core: Core) -> None:
    record = _record_item(core)
    core.store.news.sent(record.id, NOW)
    fixed = _submit(core, '/submit 3d "Mega Objects" 20.4M objects https://example.org/mega 2025')
    assert core.ask(f"/approve {fixed}", MODERATOR).kind == "answer"
    (item,) = _claimed(core)
    reply = news.announcement(core.store, item, False, library=core.library)
    assert item.kind == "correction"
    assert reply.summary.startswith(f"#{fixed} corrected Mega Objects to 20.4M objects.")
    assert "The 3D record in objects is now Mega Objects, 20.4M objects, 2025." in reply.summary


def test_a_community_field_is_named_as_moderators_named_it(core: Core) -> None:
    added = core.ask('/domain add audio "Audio generation" unit:hours', MODERATOR)
    assert added.kind == "answer", added.summary
    first = _submit(core, "/submit audio LibriSpeech 1K hours https://example.org/ls 2015")
    assert core.ask(f"/approve {first}", MODERATOR).kind == "answer"
    assert _claimed(core) == []  # a field's first figure beats nothing: no news
    point = _submit(core, "/submit audio Yodas 500K hours https://example.org/yodas 2024")
    assert core.ask(f"/approve {point}", MODERATOR).kind == "answer"
    (item,) = _claimed(core)
    reply = news.announcement(core.store, item, False, library=core.library)
    assert reply.title == "New Audio generation record: Yodas, 500K hours"
    assert "×500 the previous record, LibriSpeech (1K hours, 2015)" in reply.summary
