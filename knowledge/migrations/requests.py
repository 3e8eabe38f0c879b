"""Platform requests remembered with what they stored or answered, so a replay is
answered again and never stored twice."""

from __future__ import annotations

from sqlite_utils import Database


def remember_request_keys(db: Database) -> None:
    """Which platform request stored which point, so a replay is answered, not stored.

    Slack accepts a signed request again for five minutes and Discord may deliver an
    interaction twice; each row ties such a request's key to the point it stored, in
    the same transaction as the point. Rows are needed only for as long as a request
    can come back, so the store deletes those older than a day, about once an hour.
    ``at`` has no index: the table holds a day of submissions, an hourly scan of it
    costs less than keeping an index on every submission. The statement runs alone
    (not as a script) so it stays inside the migration's transaction.
    """
    db.execute(
        """
        CREATE TABLE request_keys (
            key TEXT PRIMARY KEY,
            point_id INTEGER NOT NULL REFERENCES data_points (id),
            at TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )


def remember_request_answers(db: Database) -> None:
    """What a ``/flag`` or ``/confirm`` answered, kept with its request's key.

    A replay of either (the same Slack trigger, the same Discord interaction) is
    answered with the first answer and writes nothing, as a submission's replay is.
    Unlike a submission, their answer cannot be read back from the point later (a
    moderator may have cleared the dispute, more members confirmed), so the first
    answer is stored as it was given. NULL for a submission. A column of an existing
    table: adding it rewrites nothing, however many keys the table holds.
    """
    db.execute("ALTER TABLE request_keys ADD COLUMN answer TEXT")
