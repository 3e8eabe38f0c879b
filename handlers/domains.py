"""``/domains [page:N]``: every field the bot knows, with the names it answers to.

Moderators may add thousands of fields (``/domain add``); listed all at once they made a
reply of thousands of blocks (41 Slack messages at 2,000 fields). A page of
:data:`PAGE_SIZE` fields is one message on every platform, and pages are numbered and
chained like ``/datasets``' (``handlers/options.py``): the essay's fields first, then
the community's in the order they were added.
"""

from __future__ import annotations

import math

from bot.commands import Command, Request
from bot.errors import InvalidValue
from bot.phrasing import counted
from bot.reply import Page, Reply, ReplyField
from handlers import options

#: Fields a page: with the longest names and ten aliases each, one Slack message (50
#: blocks) and one Discord embed hold them.
PAGE_SIZE = 10


def domains(request: Request, page: int) -> Reply:
    every = list(request.library.domains.values())
    pages = max(1, math.ceil(len(every) / PAGE_SIZE))
    if page > pages:
        raise InvalidValue(
            f"The fields fill only {counted(pages, 'page')}, so there is no page {page}.",
            example=f"/domains page:{pages}",
        )
    shown = every[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    fields = [
        ReplyField(
            name=f"{domain.name} ({domain.slug})",
            value=domain.summary
            + (f"\nAlso: {', '.join(domain.aliases)}" if domain.aliases else ""),
            inline=False,
        )
        for domain in shown
    ]
    added = any(domain.community for domain in every)
    summary = "Use any of these names (or an alias) with /scale, /compare, /trend, /why, /datasets."
    if pages > 1:
        summary = f"{len(every)} fields, {PAGE_SIZE} a page. " + summary
    return Reply(
        title="Domains",
        summary=summary,
        fields=fields,
        footer="Example: /scale video"
        + (" · moderators add a field with /domain add" if not added else ""),
        page=Page(
            number=page,
            count=pages,
            next_command=f"/domains page:{page + 1}" if page < pages else None,
            previous_command=f"/domains page:{page - 1}" if page > 1 else None,
        ),
        data={
            "domains": [domain.slug for domain in shown],
            "community": [domain.slug for domain in shown if domain.community],
            "total": len(every),
        },
    )


COMMAND = Command(
    name="domains",
    order=30,
    pure=True,
    description="Every field the bot knows, with its aliases and a one-line summary, paginated",
    handler=domains,
    example="/domains",
    more_examples=("/domains page:2",),
    options=(options.page(),),
)
