"""Pydantic models of the knowledge base files.

The files under ``knowledge/domains/`` and ``knowledge/argument.toml`` are written by
hand; these models are what makes a typo in one of them fail at start-up, with the file,
the entry and the field named, instead of surfacing later as a wrong answer in chat.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)


def _known_section(value: str, info: ValidationInfo) -> str:
    """A section must be one of the essay's parts, as ``knowledge/essay.toml`` lists them.

    The loader passes those parts as validation context; without a context (a model built
    by hand in a test) any non-empty name is accepted.
    """
    sections = (info.context or {}).get("sections")
    if sections is not None and value not in sections:
        raise ValueError(
            f"{value!r} is not a section of the essay; use one of: {', '.join(sections)}"
        )
    return value


#: A part of the essay by name: the opening or one of its headings (``knowledge/essay.toml``).
Section = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_known_section)]

Qualifier = Literal["exactly", "about", "more than", "at least", "millions of"]


def name_key(name: str) -> str:
    """How domain names are compared: case, hyphens, underscores and spacing don't count."""
    return " ".join(name.replace("-", " ").replace("_", " ").split()).casefold()


class _Strict(BaseModel):
    """Refuse unknown keys: a misspelt key in a hand-written file is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """Where a statement comes from: a section of the essay, or a URL for outside figures."""

    section: Section | None = None
    url: HttpUrl | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Citation:
        if (self.section is None) == (self.url is None):
            raise ValueError("give exactly one of 'section' or 'url'")
        return self

    @property
    def label(self) -> str:
        return f"essay, “{self.section}”" if self.section else str(self.url)


class Figure(_Strict):
    """The essay's scale figure for a domain, e.g. more than 4.3 million hours."""

    quantity: float = Field(gt=0, lt=1e18)
    unit: str = Field(min_length=1, max_length=40)
    qualifier: Qualifier = "exactly"
    what: str = Field(min_length=1, max_length=200, description="what is counted, own words")
    section: Section


class Claim(_Strict):
    """One statement in our own words, with the essay section it paraphrases."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    text: str = Field(min_length=10, max_length=400)
    section: Section


#: A field's slug: what commands and files name it by.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}$"


def aliases_are_words(aliases: list[str]) -> list[str]:
    """Each alias is a name someone types: not blank, at most 40 characters."""
    for alias in aliases:
        if not alias.strip() or len(alias) > 40:
            raise ValueError(f"alias {alias!r} must be 1-40 characters")
    return aliases


#: A published yearly factor above this is taken for a typo (a percentage written as a factor).
MAX_PUBLISHED_GROWTH = 100.0


class PublishedGrowth(_Strict):
    """An outside estimate of how fast a field's data grows, and who published it.

    It sits beside the rate ``/trend`` fits on the curated record, never in place of it:
    the estimates measure other things (the sets notable models were trained on, not
    the largest released set each year), so ``what`` says in our own words what is
    counted, and ``source`` is the page that states the figure.
    """

    per_year: float = Field(description="the yearly factor: 3.7 for ×3.7 a year")
    what: str = Field(min_length=10, max_length=200, description="what it measures, own words")
    source: HttpUrl = Field(description="the page that states the figure")
    by: str = Field(min_length=1, max_length=80, description="who published it: Epoch AI")
    authors: str | None = Field(default=None, min_length=1, max_length=200)
    year: int = Field(ge=1990, le=2100, description="the year it was published")
    note: str | None = Field(default=None, min_length=1, max_length=300)

    @field_validator("per_year")
    @classmethod
    def _grows(cls, value: float) -> float:
        if not math.isfinite(value) or not 1 < value <= MAX_PUBLISHED_GROWTH:
            raise ValueError(
                f"per_year is the yearly growth factor, above 1 and at most "
                f"{MAX_PUBLISHED_GROWTH:g}: write per_year = 3.7 for ×3.7 a year, or "
                f"1.5 for 50% a year (got {value!r})"
            )
        return value

    @field_validator("source", mode="before")
    @classmethod
    def _http_link(cls, value: object) -> object:
        if not isinstance(value, str) or not re.match(r"https?://\S+$", value):
            raise ValueError(
                "source must be the http(s) link of the page that states the figure, e.g. "
                f'source = "https://epoch.ai/data-insights/dataset-size-trend" (got {value!r})'
            )
        return value

    @property
    def label(self) -> str:
        """How it reads beside a fitted rate: ``×3.7 a year (Epoch AI, 2024)``."""
        return f"×{self.per_year:g} a year ({self.by}, {self.year})"


class Domain(_Strict):
    """A research field the essay measures against its scaling template."""

    #: The essay discusses it: its card, /why and /compare quote the essay.
    community: ClassVar[bool] = False

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=60)
    aliases: list[str] = Field(min_length=1)
    summary: str = Field(min_length=10, max_length=200)
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    headline_unit: str = Field(
        min_length=1,
        max_length=40,
        description="the unit whose largest dataset the domain card and /compare show",
    )
    fits_template: bool
    verdict: str = Field(min_length=10, max_length=300, description="why it fits or not")
    verdict_section: Section
    scale: Figure | None = None
    scale_note: str | None = Field(default=None, max_length=300)
    cost: str = Field(min_length=10, max_length=300)
    cost_section: Section
    reasons: list[Claim] = Field(min_length=1)
    published_growth: list[PublishedGrowth] = Field(
        default_factory=list,
        description="outside estimates of how fast the field's data grows, with sources",
    )

    _aliases_are_words = field_validator("aliases")(aliases_are_words)


class CommunityDomain(_Strict):
    """A field moderators added (``/domain add``) that the essay does not discuss.

    It has names, a colour and, if the moderator gave one, a headline unit: nothing
    else. There is no verdict, cost or reason to fill in, so no command can show a claim
    for it that nobody wrote; what it shows comes from the ledger.
    """

    community: ClassVar[bool] = True

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=60)
    aliases: list[str] = Field(default_factory=list, max_length=10)
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    #: The unit its largest dataset and its growth are read in; None when the moderator
    #: gave none (then the unit most of its figures use).
    headline_unit: str | None = Field(default=None, min_length=1, max_length=40)
    added_by: str = Field(min_length=1, max_length=120)
    added_at: str = Field(min_length=1, max_length=40)

    @property
    def summary(self) -> str:
        """What ``/domains`` says of it: who brought it in, and that the essay is silent."""
        return "Added by a moderator; the essay does not discuss it. Figures from the ledger only."

    _aliases_are_words = field_validator("aliases")(aliases_are_words)


#: Any field a command may be asked about: the essay's, or one moderators added.
AnyDomain = Domain | CommunityDomain


class Argument(_Strict):
    """The essay's overall argument as ordered claims (``/why`` with no domain)."""

    steps: list[Claim] = Field(min_length=1)


class EssayFigure(_Strict):
    """A scale figure the essay gives for one field, and how it prints it."""

    domain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,29}$")
    printed: str = Field(min_length=1, max_length=40, description="as written, to find it")
    quantity: float = Field(gt=0, lt=1e18)
    unit: str = Field(min_length=1, max_length=40)
    qualifier: Qualifier = "exactly"
    section: Section


class Essay(_Strict):
    """Facts about the essay itself: title, who wrote it, where it lives, its parts.

    Facts, not sentences: the tests check claims and figures against this record, and
    this record against the essay's text when that text is at hand.
    """

    title: str = Field(min_length=1, max_length=200)
    form: str = Field(min_length=1, max_length=40)
    author: str | None = Field(default=None, max_length=120)
    url: HttpUrl | None = None
    about_author: str = Field(min_length=1, max_length=200)
    responds_to: str = Field(min_length=1, max_length=200)
    opening: str = Field(min_length=1, max_length=80)
    headings: list[str] = Field(min_length=1)
    figures: list[EssayFigure] = Field(default_factory=list)

    @property
    def sections(self) -> tuple[str, ...]:
        """Every part in reading order: the untitled opening, then the headings."""
        return (self.opening, *self.headings)

    def figure(self, domain: str) -> EssayFigure | None:
        return next((f for f in self.figures if f.domain == domain), None)

    @model_validator(mode="after")
    def _figures_cite_own_sections(self) -> Essay:
        for number, figure in enumerate(self.figures):
            if figure.section not in self.sections:
                raise ValueError(
                    f"figures.{number}.section {figure.section!r} is not one of the "
                    f"essay's sections: {', '.join(self.sections)}"
                )
        return self


class KnowledgeBase(_Strict):
    """Everything loaded from the files, validated together (unique slugs and aliases)."""

    essay: Essay
    domains: list[Domain]
    argument: Argument

    @model_validator(mode="after")
    def _unique_names(self) -> KnowledgeBase:
        seen: dict[str, str] = {}
        for domain in self.domains:
            for name in (domain.slug, domain.name, *domain.aliases):
                key = name_key(name)
                owner = seen.setdefault(key, domain.slug)
                if owner != domain.slug:
                    raise ValueError(f"name {name!r} is used by both {owner!r} and {domain.slug!r}")
        claim_ids = [c.id for c in self.argument.steps]
        claim_ids += [c.id for d in self.domains for c in d.reasons]
        duplicates = {i for i in claim_ids if claim_ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"claim ids must be unique; repeated: {sorted(duplicates)}")
        return self
