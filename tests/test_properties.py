"""Property tests: no text typed at the bot makes the parser or the core raise.

``Core.ask`` gets arbitrary text and ``/submit`` lines built from valid and garbage pieces;
every call must come back as a :class:`Reply` (never an exception, never the catch-all
"InternalError"), an error reply must leave the database untouched, and an accepted
submission must store exactly the quantity it was given. ``tokenize`` either refuses a
line with :class:`BadSyntax` or keeps every character that is not a quote or a space.
"""

from __future__ import annotations

import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.converters import clean_text
from bot.core import Core
from bot.errors import BadSyntax, UserError
from bot.grammar import MAX_COMMAND_LENGTH, tokenize
from bot.limits import Limit
from bot.plaintext import NotPlainText, check_line
from bot.registry import COMMANDS
from bot.reply import Reply
from knowledge.kb import Library
from knowledge.ledger.values import Submitter
from knowledge.quantity import MAX_QUANTITY_TEXT, QuantityError, parse_quantity
from knowledge.store import Store
from knowledge.units import UNITS, canonical_unit, is_count
from tests.helpers import count_rows, new_point

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
USER = "console:prop"
QUOTES = "\"'“”„‘’"


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Core]:
    path: Path = tmp_path_factory.mktemp("props") / "scalebot.db"
    # Hypothesis submits hundreds of points as one user: no submission limit in the way.
    many = Limit(1_000_000, "hour")
    configured = Settings(db=path, moderators=frozenset(), submit_limit=many)
    with Core.open(settings=configured) as opened:
        yield opened


def check_reply(reply: object) -> Reply:
    assert isinstance(reply, Reply)
    assert reply.data.get("error") != "InternalError", reply.summary
    if reply.kind == "error":
        assert reply.visibility == "private"
        assert reply.summary
    return reply


# -- strategies ----------------------------------------------------------------------------

#: Text rich in what the grammar treats specially: quotes, colons, slashes, white space.
SPECIAL_PIECES = [*QUOTES, *":/\\ \t\n-_#@<>&,.", "://", "https://", "year:", "note:", '\\"']
special_text = st.lists(
    st.one_of(st.sampled_from(SPECIAL_PIECES), st.text(max_size=6)), max_size=30
).map("".join)

#: Every name of every domain (slug, name, aliases), in its case or upper case, quoted if it
#: holds a space as a user must type it.
DOMAIN_NAMES = sorted(
    {name for d in Library.load().kb.domains for name in (d.slug, d.name, *d.aliases)}
)
domains = (
    st.sampled_from(DOMAIN_NAMES)
    .flatmap(lambda name: st.sampled_from([name, name.upper()]))
    .map(lambda name: f'"{name}"' if " " in name else name)
)
garbage = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", '"', "'", "“", ":", "colour:red", "year:", "-5", "nan", "inf", "1e999"]),
)
#: Numbers as people type them, mostly in range.
numbers = st.one_of(
    st.integers(min_value=1, max_value=10**9).map(str),
    st.integers(min_value=1000, max_value=10**12).map(lambda n: f"{n:,}"),
    st.floats(min_value=0.001, max_value=1e6).map(repr),
    st.decimals(min_value="0.001", max_value=10**6, places=3).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(1, 99), st.integers(-2, 12)),
)
#: Numbers at or past the edges: zero, negative, too large, too long, odd spellings.
edge_numbers = st.one_of(
    st.sampled_from(["0", "0.0", "-1", "+1", ".5", "1.", "1e18", "1e999", "1,00", "1_000"]),
    st.integers(min_value=10**17, max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False).map(str),
)
suffixes = st.sampled_from(
    ["", "", "k", "K", "M", "m", "B", "bn", "T", "x", " million", " billion", " thousand", "+"]
)
typed_quantities = st.builds(lambda n, s: n + s, numbers, suffixes)
edge_quantities = st.builds(lambda n, s: n + s, edge_numbers, suffixes)
unit_spellings = sorted({s for canonical, aliases in UNITS.items() for s in (canonical, *aliases)})
urls = st.one_of(
    st.sampled_from(["https://arxiv.org/abs/2307.05663", "http://example.org/a:b?c=1"]),
    st.builds(lambda p: f"https://example.org/{p}", st.text(string.ascii_letters, max_size=10)),
)
bad_urls = st.sampled_from(["ftp://x.org", "javascript:alert(1)", "https://", "example.org"])
years = st.integers(1950, 2026).map(str)
bad_years = st.one_of(st.integers(0, 1949).map(str), st.integers(2028, 10**20).map(str))
dataset_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=QUOTES + "\\"), max_size=30
)


def quoted(value: str) -> str:
    return f'"{value}"'


def plain_line(value: str) -> bool:
    """A name that is one line of visible text (what the ledger stores)."""
    try:
        check_line(clean_text(value))
    except NotPlainText:
        return False
    return True


def sometimes(draw: st.DrawFn, one_in: int) -> bool:
    return draw(st.integers(1, one_in)) == 1


@st.composite
def submit_lines(draw: st.DrawFn) -> str:
    """``/submit`` with each option mostly valid, sometimes garbage, positional or keyword."""

    def pick(valid: st.SearchStrategy[str], *bad: st.SearchStrategy[str]) -> str:
        return draw(st.one_of(garbage, *bad)) if sometimes(draw, 8) else draw(valid)

    pieces = {
        "domain": pick(domains),
        "dataset": pick(dataset_names.map(quoted)),
        "quantity": pick(typed_quantities, edge_quantities),
        "unit": pick(st.sampled_from(unit_spellings)),
        "source": pick(urls, bad_urls),
    }
    if draw(st.booleans()):
        pieces["year"] = pick(years, bad_years)
    if draw(st.booleans()):
        pieces["note"] = draw(special_text)
    if sometimes(draw, 6):
        pieces[draw(st.sampled_from(["colour", "year", "domain", "http"]))] = draw(garbage)
    words = [f"{name}:{value}" if sometimes(draw, 3) else value for name, value in pieces.items()]
    if sometimes(draw, 4):
        words = draw(st.permutations(words))
    return "/submit " + " ".join(words)


@st.composite
def plausible_submissions(draw: st.DrawFn) -> tuple[str, str]:
    """A well-formed ``/submit`` line whose quantity may or may not parse."""
    quantity = draw(st.one_of(typed_quantities, edge_quantities))
    unit = draw(st.sampled_from(unit_spellings))
    dataset = draw(dataset_names.filter(plain_line))
    year = draw(st.integers(1950, 2025))
    keyword = draw(st.booleans())
    shown = f'quantity:"{quantity}"' if keyword else quantity
    line = (
        f'/submit {draw(domains)} "{dataset}" {shown} {unit} '
        f"https://example.org/{draw(st.integers(0, 999))} year:{year}"
    )
    return line, quantity


# -- properties ----------------------------------------------------------------------------


@PROPERTY
@given(text=st.text(max_size=300))
def test_ask_any_text_returns_a_reply(core: Core, text: str) -> None:
    before = count_rows(core.store.conn, "data_points")
    check_reply(core.ask(text, USER))
    assert count_rows(core.store.conn, "data_points") == before


@PROPERTY
@given(text=special_text)
def test_ask_any_command_like_text_returns_a_reply(core: Core, text: str) -> None:
    for line in (text, "/" + text, "/ask " + text, "/scale " + text, "/compare " + text):
        before = count_rows(core.store.conn, "data_points")
        check_reply(core.ask(line, USER))
        assert count_rows(core.store.conn, "data_points") == before


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(min_size=1, max_size=50), extra=st.integers(1, 3000))
def test_very_long_text_is_refused_not_raised(core: Core, text: str, extra: int) -> None:
    long_text = (text * (MAX_COMMAND_LENGTH // len(text) + 2))[: MAX_COMMAND_LENGTH + extra]
    before = count_rows(core.store.conn, "data_points")
    for line in (long_text, "/submit " + long_text):
        reply = check_reply(core.ask(line, USER))
        assert reply.data["error"] == "TooLong"
        assert str(MAX_COMMAND_LENGTH) in reply.summary
    assert count_rows(core.store.conn, "data_points") == before


@PROPERTY
@given(line=submit_lines())
@example(line='/submit 3d "\x01\x02" 10M objects https://example.org/x')
@example(line="/submit 3d \x7f 10M objects https://example.org/x 2023")
@example(line='/submit 3d Obj 10M objects https://example.org/x 2023 "\x00"')
def test_submit_with_any_options_replies_and_errors_store_nothing(core: Core, line: str) -> None:
    before, audited = (
        count_rows(core.store.conn, "data_points"),
        count_rows(core.store.conn, "audit_log"),
    )
    reply = check_reply(core.ask(line, USER))
    if reply.kind == "error":
        assert count_rows(core.store.conn, "data_points") == before, line
        assert count_rows(core.store.conn, "audit_log") == audited, line
        return
    assert count_rows(core.store.conn, "data_points") == before + 1, line
    point = core.store.reads.get(reply.data["id"])
    assert point.status == "pending"
    assert point.submitted_by == USER
    assert point.dataset.strip(), line
    assert point.quantity == parse_quantity(point.quantity_text)
    assert 0 < point.quantity < 1e18
    assert point.source_url.startswith(("http://", "https://"))


@PROPERTY
@given(case=plausible_submissions())
def test_accepted_quantity_round_trips(core: Core, case: tuple[str, str]) -> None:
    line, quantity = case
    before = count_rows(core.store.conn, "data_points")
    reply = check_reply(core.ask(line, USER))
    unit = canonical_unit(line.split(" https://")[0].rsplit(" ", 1)[-1]) or ""
    try:
        expected = parse_quantity(quantity)
        if is_count(unit) and expected != int(expected):
            raise QuantityError("a count with a fraction")
    except QuantityError:
        # Over the option's 40 characters it is refused as too long before parsing.
        refusal = "TooLong" if len(quantity) > MAX_QUANTITY_TEXT else "InvalidQuantity"
        assert reply.data.get("error") == refusal, (line, reply.summary)
        assert reply.data.get("option") == "quantity"
        assert count_rows(core.store.conn, "data_points") == before
        return
    assert reply.kind == "answer", (line, reply.summary)
    point = core.store.reads.get(reply.data["id"])
    assert point.quantity_text == quantity
    assert point.quantity == expected
    assert reply.data["quantity"] == expected
    assert count_rows(core.store.conn, "data_points") == before + 1


def _kept(text: str) -> str:
    normalised = text.translate(str.maketrans("", "", QUOTES))
    return "".join(c for c in normalised if not c.isspace() and c != "\\")


@PROPERTY
@given(text=special_text)
def test_tokenize_refuses_or_loses_no_characters(text: str) -> None:
    try:
        tokens = tokenize(text)
    except BadSyntax as error:
        assert error.example
        return
    joined = "".join(token.text for token in tokens)
    assert _kept(joined) == _kept(text)
    assert all(token.text or token.starts_quoted for token in tokens)


@PROPERTY
@given(
    # Every declared command, as typed or capitalised (names are matched in any case).
    name=st.sampled_from(list(COMMANDS)).flatmap(lambda n: st.sampled_from([n, n.capitalize()])),
    rest=special_text,
)
def test_parse_binds_only_declared_options_or_refuses(core: Core, name: str, rest: str) -> None:
    try:
        command, options = core.parse(f"/{name} {rest}")
    except UserError as error:
        assert error.message
        return
    assert command.name == name.casefold()
    assert set(options) <= {option.name for option in command.options}
    assert all(isinstance(value, str) for value in options.values())


# -- the figure a change is measured against -------------------------------------------------

FIGURE = st.tuples(
    st.sampled_from(["clips", "hours"]),
    st.one_of(st.none(), st.integers(2019, 2022)),
    st.sampled_from(["approved", "approved", "pending", "rejected"]),
)


@settings(max_examples=60, deadline=None)
@given(figures=st.lists(FIGURE, min_size=1, max_size=12))
def test_approved_before_is_the_last_approved_figure_earlier_in_history_order(
    figures: list[tuple[str, int | None, str]],
) -> None:
    """``store.history.approved_before`` against the definition: walk the dataset's history in
    its order (unit, undated first, year, id) and take the last approved figure of the
    unit before each point."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "ledger.db")
        try:
            who = Submitter("console:prop", "console", None, None)
            for n, (unit, year, status) in enumerate(figures):
                point = new_point("Prop Set", 1e6 + n, year, unit=unit)
                store.points.add_many([point], who, origin="import", status=status)  # type: ignore[arg-type]
            dataset = store.catalog.find_dataset("video", "Prop Set")
            assert dataset is not None
            history = store.history.figures(dataset.id)
            for index, point in enumerate(history):
                expected = None
                for earlier in history[:index]:
                    if earlier.unit == point.unit and earlier.status == "approved":
                        expected = earlier
                assert store.history.approved_before(point) == expected
        finally:
            store.close()
