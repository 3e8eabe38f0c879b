"""The text grammar of commands (bot/grammar.py): split_command, tokenize and bind.

Binding is tested against the real declarations in ``bot.registry.COMMANDS``, so a change
to a command's options shows up here; a few checks go through ``Core.ask`` to see the
errors arrive as replies (length limit, unknown options).
"""

from __future__ import annotations

import pytest

from bot.core import Core
from bot.errors import BadSyntax, InvalidValue
from bot.grammar import MAX_COMMAND_LENGTH, bind, split_command, tokenize
from bot.registry import COMMANDS

SUBMIT = COMMANDS["submit"]
SCALE = COMMANDS["scale"]
COMPARE = COMMANDS["compare"]
ASK = COMMANDS["ask"]
DATASETS = COMMANDS["datasets"]
URL = "https://arxiv.org/abs/2307.05663"


def texts(text: str) -> list[str]:
    return [token.text for token in tokenize(text)]


# -- split_command -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/scale video", ("scale", "video")),
        ("scale video", ("scale", "video")),
        ("  /scale   video  ", ("scale", "video")),
        ("/SCALE Video", ("scale", "Video")),
        ("/Compare 3d llm", ("compare", "3d llm")),
        ("/domains", ("domains", "")),
        ("/scale\nvideo", ("scale", "video")),
    ],
)
def test_split_command(text: str, expected: tuple[str, str]) -> None:
    assert split_command(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "/", " / "])
def test_split_command_empty_input_gives_empty_name(text: str) -> None:
    assert split_command(text) == ("", "")


def test_split_command_keeps_the_rest_verbatim_apart_from_ends() -> None:
    name, rest = split_command('/submit 3d "Objaverse  XL"  10.2M')
    assert name == "submit"
    assert rest == '3d "Objaverse  XL"  10.2M'


# -- tokenize ------------------------------------------------------------------------------


def test_tokenize_splits_on_any_white_space() -> None:
    assert texts("  a\tb \n c  ") == ["a", "b", "c"]
    assert tokenize("") == []
    assert tokenize("   ") == []


@pytest.mark.parametrize(
    "text",
    [
        '"Objaverse XL" 10M',
        "'Objaverse XL' 10M",
        "“Objaverse XL” 10M",
        "‘Objaverse XL’ 10M",
        "„Objaverse XL“ 10M",
    ],
)
def test_tokenize_quotes_keep_spaces(text: str) -> None:
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["Objaverse XL", "10M"]
    assert tokens[0].starts_quoted
    assert not tokens[1].starts_quoted


def test_tokenize_keyword_with_quoted_value() -> None:
    tokens = tokenize("dataset:\"Objaverse XL\" note:'a b c' year:2023")
    assert [t.text for t in tokens] == ["dataset:Objaverse XL", "note:a b c", "year:2023"]
    assert not any(t.starts_quoted for t in tokens)


def test_tokenize_typographic_quotes_after_keyword() -> None:
    assert texts("dataset:“Objaverse XL”") == ["dataset:Objaverse XL"]


def test_tokenize_apostrophe_inside_a_word_is_ordinary() -> None:
    assert texts("why don't we scale 3d") == ["why", "don't", "we", "scale", "3d"]
    assert texts("it’s fine") == ["it's", "fine"]


def test_tokenize_escaped_quote_inside_quotes() -> None:
    assert texts(r'"say \"hi\" now" x') == ['say "hi" now', "x"]


def test_tokenize_empty_quotes_give_an_empty_token() -> None:
    assert texts('a "" b') == ["a", "", "b"]


@pytest.mark.parametrize(
    "text", ['"Objaverse XL', "'Objaverse", "“Objaverse", 'dataset:"open', 'a b "c d']
)
def test_tokenize_unclosed_quote_is_bad_syntax_with_example(text: str) -> None:
    with pytest.raises(BadSyntax) as caught:
        tokenize(text)
    assert "never closed" in caught.value.message
    assert caught.value.example and caught.value.example.startswith("/")


def test_bind_unclosed_quote_uses_the_commands_own_example() -> None:
    with pytest.raises(BadSyntax) as caught:
        bind(SCALE, '"video')
    assert caught.value.example == SCALE.example


# -- bind: positional and keyword ----------------------------------------------------------


def test_bind_positional_in_declared_order() -> None:
    values = bind(SUBMIT, f"3d Objaverse-XL 10.2M objects {URL} 2023 big one")
    assert values == {
        "domain": "3d",
        "dataset": "Objaverse-XL",
        "quantity": "10.2M",
        "unit": "objects",
        "source": URL,
        "year": "2023",
        "note": "big one",
    }
    # Declared order is what binds, so the dict keys follow the declaration.
    assert list(values) == [o.name for o in SUBMIT.options]


def test_bind_optional_values_may_be_left_out() -> None:
    values = bind(SUBMIT, f"3d Objaverse 800k objects {URL}")
    assert "year" not in values
    assert "note" not in values
    assert bind(COMMANDS["domains"], "") == {}
    assert bind(SCALE, "") == {}


def test_bind_keywords_in_any_order() -> None:
    values = bind(
        SUBMIT,
        f"year:2023 source:{URL} unit:objects quantity:10.2M dataset:Objaverse domain:3d",
    )
    assert values == {
        "year": "2023",
        "source": URL,
        "unit": "objects",
        "quantity": "10.2M",
        "dataset": "Objaverse",
        "domain": "3d",
    }


def test_bind_keywords_mixed_with_positional() -> None:
    # The keyword takes its option out of the positional queue; the rest shift up.
    values = bind(SUBMIT, f"dataset:Objaverse 3d 10.2M objects {URL} year:2023")
    assert values["dataset"] == "Objaverse"
    assert values["domain"] == "3d"
    assert values["quantity"] == "10.2M"
    assert values["unit"] == "objects"
    assert values["source"] == URL
    assert values["year"] == "2023"


def test_bind_keyword_names_are_case_insensitive() -> None:
    assert bind(SCALE, "DOMAIN:video") == {"domain": "video"}


def test_bind_quoted_keyword_value_keeps_spaces() -> None:
    values = bind(SUBMIT, f'3d dataset:"Objaverse XL" 10.2M objects {URL}')
    assert values["dataset"] == "Objaverse XL"
    assert values["quantity"] == "10.2M"


def test_bind_quoted_token_is_never_a_keyword() -> None:
    values = bind(SUBMIT, f'3d "year:1999" 10M objects {URL}')
    assert values["dataset"] == "year:1999"
    assert "year" not in values


def test_bind_same_option_twice_is_refused() -> None:
    with pytest.raises(BadSyntax) as caught:
        bind(SUBMIT, f"3d X 10M objects {URL} year:2023 year:2024")
    assert caught.value.message.startswith("The year is given twice")
    assert "`year:2023` and `year:2024`" in caught.value.message
    assert caught.value.example == SUBMIT.example


def test_bind_same_option_twice_differently_cased_is_refused() -> None:
    with pytest.raises(BadSyntax):
        bind(SCALE, "domain:video Domain:3d")


# -- bind: multi-word values ---------------------------------------------------------------


@pytest.mark.parametrize("words", ["10 million", "5.85 billion", "15 trillion", "800 thousand"])
def test_bind_multi_word_quantity(words: str) -> None:
    values = bind(SUBMIT, f"llm Corpus {words} tokens {URL}")
    assert values["quantity"] == words
    assert values["unit"] == "tokens"
    assert values["source"] == URL


def test_bind_single_letter_suffix_word_is_not_joined() -> None:
    # "M" alone is no multiplier word, so it is the unit slot's value (and refused later).
    values = bind(SUBMIT, f"llm Corpus 10 M {URL}")
    assert values["quantity"] == "10"
    assert values["unit"] == "M"


@pytest.mark.parametrize(
    ("unit", "words"),
    [("image text pairs", 3), ("video clips", 2), ("3d objects", 2), ("objects", 1)],
)
def test_bind_multi_word_unit(unit: str, words: int) -> None:
    values = bind(SUBMIT, f"image LAION 5.85B {unit} {URL} 2022")
    assert values["unit"] == unit
    assert len(values["unit"].split()) == words
    assert values["source"] == URL
    assert values["year"] == "2022"


def test_bind_multi_word_quantity_and_unit_together() -> None:
    values = bind(SUBMIT, f"image LAION 5.85 billion image text pairs {URL}")
    assert values["quantity"] == "5.85 billion"
    assert values["unit"] == "image text pairs"
    assert values["source"] == URL


def test_bind_unknown_multi_word_unit_takes_one_word() -> None:
    # "image text" is no unit spelling, but "image" is, so only one word is taken and
    # the rest shift into the following slots (where conversion will refuse them).
    values = bind(SUBMIT, f"image LAION 5.85B image text {URL}")
    assert values["unit"] == "image"
    assert values["source"] == "text"
    assert values["year"] == URL


# -- bind: greedy text ---------------------------------------------------------------------


def test_bind_ask_question_is_greedy() -> None:
    values = bind(ASK, "why does 3d lack data: scale or cost?")
    assert values == {"question": "why does 3d lack data: scale or cost?"}


def test_bind_ask_question_with_apostrophes_and_quotes() -> None:
    values = bind(ASK, 'why don\'t we "scale up" 3d')
    assert values == {"question": "why don't we scale up 3d"}


def test_bind_greedy_note_takes_the_rest() -> None:
    values = bind(SUBMIT, f"3d Obj 10M objects {URL} 2023 counts only unique meshes")
    assert values["note"] == "counts only unique meshes"


# -- bind: refusals ------------------------------------------------------------------------


def test_bind_too_many_values_names_the_extra_and_usage() -> None:
    with pytest.raises(BadSyntax) as caught:
        bind(SCALE, "video 3d")
    message = caught.value.message
    assert "/scale takes one field; `3d` is one too many" in message
    assert SCALE.usage in message
    assert caught.value.example == SCALE.example


def test_bind_too_many_values_for_compare() -> None:
    with pytest.raises(BadSyntax) as caught:
        bind(COMPARE, "3d llm video image robotics")
    assert "at most four fields; `robotics` is one too many" in caught.value.message
    assert COMPARE.usage in caught.value.message


def test_bind_too_many_values_for_command_with_no_options() -> None:
    with pytest.raises(BadSyntax) as caught:
        bind(COMMANDS["review"], "video")
    assert "/review takes nothing after its name" in caught.value.message


@pytest.mark.parametrize(
    ("command", "rest"),
    [
        (SCALE, "colour:red"),
        (SCALE, "video colour:red"),
        (DATASETS, "video colour:red"),
        (SUBMIT, "colour:red"),
        (SUBMIT, f"3d Obj colour:red objects {URL}"),
    ],
)
def test_bind_unknown_option_where_typed_value_belongs(command, rest: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        bind(command, rest)
    message = caught.value.message
    assert "`colour:`" in message
    assert f"/{command.name} has no option" in message
    # The message lists the real options so the user can correct it.
    for option in command.options:
        assert option.name in message


def test_bind_unknown_option_like_text_in_free_text_is_kept() -> None:
    # A dataset name or a note is free text: `colour:red` there is just words.
    values = bind(SUBMIT, f"3d colour:red 10M objects {URL} 2023 tags:a,b")
    assert values["dataset"] == "colour:red"
    assert values["note"] == "tags:a,b"
    assert bind(ASK, "what is colour:red") == {"question": "what is colour:red"}


@pytest.mark.parametrize(
    "url",
    [URL, "http://example.org/x", "https://example.org/a:b?c=d:e"],
)
def test_bind_url_is_not_an_option(url: str) -> None:
    values = bind(SUBMIT, f"3d Obj 10M objects {url} 2023")
    assert values["source"] == url
    assert values["year"] == "2023"


def test_bind_url_as_keyword_value() -> None:
    values = bind(SUBMIT, f"3d Obj 10M objects source:{URL}")
    assert values["source"] == URL


def test_bind_url_where_a_domain_belongs_is_left_to_conversion() -> None:
    # `https://...` is not an unknown option: bind passes it on and the domain check refuses.
    values = bind(SCALE, URL)
    assert values == {"domain": URL}


# -- through the core ----------------------------------------------------------------------


def test_max_command_length_is_enforced(core: Core) -> None:
    text = "/scale video" + " " * (MAX_COMMAND_LENGTH - len("/scale video"))
    assert len(text) == MAX_COMMAND_LENGTH
    at_limit = core.ask(text)
    assert at_limit.kind == "answer"
    assert at_limit.data["domain"] == "video"

    too_long = text + " "
    reply = core.ask(too_long)
    assert reply.kind == "error"
    assert reply.visibility == "private"
    assert reply.data["error"] == "TooLong"
    assert str(MAX_COMMAND_LENGTH) in reply.summary
    assert str(len(too_long)) in reply.summary


def test_max_command_length_refuses_submit_and_stores_nothing(core: Core) -> None:
    before = core.store.reads.totals()
    note = "x" * MAX_COMMAND_LENGTH
    reply = core.ask(f"/submit 3d Obj 10M objects {URL} 2023 {note}")
    assert reply.data["error"] == "TooLong"
    assert core.store.reads.totals() == before


def test_unknown_option_reply_through_core(core: Core) -> None:
    reply = core.ask("/scale video colour:red")
    assert reply.kind == "error"
    assert reply.data["error"] == "InvalidValue"
    assert "colour" in reply.summary
    assert "Example: /scale" in reply.summary


def test_unclosed_quote_reply_through_core(core: Core) -> None:
    reply = core.ask('/submit 3d "Objaverse XL 10M objects')
    assert reply.data["error"] == "BadSyntax"
    assert reply.data["example"] == SUBMIT.example


def test_command_name_case_and_multi_word_values_through_core(core: Core) -> None:
    reply = core.ask(f"/SUBMIT image LAION 5.85 billion image text pairs {URL} 2022")
    assert reply.kind == "answer", reply.summary
    point = core.store.reads.get(reply.data["id"])
    assert point.unit == "image-text pairs"
    assert point.quantity == 5.85e9
    assert point.quantity_text == "5.85 billion"
    assert point.source_url == URL
    assert point.year == 2022
