"""A fake Discord on 127.0.0.1 that the real discord.py logs in to, split by job.

- ``objects``: the JSON objects it serves (users, the guild, channels, messages) and their ids.
- ``recorder``: what it received (REST requests, gateway payloads) and blocking waits on it.
- ``gateway``: the websocket session (HELLO, IDENTIFY, heartbeats, RESUME, zlib-stream).
- ``rest``: the REST routes discord.py calls and the state their answers build on.
- ``server``: :class:`FakeDiscord`, the two halves on one port around one recorder.
- ``payloads``: INTERACTION_CREATE payloads a test dispatches to the bot.
"""

from tests.fakes.discord.recorder import Request
from tests.fakes.discord.server import FakeDiscord

__all__ = ["FakeDiscord", "Request"]
