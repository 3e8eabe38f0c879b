"""The schema of the SQLite database, as ordered, named sqlite-utils migrations.

Each migration runs once per database and is recorded in ``_sqlite_migrations``; a new
table, column or index is a new function in the module of its job, appended to
:data:`ORDER` here, never an edit of an applied one. The order below is the order every
database is brought through, whatever module a migration lives in.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from knowledge.migrations import (
    checks,
    counts,
    datasets,
    fields,
    imports,
    news,
    points,
    requests,
    views,
)

#: Every migration by its recorded name, in the order it is applied.
ORDER: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_ledger", points.create_ledger),
    ("0002_search_approved_points_only", points.search_approved_points_only),
    ("0003_dataset_names", points.index_dataset_names),
    ("0004_request_keys", requests.remember_request_keys),
    ("0005_datasets", datasets.datasets_with_measures),
    ("0006_rate_limits", counts.count_rate_limits),
    ("0007_community_domains", fields.community_domains),
    ("0008_public_views", views.public_views),
    ("0009_request_answers", requests.remember_request_answers),
    ("0010_curated_not_decided", views.curated_not_decided),
    ("0011_imports", imports.imports_in_batches),
    ("0012_source_checks", checks.source_checks),
    ("0013_news", news.news_outbox_and_digests),
    ("0014_records_version", news.records_version),
    ("0015_records_version_seeded", news.records_version_seeded),
)

migrations = Migrations("scalebot")
for _name, _step in ORDER:
    migrations(name=_name)(_step)
