"""Builders for bronze rows of one table and an in-memory stand-in for the silver MERGE."""
import json

from cdc_lake import scd2

BRONZE_MIN_SCHEMA = (
    "source_table string, operation string, key string, before string, after string, "
    "source_lsn long, source_ts_ms long, kafka_offset long"
)
T0 = 1_764_064_800_000  # 2025-11-25T10:00:00Z


def user(uid, email, country="IN", updated="2026-11-25T10:00:00Z", **extra):
    row = {"id": uid, "email": email, "full_name": f"User {uid}", "country": country,
           "created_at": "2026-11-25T09:00:00Z", "updated_at": updated}
    row.update(extra)
    return row


def change(op, row, lsn, offset, ts_ms=None, table="users"):
    """A bronze row: c/u/r carry `row` as after, d carries it as before."""
    image = json.dumps(row)
    ts_ms = ts_ms if ts_ms is not None else T0 + lsn * 1000
    return (table, op, json.dumps({"id": row["id"]}), image if op == "d" else None,
            None if op == "d" else image, lsn, ts_ms, offset)


def bronze(spark, changes):
    return spark.createDataFrame(changes, BRONZE_MIN_SCHEMA)


def run_scd2(spark, changes, silver=None, table="users"):
    """One bronze_to_silver pass without Iceberg: returns (rows to merge, silver after the merge)."""
    decoded = scd2.order_changes(scd2.decode_rows(bronze(spark, changes), table), table)
    if silver is None:
        silver = spark.createDataFrame([], rows_schema(spark, table))
    rows = scd2.build_scd2_history(decoded, silver, table)
    merged = silver.join(rows.select("id", "_source_lsn"), ["id", "_source_lsn"], "left_anti").unionByName(
        rows.drop("_is_new"))
    return rows, merged.localCheckpoint()


def rows_schema(spark, table):
    from cdc_lake.catalog import silver_schema
    return ", ".join(f"`{c}` {t}" for c, t in silver_schema(table))


def history(df, *cols):
    """(id, _source_lsn, operation, _is_current, ...) tuples sorted by key and LSN."""
    cols = ("id", "_source_lsn", "operation", "_is_current") + cols
    return sorted(tuple(r[c] for c in cols) for r in df.select(*cols).collect())

