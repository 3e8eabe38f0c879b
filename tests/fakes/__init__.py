"""Fake platform servers on 127.0.0.1 that the real discord.py and slack-bolt talk to."""
