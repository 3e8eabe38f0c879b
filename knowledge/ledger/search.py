"""Free-text search: the knowledge base's claims (mirrored into an FTS index) and points.

A question's words become an FTS5 OR-query of quoted terms, never syntax
(:func:`fts_query`); claims rank by BM25, points by how rare the words they match are.
"""

from __future__ import annotations

import re

from knowledge.kb import Library
from knowledge.ledger import rows
from knowledge.ledger.values import ClaimHit, DataPoint
from knowledge.ledger.writes import Writer

#: How many of its newest matches each word of an /ask question brings to the ranking.
CANDIDATES_PER_WORD = 50
_STOPWORDS = frozenset(
    "a an and are as at be by do does for from has have how i in is it its of on or so "
    "than that the their there this to was what when where which who why will with you "
    "your me my we our can could should would many much".split()
)
#: Words every data point is about; searching points for them only adds noise.
_GENERIC_FOR_POINTS = frozenset(
    "data dataset datasets size sizes scale scaling big large largest many much lack "
    "number amount".split()
)


def fts_query(text: str, ignore: frozenset[str] = frozenset()) -> str | None:
    """Words of a free-text question as an FTS5 OR-query of quoted terms (never syntax)."""
    words = [
        w for w in re.findall(r"\w+", text.casefold()) if w not in _STOPWORDS and w not in ignore
    ]
    unique = list(dict.fromkeys(words))[:12]
    return " OR ".join(f'"{word}"' for word in unique) or None


class Search:
    """Searches of claims and points, and the claims mirror they read."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self.conn = writer.conn

    def compile_claims(self, library: Library) -> bool:
        """Mirror the KB's claims into the search index when the files changed.

        Only ``claims`` is rebuilt; the community tables are never touched by this.
        """
        if rows.meta(self.conn, "kb_fingerprint") == library.fingerprint:
            return False
        with self._writer.write() as conn:
            if rows.meta(conn, "kb_fingerprint") == library.fingerprint:
                return False
            conn.execute("DELETE FROM claims")
            conn.executemany(
                "INSERT INTO claims (id, domain, position, section, text) VALUES (?, ?, ?, ?, ?)",
                [(c.id, slug, n, c.section, c.text) for slug, n, c in library.claims()],
            )
            rows.set_meta(conn, "kb_fingerprint", library.fingerprint)
        return True

    def claims(self, question: str, limit: int = 3, domain: str | None = None) -> list[ClaimHit]:
        """Claims matching the question's words, best (BM25) first; only ``domain``'s if given."""
        query = fts_query(question)
        if query is None:
            return []
        in_domain = "" if domain is None else "AND claims.domain = ? "
        found = self.conn.execute(
            "SELECT claims.id, claims.domain, claims.section, claims.text, claims_fts.rank "
            "FROM claims_fts JOIN claims ON claims.rowid = claims_fts.rowid "
            f"WHERE claims_fts MATCH ? {in_domain}ORDER BY claims_fts.rank LIMIT ?",
            (query, *(() if domain is None else (domain,)), limit),
        ).fetchall()
        return [ClaimHit(*row) for row in found]

    def domain_claims(self, domain: str, limit: int = 3) -> list[ClaimHit]:
        """A domain's claims in the order of its file: its key reasons first.

        ``claims`` holds a few dozen rows (the knowledge base, not the ledger), so this
        reads the table rather than keeping an index for it.
        """
        found = self.conn.execute(
            "SELECT id, domain, section, text, 0.0 FROM claims WHERE domain = ? "
            "ORDER BY position LIMIT ?",
            (domain, limit),
        ).fetchall()
        return [ClaimHit(*row) for row in found]

    def points(
        self, question: str, limit: int = 3, domain: str | None = None
    ) -> list[tuple[DataPoint, float]]:
        """Approved, current points matching the question, best first; only ``domain``'s if given.

        BM25 over the whole index reads every posting of a common word ("video" can
        match a sixth of a million-point ledger), so each word instead brings its newest
        :data:`CANDIDATES_PER_WORD` matches, and a point scores the sum of 1/matches of
        the words it contains: a rare word (a dataset's name) outweighs common ones, and
        the cost stays flat however large the ledger grows.

        Within a domain, the same newest matches are kept when they are the domain's. An
        FTS5 ``AND`` with the domain column would be exact, but a word common elsewhere and
        absent from the domain ("3d ... hours") then walks both posting lists to their
        ends: 9 ms at a million points. Here the cost stays flat, and a field whose own
        matches are buried under other fields' falls back to its largest datasets.
        """
        query = fts_query(question, _GENERIC_FOR_POINTS)
        if query is None:
            return []
        scores: dict[int, float] = {}
        for term in query.split(" OR "):
            found = self.conn.execute(
                "SELECT f.rowid, p.domain FROM data_points_fts AS f "
                "JOIN data_points AS p ON p.id = f.rowid "
                "WHERE data_points_fts MATCH ? AND p.is_current = 1 "
                "ORDER BY f.rowid DESC LIMIT ?",
                (term, CANDIDATES_PER_WORD),
            ).fetchall()
            for point_id, point_domain in found:
                if domain is None or point_domain == domain:
                    scores[point_id] = scores.get(point_id, 0.0) + 1 / len(found)
        best = sorted(scores, key=lambda point_id: (-scores[point_id], -point_id))[:limit]
        points = [rows.get(self.conn, point_id) for point_id in best]
        return [(point, scores[point.id]) for point in points if point is not None]
