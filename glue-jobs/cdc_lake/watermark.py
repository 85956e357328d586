"""The batch watermark of a silver table, committed in the same Iceberg snapshot as its data.

Unit: the id of the bronze snapshot the silver table has consumed up to (inclusive). Bronze is
append-only, so the next run reads exactly the appends after it (Iceberg incremental append scan).

Where it lives: the snapshot summary of the silver commit, key `cdc.watermark`. A table property
would need a second commit, and a crash between the two would replay or lose a batch. Iceberg 1.7.1
puts `snapshot-property.*` write options in the summary, but SQL MERGE takes no write options; the
only route for MERGE is `CommitMetadata`'s thread-local commit properties, whose public entry
(`withCommitProperties`) needs a Java Callable. We set the same thread-local directly: PySpark pins
each Python thread to one JVM thread (PYSPARK_PIN_THREAD, default on), and Spark runs the MERGE and
its Iceberg commit on the calling thread, so the commit sees it. Readers take the newest snapshot in
the table's current lineage that carries the key, so maintenance commits (compaction) are skipped.
"""
import json
from contextlib import contextmanager

WATERMARK_PROPERTY = "cdc.watermark"


def read_watermark(spark, table):
    """The bronze snapshot id silver `table` (full name) has consumed, or None before the first run."""
    rows = spark.sql(f"""
        SELECT s.summary['{WATERMARK_PROPERTY}'] AS wm
        FROM {table}.snapshots s JOIN {table}.history h ON s.snapshot_id = h.snapshot_id
        WHERE h.is_current_ancestor AND s.summary['{WATERMARK_PROPERTY}'] IS NOT NULL
        ORDER BY h.made_current_at DESC, s.sequence_number DESC
        LIMIT 1
    """).collect()
    return json.loads(rows[0].wm)["bronze_snapshot_id"] if rows else None


def encode_watermark(bronze_snapshot_id):
    return json.dumps({"bronze_snapshot_id": bronze_snapshot_id})


@contextmanager
def commit_properties(spark, properties):
    """Every Iceberg commit made by this thread inside the block carries `properties` in its summary."""
    jvm = spark._jvm
    loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
    field = loader.loadClass("org.apache.iceberg.spark.CommitMetadata").getDeclaredField("COMMIT_PROPERTIES")
    field.setAccessible(True)
    local = field.get(None)
    props = jvm.java.util.HashMap()
    for k, v in properties.items():
        props.put(k, v)
    local.set(props)
    try:
        yield
    finally:
        local.remove()
