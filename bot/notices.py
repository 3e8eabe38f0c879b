"""Notices: what a command tells people other than the one who ran it.

A new pending point, and a new dispute of a figure, are announced in the review
channels; a decided point is told to its submitter. Handlers record a notice on their
:class:`~bot.commands.Request` (``request.notify(...)``) with the message already
worded as a :class:`~bot.reply.Reply`; the core collects them, and whoever serves the
platforms delivers them after the command's reply, so a notice can never delay or
fail it.

Every notice goes either to the review channels (``recipient`` is None) or to one user
(``recipient`` is their ``platform:user_id``), or, with ``audience = "news"``, to the
news channels (:class:`NewsPost`: a new record, a correction, the weekly digest, sent by
:mod:`bot.newsdesk`, never by a handler). Deliverers read only that and the message,
never the kind of notice: a new kind is a new subclass here and a ``notify`` in its
handler, with no change to any platform's code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from bot.reply import Reply


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Something to announce about a data point, with the message to show."""

    point_id: int
    message: Reply
    #: Posted to the review channels as the point's card: deliverers remember where it
    #: went, so that a later notice that ``replaces_card`` edits it in place.
    is_card: ClassVar[bool] = False
    #: Replaces the point's card where one was posted (else it is posted as the card).
    replaces_card: ClassVar[bool] = False
    #: Where a notice without a recipient goes: the review channels, or the news channels
    #: (``SCALEBOT_SLACK_NEWS_CHANNEL``...), where its attachments (a chart) go with it.
    audience: ClassVar[Literal["review", "news"]] = "review"

    @property
    def recipient(self) -> str | None:
        """The one user to tell (``platform:user_id``), or None: the review channels."""
        return None

    @property
    def recipient_workspace(self) -> str | None:
        """The recipient's workspace (a Slack team id), when known: a Slack app installed
        in many workspaces writes to a member with that workspace's token."""
        return None


@dataclass(frozen=True, kw_only=True)
class PointPending(Notice):
    """A point was submitted and waits for a moderator: its review card, with buttons."""

    is_card: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class PointChecked(Notice):
    """A pending point's source was checked: its review card again, with the outcome.

    Edits the card posted for :class:`PointPending` in place (Slack's ``chat.update``,
    Discord's message edit), so a moderator sees one card per figure, now with what the
    source states; where no card was posted (or it cannot be found), it is posted anew.
    """

    is_card: ClassVar[bool] = True
    replaces_card: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class SourceDiffers(Notice):
    """The submitter hears that their source states other figures than theirs."""

    submitter: str
    #: Where the point was submitted from (``data_points.workspace``), if known.
    submitter_workspace: str | None = None

    @property
    def recipient(self) -> str | None:
        return self.submitter

    @property
    def recipient_workspace(self) -> str | None:
        return self.submitter_workspace


@dataclass(frozen=True, kw_only=True)
class PointDisputed(Notice):
    """A member flagged a figure: its card, with every open reason and the buttons that
    decide it (Keep / Withdraw for an approved figure, Approve / Reject for a pending one).

    Posted for every flag, pending figures included: a moderator about to approve a
    point from its first card should see that a member doubts it.
    """

    #: Open disputes of the figure, this one included.
    disputes: int


@dataclass(frozen=True, kw_only=True)
class PointDecided(Notice):
    """A moderator approved or rejected a point: its submitter hears the outcome."""

    decision: Literal["approve", "reject"]
    submitter: str
    #: Where the point was submitted from (``data_points.workspace``), if known.
    submitter_workspace: str | None = None

    @property
    def recipient(self) -> str | None:
        return self.submitter

    @property
    def recipient_workspace(self) -> str | None:
        return self.submitter_workspace


@dataclass(frozen=True, kw_only=True)
class NewsPost(Notice):
    """News for the news channels: a new record (with its chart), a correction, a digest.

    ``point_id`` is the record's point, 0 for a digest; ``about`` names it in log lines
    (``record #12``, ``digest 2026-W48``). Posted as it is, attachments included.
    """

    about: str
    audience: ClassVar[Literal["review", "news"]] = "news"


@dataclass(frozen=True)
class NewsRenderers:
    """How news is worded: the handlers' renderers, which the registry hands to the core
    (:attr:`bot.core.Core.news`) so that the runtime imports no handler.

    ``announcement(store, item, images, library=, web_url=)`` words one outbox row;
    ``digest(store, facts, images, period, library=, web_url=)`` a week.
    """

    announcement: Callable[..., Reply]
    digest: Callable[..., Reply]


def platform_of(user: str) -> str:
    """``slack:U1`` -> ``slack`` (the platform whose adapter can reach that user)."""
    return user.partition(":")[0]


class Deliverer(Protocol):
    """One platform's way of delivering notices (its review and news channels, its DMs).

    ``deliver`` decides for itself whether a notice concerns its platform and does
    nothing when it does not. It reports a failure it expects (the platform refused,
    the user blocks direct messages) in one log line and returns; it never raises for it.
    """

    platform: str

    async def deliver(self, notice: Notice) -> None: ...
