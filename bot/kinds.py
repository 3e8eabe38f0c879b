"""One small object per kind of option value: how it is read, checked, offered and shown.

discord.py's transformers bundle a value's conversion with its autocomplete; these do
the same without any platform. Each kind knows how many words of a typed command its
value spans, how to turn text into the value (or refuse it with a reply-ready error),
what to suggest while it is typed, and a few neutral hints the adapters read: whether
platforms send it as a number, and whether a form asks for it as a menu, a line or a
paragraph. A new kind of option is one class here; no adapter switches on kinds.

A kind carries its parameters, as discord.py's ``Range[int, 1, 100]`` carries its bounds:
its label, its longest text, its bounds and its fixed choices. ``Field(label="field",
max_length=60)`` says once what every field option is, and an :class:`Option` only adds
its name, description and whether it is required.

This module sits below :mod:`bot.commands` (which builds commands from options): it reads
a command through the :class:`Declared` protocol and never imports that module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol
from urllib.parse import urlsplit

from bot.errors import (
    InvalidQuantity,
    InvalidValue,
    NotText,
    UnknownDomain,
    UnknownUnit,
)
from bot.phrasing import join_and
from bot.plaintext import NotPlainText, check_line, shown
from bot.suggest import (
    LIMIT,
    Suggestion,
    choice_suggestions,
    command_suggestions,
    dataset_suggestions,
    domain_suggestions,
    unit_suggestions,
    unknown_command,
)
from knowledge.quantity import MULTIPLIER_WORDS, QuantityError, parse_quantity
from knowledge.units import UNITS, canonical_unit, suggest_units

if TYPE_CHECKING:
    from knowledge.kb import Library
    from knowledge.models import AnyDomain
    from knowledge.store import Store

#: How a form asks for a value: a menu of fixed entries, one line, or a paragraph.
Widget = Literal["menu", "line", "paragraph"]
#: A typed value spans at most this many words: ``image text pairs``.
MAX_VALUE_WORDS = 3
#: Limits above this are safety bounds, not something to tell people ("1 to 2**53 - 1").
_SHOWN_LIMIT = 10**9


@dataclass(frozen=True)
class Quantity:
    """A quantity as typed (kept verbatim) and its value."""

    text: str
    value: float


#: The widest integer bound an option may declare: 2**53 - 1, the largest integer a JSON
#: number holds exactly in JavaScript, and so the limit of Discord's ``min_value`` and
#: ``max_value`` (a command list with a bound beyond it is refused whole).
SAFE_INTEGER = 2**53 - 1


class Declared(Protocol):
    """A command as kinds read it: a :class:`bot.commands.Command` is one.

    A protocol rather than the class, so that this module needs nothing of
    :mod:`bot.commands`, which is built from it.
    """

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def example(self) -> str: ...

    @property
    def options(self) -> tuple[Option, ...]: ...


@dataclass(frozen=True)
class Context:
    """What reading or suggesting a value may consult.

    ``given`` holds the raw values of the command's other options, so far as known: the
    dataset names offered for ``/submit`` are those of the domain it names. ``store`` is
    None where the caller may not touch the database (another thread).
    """

    command: Declared
    library: Library
    commands: Mapping[str, Declared]
    store: Store | None = None
    given: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class Kind:
    """A kind of option value and its parameters. Subclasses override what differs from text.

    Kinds are values: two fields with the same parameters are equal, and one shared
    instance (``OptionType.DOMAIN``) serves every command that takes a field.
    """

    #: What a person calls the value ("field", "source link"): error replies say
    #: "/compare needs at least two fields", never the option's internal name.
    label: str = ""
    #: The longest text accepted for the value, in characters (checked before reading).
    max_length: int = 100
    #: A whole number's bounds, within ±:data:`SAFE_INTEGER` (checked by :class:`Option`).
    min_value: int | None = None
    max_value: int | None = None
    #: The only values accepted, lowercase, offered as they are.
    choices: tuple[str, ...] = ()

    name: ClassVar[str] = "text"
    #: The type platforms send the value as (Discord types whole numbers as integers).
    value_type: ClassVar[type] = str
    #: A token shaped like ``word:rest`` is ordinary text here (a note, a link, a name),
    #: never taken for an unknown option's name.
    takes_any_text: ClassVar[bool] = False
    #: Whether :meth:`suggest` offers anything, so adapters register autocomplete.
    suggests: ClassVar[bool] = False
    #: Whether :meth:`suggest` reads the ledger, so must run where the store lives.
    reads_ledger: ClassVar[bool] = False

    def words(self, words: Sequence[str]) -> int:
        """How many of ``words`` (the next few of a typed command) make one value."""
        return 1

    def convert(self, text: str, option: Option, context: Context) -> Any:
        """The value of ``text`` (already cleaned and within the option's length)."""
        return text

    def suggest(self, typed: str, option: Option, context: Context, limit: int) -> list[Suggestion]:
        """Candidates while ``typed`` is being typed, best first."""
        return []

    def widget(self, option: Option) -> Widget:
        """How a form asks for the value: a greedy long text is a paragraph."""
        return "paragraph" if option.greedy and self.max_length > 200 else "line"

    def menu(self, option: Option, context: Context) -> list[Suggestion]:
        """Every entry of a ``menu`` widget; kinds that are no menu have none."""
        return []

    def menu_value(self, text: str, option: Option, context: Context) -> str | None:
        """The menu entry a typed value selects (``nerf`` selects ``3d``), if any."""
        return None

    def __repr__(self) -> str:
        given = [
            f"{each.name}={getattr(self, each.name)!r}"
            for each in fields(self)
            if getattr(self, each.name) != each.default
        ]
        return f"<{self.name} option kind{': ' + ', '.join(given) if given else ''}>"


@dataclass(frozen=True)
class Option:
    """One option of a command: its name, its kind (which carries the value's parameters),
    what it is for, and whether it is required. ``greedy`` options take the rest of a text
    command's words.

    The kind's parameters read through it (``option.label``, ``option.max_length``...), so
    the adapters and the grammar see one declaration whichever holds them.
    """

    name: str
    type: Kind
    description: str
    required: bool = True
    default: Any = None
    greedy: bool = False

    def __post_init__(self) -> None:
        low, high = self.type.min_value, self.type.max_value
        for bound in (low, high):
            if bound is not None and not -SAFE_INTEGER <= bound <= SAFE_INTEGER:
                raise ValueError(
                    f"option {self.name!r}: the bound {bound} lies outside ±(2**53 - 1), "
                    "which chat platforms refuse (Discord refuses the whole command list); "
                    "declare a bound within it, e.g. max_value=2**53 - 1"
                )
        if low is not None and high is not None and low > high:
            raise ValueError(f"option {self.name!r}: min_value {low} is above max_value {high}")

    @property
    def label(self) -> str:
        return self.type.label

    @property
    def max_length(self) -> int:
        return self.type.max_length

    @property
    def min_value(self) -> int | None:
        return self.type.min_value

    @property
    def max_value(self) -> int | None:
        return self.type.max_value

    @property
    def choices(self) -> tuple[str, ...]:
        return self.type.choices

    @property
    def noun(self) -> str:
        """The label, or the name in plain words when no label is declared."""
        return self.label or self.name.replace("_", " ")

    @property
    def suggests(self) -> bool:
        """Whether values are offered while typed (fixed choices, or the kind's own)."""
        return bool(self.choices) or self.type.suggests


class Text(Kind):
    """Free text shown to others (a note, a reason): one line of visible characters."""

    name = "text"
    takes_any_text = True

    def convert(self, text: str, option: Option, context: Context) -> str:
        return one_line(text, option, context)

    def widget(self, option: Option) -> Widget:
        return "line"


class Question(Text):
    """A question to search with: never stored, so line breaks are only spacing."""

    name = "question"

    def convert(self, text: str, option: Option, context: Context) -> str:
        return " ".join(text.split())


class DatasetName(Text):
    """A dataset's name: free text, offered from the ledger's current datasets."""

    name = "dataset"
    suggests = True
    reads_ledger = True

    def suggest(self, typed: str, option: Option, context: Context, limit: int) -> list[Suggestion]:
        if context.store is None:
            return []
        domain = context.library.resolve(context.given.get("domain", ""))
        return dataset_suggestions(typed, context.store, domain.slug if domain else None, limit)


class Link(Kind):
    """An http(s) link to where a figure is published."""

    name = "url"
    takes_any_text = True

    def convert(self, text: str, option: Option, context: Context) -> str:
        one_line(text, option, context)
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
            raise InvalidValue(
                f"The {option.noun} must start with http:// or https://; got `{shown(text)}`.",
                example=context.command.example,
            )
        return text


class Field(Kind):
    """A research field, by slug, name or any alias, in any case; typos get a suggestion."""

    name = "domain"
    suggests = True

    def convert(self, text: str, option: Option, context: Context) -> Any:
        return resolve_domain(text, context.library, context.command)

    def suggest(self, typed: str, option: Option, context: Context, limit: int) -> list[Suggestion]:
        return domain_suggestions(typed, context.library, limit)

    def widget(self, option: Option) -> Widget:
        return "menu"

    def menu(self, option: Option, context: Context) -> list[Suggestion]:
        return [
            Suggestion(slug, domain.name, domain.name)
            for slug, domain in context.library.domains.items()
        ]

    def menu_value(self, text: str, option: Option, context: Context) -> str | None:
        domain = context.library.resolve(text)
        return domain.slug if domain else None


class Amount(Kind):
    """A quantity as people write it: ``4.3M``, ``10 million``, ``4,300,000``."""

    name = "quantity"

    def words(self, words: Sequence[str]) -> int:
        return 2 if len(words) > 1 and words[1].casefold() in MULTIPLIER_WORDS else 1

    def convert(self, text: str, option: Option, context: Context) -> Quantity:
        try:
            return Quantity(text, parse_quantity(text))
        except QuantityError as error:
            raise InvalidQuantity(
                f"The {option.noun} `{shown(text)}` {error}. Use a number such as "
                "`4.3M`, `5.85B`, `15T`, `10 million`, `1.2e9`, `800k` or `4,300,000`.",
                example=context.command.example,
            ) from None


class Unit(Kind):
    """A unit from the fixed vocabulary, by any accepted spelling (``hrs``, ``pairs``)."""

    name = "unit"
    suggests = True

    def words(self, words: Sequence[str]) -> int:
        for count in range(min(len(words), MAX_VALUE_WORDS), 1, -1):
            if canonical_unit(" ".join(words[:count])) is not None:
                return count
        return 1

    def convert(self, text: str, option: Option, context: Context) -> str:
        unit = canonical_unit(text)
        if unit is None:
            suggestions = suggest_units(text)
            hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
            raise UnknownUnit(
                f"`{shown(text)}` is not a unit I know.{hint} Units: {', '.join(UNITS)}.",
                example=context.command.example,
            )
        return unit

    def suggest(self, typed: str, option: Option, context: Context, limit: int) -> list[Suggestion]:
        return unit_suggestions(typed, limit)


class WholeNumber(Kind):
    """A whole number within the option's bounds (an id may start with ``#``)."""

    name = "integer"
    value_type = int

    def convert(self, text: str, option: Option, context: Context) -> int:
        limits = _integer_range(self)
        example = context.command.example
        try:
            value = int(text.removeprefix("#").replace(",", ""))
        except ValueError:
            raise InvalidValue(
                f"The {option.noun} must be a whole number {limits}; got `{shown(text)}`.",
                example=example,
            ) from None
        too_low = self.min_value is not None and value < self.min_value
        too_high = self.max_value is not None and value > self.max_value
        if too_high and self.max_value is not None and self.max_value >= _SHOWN_LIMIT:
            raise InvalidValue(f"The {option.noun} {value} is too large.", example=example)
        if too_low or too_high:
            raise InvalidValue(
                f"The {option.noun} must be a whole number {limits}; got {value}.",
                example=example,
            )
        return value


class Choice(Kind):
    """One of the option's fixed ``choices``, in any case."""

    name = "choice"
    suggests = True

    def convert(self, text: str, option: Option, context: Context) -> str:
        choice = text.casefold()
        if choice not in self.choices:
            raise InvalidValue(
                f"The {option.noun} must be {join_and(self.choices, 'or')}; got `{shown(text)}`.",
                example=context.command.example,
            )
        return choice

    def suggest(self, typed: str, option: Option, context: Context, limit: int) -> list[Suggestion]:
        return choice_suggestions(typed, self.choices, limit)

    def widget(self, option: Option) -> Widget:
        return "menu"

    def menu(self, option: Option, context: Context) -> list[Suggestion]:
        return [Suggestion(choice, choice) for choice in self.choices]

    def menu_value(self, text: str, option: Option, context: Context) -> str | None:
        return text.casefold() if text.casefold() in self.choices else None


class CommandName(Kind):
    """The name of one of the bot's commands, with or without its slash."""

    name = "command"
    suggests = True

    def convert(self, text: str, option: Option, context: Context) -> str:
        name = text.removeprefix("/").casefold()
        if name not in context.commands:
            raise unknown_command(name, context.commands, within=context.command.name)
        return name

    def suggest(self, typed: str, option: Option, context: Context, limit: int) -> list[Suggestion]:
        return command_suggestions(typed, context.commands, limit)


def suggest(option: Option, typed: str, context: Context, limit: int = LIMIT) -> list[Suggestion]:
    """Candidates for ``option`` given what has been typed of it, best first.

    The one entry for Discord's autocomplete and the console's Tab: fixed ``choices`` are
    offered as they are, anything else is the option's kind's business.
    """
    if option.choices:
        return choice_suggestions(typed, option.choices, limit)
    return option.type.suggest(typed, option, context, limit)


def one_line(text: str, option: Option, context: Context) -> str:
    """``text`` if it is one line of visible characters, else why it is refused."""
    try:
        check_line(text)
    except NotPlainText as problem:
        raise NotText(
            f"The {option.noun} {problem}. Nothing was stored: type it again as plain text.",
            example=context.command.example,
        ) from None
    return text


def resolve_domain(raw: str, library: Library, command: Declared | None = None) -> AnyDomain:
    """The domain ``raw`` names (slug, name, alias, any case), or why it names none.

    The example in the error is the command the user was typing, with the likeliest
    field put in, so it can be copied as it stands.
    """
    domain = library.resolve(raw)
    if domain is not None:
        return domain
    suggestions = library.suggest(raw)
    quoted = [f"`{slug}`" for slug in suggestions]
    hint = f" Did you mean {join_and(quoted, 'or')}?" if suggestions else ""
    known = ", ".join(library.domains)
    example = f"/scale {suggestions[0] if suggestions else 'video'}"
    if command is not None:
        fields = [option for option in command.options if isinstance(option.type, Field)]
        example = command.example
        if suggestions and len(fields) == 1:
            example = f"/{command.name} {suggestions[0]}"
    raise UnknownDomain(
        f"`{shown(raw)}` is not a field I know.{hint} Known fields: {known} (aliases: /domains). "
        "A moderator can add a field with /domain add.",
        example=example,
    )


def _number(value: int) -> str:
    """Years stay ``2027``; larger numbers get separators: ``100,000``."""
    return f"{value:,}" if value >= 10_000 else str(value)


def _integer_range(kind: Kind) -> str:
    low, high = kind.min_value, kind.max_value
    if high is not None and high < _SHOWN_LIMIT:
        return f"from {_number(low if low is not None else 0)} to {_number(high)}"
    return f"of {_number(low)} or more" if low is not None else ""


__all__ = [
    "LIMIT",
    "SAFE_INTEGER",
    "Amount",
    "Choice",
    "CommandName",
    "Context",
    "DatasetName",
    "Declared",
    "Field",
    "Kind",
    "Link",
    "Option",
    "Quantity",
    "Text",
    "Unit",
    "WholeNumber",
    "resolve_domain",
    "suggest",
]
