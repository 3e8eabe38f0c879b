"""The console as a person sees it: the real process in a pseudo-terminal, read off a screen.

Each test spawns ``python -m bot.cli --db TMP run console`` with pexpect in a 40x120
pseudo-terminal (TERM=xterm-256color) and feeds everything it writes into a pyte screen,
which also answers the cursor-position queries a real terminal answers. Assertions are on
what the screen shows: the card in colour, a bordered table, a recalled line, Tab's
completions, the history of a previous process, the exit status. Every wait is bounded
and every process is killed at teardown.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.helpers import ROOT, TEST_ENVIRONMENT

pytestmark = pytest.mark.slow

ROWS, COLUMNS = 40, 120
TIMEOUT = 8.0
UP, TAB, ENTER, CTRL_C, CTRL_D, CTRL_U = "\x1b[A", "\t", "\r", "\x03", "\x04", "\x15"
#: Variables of the caller that would change what the console prints.
DROPPED = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "COLORTERM", "TERM")


class Terminal:
    """One console process and the screen its output draws."""

    def __init__(self, db: Path, cwd: Path, **env: str) -> None:
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in DROPPED and not name.startswith(("SCALEBOT_", "DISCORD_", "SLACK_"))
        }
        environment.update(
            {"PYTHONPATH": str(ROOT), "TERM": "xterm-256color", **TEST_ENVIRONMENT, **env}
        )
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "bot.cli", "--db", str(db), "run", "console"],
            cwd=str(cwd),
            env=environment,
            dimensions=(ROWS, COLUMNS),
        )
        self.child.delaybeforesend = None  # type as fast as a terminal passes keys on
        # Answer "where is the cursor?" as a terminal does (prompt_toolkit asks).
        self.screen.write_process_input = lambda data: self.child.send(data.encode())  # type: ignore[method-assign]
        self.output = bytearray()

    # -- reading -------------------------------------------------------------------------

    def _pump(self, seconds: float) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=seconds)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            time.sleep(seconds)
            return
        self.output += data
        self.stream.feed(data)

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {TIMEOUT} s; the screen shows:\n{self.text}")
            self._pump(0.05)

    def wait_for(self, text: str) -> None:
        self.wait_until(lambda: text in self.text, repr(text))

    def wait_for_prompt(self, showing: str = "") -> None:
        """Until the cursor's line is the prompt holding ``showing`` (and nothing after it)."""
        self.wait_until(
            lambda: self.line.rstrip() == f"> {showing}".rstrip(), f"prompt {showing!r}"
        )

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    @property
    def line(self) -> str:
        """The line the cursor is on."""
        return self.screen.display[self.screen.cursor.y]

    def row_of(self, text: str) -> int:
        return next(n for n, line in enumerate(self.screen.display) if text in line)

    def resize(self, rows: int) -> None:
        """A taller terminal (as a user drags it), so a long reply stays on one screen."""
        self.screen.resize(rows, COLUMNS)
        self.child.setwinsize(rows, COLUMNS)

    # -- typing --------------------------------------------------------------------------

    def type(self, keys: str) -> None:
        self.child.send(keys.encode())

    def run(self, command: str) -> None:
        self.wait_for_prompt()
        self.type(command + ENTER)

    def exit_status(self) -> int | None:
        self.child.expect(pexpect.EOF, timeout=TIMEOUT)
        self.child.close()
        return self.child.exitstatus

    def kill(self) -> None:
        """End the process (if still running) and close its terminal now, not in ``__del__``."""
        self.child.close(force=True)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(db: Path | None = None, **env: str) -> Terminal:
        terminal = Terminal(db or tmp_path / "scalebot.db", tmp_path, **env)
        started.append(terminal)
        terminal.wait_for("scalebot console")
        terminal.wait_for_prompt()
        return terminal

    yield start
    for terminal in started:
        terminal.kill()


# -- replies ---------------------------------------------------------------------------------


def test_the_card_is_drawn_in_colour(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.run("/scale video")
    console.wait_for("Community ledger")
    console.wait_for_prompt()
    row = console.row_of("Video generation: scale and cost")
    title = console.screen.buffer[row][0]
    assert title.data == "V" and title.bold
    assert title.fg != "default"  # the domain's colour
    assert "Sources:" in console.text
    assert "\x1b" not in console.text and "[0m" not in console.text


def test_compare_draws_a_table_with_borders(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.run("/compare 3d llm")
    console.wait_for("Details:")
    text = console.text
    assert "╰" in text and "┼" in text
    assert any(line.startswith("│ Fits template") for line in text.splitlines())


def test_an_error_is_red_and_shows_the_example(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.run("/scale vidoe")
    console.wait_for("Example: /scale video")
    row = console.row_of("Unknown domain")
    column = console.screen.display[row].index("Unknown domain")
    assert console.screen.buffer[row][column].fg == "red"


# -- line editing and history ----------------------------------------------------------------


def test_up_brings_back_the_previous_command(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.run("/why 3d")
    # The answer first: the prompt the command was typed at still counts as "a prompt"
    # until the echo arrives, and Up typed mid-command is echoed raw.
    console.wait_for("Why 3D")
    console.wait_for_prompt()
    console.type(UP)
    console.wait_for_prompt("/why 3d")
    assert "^[[A" not in console.text


def test_ctrl_r_searches_the_history(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.run("/why 3d")
    console.wait_for("Why I")
    console.run("/domains")
    console.wait_for("Also:")
    console.wait_for_prompt()
    console.type("\x12why")
    console.wait_for("`why': /why 3d")


def test_ctrl_c_clears_the_line_and_the_console_stays(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.type("/scale vid")
    console.wait_for_prompt("/scale vid")
    console.type(CTRL_C)
    console.wait_for_prompt()
    console.run("/scale llm")
    console.wait_for("LLMs")
    assert console.child.isalive()


def test_ctrl_d_leaves_with_status_zero(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.type(CTRL_D)
    assert console.exit_status() == 0


def test_history_survives_a_restart(spawn: Callable[..., Terminal], tmp_path: Path) -> None:
    db = tmp_path / "data" / "lab.db"
    first = spawn(db)
    first.run("/datasets robotics")
    first.wait_for("Robotics")
    first.wait_for_prompt()
    first.type(CTRL_D)
    assert first.exit_status() == 0
    assert (tmp_path / "data" / "lab.history").read_text().count("/datasets robotics") == 1

    second = spawn(db)
    second.type(UP)
    second.wait_for_prompt("/datasets robotics")


def test_an_unwritable_history_is_said_once_and_kept_in_memory(
    spawn: Callable[..., Terminal], tmp_path: Path
) -> None:
    (tmp_path / "scalebot.history").mkdir()  # a folder where the file should be
    console = spawn()
    assert console.text.count("history is kept for this session only") == 1
    console.run("/why video")
    console.wait_for("Video")
    console.wait_for_prompt()
    console.type(UP)
    console.wait_for_prompt("/why video")
    assert console.text.count("history is kept for this session only") == 1


# -- Tab completion --------------------------------------------------------------------------


def test_tab_completes_a_command_name(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.type("/sc" + TAB)
    console.wait_for_prompt("/scale")


def test_tab_inserts_a_multi_word_alias_quoted(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.type("/scale gauss" + TAB)
    console.wait_until(lambda: console.line.startswith('> /scale "gaussian splatting"'), "alias")
    console.type(ENTER + ENTER)  # the first Enter closes the menu, the second runs
    console.wait_for("3D: scale and cost")


def test_tab_offers_the_choices_of_a_choice_option(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.type("/datasets video sort:" + TAB)
    console.wait_for("largest")
    console.wait_for("newest")


def test_tab_offers_dataset_names_from_the_ledger(spawn: Callable[..., Terminal]) -> None:
    console = spawn()
    console.type("/submit 3d Objav" + TAB)
    console.wait_for("Objaverse-XL")
    console.wait_for("Objaverse 1.0")
    console.type(CTRL_U)


# -- the environment -------------------------------------------------------------------------


def test_no_color_keeps_the_table_and_drops_the_colour(spawn: Callable[..., Terminal]) -> None:
    console = spawn(NO_COLOR="1")
    console.resize(60)  # /compare's table (with its growth rows) is longer than 40 rows
    console.run("/compare 3d llm")
    console.wait_for("Details:")
    title = console.screen.buffer[console.row_of("3D vs LLMs")][0]
    assert title.bold and title.fg == "default"
    assert "╰" in console.text


def test_a_dumb_terminal_gets_no_escape_sequences_in_replies(
    spawn: Callable[..., Terminal],
) -> None:
    console = spawn(TERM="dumb")
    start = len(console.output)
    console.run("/compare 3d llm")
    console.wait_for("Details:")
    reply = bytes(console.output[start:])
    reply = reply[reply.index(b"3D vs LLMs") : reply.index(b"Details:")]
    assert b"\x1b" not in reply
    assert "╰".encode() in reply


def finished_screen(
    tmp_path: Path, args: list[str], rows: int = ROWS
) -> tuple[pyte.Screen, int | None]:
    """What a process that ends by itself leaves on a ``rows``x120 terminal, and its status."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in DROPPED and not name.startswith(("SCALEBOT_", "DISCORD_", "SLACK_"))
    }
    environment.update({"PYTHONPATH": str(ROOT), "TERM": "xterm-256color", **TEST_ENVIRONMENT})
    child = pexpect.spawn(
        sys.executable, args, cwd=str(tmp_path), env=environment, dimensions=(rows, COLUMNS)
    )
    try:
        child.expect(pexpect.EOF, timeout=TIMEOUT)
        screen = pyte.Screen(COLUMNS, rows)
        pyte.ByteStream(screen).feed(child.before)
        child.close()
        return screen, child.exitstatus
    finally:
        child.close(force=True)


def test_ask_at_a_terminal_draws_the_table(tmp_path: Path) -> None:
    db = str(tmp_path / "ask.db")
    # /compare's table (its growth and published rows) is longer than 40 rows.
    screen, status = finished_screen(
        tmp_path, ["-m", "bot.cli", "--db", db, "ask", "/compare 3d llm"], rows=60
    )
    assert status == 0
    text = "\n".join(screen.display)
    assert "╭" in text and "│ Fits template" in text


def test_piped_input_to_a_terminal_gets_drawn_replies_and_no_prompt(tmp_path: Path) -> None:
    console = [sys.executable, "-m", "bot.cli", "--db", str(tmp_path / "pipe.db"), "run", "console"]
    feeder = f"import subprocess; subprocess.run({console!r}, input=b'/scale 3d\\n', check=True)"
    screen, status = finished_screen(tmp_path, ["-c", feeder])
    assert status == 0
    row = next(n for n, line in enumerate(screen.display) if line.startswith("3D: scale and cost"))
    assert screen.buffer[row][0].bold and screen.buffer[row][0].fg != "default"
    assert not any(line.startswith(">") for line in screen.display)
    assert "scalebot console" not in "\n".join(screen.display)
