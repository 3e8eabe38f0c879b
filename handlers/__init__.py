"""One module per command. Each declares ``COMMAND`` and a handler that takes a
:class:`~bot.commands.Request` plus typed options and returns a :class:`~bot.reply.Reply`.

Handlers never import a chat platform and never format for one: adapters render.
"""
