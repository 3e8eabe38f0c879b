"""User-caused errors: raised anywhere in a command, turned into a reply in one place.

Each carries what was wrong and an example of right, so the reply can always show both;
the core catches :class:`UserError` once (``Core.dispatch``), never in handlers.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user typed or asked for cannot be done; never a bug of ours."""

    title = "That did not work"

    def __init__(self, message: str, example: str | None = None, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        #: The option at fault, when there is one: forms show the message on that field.
        self.option = option


class UnknownCommand(UserError):
    title = "Unknown command"


class BadSyntax(UserError):
    title = "Could not read that command"


class TooManyValues(BadSyntax):
    title = "Too many values"


class GivenTwice(BadSyntax):
    """One option given two values (twice by name, or by position and by name)."""

    title = "Given twice"


class MissingOption(UserError):
    title = "Something is missing"


class InvalidValue(UserError):
    title = "Invalid value"


class UnknownDomain(InvalidValue):
    title = "Unknown domain"


class InvalidQuantity(InvalidValue):
    title = "Invalid quantity"


class UnknownUnit(InvalidValue):
    title = "Unknown unit"


class TooLong(InvalidValue):
    title = "Too long"


class NotText(InvalidValue):
    """Text that would not read as what it is: undecodable bytes, forged lines, disguises."""

    title = "Not plain text"


class NameInUse(InvalidValue):
    """A new field would take a name another field answers to."""

    title = "Name already taken"


class NotFound(UserError):
    title = "Not found"


class Conflict(UserError):
    title = "Already decided"


class NotAllowed(UserError):
    title = "Moderators only"


class OwnFigure(UserError):
    """A member vouching for a figure they submitted: a confirmation is another's check."""

    title = "Your own figure"


class AlreadyCounted(UserError):
    """A member's second confirmation, or second open dispute, of the same figure."""

    title = "Already counted"


class LedgerBusyError(UserError):
    """Another process kept the ledger's write lock past the busy timeout (an import, say)."""

    title = "The ledger is busy"


class WritesOff(UserError):
    """The database cannot be written (a read-only file or mount); reads still answer."""

    title = "Writes are off"


class DiskFull(UserError):
    """The disk under the database is full: retrying cannot help until space is freed."""

    title = "Not stored: the disk is full"


class NotStored(UserError):
    """The operating system failed to write the database (an I/O error)."""

    title = "Not stored"


class RateLimited(UserError):
    """Over a rate limit: the reply says which one and when to try again; nothing stored.

    ``limit`` names it as its counts are stored: ``commands`` or ``submissions``.
    """

    title = "Slow down"

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class MetricsUnavailable(Exception):
    """``SCALEBOT_METRICS_PORT`` cannot be served (the port is taken, say): the reason."""


class PlatformRefused(Exception):
    """A platform refused what a service must register to start (Discord, its command list).

    The message says what was refused and why, in words: the CLI prints it and exits 1.
    """
