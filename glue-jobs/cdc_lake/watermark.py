"""The batch watermark of a silver table, committed in the same Iceberg snapshot as its data.

Unit: the id of the bronze snapshot the silver table has consumed up to (inclusive). Bronze is
append-only, so the next run reads exactly the appends after it (Iceberg incremental append scan).

Where it lives: the snapshot summary of the silver commit that appends the run's rows, key
`cdc.watermark` (a `snapshot-property.*` write option; silver.stage_history). A table property would
need a second commit, and a crash between the two would replay or lose a batch. Readers take the
newest snapshot in the table's current lineage that carries the key, so maintenance commits
(compaction) and a run's delete before its append are skipped.

A SQL MERGE (bronze's replay path, bronze.py) takes no write options: the only route for it is
`CommitMetadata`'s thread-local commit properties (commit_properties), whose public entry
(`withCommitProperties`) needs a Java Callable. We set the same thread-local directly: PySpark pins
each Python thread to one JVM thread (PYSPARK_PIN_THREAD, default on), and Spark runs the MERGE and
its Iceberg commit on the calling thread, so the commit sees it.
"""
import json
from contextlib import contextmanager
from typing import Mapping, NamedTuple

WATERMARK_PROPERTY = "cdc.watermark"


class Snapshot(NamedTuple):
    snapshot_id: int
    committed_ms: int
    operation: str
    summary: Mapping[str, str]


def current_lineage(spark, table):
    """The snapshots of `table` (full name) from the current one back to the first, as an iterator of
    Snapshot (id, commit time in epoch ms, operation, and the summary: a map read from the
    JVM on access). Read lazily from the table's metadata through Iceberg's API, so a reader that
    stops at the first snapshot it needs reads one; the metadata tables' join it replaces was a Spark
    job per call (0.25 s in a warm session, 1.2 s in a cold one)."""
    jtable = _iceberg_table(spark, table)
    snap = jtable.currentSnapshot()
    while snap is not None:
        parent = snap.parentId()
        yield Snapshot(snap.snapshotId(), snap.timestampMillis(), snap.operation(), snap.summary())
        # an expired parent ends the lineage, as it ends the table's history
        snap = None if parent is None else jtable.snapshot(parent)


def committed_ms(spark, table, snapshot_id):
    """The commit time (epoch ms) of `table`'s snapshot `snapshot_id`, or None once it has expired."""
    snap = _iceberg_table(spark, table).snapshot(snapshot_id)
    return None if snap is None else snap.timestampMillis()


def _iceberg_table(spark, table):
    return spark._jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, table)


def newest_carrying(spark, table, key):
    """(Snapshot, value) of the newest snapshot in `table`'s current lineage whose summary carries
    `key`, or (None, None) when none does (silver's watermark before the first run)."""
    for snap in current_lineage(spark, table):
        value = snap.summary.get(key)
        if value is not None:
            return snap, value
    return None, None


def read_watermark_state(spark, table):
    """The watermark silver `table` (full name) last committed, as a dict, or {} before the first run:
    `bronze_snapshot_id` (consumed up to), `valid_from_max` (epoch ms of the newest change it holds,
    which `cdcctl status` shows as the table's freshness) and `bronze_fields` (encode_watermark)."""
    _, wm = newest_carrying(spark, table, WATERMARK_PROPERTY)
    return {} if wm is None else json.loads(wm)


def read_watermark(spark, table):
    """The bronze snapshot id silver `table` (full name) has consumed, or None before the first run."""
    return read_watermark_state(spark, table).get("bronze_snapshot_id")


def encode_watermark(bronze_snapshot_id, valid_from_max=None, bronze_fields=None, dropped_columns=None):
    """The watermark's JSON. bronze_fields: {field: newest source ts_ms} of every field the change
    images silver has read carry (`cdcctl schema diff` shows them next to silver's columns).
    dropped_columns: silver's columns the source no longer has (their drop was warned about once)."""
    state = {"bronze_snapshot_id": bronze_snapshot_id}
    if valid_from_max is not None:
        state["valid_from_max"] = valid_from_max
    if bronze_fields:
        state["bronze_fields"] = dict(sorted(bronze_fields.items()))
    if dropped_columns:
        state["dropped_columns"] = sorted(dropped_columns)
    return json.dumps(state)


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
