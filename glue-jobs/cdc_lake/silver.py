"""bronze -> silver_<table>: incremental read past the watermark, SCD2 MERGE, watermark in the same commit.

Layout: merge-on-read for MERGE/UPDATE/DELETE, so a run writes its new rows plus small position-delete
files for the rows whose window it closes, instead of rewriting every data file holding a touched
key: a run's write cost grows with its changes, not with the table. Reading the changed keys'
history is a filter on the key; periodic compaction (rewrite_data_files) keeps that scan small.
"""
import uuid

from pyspark.sql import functions as F

from . import scd2
from .bronze import BRONZE_TABLE
from .session import table_name
from .tables import silver_schema, spec
from .watermark import WATERMARK_PROPERTY, commit_properties, encode_watermark, read_watermark

SILVER_PROPERTIES = {
    "format-version": "2",
    "write.merge.mode": "merge-on-read",
    "write.update.mode": "merge-on-read",
    "write.delete.mode": "merge-on-read",
}

MERGE_SQL = """
MERGE INTO {target} t
USING {source} s
ON t.{key} = s.{key} AND t._source_lsn = s._source_lsn
WHEN MATCHED AND NOT (t._valid_to <=> s._valid_to AND t._is_current <=> s._is_current)
  THEN UPDATE SET t._valid_to = s._valid_to, t._is_current = s._is_current
WHEN NOT MATCHED THEN INSERT *
"""


class MissingTableError(RuntimeError):
    pass


def ensure_silver_table(spark, table):
    target = table_name(spec(table).silver_table)
    cols = ", ".join(f"`{c}` {t}" for c, t in silver_schema(table))
    props = ", ".join(f"'{k}' = '{v}'" for k, v in SILVER_PROPERTIES.items())
    spark.sql(f"CREATE TABLE IF NOT EXISTS {target} ({cols}) USING iceberg TBLPROPERTIES ({props})")
    return target


def bronze_head(spark):
    """Current snapshot id of bronze, None while it is empty. Raises MissingTableError if absent."""
    bronze = table_name(BRONZE_TABLE)
    if not spark.catalog.tableExists(bronze):
        raise MissingTableError(f"bronze table {bronze} does not exist: run kafka_to_bronze first")
    rows = spark.sql(f"SELECT snapshot_id, parent_id FROM {bronze}.history WHERE is_current_ancestor").collect()
    parents = {r.parent_id for r in rows}
    heads = [r.snapshot_id for r in rows if r.snapshot_id not in parents]
    return heads[0] if heads else None


def read_bronze(spark, table, after_snapshot, upto_snapshot):
    """Bronze rows of `table` appended after `after_snapshot` (exclusive) up to `upto_snapshot`."""
    reader = spark.read.format("iceberg")
    if after_snapshot is None:
        reader = reader.option("snapshot-id", upto_snapshot)
    else:
        reader = reader.option("start-snapshot-id", after_snapshot).option("end-snapshot-id", upto_snapshot)
    return reader.load(table_name(BRONZE_TABLE)).where(F.col("source_table") == table)


def merge_history(spark, target, rows_df, key, watermark_json):
    """MERGE the SCD2 rows into `target` with the watermark in the same snapshot; one commit."""
    if rows_df.isEmpty():
        # Nothing to change, but the watermark still has to move: an empty append is one commit.
        (rows_df.writeTo(target).option(f"snapshot-property.{WATERMARK_PROPERTY}", watermark_json).append())
        return
    spark = rows_df.sparkSession
    view = f"silver_changes_{uuid.uuid4().hex}"
    rows_df.createOrReplaceTempView(view)
    try:
        with commit_properties(spark, {WATERMARK_PROPERTY: watermark_json}):
            spark.sql(MERGE_SQL.format(target=target, source=view, key=key))
    finally:
        spark.catalog.dropTempView(view)


def process_table(spark, table, bronze_snapshot=None):
    """Bring silver_<table> up to bronze's current snapshot. Returns a summary dict."""
    s = spec(table)
    target = ensure_silver_table(spark, table)
    head = bronze_snapshot if bronze_snapshot is not None else bronze_head(spark)
    watermark = read_watermark(spark, target)
    summary = {"table": s.silver_table, "rows_read": 0, "rows_written": 0, "watermark": watermark}
    if head is None or head == watermark:
        return summary

    bronze = read_bronze(spark, table, watermark, head).persist()
    try:
        changes = scd2.order_changes(scd2.decode_rows(bronze, table), table)
        keys = changes.select(s.key).distinct()
        current = spark.table(target).join(F.broadcast(keys), s.key, "left_semi")
        rows = scd2.build_scd2_history(changes, current, table).persist()
        try:
            summary["rows_read"] = bronze.count()
            summary["rows_written"] = rows.count()
            merge_history(spark, target, rows, s.key, encode_watermark(head))
        finally:
            rows.unpersist()
    finally:
        bronze.unpersist()
    summary["watermark"] = head
    return summary
