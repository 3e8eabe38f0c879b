"""``scalebot digest [--send]``: the weekly digest from the command line, for cron.

A click command of its own module (``bot/cli.py`` registers it with the way it opens
the core), so the news desk's command line is read beside :mod:`bot.newsdesk`.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from bot.config import Settings
from bot.core import Core
from bot.courier import deliver_now
from bot.newsdesk import due_period, send_due_digest, utc_now


def digest_command(open_core: Callable[[click.Context], Core]) -> click.Command:
    """The ``digest`` command, opening the core with ``open_core`` (the CLI's)."""

    @click.command("digest")
    @click.option(
        "--send", is_flag=True, help="Claim the due digest and post it to the news channels."
    )
    @click.pass_context
    def digest(ctx: click.Context, send: bool) -> None:
        """The weekly digest that is due now: shown, or with --send posted once (for cron).

        The digest of a week is due at the first SCALEBOT_DIGEST_AT after it ends. --send
        claims it in the database, so a running bot, another cron job or a second run
        posts it no more; a quiet week is claimed and posts nothing.
        """
        settings: Settings = ctx.obj["settings"]
        core = open_core(ctx)
        now = utc_now()
        if not send:
            period = due_period(now, settings.digest_at, settings.digest_zone)
            shown = core.ask(f"/digest week:{period}", "console:" + settings.console_user)
            click.echo(shown.as_text())
            click.echo(f"\n(not sent: `scalebot digest --send` posts the digest of {period} once)")
            return
        if settings.digest_weekly and not settings.news_platforms():
            raise click.ClickException(
                "no news channel on a configured platform: set SCALEBOT_SLACK_NEWS_CHANNEL "
                "or SCALEBOT_DISCORD_NEWS_CHANNEL (and the platform's credentials)"
            )
        click.echo(send_due_digest(core, now, lambda posts: deliver_now(posts, settings)))

    return digest
