"""Reading the sources people cite: fetching a typed address safely, paced and cached.

Nothing here imports a chat platform; the checker calls :mod:`bot.sources.fetch`.
"""
