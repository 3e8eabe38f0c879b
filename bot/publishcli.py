"""``scalebot publish OUT_DIR``: the public snapshot from the command line.

A click command of its own module (``bot/cli.py`` registers it with the way it opens
the core); the work is :mod:`bot.publish.snapshot`'s.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import click

from bot.core import Core


def publish_command(open_core: Callable[[click.Context], Core]) -> click.Command:
    """The ``publish`` command, opening the core with ``open_core`` (the CLI's)."""

    @click.command("publish")
    @click.argument("out_dir", type=click.Path(path_type=Path))
    @click.pass_context
    def publish(ctx: click.Context, out_dir: Path) -> None:
        """Write what the web view shows, and nothing else, to OUT_DIR.

        ledger.db (SQLite, for `datasette --immutable`), a CSV and a JSON file per table,
        every field's growth chart as PNG and datapackage.json (the Frictionless
        descriptor: the ledger's last change, the counts, each file's SHA-256). The same
        ledger gives the same bytes. OUT_DIR is written beside itself and swapped in
        whole, so a web server never serves half a snapshot; it must be new, empty, or
        a snapshot an earlier run wrote.

        \b
        scalebot publish snapshot/
        datasette --immutable snapshot/ledger.db --metadata snapshot/metadata.json
        """
        # Datasette, matplotlib and the web view's modules load here, not with the CLI.
        from bot.publish.folder import FolderRefused
        from bot.publish.snapshot import publish as write_snapshot

        core = open_core(ctx)
        try:
            done = write_snapshot(core.store, core.library, out_dir)
        except FolderRefused as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"cannot write {out_dir}: {error.strerror}") from None
        except sqlite3.Error as error:  # VACUUM INTO a full disk, say
            raise click.ClickException(f"cannot write {out_dir}: {error}") from None
        counts = done.counts
        click.echo(
            f"published {counts['figures']:,} figures ({counts['approved']:,} approved, "
            f"{counts['pending']:,} pending, {counts['rejected']:,} rejected), "
            f"{counts['datasets']:,} datasets and {counts['charts']} charts to {out_dir} "
            f"({done.files} files; the ledger as of {done.created})"
        )

    return publish
