"""``scalebot backup`` and ``scalebot restore``, and the replicated start of ``scalebot run``.

A click module of its own (``bot/cli.py`` registers its commands with the way it opens the
core), so a copy made now and the continuous one (:mod:`bot.replica`) read side by side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.config import Settings
from bot.core import Core
from bot.replica.url import ReplicaUrl, parse_replica_url

# bot.replica's other modules (subprocess, http.client) are imported when a replica is
# used: not by every `scalebot ask`.
OpenCore = Callable[[click.Context], Core]
NOTHING = "no matching backup files available"


def open_replicated(ctx: click.Context, open_core: OpenCore) -> Core:
    """The core for ``scalebot run``, replicated when ``SCALEBOT_REPLICA_URL`` is set.

    A missing database is restored from the replica first; Litestream starts once the
    database is open and stops after it is closed (the click context closes the core
    first), so its final sync ships the last writes.
    """
    settings: Settings = ctx.obj["settings"]
    if settings.replica_url is None or str(settings.db) == ":memory:":
        return open_core(ctx)
    from bot.replica.litestream import LitestreamFailed
    from bot.replica.supervisor import Replication

    try:
        replication = ctx.with_resource(Replication(settings))
    except LitestreamFailed as error:
        raise click.ClickException(
            f"{settings.db} is missing and cannot be restored from the replica "
            f"{settings.replica_url}: {error}. Nothing was started"
        ) from None
    core = open_core(ctx)
    try:
        replication.start()
    except (LitestreamFailed, OSError) as error:
        raise click.ClickException(f"cannot start Litestream: {error}") from None
    return core


def show_replica(settings: Settings) -> None:
    """``scalebot doctor``'s replica lines (none when no replica is set)."""
    from bot.replica.status import replica_status

    status = replica_status(settings)
    for line in status.lines() if status is not None else []:
        click.echo(line)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date and time; without a zone, UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time (example: --at 2026-12-03T09:30:00Z)",
            param_hint="--at",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def backup_commands(open_core: OpenCore) -> list[click.Command]:
    """``backup`` and ``restore``, opening the core with ``open_core`` (the CLI's)."""

    @click.command()
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
    @click.pass_context
    def backup(ctx: click.Context, path: Path, force: bool) -> None:
        """Copy the database to PATH with SQLite's online backup (safe while the bot runs)."""
        if path.exists() and not force:
            raise click.ClickException(f"{path} exists; pass --force to overwrite it")
        core = open_core(ctx)
        if path.resolve() == Path(core.store.path).resolve():
            raise click.ClickException("the backup must go to another file than the database")
        if force:  # whatever PATH held (even a non-SQLite file) is replaced, not written into
            for stale in (
                path,
                *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal")),
            ):
                stale.unlink(missing_ok=True)
        core.store.backup(path)
        click.echo(f"backed up {core.store.path} to {path}")

    @click.command("restore")
    @click.option("--from", "source", required=True, metavar="URL", help="The replica's URL.")
    @click.option(
        "--at", metavar="TIMESTAMP", help="Restore as of this time (ISO 8601; UTC if no zone)."
    )
    @click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The file to write; it must not exist.",
    )
    def restore_command(source: str, at: str | None, output: Path) -> None:
        """Restore the ledger from a Litestream replica into a new FILE, and check it.

        \b
        scalebot restore --from s3://my-bucket/scalebot -o scalebot.db
        scalebot restore --from file:///var/backups/scalebot --at 2026-12-03T09:30:00Z -o then.db
        """
        try:
            url = parse_replica_url(source, "--from")
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--from") from None
        moment = parse_moment(at) if at is not None else None
        taken = [p for p in (output, output.with_name(output.name + "-wal")) if p.exists()]
        if taken:
            raise click.ClickException(
                f"{taken[0]} exists; a restore writes a new file and never overwrites one: "
                f"give another -o, or move {taken[0]} away first"
            )
        from bot.replica.ledgercheck import NotALedger, check_ledger

        started = time.monotonic()
        restored_at = _restore(url, output, moment)
        took = time.monotonic() - started
        try:
            summary = check_ledger(output)
        except NotALedger as error:
            raise click.ClickException(
                f"restored {output} from {url}, but it is not a usable scalebot ledger: {error}"
            ) from None
        click.echo(f"restored {output} from {url} ({restored_at}) in {took:.1f} s")
        click.echo(f"integrity ok; {summary.describe()}")
        if summary.newer_schema:
            click.echo(
                f"note: its schema ({summary.last_migration}) is newer than this scalebot's; "
                "open it with the version that wrote it"
            )

    return [backup, restore_command]


def _restore(url: ReplicaUrl, output: Path, moment: datetime | None) -> str:
    """Run the restore; what it restored as words, or a clear error."""
    from bot.replica.litestream import LitestreamFailed, restore

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        restore(url, output, at=moment)
    except LitestreamFailed as error:
        if NOTHING in str(error) and moment is not None:
            raise click.ClickException(
                f"nothing restored: the replica {url} holds no state at or before "
                f"{moment.isoformat()}"
            ) from None
        if NOTHING in str(error):
            raise click.ClickException(
                f"nothing restored: the replica {url} holds no backup (is the URL right?)"
            ) from None
        raise click.ClickException(f"nothing restored from {url}: {error}") from None
    return f"as of {moment.isoformat()}" if moment is not None else "its latest state"
