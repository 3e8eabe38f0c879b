"""``/domains``: every field the bot knows, with the names it answers to."""

from __future__ import annotations

from bot.commands import Command, Request
from bot.reply import Reply, ReplyField


def domains(request: Request) -> Reply:
    fields = [
        ReplyField(
            name=f"{domain.name} ({domain.slug})",
            value=domain.summary
            + (f"\nAlso: {', '.join(domain.aliases)}" if domain.aliases else ""),
            inline=False,
        )
        for domain in request.library.domains.values()
    ]
    added = [slug for slug, domain in request.library.domains.items() if domain.community]
    return Reply(
        title="Domains",
        summary="Use any of these names (or an alias) with /scale, /compare, /trend, /why, "
        "/datasets.",
        fields=fields,
        footer="Example: /scale video"
        + (" · moderators add a field with /domain add" if not added else ""),
        data={"domains": list(request.library.domains), "community": added},
    )


COMMAND = Command(
    name="domains",
    order=30,
    pure=True,
    description="Every field the bot knows, with its aliases and a one-line summary",
    handler=domains,
    example="/domains",
)
