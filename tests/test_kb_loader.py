"""Loading the knowledge base (knowledge/kb.py) and ``scalebot kb check``.

The shipped files must load, cover the six domains with the brief's aliases, and cite only
sections that ``knowledge/essay.toml`` lists; the domains' essay figures must be the ones
essay.toml records. essay.toml itself is checked against the essay's text when the text is
beside the repository (skipped otherwise). Copies of the files broken one way at a time
must fail with a :class:`KnowledgeBaseError` naming the file, the entry and the field.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from knowledge.kb import FIXED_FILES, KB_DIR, KnowledgeBaseError, Library, load_knowledge_base
from knowledge.models import CommunityDomain, Essay

#: The aliases PRODUCT.md promises, by domain slug.
PROMISED_ALIASES = {
    "self-driving": ["fsd", "driving", "self-driving", "autonomous driving"],
    "llm": ["llm", "llms", "language", "text"],
    "image": ["image", "images", "t2i", "text-to-image"],
    "video": ["video", "t2v"],
    "3d": ["3d", "3D", "nerf", "3dgs", "gaussian splatting"],
    "robotics": ["robotics", "robots", "embodied"],
}


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load()


# -- the shipped knowledge base ------------------------------------------------------------


def test_shipped_knowledge_base_has_the_six_domains(library: Library) -> None:
    assert set(library.domains) == {"3d", "image", "llm", "robotics", "self-driving", "video"}
    for domain in library.kb.domains:
        assert (KB_DIR / "domains" / f"{domain.slug}.toml").is_file()
        assert domain.reasons, domain.slug


def test_load_knowledge_base_default_directory_matches_library(library: Library) -> None:
    kb = load_knowledge_base()
    assert [d.slug for d in kb.domains] == [d.slug for d in library.kb.domains]
    assert len(kb.argument.steps) == len(library.argument) > 0


@pytest.mark.parametrize("slug", sorted(PROMISED_ALIASES))
def test_promised_aliases_resolve_case_insensitively(library: Library, slug: str) -> None:
    for alias in PROMISED_ALIASES[slug]:
        for spelling in (alias, alias.upper(), alias.lower(), alias.title(), f"  {alias} "):
            domain = library.resolve(spelling)
            assert domain is not None, spelling
            assert domain.slug == slug, spelling


def test_every_declared_alias_and_name_resolves(library: Library) -> None:
    for domain in library.kb.domains:
        for name in (domain.slug, domain.name, *domain.aliases):
            assert library.resolve(name.swapcase()) is domain, name


def test_unknown_names_do_not_resolve_but_typos_are_suggested(library: Library) -> None:
    assert library.resolve("cooking") is None
    assert library.resolve("") is None
    assert library.suggest("vidoe")[0] == "video"
    assert library.suggest("robotcs")[0] == "robotics"


def test_every_claim_and_figure_cites_a_section_of_the_essay(library: Library) -> None:
    valid = set(library.essay.sections)
    claims = library.claims()
    assert len(claims) >= len(library.kb.domains) + len(library.argument)
    for _, _, claim in claims:
        assert claim.section in valid, claim.id
    for domain in library.kb.domains:
        assert domain.verdict_section in valid
        assert domain.cost_section in valid
        if domain.scale is not None:
            assert domain.scale.section in valid


def test_essay_facts_are_recorded(library: Library) -> None:
    essay = library.essay
    assert essay.title == "Why I Don't Work on 3D Anymore"
    assert essay.sections == (
        "Opening",
        "The Scaling Template",
        "What This Meant for 3D",
        "Why I Moved to Video",
    )
    # The four fields the template section fills in, each with its figure.
    assert {f.domain for f in essay.figures} == {"self-driving", "llm", "image", "video"}


def test_domain_scale_figures_are_the_essays(library: Library) -> None:
    """Every ``[scale]`` repeats essay.toml's figure; fields the essay gives none have none."""
    for domain in library.kb.domains:
        figure = library.essay.figure(domain.slug)
        if domain.scale is None:
            assert figure is None, domain.slug
            continue
        assert figure is not None, domain.slug
        assert (domain.scale.quantity, domain.scale.unit, domain.scale.qualifier) == (
            figure.quantity,
            figure.unit,
            figure.qualifier,
        )


# -- essay.toml against the essay's text (when it is beside the repository) -----------------


def essay_parts(text: str, essay: Essay) -> dict[str, str]:
    """The text of each part of the essay, split at its headings (each on a line of its own)."""
    lines = text.splitlines()
    starts = {heading: lines.index(heading) for heading in essay.headings if heading in lines}
    assert set(starts) == set(essay.headings), (
        f"headings not found: {set(essay.headings) - set(starts)}"
    )
    bounds = [(essay.opening, 0), *starts.items()]
    assert [line for _, line in bounds] == sorted(line for _, line in bounds), "out of order"
    parts = {}
    for number, (name, start) in enumerate(bounds):
        end = bounds[number + 1][1] if number + 1 < len(bounds) else len(lines)
        parts[name] = "\n".join(lines[start:end])
    return parts


def test_essay_toml_headings_are_the_texts_in_order(library: Library, essay_text: str) -> None:
    parts = essay_parts(essay_text, library.essay)
    assert list(parts) == list(library.essay.sections)
    assert library.essay.title in essay_text.splitlines()[:5]


def test_essay_toml_figures_are_printed_in_their_sections(
    library: Library, essay_text: str
) -> None:
    parts = essay_parts(essay_text, library.essay)
    for figure in library.essay.figures:
        assert figure.printed in parts[figure.section], (figure.domain, figure.printed)


def test_essay_toml_says_what_the_essay_responds_to(library: Library, essay_text: str) -> None:
    author, _, work = library.essay.responds_to.partition(", ")
    assert author in essay_text
    assert work.strip("“”") in essay_text
    assert "Pix2NeRF" in library.essay.about_author and "Pix2NeRF" in essay_text


def test_claim_ids_are_unique(library: Library) -> None:
    ids = [claim.id for _, _, claim in library.claims()]
    assert len(ids) == len(set(ids))


# -- broken copies -------------------------------------------------------------------------


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of the knowledge base files that a test may break."""
    shutil.copytree(KB_DIR / "domains", tmp_path / "domains")
    for name in FIXED_FILES:
        shutil.copy(KB_DIR / name, tmp_path / name)
    return tmp_path


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}: the shipped file changed"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def remove_line(path: Path, prefix: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) == len(lines) - 1, f"expected one line starting {prefix!r}"
    path.write_text("".join(kept), encoding="utf-8")


def reuse_claim_id(directory: Path, first: str, second: str) -> None:
    """Give the first claim of domain ``second`` the id of the first claim of ``first``."""
    first_ids = {d.slug: d.reasons[0].id for d in load_knowledge_base(directory).domains}
    replace_in(
        directory / "domains" / f"{second}.toml",
        f'id = "{first_ids[second]}"',
        f'id = "{first_ids[first]}"',
    )


def load_error(directory: Path) -> str:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(directory)
    return str(caught.value)


def test_copy_loads_unbroken(kb_copy: Path) -> None:
    kb = load_knowledge_base(kb_copy)
    assert [d.slug for d in kb.domains] == [d.slug for d in load_knowledge_base(KB_DIR).domains]
    assert Library.load(kb_copy).resolve("T2V").slug == "video"


Breaker = Callable[[Path], None]

#: (what is broken, how, the file, the entry and the field the message must name)
BROKEN: list[tuple[str, Breaker, str, str, str]] = [
    (
        "missing required field",
        lambda d: remove_line(d / "domains" / "video.toml", "colour ="),
        "video.toml",
        "'video'",
        "colour",
    ),
    (
        "wrong type: string for a list",
        lambda d: replace_in(d / "domains" / "llm.toml", "aliases = [", 'aliases = "llm"\nx = ['),
        "llm.toml",
        "'llm'",
        "aliases",
    ),
    (
        "wrong type: text for a boolean",
        lambda d: replace_in(
            d / "domains" / "image.toml", "fits_template = true", 'fits_template = "maybe"'
        ),
        "image.toml",
        "'image'",
        "fits_template",
    ),
    (
        "wrong type: text for a number",
        lambda d: replace_in(
            d / "domains" / "video.toml", "quantity = 1000000", 'quantity = "lots"'
        ),
        "video.toml",
        "'video'",
        "scale.quantity",
    ),
    (
        "unknown key (a typo)",
        lambda d: replace_in(d / "domains" / "3d.toml", "colour =", "color ="),
        "3d.toml",
        "'3d'",
        "color",
    ),
    (
        "empty claim text",
        lambda d: replace_in(
            d / "domains" / "video.toml",
            'text = "Platforms like YouTube host millions of hours of video."',
            'text = ""',
        ),
        "video.toml",
        "'video'",
        "reasons.0.text",
    ),
    (
        "unknown section",
        lambda d: replace_in(
            d / "domains" / "video.toml",
            'id = "video-scale"\ntext = "Platforms like YouTube host millions of hours of '
            'video."\nsection = "The Scaling Template"',
            'id = "video-scale"\ntext = "Platforms like YouTube host millions of hours of '
            'video."\nsection = "Conclusion"',
        ),
        "video.toml",
        "'video'",
        "reasons.0.section",
    ),
    (
        "unknown section for a verdict",
        lambda d: replace_in(
            d / "domains" / "video.toml",
            'verdict_section = "The Scaling Template"',
            'verdict_section = "Epilogue"',
        ),
        "video.toml",
        "'video'",
        "verdict_section",
    ),
    (
        "section that essay.toml no longer lists",
        lambda d: replace_in(d / "essay.toml", '"Why I Moved to Video"]', '"Why I Moved On"]'),
        "3d.toml",
        "'3d'",
        "reasons.4.section",
    ),
    (
        "essay figure changed in a domain file only",
        lambda d: replace_in(
            d / "domains" / "llm.toml", "quantity = 10000000", "quantity = 20000000"
        ),
        "llm.toml",
        "'llm'",
        "scale.quantity",
    ),
    (
        "essay figure for a domain the essay gives none",
        lambda d: replace_in(
            d / "domains" / "3d.toml",
            "[[reasons]]",
            '[scale]\nquantity = 10\nunit = "objects"\nwhat = "objects"\n'
            'section = "Opening"\n\n[[reasons]]',
        ),
        "3d.toml",
        "'3d'",
        "scale",
    ),
    (
        "essay.toml with an unknown key",
        lambda d: replace_in(d / "essay.toml", "responds_to =", "replies_to ="),
        "essay.toml",
        "'essay'",
        "replies_to",
    ),
    (
        "headline unit not in the vocabulary",
        lambda d: replace_in(
            d / "domains" / "video.toml", 'headline_unit = "hours"', 'headline_unit = "hourz"'
        ),
        "video.toml",
        "'video'",
        "headline_unit",
    ),
    (
        "slug that does not match the file name",
        lambda d: replace_in(d / "domains" / "video.toml", 'slug = "video"', 'slug = "movies"'),
        "video.toml",
        "'movies'",
        "slug",
    ),
    (
        "alias used by two domains",
        lambda d: replace_in(d / "domains" / "video.toml", '"t2v",', '"t2v",\n    "NeRF",'),
        "video.toml",
        "'video'",
        "aliases",
    ),
    (
        "another domain's slug used as an alias",
        lambda d: replace_in(d / "domains" / "video.toml", '"t2v",', '"t2v",\n    "Robotics",'),
        "video.toml",
        "'video'",
        "aliases",
    ),
    (
        "claim id used twice across files",
        lambda d: reuse_claim_id(d, "3d", "video"),
        "video.toml",
        "'video'",
        "reasons.0.id",
    ),
    (
        "published growth that is not growth",
        lambda d: replace_in(d / "domains" / "llm.toml", "per_year = 3.7", "per_year = 0.9"),
        "llm.toml",
        "'llm'",
        "published_growth.0.per_year",
    ),
    (
        "published growth as a percentage",
        lambda d: replace_in(d / "domains" / "llm.toml", "per_year = 1.66", "per_year = 166"),
        "llm.toml",
        "'llm'",
        "published_growth.1.per_year",
    ),
    (
        "published growth with a source that is not a web link",
        lambda d: replace_in(
            d / "domains" / "image.toml",
            'source = "https://epoch.ai/blog/',
            'source = "ftp://epoch.ai/blog/',
        ),
        "image.toml",
        "'image'",
        "published_growth.0.source",
    ),
    (
        "published growth without what it measures",
        lambda d: remove_line(d / "domains" / "image.toml", 'what = "Growth of'),
        "image.toml",
        "'image'",
        "published_growth.0.what",
    ),
    (
        "published growth with an unknown key",
        lambda d: replace_in(d / "domains" / "llm.toml", "per_year = 3.7", "rate = 3.7"),
        "llm.toml",
        "'llm'",
        "published_growth.0.rate",
    ),
    (
        "argument step with empty text",
        lambda d: replace_in(
            d / "argument.toml",
            'id = "arg-scalable-training"\ntext = "',
            'id = "arg-scalable-training"\ntext = ""\n#',
        ),
        "argument.toml",
        "'steps'",
        "steps.0.text",
    ),
    (
        "argument step reusing a domain's claim id",
        lambda d: replace_in(d / "argument.toml", 'id = "arg-template"', 'id = "video-scale"'),
        "argument.toml",
        "'steps'",
        "steps.4.id",
    ),
]


@pytest.mark.parametrize(
    ("breaker", "file", "entry", "field"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_file_names_file_entry_and_field(
    kb_copy: Path, breaker: Breaker, file: str, entry: str, field: str
) -> None:
    breaker(kb_copy)
    message = load_error(kb_copy)
    assert message.startswith(f"{file}: entry {entry}"), message
    assert f"field {field}" in message, message


def test_shipped_published_growth_loads_with_its_sources(library: Library) -> None:
    """Epoch AI's ×3.7 a year for language-model training sets is data, with its link."""
    (epoch_2024, *_) = library.published_growth("llm")
    assert epoch_2024.per_year == 3.7
    assert str(epoch_2024.source) == "https://epoch.ai/data-insights/dataset-size-trend"
    assert (epoch_2024.by, epoch_2024.year) == ("Epoch AI", 2024)
    assert epoch_2024.label == "×3.7 a year (Epoch AI, 2024)"
    for slug in library.domains:
        for estimate in library.published_growth(slug):
            assert estimate.per_year > 1 and estimate.source.scheme in {"http", "https"}
    assert library.published_growth("video") == ()


def test_a_community_field_has_no_published_growth(library: Library) -> None:
    copy = Library.load()
    copy.add_community(
        CommunityDomain(slug="audio", name="Audio", colour="#123456", added_by="t", added_at="t")
    )
    assert copy.published_growth("audio") == ()
    with pytest.raises(KeyError):
        copy.published_growth("cooking")


def test_bad_published_growth_is_refused_with_an_example(kb_copy: Path) -> None:
    """Each refusal says what is wrong and shows a line that would load."""
    llm = kb_copy / "domains" / "llm.toml"
    replace_in(llm, "per_year = 3.7", "per_year = 0.9")
    message = load_error(kb_copy)
    assert message.startswith("llm.toml: entry 'llm' is invalid:"), message
    assert "field published_growth.0.per_year" in message
    assert "above 1" in message and "per_year = 3.7 for ×3.7 a year" in message
    assert "(got 0.9)" in message
    replace_in(llm, "per_year = 0.9", "per_year = 3.7")
    replace_in(llm, 'source = "https://epoch.ai/data', 'source = "epoch.ai/data')
    message = load_error(kb_copy)
    assert "field published_growth.0.source" in message
    assert "http(s) link" in message and 'source = "https://' in message
    assert "'epoch.ai/data-insights/dataset-size-trend'" in message


def test_duplicate_claim_id_message_names_the_first_file(kb_copy: Path) -> None:
    reuse_claim_id(kb_copy, "3d", "video")
    message = load_error(kb_copy)
    assert message.startswith("video.toml: entry 'video': field reasons.0.id")
    assert "already used in 3d.toml" in message


def test_duplicate_alias_message_names_both_owners(kb_copy: Path) -> None:
    replace_in(kb_copy / "domains" / "video.toml", '"t2v",', '"t2v",\n    "gaussian splatting",')
    message = load_error(kb_copy)
    assert "'gaussian splatting'" in message
    assert "'3d'" in message
    assert "3d.toml" in message


def test_copied_domain_file_under_another_name_is_refused(kb_copy: Path) -> None:
    # A second copy of a domain: its slug no longer matches its file name.
    shutil.copy(kb_copy / "domains" / "video.toml", kb_copy / "domains" / "video-copy.toml")
    message = load_error(kb_copy)
    assert message.startswith("video-copy.toml: entry 'video'")
    assert "field slug" in message


def test_duplicate_domain_under_its_own_slug_is_refused(kb_copy: Path) -> None:
    # Same aliases under a new slug: the first shared name is reported in the later file.
    source = kb_copy / "domains" / "video.toml"
    clone = kb_copy / "domains" / "zvideo.toml"
    clone.write_text(
        source.read_text(encoding="utf-8").replace('slug = "video"', 'slug = "zvideo"'),
        encoding="utf-8",
    )
    message = load_error(kb_copy)
    assert message.startswith("zvideo.toml: entry 'zvideo'")
    assert "field name" in message
    assert "video.toml" in message


def test_duplicate_key_inside_a_file_is_a_toml_error(kb_copy: Path) -> None:
    replace_in(kb_copy / "domains" / "llm.toml", 'slug = "llm"', 'slug = "llm"\nslug = "llm2"')
    message = load_error(kb_copy)
    assert message.startswith("llm.toml: not valid TOML")
    assert "line" in message


def test_invalid_toml_syntax_names_the_file_and_line(kb_copy: Path) -> None:
    path = kb_copy / "domains" / "robotics.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[[reasons]\nid = "x"\n')
    message = load_error(kb_copy)
    assert message.startswith("robotics.toml: not valid TOML")
    assert "line" in message


def test_invalid_toml_in_argument_file(kb_copy: Path) -> None:
    (kb_copy / "argument.toml").write_text('[[steps]]\nid = "unterminated\n', encoding="utf-8")
    message = load_error(kb_copy)
    assert message.startswith("argument.toml: not valid TOML")


def test_missing_essay_file_is_named(kb_copy: Path) -> None:
    (kb_copy / "essay.toml").unlink()
    assert "essay.toml" in load_error(kb_copy)


def test_missing_argument_file_is_named(kb_copy: Path) -> None:
    (kb_copy / "argument.toml").unlink()
    assert "argument.toml" in load_error(kb_copy)


def test_no_domain_files_is_refused(kb_copy: Path) -> None:
    for path in (kb_copy / "domains").glob("*.toml"):
        path.unlink()
    assert "no domain files" in load_error(kb_copy)


def test_library_load_raises_the_same_error(kb_copy: Path) -> None:
    remove_line(kb_copy / "domains" / "video.toml", "colour =")
    with pytest.raises(KnowledgeBaseError, match=r"(?s)^video\.toml: entry 'video'.*field colour"):
        Library.load(kb_copy)


# -- scalebot kb check ---------------------------------------------------------------------


def test_kb_check_prints_counts_and_exits_zero(library: Library, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "kb", "check"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "knowledge base OK" in out
    aliases = sum(len(d.aliases) for d in library.kb.domains)
    assert f"{len(library.kb.domains)} domains" in out
    assert f"{aliases} aliases" in out
    assert f"{len(library.claims())} claims" in out
    assert f"({len(library.argument)} argument steps)" in out
    curated_rows = (KB_DIR / "datasets.csv").read_text(encoding="utf-8").strip().splitlines()
    assert f"{len(curated_rows) - 1} curated data points" in out
    # kb check works in memory: it must not create the database file.
    assert not (tmp_path / "x.db").exists()
