"""Loading the knowledge base files and looking domains up by any name people use.

The files are small and read once per process; everything a command needs from them
(domains by alias, claims by id) is indexed here in memory, so no command parses TOML
or validates models on its hot path.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from rapidfuzz import fuzz, process

from knowledge.models import (
    AnyDomain,
    Argument,
    Claim,
    CommunityDomain,
    Domain,
    Essay,
    KnowledgeBase,
    PublishedGrowth,
    name_key,
)
from knowledge.units import canonical_unit

KB_DIR = Path(__file__).parent
DOMAINS_DIR = KB_DIR / "domains"
ARGUMENT_FILE = KB_DIR / "argument.toml"
ESSAY_FILE = KB_DIR / "essay.toml"
#: Every file of the knowledge base but the domains, relative to its directory.
FIXED_FILES = ("essay.toml", "argument.toml")


#: A word of a question or of a field's name: letters and digits; hyphens, underscores and
#: other punctuation separate words, as they do in :func:`name_key`.
_WORD = re.compile(r"[^\W_]+")
#: "video's" names video: a possessive ending is dropped before the question is split.
_POSSESSIVE = re.compile(r"(?<=[^\W_])['\u2019]s\b")

NameWords = tuple[str, ...]


def question_words(text: str) -> list[str]:
    """The casefolded words of ``text`` with possessive endings dropped."""
    return _WORD.findall(_POSSESSIVE.sub("", text.casefold()))


def name_words(name: str) -> NameWords:
    """A field's name as the words a question must contain, in order, to name it."""
    return tuple(_WORD.findall(name_key(name)))


@dataclass(frozen=True)
class FieldMentions:
    """What a question says about fields: the ones it names, and the rest of its words."""

    domains: list[AnyDomain]
    #: The question's words that named no field, for the full-text search within a field.
    other_words: str


class KnowledgeBaseError(Exception):
    """A knowledge base file is invalid; the message names the file, entry and field."""


def _describe(error: ValidationError, path: Path, entry: str) -> str:
    problems = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"]) or "(file)"
        problems.append(f"  field {location}: {detail['msg']}")
    return f"{path.name}: entry {entry!r} is invalid:\n" + "\n".join(problems)


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeBaseError(f"{path.name}: not valid TOML: {error}") from error
    except OSError as error:
        raise KnowledgeBaseError(f"{path}: cannot be read: {error.strerror}") from error


def load_essay(directory: Path = KB_DIR) -> Essay:
    """The facts about the essay, which every claim's section is checked against."""
    path = directory / "essay.toml"
    raw = _read_toml(path)
    try:
        return Essay.model_validate(raw)
    except ValidationError as error:
        raise KnowledgeBaseError(_describe(error, path, "essay")) from None


def load_knowledge_base(directory: Path = KB_DIR) -> KnowledgeBase:
    """Read and validate every file; raise :class:`KnowledgeBaseError` on the first problem."""
    essay = load_essay(directory)
    context = {"sections": essay.sections}
    domains: list[Domain] = []
    #: name key -> (slug, file) and claim id -> file, to name both places of a duplicate.
    names: dict[str, tuple[str, str]] = {}
    claim_files: dict[str, str] = {}
    domain_files = sorted((directory / "domains").glob("*.toml"))
    if not domain_files:
        raise KnowledgeBaseError(f"no domain files (*.toml) in {directory / 'domains'}")
    for path in domain_files:
        raw = _read_toml(path)
        try:
            domain = Domain.model_validate(raw, context=context)
        except ValidationError as error:
            raise KnowledgeBaseError(_describe(error, path, raw.get("slug", path.stem))) from None
        if domain.slug != path.stem:
            raise KnowledgeBaseError(
                f"{path.name}: entry {domain.slug!r}: field slug must match the file name "
                f"({path.stem!r})"
            )
        for field, unit in (("headline_unit", domain.headline_unit),) + (
            (("scale.unit", domain.scale.unit),) if domain.scale else ()
        ):
            if canonical_unit(unit) != unit:
                raise KnowledgeBaseError(
                    f"{path.name}: entry {domain.slug!r}: field {field}: {unit!r} is not a "
                    "canonical unit (see knowledge/units.py)"
                )
        for field, name in (
            ("slug", domain.slug),
            ("name", domain.name),
            *(("aliases", alias) for alias in domain.aliases),
        ):
            owner, owner_file = names.setdefault(name_key(name), (domain.slug, path.name))
            if owner != domain.slug:
                raise KnowledgeBaseError(
                    f"{path.name}: entry {domain.slug!r}: field {field}: {name!r} is already "
                    f"a name of {owner!r} ({owner_file})"
                )
        _check_claim_ids(domain.reasons, "reasons", path, domain.slug, claim_files)
        _check_essay_figure(domain, essay, path)
        domains.append(domain)
    argument_path = directory / "argument.toml"
    raw = _read_toml(argument_path)
    try:
        argument = Argument.model_validate(raw, context=context)
    except ValidationError as error:
        raise KnowledgeBaseError(_describe(error, argument_path, "steps")) from None
    _check_claim_ids(argument.steps, "steps", argument_path, "steps", claim_files)
    try:
        return KnowledgeBase(essay=essay, domains=domains, argument=argument)
    except ValidationError as error:
        raise KnowledgeBaseError(_describe(error, directory, "knowledge base")) from None


def _check_claim_ids(
    claims: list[Claim], field: str, path: Path, entry: str, seen: dict[str, str]
) -> None:
    """Refuse a claim id used before (``seen``: claim id -> the file that used it first)."""
    for number, claim in enumerate(claims):
        if claim.id in seen:
            raise KnowledgeBaseError(
                f"{path.name}: entry {entry!r}: field {field}.{number}.id: claim id "
                f"{claim.id!r} is already used in {seen[claim.id]}"
            )
        seen[claim.id] = path.name


def _check_essay_figure(domain: Domain, essay: Essay, path: Path) -> None:
    """A domain's ``[scale]`` is the essay's figure for it, so it must say what essay.toml says."""
    if domain.scale is None:
        return
    figure = essay.figure(domain.slug)
    if figure is None:
        raise KnowledgeBaseError(
            f"{path.name}: entry {domain.slug!r}: field scale: the essay gives no figure for "
            f"{domain.slug!r} (knowledge/essay.toml); leave [scale] out and use scale_note"
        )
    for name in ("quantity", "unit", "qualifier", "section"):
        ours, essays = getattr(domain.scale, name), getattr(figure, name)
        if ours != essays:
            raise KnowledgeBaseError(
                f"{path.name}: entry {domain.slug!r}: field scale.{name}: {ours!r} differs from "
                f"the essay's figure in essay.toml ({essays!r})"
            )


def fingerprint(directory: Path = KB_DIR) -> str:
    """A hash of the files' bytes: the store recompiles claims only when it changes."""
    digest = hashlib.sha256()
    for path in [
        *sorted((directory / "domains").glob("*.toml")),
        *(directory / name for name in FIXED_FILES),
    ]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class NameTaken(ValueError):
    """A community field would take a name another field answers to."""

    def __init__(self, name: str, owner: AnyDomain) -> None:
        super().__init__(f"{name!r} is already a name of {owner.slug!r}")
        self.name = name
        self.owner = owner


def names_of(domain: AnyDomain) -> tuple[str, ...]:
    """Every name a field answers to: its slug, its name and its aliases."""
    return (domain.slug, domain.name, *domain.aliases)


@dataclass
class Library:
    """The validated knowledge base with look-ups by slug, name and alias.

    It also holds the fields moderators added (:meth:`add_community`), so that resolving,
    suggesting and reading fields in questions see them as soon as they are added. The
    core's thread adds them while an event loop may be reading: every index is rebuilt
    aside and swapped in whole, never changed in place.
    """

    kb: KnowledgeBase
    fingerprint: str

    def __post_init__(self) -> None:
        self.domains: dict[str, AnyDomain] = {d.slug: d for d in self.kb.domains}
        self._index()

    def _index(self, names: dict[str, str] | None = None) -> None:
        """Both name indexes, swapped in whole; ``names`` when the caller has keyed them."""
        if names is None:
            names = {}
            for domain in self.domains.values():
                for name in names_of(domain):
                    names.setdefault(name_key(name), domain.slug)
        self._names = names
        self._mention_names, self._mention_lengths = self._index_mentions()

    def add_community(self, domain: CommunityDomain) -> None:
        """Serve ``domain`` from now on; :class:`NameTaken` if it would take another's name."""
        taken = self.clash(domain)
        if taken is not None:
            raise taken
        self.add_communities([domain])

    def add_communities(
        self, domains: Iterable[CommunityDomain]
    ) -> list[tuple[CommunityDomain, NameTaken]]:
        """Serve each of ``domains`` the library lacks, in order, with one index build.

        What a start (and the web view) does with every field the ledger holds: adding
        them one by one rebuilt both name indexes per field, so starting took time
        growing with the square of their number (130 s at 3,000 fields). A field that
        would take a name of the library's, or of one added before it here, is left out
        and returned with the clash, as :meth:`add_community` would have refused it.
        """
        merged = dict(self.domains)
        names = dict(self._names)
        refused: list[tuple[CommunityDomain, NameTaken]] = []
        for domain in domains:
            if domain.slug in merged:
                continue
            keys = [(name, name_key(name)) for name in names_of(domain)]
            clash = _first_clash(domain, keys, names, merged)
            if clash is not None:
                refused.append((domain, clash))
                continue
            merged[domain.slug] = domain
            for _, key in keys:
                names.setdefault(key, domain.slug)
        if len(merged) != len(self.domains):
            self.domains = merged
            self._index(names)
        return refused

    def clash(self, domain: AnyDomain) -> NameTaken | None:
        """The first of ``domain``'s names that another field already answers to, if any."""
        keys = [(name, name_key(name)) for name in names_of(domain)]
        taken = _first_clash(domain, keys, self._names, self.domains)
        if taken is not None:
            return taken
        if domain.slug in self.domains:
            return NameTaken(domain.slug, self.domains[domain.slug])
        return None

    @property
    def essay_domains(self) -> list[Domain]:
        """The fields the essay discusses, in file order."""
        return list(self.kb.domains)

    def _index_mentions(self) -> tuple[dict[NameWords, str], dict[str, tuple[int, ...]]]:
        """Every name's words -> its slug, and each first word -> name lengths, longest first.

        Built once per process so that reading a question costs one dict look-up per word.
        A name's plural (last word + "s": "videos") also counts, unless that is another
        name already; real names are indexed first so they always win.
        """
        names: dict[NameWords, str] = {}
        for domain in self.domains.values():
            for name in names_of(domain):
                if words := name_words(name):
                    names.setdefault(words, domain.slug)
        for words, slug in list(names.items()):
            if not words[-1].endswith("s"):
                names.setdefault((*words[:-1], words[-1] + "s"), slug)
        lengths: dict[str, set[int]] = {}
        for words in names:
            lengths.setdefault(words[0], set()).add(len(words))
        longest_first = {first: tuple(sorted(n, reverse=True)) for first, n in lengths.items()}
        return names, longest_first

    @classmethod
    def load(cls, directory: Path = KB_DIR) -> Library:
        return cls(load_knowledge_base(directory), fingerprint(directory))

    def resolve(self, name: str) -> AnyDomain | None:
        slug = self._names.get(name_key(name))
        return self.domains[slug] if slug else None

    def fields_in(self, text: str) -> FieldMentions:
        """The fields ``text`` names, in order of first mention, and its other words.

        Names match whole words, case-insensitively, hyphens and underscores counting as
        spaces; at each word the longest name wins, so "text-to-image" is image generation
        rather than "text" (LLMs), and "3dgs" is never read as "3d".
        """
        words = question_words(text)
        slugs: list[str] = []
        other: list[str] = []
        at = 0
        while at < len(words):
            length = self._longest_name_at(words, at)
            if length:
                slug = self._mention_names[tuple(words[at : at + length])]
                if slug not in slugs:
                    slugs.append(slug)
                at += length
            else:
                other.append(words[at])
                at += 1
        return FieldMentions([self.domains[slug] for slug in slugs], " ".join(other))

    def _longest_name_at(self, words: list[str], at: int) -> int:
        """How many words from ``at`` form the longest field name there (0: none)."""
        for length in self._mention_lengths.get(words[at], ()):
            if at + length <= len(words) and tuple(words[at : at + length]) in self._mention_names:
                return length
        return 0

    def domains_named_in(self, text: str) -> list[AnyDomain]:
        """The fields a question names, in order of first mention (see :meth:`fields_in`)."""
        return self.fields_in(text).domains

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Domain slugs whose names are closest to ``name``, best first."""
        matches = process.extract(name_key(name), list(self._names), scorer=fuzz.WRatio, limit=12)
        slugs: list[str] = []
        for candidate, score, _ in matches:
            slug = self._names[candidate]
            if score >= 60 and slug not in slugs:
                slugs.append(slug)
        return slugs[:limit]

    def published_growth(self, slug: str) -> tuple[PublishedGrowth, ...]:
        """Outside estimates of how fast field ``slug``'s data grows, as its file lists them.

        Shown beside the rate fitted on the ledger's record, with their sources. A field
        moderators added has none (nobody wrote any); an unknown slug is a KeyError.
        """
        domain = self.domains[slug]
        return tuple(domain.published_growth) if isinstance(domain, Domain) else ()

    @property
    def essay(self) -> Essay:
        return self.kb.essay

    @property
    def argument(self) -> list[Claim]:
        return self.kb.argument.steps

    def claims(self) -> list[tuple[str | None, int, Claim]]:
        """Every claim with its domain (None for the overall argument) and its position."""
        rows: list[tuple[str | None, int, Claim]] = [
            (None, n, claim) for n, claim in enumerate(self.argument)
        ]
        for domain in self.kb.domains:
            rows += [(domain.slug, n, claim) for n, claim in enumerate(domain.reasons)]
        return rows


def _first_clash(
    domain: AnyDomain,
    keys: list[tuple[str, str]],
    names: dict[str, str],
    domains: dict[str, AnyDomain],
) -> NameTaken | None:
    """The first of ``domain``'s names (``keys``: each with its key) that ``names`` gives
    to another field (see :meth:`Library.clash`)."""
    for name, key in keys:
        owner = names.get(key)
        if owner is not None and owner != domain.slug:
            return NameTaken(name, domains[owner])
    return None
