"""The Discord adapter: discord.py slash commands, embeds, modals and buttons."""
