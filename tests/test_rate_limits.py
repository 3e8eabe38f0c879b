"""Rate limits: SCALEBOT_SUBMIT_LIMIT and SCALEBOT_COMMAND_LIMIT on every platform.

Over a limit, a user gets a reply only they see ("Slow down"), saying which limit and
when they may try again, and nothing is stored. Moderators are exempt from both
limits, console users from the command limit only. Each case goes through the real
slack-bolt and discord.py against the fakes on 127.0.0.1, and through the console's
core and ``scalebot ask``; windows move on a clock the test sets (``Core.clock``), not
by sleeping.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from bot.cli import cli
from bot.config import Settings
from bot.core import Caller, Core
from bot.limiter import CommandLimiter, Verdict
from bot.limits import BadLimit, Limit, parse_limit, when
from bot.reply import Reply
from bot.runner import AsyncCore, Timely
from knowledge.store import Store
from tests.discord_stack import EPHEMERAL, DiscordStack, discord_stack
from tests.fakes.discord.objects import MEMBER_ID, MODERATOR_ID
from tests.fakes.discord.payloads import slash_command
from tests.helpers import (
    ROOT,
    ask_from_chat,
    clear_settings_env,
    count_rows,
    environ_without_settings,
)
from tests.slack_stack import SLACK_MEMBER, SLACK_MODERATOR, slack_stack

CHANNEL_MESSAGE = 4
#: A moment 11 min 45 s before an hour ends and 45 s before its minute does.
START = datetime(2026, 1, 5, 14, 48, 15, tzinfo=UTC).timestamp()
TIMEOUT = 60.0


class Clock:
    """UTC epoch seconds that move only when a test moves them."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def next_minute(self) -> None:
        self.now = (self.now // 60 + 1) * 60 + 1

    def next_hour(self) -> None:
        self.now = (self.now // 3600 + 1) * 3600 + 1


def submission(n: int) -> str:
    """The options of a complete /submit, as typed after the command's name."""
    return f'3d "Limit Set {n}" {n + 1}M objects https://example.org/limits/{n}'


SUBMISSION_OPTIONS = {
    "domain": "3d",
    "quantity": "7M",
    "unit": "objects",
    "source": "https://example.org/limits",
}


def stored_by(store: Store, user: str) -> int:
    row = store.conn.execute(
        "SELECT COUNT(*) FROM data_points WHERE submitted_by = ?", (user,)
    ).fetchone()
    return int(row[0])


# -- COUNT/PERIOD --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "period"),
    [
        ("20/hour", 20, "hour"),
        ("30/minute", 30, "minute"),
        (" 3 / Minute ", 3, "minute"),
        ("1/second", 1, "second"),
        ("1000000000/DAY", 1_000_000_000, "day"),
    ],
)
def test_a_limit_reads_as_count_per_period(text: str, count: int, period: str) -> None:
    assert parse_limit(text, "SCALEBOT_SUBMIT_LIMIT") == Limit(count, period)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("20", "is not COUNT/PERIOD"),
        ("20 per hour", "is not COUNT/PERIOD"),
        ("hour/20", "is not COUNT/PERIOD"),
        ("1.5/hour", "is not COUNT/PERIOD"),
        ("-1/hour", "is not COUNT/PERIOD"),
        ("20/hour/day", "is not COUNT/PERIOD"),
        ("", "is not COUNT/PERIOD"),
        ("20/min", "the period must be one of second, minute, hour, day, not 'min'"),
        ("20/hours", "the period must be one of second, minute, hour, day, not 'hours'"),
        ("0/hour", "the count must be a whole number from 1 to 1,000,000,000"),
        ("1000000001/day", "the count must be a whole number from 1 to 1,000,000,000"),
    ],
)
def test_a_bad_limit_is_refused_with_its_variable_and_a_good_example(
    text: str, problem: str
) -> None:
    with pytest.raises(BadLimit) as refused:
        parse_limit(text, "SCALEBOT_COMMAND_LIMIT", "30/minute")
    message = str(refused.value)
    assert message.startswith(f"SCALEBOT_COMMAND_LIMIT={text!r}")
    assert problem in message
    assert message.endswith("(example: SCALEBOT_COMMAND_LIMIT=30/minute)")


@pytest.mark.parametrize(
    ("variable", "example"),
    [("SCALEBOT_SUBMIT_LIMIT", "20/hour"), ("SCALEBOT_COMMAND_LIMIT", "30/minute")],
)
def test_settings_name_the_variable_set_wrong_and_show_a_value_that_works(
    variable: str, example: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    clear_settings_env(monkeypatch)
    monkeypatch.setenv(variable, "20 a minute")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert f"{variable}='20 a minute' is not COUNT/PERIOD" in str(refused.value)
    assert f"(example: {variable}={example})" in str(refused.value)
    monkeypatch.setenv(variable, example)  # the example itself is good
    field = variable.removeprefix("SCALEBOT_").lower()
    assert str(getattr(Settings(_env_file=None), field)) == example  # type: ignore[call-arg]


def test_the_defaults_are_the_issues() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.submit_limit == Limit(20, "hour")
    assert settings.command_limit == Limit(30, "minute")


def test_a_refusal_says_when_both_ways() -> None:
    assert when(START + 705, START) == "in 12 minutes (at 15:00 UTC)"
    assert when(START + 45, START) == "in 45 seconds (at 14:49:00 UTC)"
    assert when(START + 3600 * 9 + 705, START) == "in 9 hours 12 minutes (at 00:00 UTC)"
    assert when(START + 3600, START) == "in 1 hour (at 15:48 UTC)"


def test_windows_are_fixed_and_batches_a_tenth() -> None:
    minute = Limit(30, "minute")
    assert minute.window(START) == START - 15 and minute.ends(START) == START + 45
    assert Limit(20, "hour").ends(START) == START + 705
    assert (Limit(3, "minute").batch, minute.batch, Limit(1000, "day").batch) == (1, 3, 100)


# -- the submission limit ------------------------------------------------------------------


def assert_slow_down(text: str, *wanted: str) -> None:
    assert "Slow down" in text, text
    for part in wanted:
        assert part in text, (part, text)


def test_a_slack_user_over_the_submission_limit_is_refused_privately(tmp_path: Path) -> None:
    clock = Clock()
    with slack_stack(tmp_path, submit_limit="2/hour") as slack:
        slack.core.clock = clock
        for n in range(2):
            body = slack.sender.command("/submit", submission(n), user=SLACK_MEMBER).json()
            assert "Submitted #" in json.dumps(body), body
        audited = count_rows(slack.core.store.conn, "audit_log")
        refused = slack.sender.command("/submit", submission(2), user=SLACK_MEMBER).json()
        assert refused["response_type"] == "ephemeral"
        assert_slow_down(
            json.dumps(refused),
            "2 submissions per hour",
            "Nothing was stored",
            "try again in 12 minutes (at 15:00 UTC)",
        )
        assert stored_by(slack.core.store, f"slack:{SLACK_MEMBER}") == 2
        assert count_rows(slack.core.store.conn, "audit_log") == audited

        for n in range(3, 6):  # a moderator is not limited
            body = slack.sender.command("/submit", submission(n), user=SLACK_MODERATOR).json()
            assert "Submitted #" in json.dumps(body), body
        assert stored_by(slack.core.store, f"slack:{SLACK_MODERATOR}") == 3

        clock.next_hour()  # a new window
        body = slack.sender.command("/submit", submission(6), user=SLACK_MEMBER).json()
        assert "Submitted #" in json.dumps(body), body


def discord_answer(stack: DiscordStack, payload: dict[str, Any]) -> dict[str, Any]:
    callback = stack.interact(payload).json
    assert callback["type"] == CHANNEL_MESSAGE, callback
    data: dict[str, Any] = callback["data"]
    return data


def test_a_discord_user_over_the_submission_limit_is_refused_privately(tmp_path: Path) -> None:
    clock = Clock()
    with discord_stack(tmp_path, submit_limit="2/hour") as discord:
        discord.core.clock = clock
        for n in range(2):
            options = {**SUBMISSION_OPTIONS, "dataset": f"Discord Limit {n}"}
            reply = discord_answer(discord, slash_command("submit", options))
            assert "Submitted #" in json.dumps(reply), reply
        options = {**SUBMISSION_OPTIONS, "dataset": "Discord Limit 2"}
        refused = discord_answer(discord, slash_command("submit", options))
        assert refused["flags"] & EPHEMERAL
        assert_slow_down(json.dumps(refused), "2 submissions per hour", "try again in 12 minutes")
        assert stored_by(discord.core.store, f"discord:{MEMBER_ID}") == 2

        for n in range(3):  # a server admin is a moderator
            options = {**SUBMISSION_OPTIONS, "dataset": f"Admin Limit {n}"}
            reply = discord_answer(discord, slash_command("submit", options, user_id=MODERATOR_ID))
            assert "Submitted #" in json.dumps(reply), reply


def test_a_console_user_has_the_submission_limit(tmp_path: Path) -> None:
    clock = Clock()
    settings = Settings(
        db=tmp_path / "console.db", moderators=frozenset({"console:mod"}), submit_limit="2/hour"
    )
    with Core.open(settings=settings) as core:
        core.clock = clock
        for n in range(2):
            assert core.ask(f"/submit {submission(n)}", "console:alice").kind == "answer"
        refused = core.ask(f"/submit {submission(2)}", "console:alice")
        assert refused.kind == "error" and refused.visibility == "private"
        assert refused.data["error"] == "RateLimited"
        assert_slow_down(refused.as_text(), "Nothing was stored", "(at 15:00 UTC)")
        assert stored_by(core.store, "console:alice") == 2
        for n in range(3, 6):
            assert core.ask(f"/submit {submission(n)}", "console:mod").kind == "answer"


def test_scalebot_ask_has_the_submission_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI runs on the real clock: a day's window, so no boundary falls in between."""
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCALEBOT_SUBMIT_LIMIT", "2/day")
    db = tmp_path / "cli.db"
    runner = CliRunner()
    for n in range(3):
        result = runner.invoke(cli, ["--db", str(db), "ask", f"/submit {submission(n)}"])
        assert result.exit_code == (0 if n < 2 else 1), result.output
    assert_slow_down(result.output, "2 submissions per day", "Nothing was stored")
    store = Store.open(db)
    try:
        assert stored_by(store, "console:local") == 2
    finally:
        store.close()


def test_the_terminal_console_has_the_submission_limit_not_the_command_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scalebot run console`` (piped): 40 commands pass 3/day; the 3rd submission not."""
    clear_settings_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCALEBOT_SUBMIT_LIMIT", "2/day")
    monkeypatch.setenv("SCALEBOT_COMMAND_LIMIT", "3/day")
    lines = [f"/submit {submission(n)}" for n in range(3)] + ["/scale video"] * 37 + ["exit"]
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "tty.db"), "run", "console"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Submitted #") == 2
    assert result.output.count("Slow down") == 1
    assert_slow_down(result.output, "2 submissions per day", "Nothing was stored")
    assert result.output.count("Video generation") >= 37


def test_a_replayed_submission_is_answered_not_refused(tmp_path: Path) -> None:
    """A platform delivering a stored request again gets the first answer, even at the limit."""
    settings = Settings(db=tmp_path / "replay.db", submit_limit="1/hour")
    with Core.open(settings=settings) as core:
        first = core.ask(f"/submit {submission(0)}", "slack:U1", request_id="slack:trigger:1")
        again = core.ask(f"/submit {submission(0)}", "slack:U1", request_id="slack:trigger:1")
        assert first.kind == again.kind == "answer"
        assert again.data["id"] == first.data["id"]
        refused = core.ask(f"/submit {submission(1)}", "slack:U1", request_id="slack:trigger:2")
        assert refused.data["error"] == "RateLimited"


def test_a_command_declared_as_a_submission_is_counted_whatever_it_writes(
    tmp_path: Path,
) -> None:
    """/confirm and /flag will write through their own store methods: the declaration suffices."""
    from bot.commands import Command
    from bot.registry import COMMANDS
    from knowledge.ledger.values import NewPoint, Submitter

    def stash(request: Any) -> Reply:
        point = NewPoint("video", "Stashed", "1M", 1e6, "hours", "https://example.org/s")
        request.store.points.add_many([point], Submitter(request.user, request.platform))
        return Reply(title="stashed")

    stash_command = Command(
        name="stash",
        description="test",
        handler=stash,
        example="/stash",
        counts_as_submission=True,
    )
    commands = {**COMMANDS, "stash": stash_command}
    settings = Settings(db=tmp_path / "declared.db", submit_limit="2/hour")
    with Core.open(settings=settings, commands=commands) as core:
        core.clock = Clock()
        before = count_rows(core.store.conn, "data_points")
        replies = [core.ask("/stash", "slack:U1") for _ in range(3)]
        assert [r.kind for r in replies] == ["answer", "answer", "error"]
        assert "(/submit, /confirm, /flag and /stash each count as one)" in replies[2].summary
        assert count_rows(core.store.conn, "data_points") == before + 2
        assert core.ask(f"/submit {submission(0)}", "slack:U1").data["error"] == "RateLimited"


# -- the command limit ---------------------------------------------------------------------


def slack_text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_a_slack_user_over_the_command_limit_is_refused_even_from_the_cache(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with slack_stack(tmp_path, command_limit="3/minute") as slack:
        slack.core.clock = clock
        cache = slack.service.adapter.core.cache
        first = slack.sender.command("/scale", "video", user=SLACK_MEMBER).json()
        hits = cache.hits
        for _ in range(2):
            assert slack.sender.command("/scale", "video", user=SLACK_MEMBER).json() == first
        assert cache.hits == hits + 2, "the repeats were served from the reply cache"

        refused = slack.sender.command("/scale", "video", user=SLACK_MEMBER).json()
        assert refused["response_type"] == "ephemeral"
        assert_slow_down(
            slack_text(refused),
            "3 commands per minute",
            "try again in 45 seconds (at 14:49:00 UTC)",
        )
        # Every command counts, and one refused stores nothing.
        assert "Slow down" in slack_text(slack.sender.command("/help", user=SLACK_MEMBER).json())
        refused = slack.sender.command("/submit", submission(0), user=SLACK_MEMBER).json()
        assert "Slow down" in slack_text(refused)
        assert stored_by(slack.core.store, f"slack:{SLACK_MEMBER}") == 0

        # Others are not held back: another member, and a moderator as often as they like.
        other = slack.sender.command("/scale", "video", user="UOTHER01").json()
        assert other == first
        for _ in range(6):
            assert slack.sender.command("/scale", "video", user=SLACK_MODERATOR).json() == first

        clock.next_minute()
        assert slack.sender.command("/scale", "video", user=SLACK_MEMBER).json() == first


def test_a_discord_user_over_the_command_limit_is_refused_even_from_the_cache(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with discord_stack(tmp_path, command_limit="3/minute") as discord:
        discord.core.clock = clock
        cache = discord.service.adapter.core.cache
        first = discord_answer(discord, slash_command("scale", {"domain": "video"}))
        hits = cache.hits
        for _ in range(2):
            again = discord_answer(discord, slash_command("scale", {"domain": "video"}))
            assert again["embeds"] == first["embeds"]
        assert cache.hits == hits + 2, "the repeats were served from the reply cache"

        refused = discord_answer(discord, slash_command("scale", {"domain": "video"}))
        assert refused["flags"] & EPHEMERAL
        assert_slow_down(json.dumps(refused), "3 commands per minute", "try again in 45 seconds")
        refused = discord_answer(discord, slash_command("help"))
        assert "Slow down" in json.dumps(refused)

        for _ in range(5):  # a server admin is a moderator
            payload = slash_command("scale", {"domain": "video"}, user_id=MODERATOR_ID)
            assert discord_answer(discord, payload)["embeds"] == first["embeds"]

        clock.next_minute()
        again = discord_answer(discord, slash_command("scale", {"domain": "video"}))
        assert again["embeds"] == first["embeds"]


def test_a_cached_reply_waits_for_the_core_when_a_batch_is_unwritten(tmp_path: Path) -> None:
    """The event loop never writes: a full batch not yet written sends it to the core."""
    settings = Settings(db=tmp_path / "ask.db", command_limit="3/minute")  # batches of 1
    with Core.open(settings=settings) as core:
        core.clock = Clock()
        runner = AsyncCore(core)
        runner.core.limits.limiter.defer = lambda: None  # the write after the reply never comes
        caller = Caller("slack:U1")

        async def ask_four() -> list[Timely]:
            return [await runner.answer("/scale video", caller) for _ in range(4)]

        first, second, third, fourth = asyncio.run(ask_four())
        assert second.kept is not None and second.reply is first.reply, "served from the cache"
        assert third.kept is not None
        assert core.store.rates.count("slack:U1", "commands", core.clock() // 60 * 60) == 2
        assert fourth.kept is None and fourth.reply is not None
        assert fourth.reply.data["error"] == "RateLimited"
        runner.close()


def test_console_users_are_exempt_from_the_command_limit(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "console.db", command_limit="3/minute")
    with Core.open(settings=settings) as core:
        core.clock = Clock()
        for _ in range(10):
            assert core.ask("/scale video", "console:alice").kind == "answer"
        replies = [ask_from_chat(core, "/scale video", "slack:UANY") for _ in range(4)]
        assert [r.kind for r in replies] == ["answer", "answer", "answer", "error"]


# -- across restarts and processes ---------------------------------------------------------


def limited(path: Path, limit: str, clock: Clock) -> Core:
    core = Core.open(settings=Settings(db=path, command_limit=limit))
    core.clock = clock
    return core


def admitted(core: Core, user: str, tries: int) -> int:
    replies = [ask_from_chat(core, "/help", user) for _ in range(tries)]
    refused = [r for r in replies if r.kind == "error"]
    assert all(r.data["error"] == "RateLimited" for r in refused)
    return len(replies) - len(refused)


def test_a_restart_still_refuses_within_the_window(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "restart.db"
    with limited(path, "30/minute", clock) as core:
        assert admitted(core, "slack:U1", 25) == 25  # 24 written, 1 in memory
    with limited(path, "30/minute", clock) as core:  # the clean stop wrote the last one
        assert admitted(core, "slack:U1", 10) == 5
        clock.next_minute()
        assert admitted(core, "slack:U1", 1) == 1


def test_a_crash_forgets_at_most_one_batch(tmp_path: Path) -> None:
    """Killed without closing, a process loses the counts it had not written: < a batch."""
    clock, path = Clock(), tmp_path / "crash.db"
    crashed = limited(path, "30/minute", clock)  # batches of 3
    assert admitted(crashed, "slack:U1", 29) == 29  # 27 written
    crashed.store.close()  # as a kill would leave it: nothing more written
    with limited(path, "30/minute", clock) as core:
        again = admitted(core, "slack:U1", 10)
        assert 1 <= again <= 3
        assert 29 + again <= 30 + Limit(30, "minute").batch


CHILD = r"""
import json, sys
from bot.core import Core

db, now, tries = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
core = Core.open(db)
core.clock = lambda: now
print("ready", flush=True)
sys.stdin.readline()  # the start line: both processes are open before either asks
kinds = [core.ask("/help", "slack:UPROC", local_operator=False).kind for _ in range(tries)]
core.close()
print(json.dumps(kinds), flush=True)
"""


def spawn(db: Path, tries: int, limit: str) -> subprocess.Popen[str]:
    env = {
        **environ_without_settings(),
        "PYTHONPATH": str(ROOT),
        "SCALEBOT_COMMAND_LIMIT": limit,
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), repr(START), str(tries)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_together(procs: list[subprocess.Popen[str]]) -> list[list[str]]:
    """Release every process at once when all are open; each one's reply kinds."""
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdin is not None
            assert proc.stdout.readline().strip() == "ready", proc.stderr
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=TIMEOUT)
            assert proc.returncode == 0, err
            results.append(json.loads(out.splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=TIMEOUT)


def test_another_process_sees_the_count(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    Core.open(db).close()  # created and migrated before the child opens it
    (kinds,) = run_together([spawn(db, 4, "3/minute")])
    assert kinds == ["answer", "answer", "answer", "error"]
    with limited(db, "3/minute", Clock()) as core:
        assert admitted(core, "slack:UPROC", 2) == 0


def test_two_processes_at_once_admit_at_most_one_batch_more(tmp_path: Path) -> None:
    """20/minute, batches of 2: the two together admit 20 to 22 of their 60 tries."""
    db = tmp_path / "together.db"
    Core.open(db).close()
    results = run_together([spawn(db, 30, "20/minute") for _ in range(2)])
    total = sum(kinds.count("answer") for kinds in results)
    assert 20 <= total <= 20 + Limit(20, "minute").batch, results


@pytest.mark.parametrize("seed", range(20))
def test_the_bound_holds_whatever_the_interleaving(tmp_path: Path, seed: int) -> None:
    """N limiters on one file, in any order, with writes put off at random (as the chat
    adapters do, after the reply): at least L and at most L + (N-1)·B admitted."""
    rng = random.Random(seed)
    limit = Limit(rng.choice([5, 12, 30, 64]), "minute")
    stores = [Store.open(tmp_path / "sim.db") for _ in range(rng.randint(2, 4))]
    due: set[int] = set()
    limiters = []
    for number, store in enumerate(stores):
        limiter = CommandLimiter(
            limit,
            lambda user, window, store=store: store.rates.count(user, "commands", window),
            lambda window, expires, counts, store=store: store.rates.add_counts(
                "commands", window, expires, counts
            ),
        )
        limiter.defer = lambda number=number: due.add(number)
        limiters.append(limiter)
    admitted_count = 0
    for _ in range(limit.count * 4):
        number = rng.randrange(len(limiters))
        if number in due and rng.random() < 0.5:
            due.discard(number)
            limiters[number].flush(START)
        if rng.random() < 0.5:
            verdict = limiters[number].quick("slack:USIM", START)
            if verdict is Verdict.ASK:
                due.discard(number)
                limiters[number].flush(START)
                verdict = limiters[number].quick("slack:USIM", START)
            admitted_count += verdict is Verdict.ADMIT
        else:
            try:
                limiters[number].admit("slack:USIM", START)
                admitted_count += 1
            except Exception:
                pass
    assert limit.count <= admitted_count <= limit.count + (len(stores) - 1) * limit.batch
    for store in stores:
        store.close()


def test_the_count_is_written_only_every_batch(tmp_path: Path) -> None:
    """Reads cost no commit: a user's count is written once per batch (a tenth)."""
    clock, path = Clock(), tmp_path / "writes.db"
    with limited(path, "30/minute", clock) as core:
        writes = []
        original = core.store.rates.add_counts

        def counting(*args: Any) -> dict[str, int]:
            writes.append(args)
            return original(*args)

        core.store.rates.add_counts = counting  # type: ignore[method-assign]
        assert admitted(core, "slack:U1", 10) == 10
        assert len(writes) == 3  # after the 3rd, 6th and 9th


def test_the_limits_hold_on_an_in_memory_database() -> None:
    settings = Settings(db=Path(":memory:"), command_limit="2/minute")
    with Core.open(settings=settings) as core:
        core.clock = Clock()
        assert admitted(core, "slack:U1", 3) == 2


def test_confirmations_and_flags_count_as_submissions(tmp_path: Path) -> None:
    """Each writes to what moderators read, so a member cannot flood the queue with them."""
    settings = Settings(
        db=tmp_path / "votes.db", moderators=frozenset({"console:mod"}), submit_limit="3/hour"
    )
    with Core.open(settings=settings) as core:
        core.clock = Clock()
        ids = [core.ask(f"/submit {submission(n)}", "console:mod").data["id"] for n in range(3)]
        assert core.ask(f"/confirm {ids[0]}", "console:alice").kind == "answer"
        assert core.ask(f"/flag {ids[1]} the page says 6M", "console:alice").kind == "answer"
        assert core.ask(f"/submit {submission(3)}", "console:alice").kind == "answer"
        refused = core.ask(f"/confirm {ids[2]}", "console:alice")
        assert refused.data["error"] == "RateLimited"
        assert_slow_down(refused.as_text(), "3 submissions per hour", "Nothing was stored")
        refused = core.ask(f"/flag {ids[2]} the page says 6M", "console:alice")
        assert refused.data["error"] == "RateLimited"
        assert count_rows(core.store.conn, "confirmations") == 1
        assert count_rows(core.store.conn, "flags") == 1
        assert core.ask(f"/confirm {ids[2]}", "console:bob").kind == "answer", "others go on"
