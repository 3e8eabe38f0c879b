"""``/merge DATASET INTO [domain]``: two names of one dataset become one, history kept.

"Objavers-XL" was submitted as a new dataset; it is Objaverse-XL misspelt. A moderator
merges it: every figure of the first joins the second under the second's name, each
unit's current figure is worked out again, and the first name keeps finding the
second, so the next person who spells it that way updates the right dataset.
"""

from __future__ import annotations

from bot.commands import Command, Permission, Request
from bot.errors import InvalidValue, NotFound
from bot.phrasing import capitalized, counted
from bot.reply import Reply, ReplyField
from handlers import options
from handlers.present import measures_line
from knowledge.identity import Dataset
from knowledge.ledger.errors import SameDataset
from knowledge.models import AnyDomain
from knowledge.store import Store


def merge(request: Request, dataset: str, into: str, domain: AnyDomain | None) -> Reply:
    store = request.store
    source = _one(store, dataset, domain)
    field = domain or request.library.resolve(source.domain)
    target = store.catalog.find_dataset(source.domain, into)
    if target is None:
        raise NotFound(
            f"No dataset is called {into} in {field.name if field else source.domain}; both "
            "names must be of one field.",
            example=f'/merge "{source.name}" "{into}" domain:{source.domain}',
        )
    if target.id == source.id:
        raise already_one(dataset, into, target)
    try:
        merged = store.catalog.merge(source, target, request.user)
    except SameDataset as error:  # another merge of the two committed a moment ago
        raise already_one(dataset, into, error.dataset) from None
    source, target, moved = merged.source, merged.target, merged.moved
    figures = store.reads.figures_of([target.id], store.fields.headline(target.domain)).get(
        target.id, []
    )
    return Reply(
        title=f"Merged {source.name} into {target.name}",
        summary=f"{capitalized(counted(moved, 'figure'))} of {source.name} "
        f"{'is' if moved == 1 else 'are'} now {target.name}'s, history kept; the name "
        f"{source.name} now means {target.name}.",
        fields=[
            ReplyField(
                name="Current figures",
                value=measures_line(figures) if figures else "none approved yet",
                inline=False,
            ),
            ReplyField(name="Merged by", value=request.user),
        ],
        footer=f'History: /history "{target.name}" domain:{target.domain}',
        visibility="private",
        domain=target.domain,
        data={"from": source.id, "into": target.id, "moved": moved},
    )


def already_one(dataset: str, into: str, both: Dataset) -> InvalidValue:
    """The refusal of a merge whose two names mean one dataset: nothing is merged."""
    return InvalidValue(
        f"{dataset} and {into} are already one dataset ({both.name}); nothing was merged.",
        example=f'/history "{both.name}" domain:{both.domain}',
    )


def _one(store: Store, name: str, domain: AnyDomain | None) -> Dataset:
    if domain is not None:
        found = store.catalog.find_dataset(domain.slug, name)
        if found is None:
            raise NotFound(
                f"No dataset is called {name} in {domain.name}.",
                example=f'/merge "{name}" "OTHER NAME" domain:{domain.slug}',
            )
        return found
    candidates = store.catalog.find_datasets(name)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(
            f"No dataset is called {name}.", example='/merge "Objavers-XL" "Objaverse-XL"'
        )
    where = ", ".join(d.domain for d in candidates)
    raise InvalidValue(
        f"{name} is a dataset in several fields ({where}); say which with domain:.",
        example=f'/merge "{name}" "OTHER NAME" domain:{candidates[0].domain}',
    )


COMMAND = Command(
    name="merge",
    description="Moderators: make two names one dataset, keeping every figure's history",
    handler=merge,
    example='/merge "Objavers-XL" "Objaverse-XL"',
    permission=Permission.MODERATOR,
    order=97,
    options=(
        options.dataset("The name to merge away, e.g. Objavers-XL"),
        options.dataset(
            "The dataset it is, e.g. Objaverse-XL", name="into", label="dataset to merge into"
        ),
        options.field("Their field, when a name is used in several", required=False),
    ),
)
