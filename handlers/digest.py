"""``/digest [week:YYYY-Www]``: the week's news on demand, as the news channel gets it.

The same reply the weekly post is (:func:`handlers.news.digest_reply`), for this ISO week
so far or any past one, on every platform and the console. A week is an ISO week
(``2026-W48``, Monday to Sunday) in the lab's time zone (``SCALEBOT_DIGEST_TZ``, UTC by
default), the zone the weekly post's weeks are counted in, so both name the same week.
The reply depends on the clock, so the command is not pure: a kept reply would go stale
as the week goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from bot import kinds
from bot.commands import Command, Option, Request
from bot.errors import InvalidValue
from bot.plaintext import shown
from bot.reply import Reply
from handlers import news
from knowledge.digest import iso_week, week_bounds, week_facts, week_start, zone

#: ``2026-W48``; ``2026-w48``, ``2026W48`` and ``2026-W7`` are read too.
WEEK = re.compile(r"^(\d{4})-?[wW](\d{1,2})$")
EXAMPLE = "/digest week:2026-W48"

#: The clock ``/digest`` reads "this week" from (tests set it).
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def digest(request: Request, week: str | None) -> Reply:
    now = clock()
    tz = zone(request.time_zone)
    period = iso_week(now, tz) if week is None else read_week(week)
    if week_start(period, tz) > now:
        raise InvalidValue(
            f"The week {period} has not begun yet; this week is {iso_week(now, tz)}.",
            example=EXAMPLE,
            option="week",
        )
    start, end = week_bounds(period, tz)
    facts = week_facts(request.store, start, end, domains=list(request.library.domains.values()))
    return news.digest_reply(
        request.store,
        facts,
        request.images,
        period,
        library=request.library,
        web_url=request.web_url,
    )


def read_week(text: str) -> str:
    """``2026-W48`` from what was typed, or an error that shows a correct week."""
    found = WEEK.match(text.strip())
    if found is None:
        raise InvalidValue(
            f"The week must be an ISO week such as 2026-W48 (year, W, week number); "
            f"got `{shown(text)}`.",
            example=EXAMPLE,
            option="week",
        )
    year, number = int(found.group(1)), int(found.group(2))
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        last = date(year, 12, 28).isocalendar().week
        raise InvalidValue(
            f"{year} has weeks 1 to {last}; there is no week {number}.",
            example=EXAMPLE,
            option="week",
        ) from None
    return f"{year}-W{number:02d}"


COMMAND = Command(
    name="digest",
    order=85,
    draws=True,
    description="The week's news: figures approved, new records, what waits for review",
    handler=digest,
    example="/digest",
    more_examples=(EXAMPLE,),
    options=(
        Option(
            "week",
            kinds.Text(label="week", max_length=12),
            "An ISO week such as 2026-W48 (default: this week)",
            required=False,
        ),
    ),
)
