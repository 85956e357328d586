"""Tiny silver-shaped DataFrames for the data-quality tests."""
import datetime

T0 = datetime.datetime(2026, 11, 25, 10, 0, 0)
SCD2_SCHEMA = "id bigint, _source_lsn bigint, _valid_from timestamp, _valid_to timestamp, _is_current boolean, operation string"


def ts(minutes):
    return None if minutes is None else T0 + datetime.timedelta(minutes=minutes)


def versions(spark, rows):
    """rows: (id, lsn, from_min, to_min, is_current, op)."""
    return spark.createDataFrame([(i, lsn, ts(f), ts(t), cur, op) for i, lsn, f, t, cur, op in rows], SCD2_SCHEMA)


CLEAN_HISTORY = [
    (1, 10, 0, 5, False, "c"), (1, 20, 5, None, True, "u"),       # created, updated: current
    (2, 11, 1, None, True, "r"),                                   # snapshot row: current
    (3, 12, 2, 7, False, "c"), (3, 30, 7, None, False, "d"),      # deleted: no current row
]
