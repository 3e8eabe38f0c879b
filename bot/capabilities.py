"""What a platform can show, as its adapter declares it: the core never asks for a name.

Each adapter (Slack, Discord, the console and ``scalebot ask``) puts its
:class:`Capabilities` on every :class:`~bot.core.Caller` it builds. The core copies them
into the request's :class:`~bot.commands.Surface`, where handlers read them (a chart
goes as a picture or as lines of text), so a new platform is served by declaring what it
shows, with no change to the core or a handler. A field belongs here only when code
outside the adapters switches on it; an adapter's own rendering (Block Kit, embeds)
stays in the adapter.
"""

from __future__ import annotations

from typing import NamedTuple


class Capabilities(NamedTuple):
    """What replies may use on the caller's platform; all off is plain text.

    A named tuple, not a dataclass: it is half of the core's per-request surface key,
    and a tuple hashes in C (a frozen dataclass's hash runs Python code, ~0.8 µs more).
    """

    #: A chart is shown as a picture (a PNG attachment); else as lines of text.
    images: bool = False


#: Plain text only: a terminal, a pipe, the Python API.
TEXT_ONLY = Capabilities()
