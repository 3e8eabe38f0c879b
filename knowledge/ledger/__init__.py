"""The community ledger, one module per job; :class:`knowledge.store.Store` puts them together.

- ``values``: the value types a caller hands in and gets back, and time stamps.
- ``errors``: what the ledger refuses (a missing point, a final decision, ...).
- ``faults``: storage faults (lock, read-only, disk full, I/O) and telling them apart.
- ``opening``: connections, WAL, and the read-only fallback.
- ``writes``: the write transaction, the rate charge it pays, the audit log.
- ``replay``: request keys, so a redelivered request is answered, never acted on twice.
- ``version``: the ledger's version, and results kept while it holds.
- ``rows``: the one select a point is read by, and small reads writes share.
- ``fields``: community fields and each field's headline unit.
- ``points``: new points (submissions, imports, batches).
- ``reviews``: moderators' decisions.
- ``vouches``: members' confirmations and flags.
- ``catalog``: datasets by name, and merges.
- ``curated``: the curated file's points, kept to its edition.
- ``reads``: a field's figures as commands show them.
- ``queue``: the moderators' queue.
- ``history``: a dataset's figures over time, a point's audit log.
- ``search``: free-text search of claims and points, and the claims mirror.
- ``limits``: rate-limit counts.
- ``news``: the outbox of record announcements decisions write, and digest claims.
"""
