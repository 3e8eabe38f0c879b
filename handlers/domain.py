"""``/domain add SLUG "NAME" [aliases:"a, b"] [unit:UNIT]``: moderators add a field.

The essay measures six fields; a lab will want to follow others (audio, protein
structures...). A field added here is stored in the ledger, so it outlives restarts and
is seen by every process, and it is served at once: autocomplete, aliases, ``/domains``,
``/submit``, ``/datasets``, ``/trend`` and ``/compare``, with no command registered again
(field options are completed from the library, never listed in a platform's schema).

Its card says the essay does not discuss it and shows only what the ledger holds. It
cannot take a slug, name or alias of the essay's fields, nor of another added field.
``add`` is an option rather than part of the name because Discord's command names take
no spaces; the option leaves room for more actions.
"""

from __future__ import annotations

import re

from bot import kinds
from bot.commands import Command, Option, Permission, Request
from bot.errors import InvalidValue, NameInUse
from bot.plaintext import shown
from bot.reply import Reply, ReplyField
from knowledge import community
from knowledge.kb import NameTaken
from knowledge.ledger.values import now
from knowledge.models import SLUG_PATTERN, CommunityDomain

#: Aliases a moderator may give in one go, and the longest one.
MAX_ALIASES = 10
ALIAS_MAX = 40
EXAMPLE = '/domain add audio "Audio generation" aliases:"tts, speech" unit:hours'


def domain(
    request: Request,
    action: str,
    slug: str,
    name: str,
    aliases: str | None,
    unit: str | None,
) -> Reply:
    assert action == "add", "the only action the option's choices allow"
    candidate = CommunityDomain(
        slug=_slug(slug),
        name=name.strip(),
        aliases=_aliases(aliases),
        colour=community.pick_colour(d.colour for d in request.library.domains.values()),
        headline_unit=unit,
        added_by=request.user,
        added_at=now(),
    )
    clash = request.library.clash(candidate)
    if clash is not None:
        raise _taken(clash.name, clash.owner.name, clash.owner.slug, clash.owner.community)
    try:
        request.store.fields.add_domain(candidate)
    except community.NameInUse as taken:
        # Another process added a field with this name since this one loaded its fields.
        owner = request.library.domains.get(taken.owner)
        raise _taken(taken.name, owner.name if owner else taken.owner, taken.owner, True) from None
    try:
        request.library.add_community(candidate)
    except NameTaken as late:  # cannot happen after the check above, on one thread
        raise _taken(late.name, late.owner.name, late.owner.slug, late.owner.community) from None
    names = ", ".join([candidate.name, *candidate.aliases])
    return Reply(
        title=f"Added {candidate.name} ({candidate.slug})",
        summary=(
            f"{candidate.name} now answers everywhere a field does: /scale, /trend, /compare, "
            "/datasets, /submit and autocomplete. The essay does not discuss it, so its card "
            "shows only what the ledger holds."
        ),
        fields=[
            ReplyField(name="Names", value=names),
            ReplyField(
                name="Unit",
                value=unit or "none given: the unit most of its figures are counted in",
            ),
            ReplyField(name="Colour", value=candidate.colour),
        ],
        footer=f"Next: /submit {candidate.slug} DATASET QUANTITY UNIT SOURCE YEAR",
        visibility="private",
        domain=candidate.slug,
        colour=candidate.colour,
        data={
            "domain": candidate.slug,
            "name": candidate.name,
            "aliases": candidate.aliases,
            "unit": unit,
            "colour": candidate.colour,
        },
    )


def _slug(text: str) -> str:
    slug = text.strip().casefold()
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidValue(
            f"A field's slug is 1 to 30 lowercase letters, digits and hyphens, starting with a "
            f"letter or digit; `{shown(text)}` is not one.",
            example=EXAMPLE,
            option="slug",
        )
    return slug


def _aliases(text: str | None) -> list[str]:
    """``"tts, speech"`` as ``["tts", "speech"]``: each kept once, in the order given."""
    found: list[str] = []
    for alias in (text or "").split(","):
        alias = " ".join(alias.split())
        if alias and alias.casefold() not in (a.casefold() for a in found):
            found.append(alias)
    if len(found) > MAX_ALIASES:
        raise InvalidValue(
            f"A field takes at most {MAX_ALIASES} aliases; you gave {len(found)}.",
            example=EXAMPLE,
            option="aliases",
        )
    long = next((alias for alias in found if len(alias) > ALIAS_MAX), None)
    if long is not None:
        raise InvalidValue(
            f"An alias is at most {ALIAS_MAX} characters; `{shown(long[:50])}` is {len(long)}.",
            example=EXAMPLE,
            option="aliases",
        )
    return found


def _taken(name: str, owner: str, owner_slug: str, added: bool) -> NameInUse:
    whose = "a field added by a moderator" if added else "a field the essay discusses"
    return NameInUse(
        f"`{name}` is already a name of {owner} ({owner_slug}), {whose}; a new field needs "
        "a slug, name and aliases of its own.",
        example=EXAMPLE,
    )


COMMAND = Command(
    name="domain",
    order=98,
    permission=Permission.MODERATOR,
    description="Moderators: add a field the essay does not discuss, with its names and unit",
    handler=domain,
    example=EXAMPLE,
    more_examples=('/domain add proteins "Protein structures" unit:objects',),
    options=(
        Option(
            "action",
            kinds.Choice(label="action", choices=("add",), max_length=10),
            "What to do: add",
        ),
        Option(
            "slug",
            kinds.Text(label="slug", max_length=30),
            "Its short name, e.g. audio (lowercase letters, digits, hyphens)",
        ),
        Option(
            "name",
            kinds.Text(label="name", max_length=60),
            "Its full name, e.g. Audio generation",
        ),
        Option(
            "aliases",
            kinds.Text(label="aliases", max_length=400),
            'Other names, comma-separated, e.g. "tts, speech"',
            required=False,
        ),
        Option(
            "unit",
            kinds.Unit(label="unit", max_length=40),
            "The unit its datasets are ranked and its growth read in, e.g. hours",
            required=False,
        ),
    ),
)
