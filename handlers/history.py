"""``/history DATASET [domain] [page]``: every figure of one dataset, unit by unit, oldest first.

A dataset's current figures are only the latest word. Its history shows how it got
there: each figure with its status, who submitted it, who decided and when, its source,
what the bot found at that source (its check), and how much it changed from the
approved figure before it in the same unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.commands import Command, Request
from bot.errors import InvalidValue, NotFound
from bot.phrasing import capitalized, counted
from bot.reply import Page, Reply
from bot.web.links import history_url
from handlers import options
from handlers.checkwords import check_status
from handlers.present import amount, measures_line, moment, source, unique, web_page
from knowledge.identity import Dataset
from knowledge.ledger.values import DataPoint
from knowledge.models import AnyDomain
from knowledge.sourcecheck import SourceCheck
from knowledge.store import Store

PAGE_SIZE = 20


def history(request: Request, dataset: str, domain: AnyDomain | None, page: int) -> Reply:
    store = request.store
    found = _dataset(store, request, dataset, domain)
    total = store.history.size(found.id)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        raise InvalidValue(
            f"{found.name} has {total} figures, {pages} page(s) of {PAGE_SIZE}; there is no "
            f"page {page}.",
            example=f'/history "{found.name}" page:{pages}',
        )
    figures = store.history.figures(found.id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    checks = store.checks.of_points([point.id for point in figures])
    lines = list(_lines(store, figures, checks))
    current = store.reads.figures_of([found.id], store.fields.headline(found.domain)).get(
        found.id, []
    )
    field = request.library.resolve(found.domain)
    field_name = field.name if field else found.domain

    def command(number: int) -> str:
        return f'/history "{found.name}" domain:{found.domain} page:{number}'

    web = (
        [web_page("the whole history", history_url(request.web_url, found.name))]
        if request.web_url
        else []
    )

    return Reply(
        title=f"History of {found.name} ({field_name})",
        summary=(
            f"{capitalized(counted(total, 'figure'))}, unit by unit, oldest first. Current: "
            + (measures_line(current).split(": ", 1)[1] if current else "none approved yet")
        ),
        items=lines,
        citations=unique([source(point) for point in figures]) + web,
        page=Page(
            number=page,
            count=pages,
            next_command=command(page + 1) if page < pages else None,
            previous_command=command(page - 1) if page > 1 else None,
        ),
        footer=f"Figures: /datasets {found.domain} · a newer figure? /submit",
        domain=found.domain,
        colour=field.colour if field else None,
        data={
            "dataset": found.name,
            "dataset_id": found.id,
            "domain": found.domain,
            "total": total,
            "ids": [point.id for point in figures],
            # Each figure's source check, in the order of ``ids`` (None: not checked).
            "checks": [
                check.as_data() if (check := checks.get(point.id)) else None for point in figures
            ],
        },
    )


def _dataset(store: Store, request: Request, name: str, domain: AnyDomain | None) -> Dataset:
    """The dataset ``name`` means (in ``domain`` if given), or a reply saying why not."""
    if domain is not None:
        found = store.catalog.find_dataset(domain.slug, name)
        candidates = [found] if found else []
    else:
        candidates = store.catalog.find_datasets(name)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        where = ", ".join(d.domain for d in candidates)
        raise InvalidValue(
            f"{name} is a dataset in several fields ({where}); say which with domain:.",
            example=f'/history "{name}" domain:{candidates[0].domain}',
        )
    names = store.catalog.dataset_names(domain.slug if domain else None, name[:3], 3)
    hint = f" Did you mean {' or '.join(names)}?" if names else ""
    raise NotFound(
        f"No dataset is called {name}{f' in {domain.name}' if domain else ''}.{hint}",
        example=f'/history "{names[0]}"' if names else "/datasets video",
    )


def _lines(store: Store, figures: list[DataPoint], checks: Mapping[int, SourceCheck]) -> list[str]:
    """One line per figure, with its change from the approved figure before it."""
    before: dict[str, DataPoint | None] = {}
    lines = []
    for point in figures:
        if point.unit not in before:
            before[point.unit] = store.history.approved_before(point)
        previous = before[point.unit]
        lines.append(_line(point, previous, checks.get(point.id)))
        if point.status == "approved":
            before[point.unit] = point
    return lines


def _line(point: DataPoint, previous: DataPoint | None, check: SourceCheck | None) -> str:
    year = point.year if point.year is not None else "no year"
    status = point.status + (", current" if point.is_current else "")
    if point.disputes:
        status += f", disputed ({point.disputes})"
    checked = check_status(check, point)
    if checked:
        status += f", {checked}"
    decided = (
        f"; decided by {point.reviewed_by} on {moment(point.reviewed_at)}"
        if point.reviewed_by
        else ""
    )
    change = ""
    if previous is not None and previous.quantity > 0:
        change = f"; ×{point.quantity / previous.quantity:,.3g} from #{previous.id}"
    return (
        f"#{point.id} {amount(point)} ({year}): {status}; submitted by {point.submitted_by}"
        f"{decided}{change}"
    )


COMMAND = Command(
    name="history",
    description="Every figure of one dataset, unit by unit, oldest first, with who and when",
    handler=history,
    example='/history "Objaverse-XL"',
    more_examples=("/history InternVid domain:video",),
    order=75,
    pure=True,
    options=(
        options.dataset("The dataset's name, e.g. InternVid"),
        options.field("Its field, when the name is used in several", required=False),
        options.page(),
    ),
)
