"""Continuous replication of the ledger with Litestream (``SCALEBOT_REPLICA_URL``).

:mod:`bot.replica.url` checks and masks the address, :mod:`bot.replica.litestream` runs
the binary, :mod:`bot.replica.supervisor` keeps it beside the bot, :mod:`bot.replica.status`
tells doctor and metrics how the replica is (``replica_status``, ``ReplicaStatus``, here
too), :mod:`bot.replica.ledgercheck` checks a restored file. Nothing is imported until
asked for: the settings read the URL's module, and every process reads the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.replica.status import ReplicaStatus, replica_status

__all__ = ["ReplicaStatus", "replica_status"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.replica import status

        return getattr(status, name)
    raise AttributeError(f"module 'bot.replica' has no attribute {name!r}")
