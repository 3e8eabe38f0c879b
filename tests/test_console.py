"""The console's parts without a terminal: completer, history, rich renderer, plain output.

Covers Tab completion through prompt_toolkit's own ``Document`` and ``CompleteEvent``
(command names, option values found with the grammar's ``bind``, ``name:`` keywords,
quoting, text the grammar refuses), where history is kept and what happens when it cannot
be written, the rich rendering of each part of a reply (and that reply text is never
read as markup), and that output to a pipe stays byte for byte ``reply.as_text()`` without
prompt_toolkit or rich ever being imported.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from rich.console import Console

from bot.completion import CommandCompleter, quote
from bot.core import Core
from bot.grammar import tokenize
from bot.prompt import KeptHistory, history_path, open_history
from bot.reply import Action, Citation, Page, Reply, ReplyField, Table
from bot.terminal import renderable
from tests.helpers import ROOT, TEST_ENVIRONMENT

# -- completion ------------------------------------------------------------------------------


@pytest.fixture
def completer(core: Core) -> CommandCompleter:
    return CommandCompleter(core.library, core.store, core.commands)


def complete(completer: CommandCompleter, line: str) -> list[tuple[str, int]]:
    """(text inserted, how far back it starts) for each completion Tab offers on ``line``."""
    event = CompleteEvent(completion_requested=True)
    return [(c.text, c.start_position) for c in completer.get_completions(Document(line), event)]


def texts(completer: CommandCompleter, line: str) -> list[str]:
    return [text for text, _ in complete(completer, line)]


def test_command_names_complete_with_their_descriptions(
    completer: CommandCompleter, core: Core
) -> None:
    assert complete(completer, "/sc") == [("/scale", -3)]
    everything = list(completer.get_completions(Document("/"), CompleteEvent()))
    assert [c.text for c in everything] == [f"/{name}" for name in core.commands]
    assert everything[0].display_meta_text == core.commands["scale"].description


def test_domains_complete_by_alias_and_multi_word_values_are_quoted(
    completer: CommandCompleter, core: Core
) -> None:
    assert complete(completer, "/scale gauss") == [('"gaussian splatting"', -5)]
    assert complete(completer, "/scale t2") == [("t2i", -2), ("t2v", -2)]
    assert texts(completer, "/compare 3d ") == [
        *sorted(core.library.domains),
        *("second:", "third:", "fourth:"),
    ]


def test_an_open_quote_is_completed_and_closed(completer: CommandCompleter) -> None:
    assert complete(completer, '/scale "gaussian sp') == [('"gaussian splatting"', -12)]
    assert complete(completer, "/scale \u201cgauss") == [('"gaussian splatting"', -6)]
    assert complete(completer, "/scale 'gauss") == [('"gaussian splatting"', -6)]
    assert complete(completer, '/submit 3d "Objaverse-') == [('"Objaverse-XL"', -11)]


def test_units_and_choices_complete_in_their_positions(completer: CommandCompleter) -> None:
    assert texts(completer, "/submit 3d X 10M ob") == ["objects"]
    assert texts(completer, "/datasets video ne") == ["newest"]


def test_values_after_a_keyword_complete_from_that_option(completer: CommandCompleter) -> None:
    assert complete(completer, "/datasets video sort:") == [("largest", 0), ("newest", 0)]
    assert complete(completer, '/datasets video sort:"ne') == [('"newest"', -3)]
    assert texts(completer, "/submit unit:ho") == ["hours"]


def test_dataset_names_come_from_the_ledger_for_the_domain_given(
    completer: CommandCompleter,
) -> None:
    assert texts(completer, "/submit 3d Objav") == ['"Objaverse 1.0"', "Objaverse-XL"]
    assert texts(completer, "/submit nerf dataset:obj") == ['"Objaverse 1.0"', "Objaverse-XL"]
    assert texts(completer, "/submit llm Objav") == []


def test_keywords_are_offered_for_options_not_given(completer: CommandCompleter) -> None:
    assert texts(completer, "/datasets video s") == ["sort:"]
    assert texts(completer, "/datasets video sort:newest ") == ["page:"]
    line = "/submit 3d X 10M objects https://example.org/x "
    assert texts(completer, line) == ["year:", "note:"]
    assert texts(completer, line + "n") == ["note:"]


def test_command_names_complete_for_help(completer: CommandCompleter) -> None:
    assert texts(completer, "/help sub") == ["submit"]


@pytest.mark.parametrize(
    "line",
    [
        "why is video cheap",  # a question, not a command
        "/nosuch vi",  # no such command
        "/scale video ",  # /scale takes one value
        "/scale video extra v",
        "/datasets video colour:r",  # no such option
        '/scale "video"',  # a closed value is finished
        "/datasets video sort:newest sort:",  # given twice
        "/ask why ",  # free text
    ],
)
def test_lines_that_do_not_fit_get_no_completions(completer: CommandCompleter, line: str) -> None:
    assert complete(completer, line) == []


@pytest.fixture(scope="module")
def shared_completer() -> Iterator[CommandCompleter]:
    """One completer for the property test (hypothesis reruns a test, not its fixtures)."""
    with Core.open(":memory:") as core:
        yield CommandCompleter(core.library, core.store, core.commands)


@given(line=st.text(alphabet=" /:\"'abcdsvx3-", max_size=30))
def test_completing_any_line_never_raises(shared_completer: CommandCompleter, line: str) -> None:
    for text, start in complete(shared_completer, line):
        assert text and -start <= len(line)


@given(
    st.text(
        alphabet=st.characters(categories=["L", "N"], include_characters=" -.()'\""), min_size=1
    )
)
def test_quoted_values_are_one_token_of_the_grammar(value: str) -> None:
    tokens = tokenize(quote(value))
    assert [token.text for token in tokens] == [value]


# -- history ---------------------------------------------------------------------------------


def test_history_lives_beside_the_database() -> None:
    assert history_path("data/scalebot.db") == Path("data/scalebot.history")
    assert history_path(Path("/srv/bot/lab.sqlite3")) == Path("/srv/bot/lab.history")
    assert history_path(":memory:") is None


def test_history_file_is_created_for_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "scalebot.history"
    notes: list[str] = []
    history = open_history(path, notes.append)
    assert isinstance(history, KeptHistory) and notes == []
    history.append_string("/scale video")
    assert "/scale video" in path.read_text()
    assert (path.stat().st_mode & 0o777) == 0o600


def test_memory_only_history_when_the_file_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "scalebot.history"
    path.mkdir()
    notes: list[str] = []
    assert isinstance(open_history(path, notes.append), InMemoryHistory)
    assert len(notes) == 1 and str(path) in notes[0]
    assert isinstance(open_history(None, notes.append), InMemoryHistory)
    assert len(notes) == 1


def test_history_that_stops_being_writable_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "scalebot.history"
    notes: list[str] = []
    history = open_history(path, notes.append)
    path.unlink()
    path.mkdir()  # writing now fails
    history.append_string("/why 3d")
    history.append_string("/why video")
    assert len(notes) == 1
    assert list(history.get_strings()) == ["/why 3d", "/why video"]


# -- the rich renderer -----------------------------------------------------------------------


def drawn(reply: Reply, width: int = 100) -> tuple[str, Console]:
    console = Console(
        record=True, width=width, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    console.print(renderable(reply))
    return console.export_text(styles=False, clear=False), console


def test_every_part_of_a_reply_is_drawn() -> None:
    reply = Reply(
        title="Title here",
        summary="A summary with `code`.",
        fields=[ReplyField(name="Field name", value="field value")],
        table=Table(columns=["", "A", "B"], rows=[["row", "a1", "b1"]]),
        items=["first item", "second item"],
        actions=[Action(id="x", label="Approve", command="/approve 3", style="primary")],
        page=Page(number=1, count=3, next_command="/datasets video page:2"),
        citations=[Citation(label="Paper", url="https://example.org/p"), Citation(label="essay")],
        footer="More: /why video",
        colour="#f4a261",
    )
    text, console = drawn(reply)
    for piece in (
        "Title here",
        "A summary with code.",
        "Field name",
        "field value",
        "1. first item",
        "2. second item",
        "[Approve] /approve 3",
        "Page 1 of 3 - next: /datasets video page:2",
        "Sources:",
        "[1] Paper",
        "[2] essay",
        "More: /why video",
    ):
        assert piece in text, piece
    assert "╭" in text and "│ row" in text
    html = console.export_html(inline_styles=True)
    assert "#f4a261" in html  # the title in the domain's colour
    assert "https://example.org/p" in html  # the citation is a link


def test_reply_text_is_never_read_as_markup() -> None:
    reply = Reply(title="[bold]x[/bold]", summary="[red]not red[/red] :smile:")
    text, _ = drawn(reply)
    assert "[bold]x[/bold]" in text and "[red]not red[/red] :smile:" in text


def test_an_error_shows_its_message_and_example(core: Core) -> None:
    reply = core.ask("/scale vidoe", "console:alice")
    text, console = drawn(reply)
    assert "Unknown domain" in text
    assert "Example: /scale video" in text
    assert text.count("Example:") == 1
    assert "color: #800000" in console.export_html(inline_styles=True)  # red


def test_a_compare_table_keeps_every_cell(core: Core) -> None:
    reply = core.ask("/compare 3d llm", "console:alice")
    text, _ = drawn(reply, width=140)
    assert reply.table is not None
    flat = " ".join(text.split())
    for row in reply.table.rows:
        assert row[0] in flat
        for cell in row[1:]:
            assert " ".join(cell.split()[:2]) in flat


# -- plain output where stdout is not a terminal ---------------------------------------------

SCRIPT = ["/scale video", "/compare 3d llm", "/datasets video", "/scale vidoe", "/why 3d"]


def run_cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SCALEBOT_", "DISCORD_", "SLACK_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env["TERM"] = "xterm-256color"
    env.update(TEST_ENVIRONMENT)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--db", str(tmp_path / "piped.db"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
        check=False,
    )


def test_piped_console_output_is_the_plain_text_byte_for_byte(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "run", "console", stdin="\n".join(SCRIPT) + "\nexit\n")
    assert proc.returncode == 0, proc.stderr
    with Core.open(tmp_path / "expected.db") as core:
        expected = "".join(core.ask(line, "console:local").as_text() + "\n\n" for line in SCRIPT)
    assert proc.stdout == expected
    assert "\x1b" not in proc.stdout


def test_piped_ask_prints_the_plain_text(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "ask", "/compare 3d llm")
    assert proc.returncode == 0, proc.stderr
    with Core.open(tmp_path / "expected.db") as core:
        assert proc.stdout == core.ask("/compare 3d llm", "console:local").as_text() + "\n"


def test_ask_json_is_json_even_for_errors(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "ask", "/scale vidoe", "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["kind"] == "error"


def test_piped_runs_never_import_prompt_toolkit_or_rich(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from bot.cli import cli\n"
        "for args in (['ask', '/scale video'], ['run', 'console']):\n"
        f"    cli.main(['--db', {str(tmp_path / 'lazy.db')!r}, *args], standalone_mode=False)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('prompt_toolkit', 'rich'))\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        input="/why video\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stderr
    assert "Video generation" in proc.stdout
