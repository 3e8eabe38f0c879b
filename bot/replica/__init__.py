"""Continuous replication of the ledger with Litestream (``SCALEBOT_REPLICA_URL``).

:mod:`bot.replica.url` checks and masks the address, :mod:`bot.replica.litestream` runs
the binary, :mod:`bot.replica.supervisor` keeps it beside the bot, :mod:`bot.replica.status`
tells doctor and metrics how the replica is, :mod:`bot.replica.ledgercheck` checks a
restored file.
"""

from bot.replica.status import ReplicaStatus, replica_status

__all__ = ["ReplicaStatus", "replica_status"]
