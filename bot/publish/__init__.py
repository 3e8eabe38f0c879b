"""Public snapshots of the ledger (``scalebot publish OUT_DIR``): what the web view shows
and nothing else, as SQLite, CSV, JSON and PNG with a Frictionless ``datapackage.json``,
the same bytes for the same ledger. :mod:`bot.publish.snapshot` is the entry point."""
