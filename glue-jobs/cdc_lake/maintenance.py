"""Lake maintenance: compaction when it is due, and snapshot expiry that keeps what the watermarks need.

Why: silver is merge-on-read, so every bronze_to_silver run adds a small data file and a position-delete
file per table, and readers merge them all until a rewrite folds them in; bronze gets small files per
micro-batch and partition; gold keeps every rebuild's snapshot. Left alone, reads slow down and storage
grows with the number of runs.

Compaction (rewrite_data_files: sort strategy on the key for tables with a sort order, so silver keeps
its pruning layout; binpack otherwise) runs for a table only when it has at least `min_delete_files`
delete files or `min_small_files` data files Iceberg would rewrite as too small. The hourly DAG can
therefore call this every run; it does real work a few times a day. The position deletes that pointed
into the rewritten files are dropped in the same run. A rewrite that commits while a bronze_to_silver
run stages its changes makes that run fail before it publishes (silver.publish): the pipeline runs its
jobs one at a time.

Expiry (expire_snapshots) removes snapshots older than `retain_days`, keeps at least `retain_last`, and
never removes one a watermark still needs:
- silver: the newest snapshot carrying cdc.watermark (compaction commits do not carry it; the next run
  walks back to it);
- bronze: the snapshot each silver watermark names (the next incremental read starts after it).
A snapshot is expired only if it is older than all of these.
"""
import datetime
import json

from . import catalog
from .bronze import BRONZE_TABLE
from .session import CATALOG, NAMESPACE, table_name, table_properties
from .watermark import WATERMARK_PROPERTY, committed_ms, newest_carrying

GOLD_TABLES = tuple(catalog.gold_tables())
SILVER_TABLES = catalog.silver_tables()
DAY_MS = 86_400_000
# Iceberg's defaults: files under 75% of write.target-file-size-bytes (512 MiB) are "too small"
DEFAULT_TARGET_FILE_BYTES = 512 * 1024 * 1024
SMALL_FILE_RATIO = 0.75


def _timestamp_literal(ms):
    """A Spark SQL TIMESTAMP literal for epoch milliseconds (the session time zone is UTC)."""
    dt = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return f"TIMESTAMP '{dt.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]}'"


def file_stats(spark, name):
    """Delete files, data files and data files Iceberg's rewrite would call too small, of table `name`."""
    props = table_properties(spark, name)
    small = int(int(props.get("write.target-file-size-bytes", DEFAULT_TARGET_FILE_BYTES)) * SMALL_FILE_RATIO)
    row = spark.sql(f"""
        SELECT count_if(content <> 0) AS delete_files,
               count_if(content = 0) AS data_files,
               count_if(content = 0 AND file_size_in_bytes < {small}) AS small_files
        FROM {name}.files
    """).first()
    return {"delete_files": row.delete_files, "data_files": row.data_files, "small_files": row.small_files,
            "sorted": bool(props.get("sort-order"))}


def compact(spark, name, sorted_table):
    """rewrite_data_files over the files with deletes and the too-small ones, then drop the position
    deletes that now point at no live file (rewrite_position_delete_files filters them out; Iceberg's
    remove-dangling-deletes misses those committed at the rewrite's data sequence number). Returns
    Iceberg's counts."""
    short = name.split(".", 1)[1]
    strategy = ", strategy => 'sort'" if sorted_table else ""
    data = spark.sql(f"""
        CALL {CATALOG}.system.rewrite_data_files(
            table => '{short}'{strategy},
            options => map('delete-file-threshold', '1', 'min-input-files', '2', 'partial-progress.enabled', 'true'))
    """).first().asDict()
    deletes = spark.sql(f"""
        CALL {CATALOG}.system.rewrite_position_delete_files(table => '{short}', options => map('rewrite-all', 'true'))
    """).first().asDict()
    return {"rewritten_data_files": data["rewritten_data_files_count"], "added_data_files": data["added_data_files_count"],
            "rewritten_bytes": data["rewritten_bytes_count"],
            "rewritten_delete_files": deletes["rewritten_delete_files_count"],
            "added_delete_files": deletes["added_delete_files_count"]}


def expire(spark, name, older_than_ms, retain_last):
    """expire_snapshots; returns how many data and delete files went with them (metadata files aside)."""
    row = spark.sql(f"""
        CALL {CATALOG}.system.expire_snapshots(
            table => '{name.split('.', 1)[1]}', older_than => {_timestamp_literal(older_than_ms)},
            retain_last => {int(retain_last)})
    """).first().asDict()
    counts = ("deleted_data_files_count", "deleted_position_delete_files_count", "deleted_equality_delete_files_count")
    return {"deleted_files": sum(row.get(k) or 0 for k in counts)}


def keep_from(spark, existing):
    """Per table, the commit time (ms) of the oldest snapshot a watermark still needs; absent = none."""
    keep = {}
    bronze = table_name(BRONZE_TABLE)
    for silver in SILVER_TABLES:
        name = table_name(silver)
        if name not in existing:
            continue
        node, wm = newest_carrying(spark, name, WATERMARK_PROPERTY)
        if node is None:
            continue
        keep[name] = node.committed_ms
        bronze_id = json.loads(wm)["bronze_snapshot_id"]
        if bronze in existing and bronze_id is not None:
            ms = committed_ms(spark, bronze, int(bronze_id))
            if ms is not None:
                keep[bronze] = min(keep.get(bronze, ms), ms)
    return keep


def run(spark, retain_days=7, retain_last=5, min_delete_files=24, min_small_files=24, now_ms=None):
    """Maintain every lake table that exists; one summary dict per table, in pipeline order."""
    now_ms = now_ms if now_ms is not None else int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)
    existing = {f"{CATALOG}.{NAMESPACE}.{r.tableName}" for r in spark.sql(f"SHOW TABLES IN {CATALOG}.{NAMESPACE}").collect()}
    names = [table_name(t) for t in (BRONZE_TABLE, *SILVER_TABLES, *GOLD_TABLES)]
    # watermarks first: compaction and expiry below must not move what they point at
    keep = keep_from(spark, existing)
    results = []
    for name in (n for n in names if n in existing):
        stats = file_stats(spark, name)
        due = stats["delete_files"] >= min_delete_files or stats["small_files"] >= min_small_files
        result = {"table": name.rsplit(".", 1)[1], "before": stats, "compacted": due}
        if due:
            result.update(compact(spark, name, stats["sorted"]))
        older_than = min(now_ms - int(retain_days * DAY_MS), keep.get(name, now_ms))
        result["expired_before"] = _timestamp_literal(older_than).split("'")[1]
        result.update(expire(spark, name, older_than, retain_last))
        result["after"] = file_stats(spark, name)
        results.append(result)
    return results
