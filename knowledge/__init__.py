"""The knowledge base (the essay's domains and claims) and the community ledger store.

Nothing here imports a chat platform: handlers and adapters read from it, never the
other way round.
"""
