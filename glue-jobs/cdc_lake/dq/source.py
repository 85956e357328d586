"""The Postgres side of reconcile_source: one consistent read of the source tables (cdc_lake.source_db).

All tables are read in one REPEATABLE READ, read-only transaction, so they show the same instant.
The pipeline is asynchronous, so that instant is only comparable with silver once the jobs have
caught up with a quiesced source; reconcile reports the keys that differ either way.
"""
from ..source_db import DEFAULTS, SourceError, describe, load_credentials, read_columns, read_tables

__all__ = ["DEFAULTS", "SourceError", "describe", "load_credentials", "read_columns", "read_tables"]
