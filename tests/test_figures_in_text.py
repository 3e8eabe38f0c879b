"""Issue 21 item 5: the sizes a text states in a unit, as papers print them.

Example tests hold every printed form the issue names, one each, with the values written
out by hand; property tests (derandomized, so CI sees the same examples every run) print
a figure each of those ways inside prose and check that it is found with its value, that
it is not taken for another unit, and that text with no digit yields nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.figures_in_text import Figure, UnknownUnit, all_figures, figures_in, matches
from knowledge.quantity import MULTIPLIERS, parse_quantity
from knowledge.units import LOOSE_IN_TEXT, TEXT_PHRASES, UNITS, canonical_unit

PROPERTY = settings(derandomize=True, max_examples=300, deadline=None)


def only(text: str, unit: str) -> Figure:
    found = figures_in(text, unit)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "unit", "value", "precision"),
    [
        ("The corpus holds 234M images.", "images", 234_000_000, 1_000_000),
        ("The corpus holds 234 million images.", "images", 234_000_000, 1_000_000),
        ("The corpus holds 234,000,000 images.", "images", 234_000_000, 1),
        ("It has 2.34 × 10^8 tokens in all.", "tokens", 234_000_000, 1_000_000),
        ("It has 2.34x10^8 tokens in all.", "tokens", 234_000_000, 1_000_000),
        ("It has 2.34 x 10^{8} tokens in all.", "tokens", 234_000_000, 1_000_000),
        ("It has 2.34 × 10⁸ tokens in all.", "tokens", 234_000_000, 1_000_000),
        ("It has 2.34e8 tokens in all.", "tokens", 234_000_000, 1_000_000),
        ("Models see 10^9 tokens.", "tokens", 1_000_000_000, 1_000_000_000),
        ("We release over 100 trillion tokens.", "tokens", 100e12, 1e12),
        ("InternVid spans 760K hours of video.", "hours", 760_000, 1_000),
        ("The benchmark has 7.6K scenes.", "scenes", 7_600, 100),
        ("A total of 1.2 billion words.", "words", 1_200_000_000, 100_000_000),
        ("Some 760 thousand hours.", "hours", 760_000, 1_000),
        ("Roughly 5 GiB of text.", "GiB", 5, 1),
    ],
)
def test_each_printed_form_is_read_with_its_value_and_precision(
    text: str, unit: str, value: float, precision: float
) -> None:
    figure = only(text, unit)
    assert figure.value == pytest.approx(value)
    assert figure.precision == pytest.approx(precision)
    assert figure.unit == unit
    assert figure.sentence == text


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Each task has 1–2M trajectories.", 1_000_000, 2_000_000),
        ("Each task has 1-2M trajectories.", 1_000_000, 2_000_000),
        ("Each task has 1M–2M trajectories.", 1_000_000, 2_000_000),
        ("Each task has between 1 and 2 million trajectories.", 1_000_000, 2_000_000),
        ("Each task has 1 to 2 million trajectories.", 1_000_000, 2_000_000),
        ("Each task has 1,000-2,000 trajectories.", 1_000, 2_000),
        ("Each task has 1.5–2M trajectories.", 1_500_000, 2_000_000),
    ],
)
def test_a_range_is_one_figure_with_both_ends(text: str, low: float, high: float) -> None:
    figure = only(text, "trajectories")
    assert (figure.value, figure.upper) == (low, high)
    assert matches(low, figure) and matches(high, figure)


def test_a_range_states_its_ends_not_its_middle() -> None:
    figure = only("Each task has 1,000-2,000 trajectories.", "trajectories")
    assert not matches(1_500, figure)
    finer = only("Each task has 1.5–2M trajectories.", "trajectories")
    assert finer.precision == 100_000, "the finer of the two ends' precisions"
    assert not matches(1_750_000, finer)


def test_and_joins_a_range_only_after_between() -> None:
    figure = only("We keep 1 and 2 million trajectories.", "trajectories")
    assert (figure.value, figure.upper) == (2_000_000, None)


def test_the_qualifier_is_kept_and_the_figure_still_states_its_value() -> None:
    figure = only("We release over 100 trillion tokens.", "tokens")
    assert figure.qualifier == "over"
    assert figure.printed == "over 100 trillion tokens"
    assert matches(100e12, figure)
    assert only("Moreover 5 hours.", "hours").qualifier == ""


def test_a_submitted_figure_matches_to_the_precision_it_was_printed_with() -> None:
    thousands = only("It lasts 760K hours.", "hours")
    millions = only("It lasts about 0.76M hours.", "hours")
    assert matches(760_000, thousands) and matches(760_000, millions)
    assert matches(760_400, thousands) and not matches(760_600, thousands)
    assert not matches(800_000, thousands)
    assert not matches(760_000, only("It lasts 800K hours.", "hours"))
    assert millions.qualifier == "about"


def test_the_internvid_check_finds_760k_not_800k() -> None:
    abstract = (
        "We introduce a video-text dataset. It contains over 7 million videos lasting "
        "nearly 760K hours, yielding 234M video clips with detailed descriptions."
    )
    (hours,) = figures_in(abstract, "hours")
    assert hours.value == 760_000 and not matches(800_000, hours)
    assert hours.sentence == abstract.split(". ", 1)[1]
    assert [f.value for f in figures_in(abstract, "videos")] == [7_000_000]
    assert [f.value for f in figures_in(abstract, "clips")] == [234_000_000]


def test_nearby_phrasing_and_synonyms_count_for_the_unit() -> None:
    assert only("We gather 760K video hours.", "hours").value == 760_000
    assert only("We gather 760K hours of footage.", "hours").value == 760_000
    assert only("We gather 760K hrs of speech.", "hrs").unit == "hours"
    assert only("They filter 400M image-caption pairs.", "image-text pairs").value == 4e8
    assert only("It has 2B high-quality English tokens.", "tokens").value == 2e9
    assert only("It holds 3 billion web pages.", "documents").value == 3e9


def test_a_figure_in_another_unit_is_not_taken_for_this_one() -> None:
    text = "The set has 7M videos and 760K hours; 234M clips and 10K video clips."
    assert [f.value for f in figures_in(text, "hours")] == [760_000]
    assert [f.value for f in figures_in(text, "videos")] == [7_000_000]
    assert [f.value for f in figures_in(text, "clips")] == [234_000_000, 10_000]
    assert figures_in("We use 760K video hours.", "videos") == []
    assert figures_in("We use 2B image-text pairs.", "images") == []


def test_generic_spellings_count_only_right_after_the_figure() -> None:
    assert figures_in("We mine 100M sentence pairs.", "image-text pairs") == []
    assert only("We mine 400M pairs.", "image-text pairs").value == 4e8
    assert figures_in("We compare 7 large language models.", "objects") == []


@pytest.mark.parametrize(
    "text",
    [
        "GPT-4 tokens and v1.5 images were used.",
        "In 2023, images were scarce; see Table 3 and [12].",
        "We render 3D objects at 512x512 pixels.",
        "It reached 87.5% accuracy.",
        "Millions of hours of video, billions of tokens.",
    ],
)
def test_numbers_that_state_no_size_are_not_figures(text: str) -> None:
    assert all_figures(text) == []


def test_an_unknown_unit_is_refused_with_a_correct_example() -> None:
    with pytest.raises(UnknownUnit, match=r"'parsecs'.*figures_in\(text, 'hours'\)"):
        figures_in("12 parsecs", "parsecs")


def test_typed_units_are_unchanged_by_the_text_phrases() -> None:
    assert canonical_unit("hours") == "hours"
    assert canonical_unit("hours of video") is None
    assert canonical_unit("image-caption pairs") is None


def test_the_multiplier_table_is_the_one_users_type_with() -> None:
    for word, multiplier in MULTIPLIERS.items():
        assert parse_quantity(f"3{word}") == float(3 * multiplier)
        assert only(f"We hold 3{word} tokens.", "tokens").value == float(3 * multiplier)
        if len(word) > 1:
            assert only(f"We hold 3 {word} tokens.", "tokens").value == float(3 * multiplier)
        else:
            assert figures_in(f"We hold 3 {word} tokens.", "tokens")[0].value == 3


# --- properties ---------------------------------------------------------------------

FILLERS = ("curated", "high-quality", "English", "public", "annotated", "diverse")
PROSE = ("In total,", "We find that", "Our release contains", "The corpus (v2) has", "")
ENDINGS = (".", ", collected from the web.", "; see below.", " in all.", "")
WORDS = {3: "thousand", 6: "million", 9: "billion", 12: "trillion"}
ABBREVIATIONS = {3: "K", 6: "M", 9: "B", 12: "T"}
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def spellings(unit: str) -> list[str]:
    """The ways a unit may be printed after a figure: canonical, aliases, text phrases."""
    return [unit, *UNITS[unit], *TEXT_PHRASES.get(unit, ())]


@st.composite
def printed_figures(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A figure printed one of the ways papers print it, and the value it means."""
    digits = draw(st.integers(1, 9999))
    places = draw(st.integers(0, 3))
    scale = draw(st.sampled_from(sorted(WORDS)))
    mantissa = Decimal(digits).scaleb(-places)
    value = mantissa.scaleb(scale)
    shown = format(mantissa, "f")
    forms = [
        f"{shown}{ABBREVIATIONS[scale]}",
        f"{shown}{ABBREVIATIONS[scale].lower()}",
        f"{shown} {WORDS[scale]}",
        f"{shown} × 10^{scale}",
        f"{shown}x10^{scale}",
        f"{shown} × 10{str(scale).translate(SUPERSCRIPT)}",
        f"{shown}e{scale}",
    ]
    if value == value.to_integral_value():
        forms.append(f"{int(value):,}")
    if mantissa == 1:
        forms.append(f"10^{scale}")
    return draw(st.sampled_from(forms)), value


@st.composite
def sentences(draw: st.DrawFn, unit: str | None = None) -> tuple[str, str, Decimal]:
    """Prose stating one figure in a unit: the text, the unit, the value."""
    unit = unit or draw(st.sampled_from(sorted(UNITS)))
    printed, value = draw(printed_figures())
    spelling = draw(st.sampled_from(spellings(unit)))
    qualifier = draw(st.sampled_from(("", "over ", "about ", "~", "nearly ")))
    fillers = (
        [] if spelling in LOOSE_IN_TEXT else draw(st.lists(st.sampled_from(FILLERS), max_size=2))
    )
    words = " ".join([*fillers, spelling])
    opening, ending = draw(st.sampled_from(PROSE)), draw(st.sampled_from(ENDINGS))
    text = f"{opening} {qualifier}{printed} {words}{ending}"
    return text.strip(), unit, value


@PROPERTY
@given(sentences())
def test_a_figure_printed_any_way_is_found_with_its_value(case: tuple[str, str, Decimal]) -> None:
    text, unit, value = case
    (figure,) = figures_in(text, unit)
    assert matches(float(value), figure), (text, figure)
    assert figure.unit == unit
    assert figure.sentence == " ".join(text.split())


@PROPERTY
@given(sentences(), st.sampled_from(sorted(UNITS)))
def test_a_figure_in_another_unit_is_not_taken_for_this_one_property(
    case: tuple[str, str, Decimal], other: str
) -> None:
    text, unit, _ = case
    if other != unit:
        assert figures_in(text, other) == [], (text, other)


@PROPERTY
@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=400))
def test_text_with_no_number_yields_nothing(text: str) -> None:
    assert all_figures(text) == []


@PROPERTY
@given(
    st.lists(
        st.sampled_from(
            [
                "hours",
                "of",
                "video",
                "million",
                "tokens",
                "over",
                "about",
                "K",
                "M",
                "x",
                "10^",
                "×",
                "e",
                "-",
                "–",
                "between",
                "and",
                "to",
                ",",
                ".",
                "pairs",
                "image-text",
            ]
        ),
        max_size=40,
    )
)
def test_unit_words_and_multipliers_without_digits_yield_nothing(words: list[str]) -> None:
    assert all_figures(" ".join(words)) == []
