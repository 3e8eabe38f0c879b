"""The Discord adapter: discord.py slash commands, embeds, modals and buttons.

What Discord shows is declared here, where it is read without importing discord.py.
"""

from bot.capabilities import Capabilities

#: Discord shows a chart as an attached PNG.
CAPABILITIES = Capabilities(images=True)
