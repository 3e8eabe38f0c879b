"""What a reply may show and who is spared the command limit come from the adapter.

The core once kept ``IMAGE_PLATFORMS = {"slack", "discord"}`` and spared whoever's id
began with ``console``. Now each adapter declares its :class:`Capabilities` and reports
whether the person asking is the operator at the terminal; a platform the core has never
heard of is served by what it declares, and a name alone earns nothing.
"""

from __future__ import annotations

import asyncio

from bot.capabilities import TEXT_ONLY, Capabilities
from bot.config import Settings
from bot.core import Caller, Core
from bot.limits import Limit
from bot.reply import Reply
from bot.runner import AsyncCore

#: A platform no module of ours names: only its declaration can say what it shows.
SHOWS_IMAGES = Capabilities(images=True)


def test_a_platform_the_core_never_heard_of_gets_the_png_it_declares(core: Core) -> None:
    pictured = core.run_line("/trend video", Caller("matrix:@ann", capabilities=SHOWS_IMAGES))
    (png,) = pictured.attachments
    assert png.media_type == "image/png" and png.filename == "trend-video-hours.png"
    texted = core.run_line("/trend video", Caller("matrix:@ann", capabilities=TEXT_ONLY))
    assert texted.attachments == [] and texted.preformatted, "no images: the chart as text"


def test_a_slack_id_on_a_text_only_adapter_gets_text(core: Core) -> None:
    """The id's prefix is data (who submitted from where), not what the reply may show."""
    reply = core.run_line("/trend video", Caller("slack:U1", capabilities=TEXT_ONLY))
    assert reply.attachments == [] and reply.preformatted


def limited_core(settings: Settings) -> Core:
    core = Core.open(settings=settings.model_copy(update={"command_limit": Limit(3, "minute")}))
    core.clock = lambda: 1_800_000_000.0  # one window for the whole test
    return core


def kinds(core: Core, caller: Caller, tries: int) -> list[str]:
    return [core.run_line("/scale video", caller).kind for _ in range(tries)]


def test_the_command_limit_spares_the_local_operator_whatever_the_id(settings: Settings) -> None:
    with limited_core(settings) as core:
        assert kinds(core, Caller("matrix:@op", local_operator=True), 6) == ["answer"] * 6


def test_a_console_id_not_reported_as_the_operator_is_limited(settings: Settings) -> None:
    """A chat user who names themselves ``console:…`` is no operator: the adapter says who is."""
    with limited_core(settings) as core:
        assert kinds(core, Caller("console:mallory"), 4) == ["answer"] * 3 + ["error"]


def test_the_terminal_and_scalebot_ask_report_their_user_as_the_operator(
    settings: Settings,
) -> None:
    """The Python API and the console ask as the operator; an adapter's Caller does not."""
    with limited_core(settings) as core:
        assert [core.ask("/scale video", "console:alice").kind for _ in range(5)] == ["answer"] * 5
        assert kinds(core, Caller("console:alice"), 4)[-1] == "error"


def test_the_reply_cache_keeps_one_reply_per_declared_surface(settings: Settings) -> None:
    """Two adapters sharing an id prefix but not their capabilities never share a reply."""
    with Core.open(settings=settings) as core:
        runner = AsyncCore(core)

        async def ask(caller: Caller) -> Reply:
            timely = await runner.answer("/trend video", caller)
            reply = timely.reply if timely.reply is not None else await timely.later
            await asyncio.sleep(0)  # a late reply is kept by a done-callback
            return reply

        async def both() -> tuple[Reply, Reply, Reply]:
            return (
                await ask(Caller("matrix:@a", capabilities=SHOWS_IMAGES)),
                await ask(Caller("matrix:@b")),
                await ask(Caller("matrix:@c", capabilities=SHOWS_IMAGES)),
            )

        pictured, texted, again = asyncio.run(both())
        runner.close()
    assert len(pictured.attachments) == 1
    assert texted.attachments == [], "the text-only adapter was served the picture"
    assert again is pictured, "the same surface is served from the cache"


def test_the_python_api_answers_an_id_as_its_platforms_adapter_would(settings: Settings) -> None:
    """``Core.ask`` is handed only an id: it gets what that platform's adapter reports.

    As before the adapters declared anything: a Slack or Discord member asking through the
    Python API sees the PNG and is counted; the terminal's user is spared, on plain text;
    an id of a platform no adapter here serves is counted, on plain text.
    """
    with limited_core(settings) as core:
        for member in ("slack:U0ALICE", "discord:80351110224678912"):
            (png,) = core.ask("/trend video", user=member).attachments
            assert png.media_type == "image/png"
        assert core.ask("/trend video", user="console:alice").attachments == []
        assert core.ask("/trend video", user="matrix:@ann").attachments == []
        assert [core.ask("/scale video", "slack:UANY").kind for _ in range(4)] == (
            ["answer"] * 3 + ["error"]
        )
        assert [core.ask("/scale video", "console:alice").kind for _ in range(6)] == ["answer"] * 6
        assert [core.ask("/scale video", "matrix:@bob").kind for _ in range(4)] == (
            ["answer"] * 3 + ["error"]
        )
        told = core.ask("/trend video", user="slack:U0BOB", capabilities=TEXT_ONLY)
        assert told.attachments == [], "what the caller states wins over the id's platform"
