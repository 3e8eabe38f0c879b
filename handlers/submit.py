"""``/submit``: propose a data point; it stays pending until a moderator reviews it."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import kinds
from bot.commands import Command, Option, Request
from bot.errors import InvalidQuantity
from bot.kinds import Quantity
from bot.notices import PointPending
from bot.reply import Citation, Reply, ReplyField
from bot.submitpoint import submitted_point
from handlers import options
from handlers.cards import review_card
from handlers.check import job_for
from handlers.context import FigureContext, figure_context
from handlers.present import amount
from knowledge.ledger.values import Submitter
from knowledge.models import AnyDomain
from knowledge.quantity import format_quantity
from knowledge.units import is_count

NOTE_MAX = 500
URL_MAX = 500


def submit(
    request: Request,
    domain: AnyDomain,
    dataset: str,
    quantity: Quantity,
    unit: str,
    source: str,
    year: int | None,
    note: str | None,
) -> Reply:
    point = submitted_point(domain, dataset, quantity, unit, source, year, note)
    who = Submitter(request.user, request.platform, request.workspace, request.channel)
    submission = request.store.points.submit_once(point, who, request.request_id)
    stored = submission.stored or request.store.reads.get(submission.id)
    assert stored is not None, "a point just committed is there to read"
    fresh = not submission.replayed
    context = figure_context(
        request.store, stored, new_dataset=submission.new_dataset, just_stored=fresh
    )
    if fresh:  # a replay was posted for review, and checked, on its first delivery
        request.notify(PointPending(point_id=stored.id, message=review_card(context)))
        request.check_later(job_for(stored))
    # A replay is answered from the point as stored, the same way as its first delivery.
    shown = request.library.resolve(stored.domain) or domain
    return submitted(context, shown)


def submitted(context: FigureContext, domain: AnyDomain) -> Reply:
    """The confirmation of a stored submission: what it updates, drawn from the ledger."""
    point = context.point
    year, note = point.year, point.note
    figure = f"{format_quantity(point.quantity)} {point.unit}" + (f" ({year})" if year else "")
    if context.current is not None:
        updates = (
            f"It updates {point.dataset}'s {point.unit}: {amount(context.current)} now, "
            f"{context.change} once approved."
        )
    elif context.new_dataset:
        updates = f"{point.dataset} is a new dataset in {domain.name}."
        if context.look_alikes:
            updates += f" Did you mean {' or '.join(context.look_alikes)}? Nothing is merged "
            updates += "unless a moderator merges it."
    else:
        updates = f"It is {point.dataset}'s first figure in {point.unit}."
    # The canonical name stays; the spelling the submitter used is shown beside it.
    typed = f" (typed “{point.typed_name}”)" if point.typed_name != point.dataset else ""
    return Reply(
        title=f"Submitted #{point.id} for review",
        summary=f"{point.dataset}{typed}: {figure} in {domain.name}. {updates} A moderator "
        "will approve or reject it; until then it counts as pending.",
        fields=[
            ReplyField(name="Domain", value=domain.slug),
            ReplyField(name="Dataset", value=point.dataset),
            ReplyField(name="Quantity", value=f"{point.quantity_text} {point.unit}"),
            ReplyField(name="Year", value=str(year) if year else "not given"),
            ReplyField(name="Note", value=note or "none", inline=False),
        ],
        citations=[Citation(label=point.source_url, url=point.source_url)],
        footer=f"Moderators: /approve {point.id} or /reject {point.id} REASON",
        visibility="private",
        domain=domain.slug,
        colour=domain.colour,
        data={
            "id": point.id,
            "status": "pending",
            "quantity": point.quantity,
            "dataset": point.dataset,
            "dataset_id": point.dataset_id,
            "new_dataset": context.new_dataset,
            "updates": context.current.id if context.current else None,
            "look_alikes": context.look_alikes,
        },
    )


def whole_counts(values: dict[str, Any]) -> None:
    """A count of things (clips, objects, images...) has no fraction; hours may."""
    quantity: Quantity = values["quantity"]
    unit: str = values["unit"]
    if is_count(unit) and quantity.value != int(quantity.value):
        raise InvalidQuantity(
            f"A count of {unit} must be a whole number; `{quantity.text}` {unit} is not "
            f"(it is {quantity.value:,.10g}). Nothing was stored.",
            example=COMMAND_EXAMPLE,
            option="quantity",
        )


COMMAND_EXAMPLE = (
    '/submit 3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023'
)

COMMAND = Command(
    name="submit",
    order=60,
    description="Propose a dataset-size data point (with its source) for review",
    handler=submit,
    example=COMMAND_EXAMPLE,
    form=True,
    check=whole_counts,
    counts_as_submission=True,
    options=(
        options.field("The field, e.g. 3d"),
        options.dataset("Dataset name, e.g. Objaverse-XL"),
        Option("quantity", kinds.Amount(max_length=40), "How many, e.g. 10.2M, 5.85B, 800k"),
        Option("unit", kinds.Unit(max_length=40), "What is counted, e.g. objects, hours, tokens"),
        Option(
            "source",
            kinds.Link(label="source link", max_length=URL_MAX),
            "http(s) link to where the figure is published",
        ),
        Option(
            "year",
            kinds.WholeNumber(label="year", min_value=1950, max_value=date.today().year + 1),
            "Year the figure was published",
            required=False,
        ),
        Option(
            "note",
            kinds.Text(label="note", max_length=NOTE_MAX),
            "Anything a reviewer should know",
            required=False,
            greedy=True,
        ),
    ),
)
