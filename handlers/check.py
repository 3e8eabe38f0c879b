"""``/check ID``: read a figure's cited source again and say whether it states the figure.

Anyone may run it: it only reads a public page and records what the page says. It
fetches afresh (the day's cache is skipped), so a source corrected since the last check
is seen. The same recording serves the check that runs after ``/submit`` (see
:func:`after_submit`): the outcome is stored with the point, a pending point's review
card is redrawn with it (edited in place where the platform allows), and a submitter
whose source states other figures hears of it.
"""

from __future__ import annotations

from bot.checking import CheckJob
from bot.commands import Command, Request
from bot.errors import NotFound
from bot.notices import Notice, PointChecked, SourceDiffers
from bot.reply import Reply, ReplyField
from handlers import options
from handlers.cards import review_card
from handlers.checkwords import check_details, check_line
from handlers.context import figure_context
from handlers.present import amount, source
from knowledge.ledger.values import DataPoint
from knowledge.sourcecheck import SourceCheck
from knowledge.store import Store

#: Where members find figures' ids.
FIND_IDS = "/datasets video lists figures with their ids"


def check(request: Request, id: int) -> Reply:
    point = request.store.reads.get(id)
    if point is None:
        raise NotFound(f"There is no data point #{id}.", example=FIND_IDS)
    if not request.checks_sources:
        return checks_off(point, request.store.checks.of(point.id))
    outcome = request.check_now(job_for(point, fresh=True))
    for notice in record(request.store, point.id, outcome, tell_submitter=False):
        request.notify(notice)
    return checked(point, outcome)


def checks_off(point: DataPoint, last: SourceCheck | None) -> Reply:
    """``SCALEBOT_CHECK_SOURCES=0``: no page is read; the last check, if any, is shown."""
    off = "Source checks are off on this bot (SCALEBOT_CHECK_SOURCES=0), so no page was read."
    if last is None:
        shown = checked(point, None)
        return shown.model_copy(
            update={"summary": f"{off} #{point.id} has not been checked.", "data": shown.data}
        )
    shown = checked(point, last)
    return shown.model_copy(
        update={"summary": f"{off} The last check, on {last.checked_at}: {shown.summary}"}
    )


def checked(point: DataPoint, outcome: SourceCheck | None) -> Reply:
    """The reply: the figure, what its source states, each figure found and where."""
    fields = [ReplyField(name="Figure", value=f"{amount(point)} ({point.status})")]
    details = check_details(outcome) if outcome is not None else []
    if details:
        fields.append(ReplyField(name="Found in the source", value="\n".join(details)))
    if outcome is not None and outcome.read_url and outcome.read_url != point.source_url:
        fields.append(ReplyField(name="Read", value=outcome.read_url))
    return Reply(
        title=f"#{point.id} · {point.domain} · {point.dataset}: {amount(point)}",
        summary=check_line(outcome, point),
        fields=fields,
        citations=[source(point)],
        domain=point.domain,
        data={
            "id": point.id,
            "status": point.status,
            "check": None if outcome is None else outcome.as_data(),
        },
    )


def job_for(point: DataPoint, *, fresh: bool = False) -> CheckJob:
    """What checking ``point`` needs, copied off the ledger."""
    return CheckJob(
        point_id=point.id,
        url=point.source_url,
        value=point.quantity,
        unit=point.unit,
        record=after_submit,
        fresh=fresh,
    )


def after_submit(store: Store, job: CheckJob, outcome: SourceCheck) -> list[Notice]:
    """The check that runs once ``/submit`` has answered: recorded, and told."""
    return record(store, job.point_id, outcome, tell_submitter=True)


def record(
    store: Store, point_id: int, outcome: SourceCheck, *, tell_submitter: bool
) -> list[Notice]:
    """Store ``outcome`` with the point; who should hear of it.

    A pending point's card is redrawn with the outcome. The submitter hears when their
    source states other figures (``tell_submitter``: the first check, not every rerun).
    """
    store.checks.record(point_id, outcome)
    point = store.reads.get(point_id)
    if point is None:
        return []
    notices: list[Notice] = []
    if point.status == "pending":
        card = review_card(figure_context(store, point))
        notices.append(PointChecked(point_id=point.id, message=card))
    if tell_submitter and outcome.status == "differs":
        notices.append(
            SourceDiffers(
                point_id=point.id,
                submitter=point.submitted_by,
                submitter_workspace=point.workspace,
                message=told(point, outcome),
            )
        )
    return notices


def told(point: DataPoint, outcome: SourceCheck) -> Reply:
    """The submitter's message: their figure, what the source states instead, what to do."""
    return Reply(
        title=f"The source of #{point.id} states another figure",
        summary=f"You submitted {amount(point)} for {point.dataset} ({point.domain}). "
        f"{check_line(outcome, point)}. If the source is right, a moderator will see "
        f"the same; /check {point.id} reads it again after a correction.",
        fields=[ReplyField(name="Found in the source", value="\n".join(check_details(outcome)))],
        citations=[source(point)],
        domain=point.domain,
        data={"id": point.id, "check": outcome.as_data()},
    )


COMMAND = Command(
    name="check",
    description="Read a figure's source again and say whether it states the figure",
    handler=check,
    example="/check 12",
    order=68,
    pure=False,
    options=(options.point_id(),),
)
