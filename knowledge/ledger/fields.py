"""Fields in the ledger: community fields moderators add, and each field's headline unit.

A field's datasets rank by their figure in its headline unit, which the knowledge base
(or the moderator who added the field) decides; every write that changes a current
figure asks :meth:`Fields.headline` which unit ranks it.
"""

from __future__ import annotations

import json

from knowledge import community, measures
from knowledge.ledger import rows
from knowledge.ledger.writes import Writer, audit
from knowledge.models import CommunityDomain


class Fields:
    """Community fields and headline units, over the store's connection."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self.conn = writer.conn
        #: Each domain's headline unit (datasets rank by it); see :meth:`adopt_units`.
        self.headline_units: dict[str, str] = {}

    def community_domains(self) -> list[CommunityDomain]:
        """The fields moderators added, oldest first."""
        return community.load(self.conn)

    def community_signature(self) -> tuple[int, int]:
        """Changes when a field is added (by any process): when to read them again."""
        return community.signature(self.conn)

    def add_domain(self, domain: CommunityDomain) -> None:
        """Store a community field with its names, and an audit entry, in one transaction.

        :class:`~knowledge.community.NameInUse` when another process gave one of its
        names to a field first; nothing is stored then.
        """
        with self._writer.write() as conn:
            community.insert(conn, domain)
            audit(
                conn,
                domain.added_at,
                domain.added_by,
                "add-domain",
                None,
                domain.model_dump(exclude={"added_by", "added_at"}),
            )
        if domain.headline_unit:
            self.headline_units[domain.slug] = domain.headline_unit

    def headline(self, domain: str) -> str | None:
        """The unit a domain's datasets are ranked by (its headline unit)."""
        return self.headline_units.get(domain)

    def adopt_units(self, headline_units: dict[str, str]) -> None:
        """Take the domains' headline units; re-rank datasets when they changed.

        The ledger ranks each dataset by its figure in its domain's headline unit, which
        the knowledge base decides: a changed unit (or the first open after the datasets
        migration) re-ranks in one transaction, and an unchanged one costs a read.
        """
        self.headline_units = dict(headline_units)
        wanted = json.dumps(self.headline_units, sort_keys=True)
        if self._writer.read_only or rows.meta(self.conn, "rank_units") == wanted:
            return
        with self._writer.write() as conn:
            held = rows.meta(conn, "rank_units")
            if held == wanted:
                return
            # Only the domains whose unit changed (a field added): re-ranking every
            # dataset of a large ledger for one new field would hold the lock for long.
            before: dict[str, str] = json.loads(held) if held else {}
            changed = {
                domain: unit
                for domain, unit in self.headline_units.items()
                if before.get(domain) != unit
            }
            measures.rank_by(conn, changed)
            rows.set_meta(conn, "rank_units", wanted)
