"""``/domains``: every field the bot knows, with the names it answers to."""

from __future__ import annotations

from bot.commands import Command, Request
from bot.reply import Reply, ReplyField


def domains(request: Request) -> Reply:
    fields = [
        ReplyField(
            name=f"{domain.name} ({domain.slug})",
            value=f"{domain.summary}\nAlso: {', '.join(domain.aliases)}",
            inline=False,
        )
        for domain in request.library.domains.values()
    ]
    return Reply(
        title="Domains",
        summary="Use any of these names (or an alias) with /scale, /compare, /why, /datasets.",
        fields=fields,
        footer="Example: /scale video",
        data={"domains": list(request.library.domains)},
    )


COMMAND = Command(
    name="domains",
    order=30,
    pure=True,
    description="Every field the bot knows, with its aliases and a one-line summary",
    handler=domains,
    example="/domains",
)
