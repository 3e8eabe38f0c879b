"""The ``scalebot`` command: a thin click shell over :class:`bot.core.Core`.

Everything here is also doable from Python; the CLI only parses flags, opens the core,
prints, and maps failures to exit codes (0 ok, 1 refused or failed, 2 usage).
"""

from __future__ import annotations

import asyncio
import csv
import json
import platform as platform_module
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import click
from pydantic import SecretStr, ValidationError

from bot import importer, logs, publishcli
from bot.backupcli import backup_commands, open_replicated, show_replica
from bot.config import NO_MODERATOR_HELP, Settings, environment_variable
from bot.console import (
    console_user,
    files_folder,
    is_terminal,
    run_console,
    save_attachments,
    saved_lines,
)
from bot.core import Core
from bot.courier import after_reply
from bot.csvcells import csv_cell
from bot.errors import MetricsUnavailable
from bot.failures import storage_error
from bot.healthcli import health
from bot.importer import IMPORT_COLUMNS, ImportFailed, ImportInterrupted
from bot.manifestcli import manifest_command
from bot.newscli import digest_command
from bot.serve import PlatformRefused, Service, serve
from bot.web import WebUnavailable
from knowledge.imports import Import
from knowledge.kb import KnowledgeBaseError, Library
from knowledge.ledger.faults import StorageFault
from knowledge.ledger.values import DataPoint

PLATFORMS = ("console", "discord", "slack", "all")
#: Chat platforms this version can serve.
ADAPTERS = ("discord", "slack")
CREDENTIALS_HELP = (
    "Set DISCORD_TOKEN for Discord, and SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET "
    "(HTTP) or SLACK_APP_TOKEN (Socket Mode) for Slack, or SLACK_CLIENT_ID, "
    "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (OAuth), in the environment or in .env."
)


def load_settings(db: str | None) -> Settings:
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        raise click.ClickException(f"configuration is invalid: {problems}") from None
    if db:
        settings = settings.model_copy(update={"db": Path(db)})
    return settings


def open_core(ctx: click.Context) -> Core:
    settings: Settings = ctx.obj["settings"]
    try:
        core = Core.open(settings=settings)
    except KnowledgeBaseError as error:
        raise click.ClickException(f"knowledge base: {error}") from None
    except StorageFault as fault:
        raise click.ClickException(storage_error(fault).message) from None
    ctx.call_on_close(core.close)
    return core


@click.group()
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="SQLite database file (default: $SCALEBOT_DB, else ./scalebot.db).",
)
@click.version_option(package_name="scalebot")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """scalebot: which AI fields have the data to scale, answered in chat."""
    settings = load_settings(db)
    logs.configure(settings)
    ctx.obj = {"settings": settings}


@cli.command()
@click.argument("platform", required=False, type=click.Choice(PLATFORMS))
@click.option("--as", "user", help="Console user name (default: $SCALEBOT_CONSOLE_USER).")
@click.pass_context
def run(ctx: click.Context, platform: str | None, user: str | None) -> None:
    """Run the bot: PLATFORM is console, discord, slack or all.

    With no PLATFORM, every platform whose credentials are configured runs, or the
    terminal console when none are.
    """
    settings: Settings = ctx.obj["settings"]
    configured = settings.configured_platforms()
    # The web view runs beside the chat platforms once it has a port.
    web = ["web"] if settings.web_port is not None else []
    if platform == "all" and not configured and not web:
        raise click.ClickException(f"no platform credentials are configured. {CREDENTIALS_HELP}")
    if platform is None:
        platform = "all" if configured else "console"
    if platform == "console":
        core = open_replicated(ctx, open_core)
        run_console(core, console_user(user or settings.console_user))
        return
    wanted = configured if platform == "all" else [platform]
    missing = [name for name in wanted if name not in configured]
    if missing:
        raise click.ClickException(
            f"{' and '.join(missing)} credentials are not configured. {CREDENTIALS_HELP}"
        )
    unavailable = [name for name in wanted if name not in ADAPTERS]
    if unavailable:
        raise click.ClickException(
            f"the {' and '.join(unavailable)} adapter is not available in this version yet; "
            "use `scalebot run console`."
        )
    if platform == "all":
        wanted = [*wanted, *web]
    core = open_replicated(ctx, open_core)
    serve_until_stopped(wanted, core, settings)


def serve_until_stopped(
    services: list[str],
    core: Core,
    settings: Settings,
    on_ready: Callable[[Sequence[Service]], None] | None = None,
) -> None:
    """Run ``services`` until a signal; a service that cannot start is a clean error.

    A web view whose port is taken, or a command list Discord refuses, stops the run
    with the reason in words and exit code 1, never a traceback.
    """
    try:
        asyncio.run(serve(services, core, settings, on_ready=on_ready))
    except (WebUnavailable, PlatformRefused, MetricsUnavailable) as error:
        raise click.ClickException(str(error)) from None


@cli.command()
@click.option("--host", help="Address to listen on (default: $SCALEBOT_WEB_HOST, else 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port to listen on (default: $SCALEBOT_WEB_PORT, else 8001).",
)
@click.pass_context
def web(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the ledger read-only in the browser (Datasette) until Ctrl-C.

    Pages: every field's current figures with facets, every figure with its status,
    the datasets, canned queries (a dataset's history, the pending queue, a field's
    growth record) and charts at /-/charts. No platform user ids unless
    SCALEBOT_WEB_SHOW_USERS=1; the visitor's own SQL only with SCALEBOT_WEB_ALLOW_SQL=1.
    """
    from bot.web.service import DEFAULT_PORT, WebService

    settings: Settings = ctx.obj["settings"]
    chosen = port if port is not None else settings.web_port
    settings = settings.model_copy(
        update={
            "web_host": host or settings.web_host,
            "web_port": DEFAULT_PORT if chosen is None else chosen,
        }
    )
    core = open_core(ctx)

    def ready(started: Sequence[Service]) -> None:
        for service in started:
            if isinstance(service, WebService):
                click.echo(f"Serving the ledger read-only at {service.url} (Ctrl-C stops)")

    serve_until_stopped(["web"], core, settings, on_ready=ready)


@cli.command()
@click.argument("text")
@click.option("--as", "user", help="Console user name; the user id is console:USER.")
@click.option("--json", "as_json", is_flag=True, help="Print the reply model as JSON.")
@click.pass_context
def ask(ctx: click.Context, text: str, user: str | None, as_json: bool) -> None:
    """Run one command through the core and print the reply, e.g. "/scale video".

    Plain text, unless standard output is a terminal: then drawn with colour and tables.
    """
    settings: Settings = ctx.obj["settings"]
    core = open_core(ctx)
    who = console_user(user or settings.console_user)
    reply = core.ask(text, who, workspace="local", channel="terminal")
    if as_json:
        click.echo(reply.model_dump_json(indent=2))
    elif is_terminal(sys.stdout):
        from bot.terminal import make_console, renderable

        make_console(sys.stdout).print(renderable(reply))
    else:
        click.echo(reply.as_text())
    for line in saved_lines(save_attachments(reply, files_folder(settings.db))):
        click.echo(line, err=as_json)
    # --json prints one document and nothing else: the check is in /check's and /history's.
    after_reply(core, None if as_json else click.echo)
    if reply.kind == "error":
        ctx.exit(1)


@cli.command()
@click.argument("domains", nargs=-1, required=True)
@click.option("--unit", help="The unit to follow (default: each field's headline unit).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The PNG file to write.",
)
@click.pass_context
def chart(ctx: click.Context, domains: tuple[str, ...], unit: str | None, output: Path) -> None:
    """Write the growth chart of DOMAIN, or of several side by side, as a PNG.

    One field: its record in a unit by year, every approved figure and the fitted rate,
    as /trend shows it on Slack and Discord. Several: each field's record as a multiple
    of its first, as /compare shows them.
    """
    from bot import fieldgrowth
    from bot.errors import UserError
    from bot.kinds import resolve_domain
    from knowledge.units import canonical_unit

    core = open_core(ctx)
    try:
        fields = [resolve_domain(name, core.library) for name in domains]
    except UserError as error:
        raise click.ClickException(error.message) from None
    slugs = [field.slug for field in fields]
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if repeated:
        raise click.ClickException(f"name each field once ({', '.join(repeated)} is repeated)")
    chosen = None
    if unit is not None:
        chosen = canonical_unit(unit)
        if chosen is None:
            raise click.ClickException(f"{unit!r} is not a unit of knowledge/units.py")
    found = [fieldgrowth.read(core.store, field, chosen) for field in fields]
    if len(found) == 1:
        drawn = fieldgrowth.trend_chart(core.store, found[0])
        if drawn is None:
            raise click.ClickException(f"nothing to draw: {found[0].reason}; {found[0].remedy}")
    else:
        if not any(entry.records for entry in found):
            raise click.ClickException("nothing to draw: none of these fields has dated figures")
        drawn = fieldgrowth.compare_chart(core.store, found)
    try:
        output.write_bytes(drawn.png)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"Wrote {output} ({len(drawn.png):,} bytes)")
    click.echo(drawn.alt)


@cli.group("discord")
def discord_group() -> None:
    """Discord set-up: command sync and the invite link."""


def _discord_settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    if settings.discord_token is None:
        raise click.ClickException(
            "DISCORD_TOKEN is not set: copy the bot token from the Developer Portal "
            "(your application > Bot > Reset Token) into .env as DISCORD_TOKEN=..."
        )
    return settings


@discord_group.command("sync")
@click.pass_context
def discord_sync(ctx: click.Context) -> None:
    """Register the slash commands now (globally, or in SCALEBOT_DISCORD_GUILD)."""
    from bot.discord.client import sync_commands
    from bot.runner import AsyncCore

    settings = _discord_settings(ctx)
    async_core = AsyncCore(open_core(ctx))
    try:
        count = asyncio.run(sync_commands(async_core, settings))
    except PlatformRefused as error:
        raise click.ClickException(str(error)) from None
    finally:
        async_core.close()
    where = f"in guild {settings.discord_guild}" if settings.discord_guild else "globally"
    click.echo(f"synced {count} commands {where}")


@discord_group.command("invite-url")
@click.option("--application-id", type=int, help="Default: read from DISCORD_TOKEN.")
@click.pass_context
def discord_invite_url(ctx: click.Context, application_id: int | None) -> None:
    """Print the link that adds the bot to a server, with the minimum permissions."""
    from bot.discord.client import application_id_from_token, fetch_application_id, invite_url

    if application_id is None:
        settings = _discord_settings(ctx)
        token = settings.discord_token
        assert token is not None
        application_id = application_id_from_token(token.get_secret_value())
        if application_id is None:
            application_id = asyncio.run(fetch_application_id(settings))
    click.echo(invite_url(application_id))


@cli.group()
def kb() -> None:
    """The knowledge base files."""


@kb.command("check")
def kb_check() -> None:
    """Validate the knowledge base files and print what they hold."""
    try:
        library = Library.load()
        core = Core.open(":memory:")
    except KnowledgeBaseError as error:
        raise click.ClickException(f"knowledge base is invalid:\n{error}") from None
    except ImportFailed as error:
        raise click.ClickException(f"curated data points are invalid: {error}") from None
    domains = library.kb.domains
    aliases = sum(len(d.aliases) for d in domains)
    claims = len(library.claims())
    curated = core.store.reads.totals().get("approved", 0)
    core.close()
    click.echo(
        f"knowledge base OK: {len(domains)} domains, {aliases} aliases, {claims} claims "
        f"({len(library.argument)} argument steps), {curated} curated data points"
    )
    essay = library.essay
    click.echo(
        f"essay: “{essay.title}” ({essay.form}), {len(essay.sections)} sections, "
        f"{len(essay.figures)} figures; claims cite: {', '.join(essay.sections)}"
    )


@cli.command("import")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--as", "user", help="Who is importing (recorded in the audit log).")
@click.option(
    "--resume",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Store the rest of interrupted import ID from FILE (the same file).",
)
@click.option(
    "--undo",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Take out the rows interrupted import ID stored (no FILE).",
)
@click.pass_context
def import_(
    ctx: click.Context, file: Path | None, user: str | None, resume: int | None, undo: int | None
) -> None:
    """Bulk-load approved data points from a CSV file, all or nothing.

    Columns: domain,dataset,quantity,unit,year,source_url,note (as knowledge/datasets.csv).
    Every row is checked first (each bad one is named with its line; then nothing is
    stored), then rows are stored in short batches, so chat writes go on meanwhile. If
    storing fails, the rows stored are taken out again; if the process was killed, run
    again with --resume ID (the same FILE) or --undo ID, ID as printed at the start.

    \b
    scalebot import points.csv
    scalebot import points.csv --resume 7
    scalebot import --undo 7
    """
    settings: Settings = ctx.obj["settings"]
    who = console_user(user or settings.console_user)
    if undo is not None:
        if file is not None or resume is not None:
            raise click.UsageError("--undo takes an import id alone: scalebot import --undo 7", ctx)
        undo_import(open_core(ctx), undo, who)
        return
    if file is None:
        raise click.UsageError(
            "give the CSV file to import: scalebot import points.csv "
            "(or --undo ID to take out an interrupted import)",
            ctx,
        )
    core = open_core(ctx)
    if resume is None:
        for held in importer.unfinished(core.store):
            click.echo(f"note: {unfinished_note(held)}", err=True)

    def started(held: Import) -> None:
        verb = "storing the rest" if resume is not None else "storing them"
        click.echo(
            f"import #{held.id}: {held.rows:,} rows of {held.file} checked; {verb} in "
            f"batches (if this process is killed: scalebot import --undo {held.id})",
            err=True,
        )

    report = Progress()
    try:
        done = importer.import_csv(core, file, who, resume=resume, started=started, progress=report)
    except ImportFailed as error:
        raise click.ClickException(f"nothing imported: {error}") from None
    except ImportInterrupted as error:
        raise click.ClickException(str(error)) from None
    except StorageFault as fault:
        raise click.ClickException(storage_error(fault).message) from None
    click.echo(f"imported {done.rows} data points from {file.name} (import #{done.id})")


class Progress:
    """Says how many rows are stored, at most every :attr:`every` seconds."""

    every = 10.0

    def __init__(self) -> None:
        self._next = time.monotonic() + self.every

    def __call__(self, written: int) -> None:
        if time.monotonic() >= self._next:
            click.echo(f"{written:,} rows stored", err=True)
            self._next = time.monotonic() + self.every


def unfinished_note(held: Import) -> str:
    """An unfinished import, and the two ways to end it."""
    return (
        f"import #{held.id} of {held.file} is not finished ({held.written:,} of "
        f"{held.rows:,} rows stored, last batch at {held.updated_at}); if no process is "
        f"writing it any more, store the rest with `scalebot import {held.file} --resume "
        f"{held.id}` or take them out with `scalebot import --undo {held.id}`"
    )


def undo_import(core: Core, import_id: int, user: str) -> None:
    try:
        undone = importer.undo(core.store, import_id, user)
    except ImportFailed as error:
        raise click.ClickException(f"nothing undone: {error}") from None
    except StorageFault as fault:
        raise click.ClickException(
            f"import #{import_id} is not fully undone ({fault}): run "
            f"`scalebot import --undo {import_id}` again to finish"
        ) from None
    kept = f", {undone.withdrawn} withdrawn (someone had acted on them)" if undone.withdrawn else ""
    click.echo(f"import #{import_id} undone: {undone.removed} data points taken out{kept}")


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@click.pass_context
def export(ctx: click.Context, fmt: str, output) -> None:
    """Write every data point (all statuses, with review fields) as CSV or JSON.

    In CSV a text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...)
    starts with ``'``; ``scalebot import`` takes it off again. JSON is exact."""
    core = open_core(ctx)
    points = core.store.reads.all_points()
    columns = list(DataPoint.__dataclass_fields__)
    if fmt == "json":
        json.dump([p.as_dict() for p in points], output, indent=2)
        output.write("\n")
        return
    ordered = [*IMPORT_COLUMNS, *(c for c in columns if c not in IMPORT_COLUMNS)]
    writer = csv.DictWriter(output, fieldnames=ordered, extrasaction="ignore")
    writer.writeheader()
    for point in points:
        row = point.as_dict()
        row["quantity"] = point.quantity_text
        # A name or note that would start a formula is written as text (bot/csvcells.py).
        writer.writerow({column: csv_cell(value) for column, value in row.items()})


def _shown(value: object) -> str:
    if isinstance(value, SecretStr):
        return "set (hidden)" if value.get_secret_value() else "empty"
    if value is None:
        return "not set"
    if isinstance(value, frozenset | tuple):  # a tuple's order means something: kept
        return ", ".join(value if isinstance(value, tuple) else sorted(value)) or "none"
    return str(value)


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Show configuration (secrets hidden), database, schema and counts."""
    settings: Settings = ctx.obj["settings"]
    click.echo("configuration:")
    for name in Settings.model_fields:
        click.echo(f"  {environment_variable(name):24} {_shown(getattr(settings, name))}")
    platforms = settings.configured_platforms()
    click.echo(f"platforms configured: {', '.join(platforms) or 'none (console only)'}")
    if not settings.moderators_possible():
        click.echo(f"warning: no moderator can exist: {NO_MODERATOR_HELP}")
    core = open_core(ctx)
    click.echo(f"database: {Path(core.store.path).resolve()}")
    if core.store.read_only:
        click.echo(f"database: read-only ({core.store.read_only}); writes are off")
    click.echo(f"schema: {', '.join(core.store.schema_version())}")
    show_replica(settings)
    totals = core.store.reads.totals()
    click.echo("data points: " + ", ".join(f"{v} {k}" for k, v in totals.items()))
    library = core.library
    click.echo(
        f"knowledge base: {len(library.domains)} domains, {len(library.claims())} claims, "
        f"fingerprint {library.fingerprint[:12]}"
    )
    versions = []
    for package in ("discord.py", "slack-bolt", "pydantic", "sqlite-utils"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} missing")
    click.echo(f"python {platform_module.python_version()}; " + ", ".join(versions))


@cli.command("check")
@click.option("--curated", is_flag=True, help="Every curated figure (needs the network).")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A curated CSV to check instead of the knowledge base's (same columns).",
)
@click.option("--fresh", is_flag=True, help="Fetch again what was fetched within a day.")
@click.pass_context
def check(ctx: click.Context, curated: bool, path: Path | None, fresh: bool) -> None:
    """Check figures against their cited sources: `scalebot check --curated` (maintainers)."""
    from bot.curatedcheck import check_curated  # the fetching stack, only when asked for

    if not curated:
        raise click.UsageError("say which figures to check, e.g. `scalebot check --curated`")
    try:
        report = check_curated(ctx.obj["settings"], open_core(ctx), path, fresh=fresh)
    except ImportFailed as error:
        raise click.ClickException(f"curated data points are invalid: {error}") from None
    if report.offline:
        raise click.ClickException(report.offline)
    click.echo("\n".join([*report.table(), "", report.summary()]))


cli.add_command(digest_command(open_core))
cli.add_command(publishcli.publish_command(open_core))
for _command in backup_commands(open_core):
    cli.add_command(_command)
cli.add_command(manifest_command)
cli.add_command(health)


def main() -> None:
    cli(prog_name="scalebot")


if __name__ == "__main__":
    main()
