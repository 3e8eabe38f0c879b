"""Community fields served as soon as the ledger has them, whichever process added them.

A field added with ``/domain`` lives in the ledger; the library serves it beside the
knowledge base's own. The core asks :meth:`CommunityFields.follow` before each command,
so a field another process (another bot, the CLI) added is served at the next command.
"""

from __future__ import annotations

import logging

from knowledge.kb import Library
from knowledge.store import Store

log = logging.getLogger(__name__)


class CommunityFields:
    """Keeps the library's community fields in step with the ledger's."""

    def __init__(self, library: Library, store: Store) -> None:
        self.library = library
        self.store = store
        #: The ledger's ``data_version`` and community fields as last read: another
        #: process adding a field is seen at the next command (see :meth:`follow`).
        self._seen_version: int | None = None
        self._seen_domains: tuple[int, int] | None = None

    def load(self) -> None:
        """Serve every community field the ledger holds that the library lacks.

        A field whose name the knowledge base has taken since it was added (a new alias
        in a domain file) is left out with a warning: the essay's names come first.
        """
        self._seen_domains = self.store.fields.community_signature()
        # All at once: one index build however many fields (one a field was quadratic).
        for domain, clash in self.library.add_communities(self.store.fields.community_domains()):
            log.warning(
                "community field %r is not served: %r is now a name of %r",
                domain.slug,
                clash.name,
                clash.owner.slug,
            )

    def follow(self) -> None:
        """Load fields another process added, when the ledger has changed since last look.

        One pragma per command; the community table is read only after another
        connection committed, and only reloaded when it changed.
        """
        version = self.store.memo.version()
        if version == self._seen_version:
            return
        self._seen_version = version
        if self.store.fields.community_signature() != self._seen_domains:
            self.load()
