"""Members' request counts per window, as the rate limits keep them in the ledger file.

The counting rule is :mod:`knowledge.rates`'; this part runs it in the store's
transactions, which the reply cache does not take for a change of the ledger.
"""

from __future__ import annotations

from knowledge import rates
from knowledge.ledger.writes import Writer


class RateCounts:
    """Adds and reads rate-limit counts."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self.conn = writer.conn

    def add_counts(
        self, scope: str, window: int, expires: int, counts: dict[str, int]
    ) -> dict[str, int]:
        """Add admitted requests (user -> how many) to a window; returns the stored totals.

        One transaction for the whole batch; about once an hour it also deletes ended
        windows' rows.
        """
        with self._writer.write(ledger=False) as conn:
            totals = {
                user: rates.add(conn, user, scope, window, expires, count)
                for user, count in counts.items()
            }
            self._writer.sweep_rates(conn, window)
        return totals

    def count(self, user: str, scope: str, window: int) -> int:
        """How many of ``scope``'s requests ``user`` made in the window starting ``window``."""
        return rates.count(self.conn, user, scope, window)
