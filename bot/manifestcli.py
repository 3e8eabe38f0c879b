"""``scalebot manifest``: the Slack app's manifest, for token mode or for OAuth installs.

Kept apart from :mod:`bot.cli` so that other commands never import slack-bolt:
the manifest's module (:mod:`bot.slack.manifest`) is imported when this one runs.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("manifest")
@click.option(
    "--url",
    metavar="URL",
    help="The bot's public address (https://bot.example.org): Slack sends its requests "
    "to URL/slack/events. Without it, the manifest is for Socket Mode.",
)
@click.option(
    "--distribute",
    is_flag=True,
    help="For an app any workspace installs through OAuth: adds URL/slack/oauth_redirect, "
    "the scopes the install asks for and the uninstall events (needs --url).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: standard output).",
)
def manifest_command(url: str | None, distribute: bool, output: Path | None) -> None:
    """Write the Slack app manifest: paste it into api.slack.com/apps > Create New App.

    \b
    scalebot manifest                      # Socket Mode, as slack_manifest.yaml
    scalebot manifest --url https://bot.example.org
    scalebot manifest --url https://bot.example.org --distribute
    """
    from bot.registry import COMMANDS
    from bot.slack.manifest import (
        BASE_EXAMPLE,
        as_yaml,
        base_url,
        build_manifest,
        distributed_manifest,
    )

    if distribute and url is None:
        raise click.UsageError(
            "--distribute needs the bot's public address, where Slack sends installers "
            f"back: scalebot manifest --url {BASE_EXAMPLE} --distribute"
        )
    try:
        if distribute:
            assert url is not None
            manifest = distributed_manifest(COMMANDS, url)
        else:
            events = None if url is None else base_url(url) + "/slack/events"
            manifest = build_manifest(COMMANDS, events)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--url") from None
    text = as_yaml(manifest, made_by="`scalebot manifest`")
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"Wrote {output}", err=True)
