"""What a user is told when a command fails: a user error, a refused write, our own bug.

One wording for every platform and the CLI, so a refusal reads the same wherever it is
met. The core turns every failure of a command into one of these replies; the adapters
use :func:`internal_error` for what fails before or after the core, and the CLI prints
:func:`storage_error`'s message.
"""

from __future__ import annotations

import logging

from bot.errors import DiskFull, LedgerBusyError, NotStored, RateLimited, UserError, WritesOff
from bot.reply import Reply
from knowledge.ledger.faults import (
    LedgerBusy,
    LedgerFull,
    LedgerReadOnly,
    LedgerUnavailable,
    StorageFault,
)

log = logging.getLogger(__name__)


def internal_error() -> Reply:
    """What a user is told when something of ours failed, on every platform alike.

    Never the exception's text: that is for the log, with the traceback.
    """
    return Reply(
        title="Something went wrong on our side",
        summary="The error is logged for the admin; nothing you sent was lost. "
        "Please try again in a moment.",
        kind="error",
        visibility="private",
        data={"error": "InternalError"},
    )


def storage_error(fault: StorageFault) -> UserError:
    """What a user is told when SQLite could not store a write, in chat and in the CLI alike.

    Each says that nothing was stored and whether trying again can help: a held lock
    passes, a read-only file or a full disk does not until the admin acts.
    """
    if isinstance(fault, LedgerBusy):
        return LedgerBusyError(
            f"The ledger is busy: another process (a bulk import, say) has held its write "
            f"lock for over {fault.seconds:g} s. Nothing was stored; try again in a minute."
        )
    if isinstance(fault, LedgerReadOnly):
        return WritesOff(
            f"Writes are off because {fault.reason}. Nothing was stored; "
            "commands that only read still answer.",
            example="/scale video",
        )
    if isinstance(fault, LedgerFull):
        return DiskFull(
            "The disk that holds the ledger is full, so nothing was stored. Trying again "
            "will not help until the admin frees space; the log names the file."
        )
    if isinstance(fault, LedgerUnavailable):
        return NotStored(f"The ledger cannot be opened: {fault}.")
    return NotStored(
        "The ledger's disk failed to write, so nothing was stored. "
        "The admin has the cause in the log."
    )


def error_reply(error: UserError) -> Reply:
    """A user's mistake as a private reply: the message, and an example that would work."""
    summary = error.message
    if error.example:
        summary += f"\nExample: {error.example}"
    data = {"error": type(error).__name__, "example": error.example, "option": error.option}
    if isinstance(error, RateLimited):
        data["limit"] = error.limit  # which one: the metrics count refusals by it
    return Reply(title=error.title, summary=summary, kind="error", visibility="private", data=data)


def refused_write(name: str, fault: StorageFault) -> Reply:
    """The reply to a command whose write SQLite refused, and one log line for the admin.

    A full disk or an I/O error needs the admin, so it is an error naming the cause and
    the file; a held lock or a read-only file is a warning. No traceback: the cause is
    known, and the rest of the bot is fine.
    """
    needs_admin = not isinstance(fault, LedgerBusy | LedgerReadOnly)
    log.log(
        logging.ERROR if needs_admin else logging.WARNING,
        "/%s stored nothing: %s",
        name,
        fault,
    )
    return error_reply(storage_error(fault))
