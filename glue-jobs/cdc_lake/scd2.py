"""Pure SCD2 logic: bronze change rows -> typed changes -> the silver rows to MERGE.

A key's silver history is one row per applied change, in source order (source_lsn, Kafka offset as
tie-break; never ts_ms). `_valid_to` of a row is the next row's `_valid_from`, so windows neither
overlap nor leave gaps. A delete is kept as a closing row (operation 'd', `_is_current` false) whose
window covers the time the key was absent; it also remembers the delete's LSN, so a late event for a
deleted key cannot resurrect it. A late event (LSN below the key's latest) is placed where its LSN
says, and only the windows around it change; the current row stays the one with the highest LSN.
"""
from pyspark.sql import DataFrame, Window, functions as F

from .catalog import silver_columns, spec

TOAST_PLACEHOLDER = "__debezium_unavailable_value"


def decode_rows(bronze_df: DataFrame, table: str) -> DataFrame:
    """Bronze rows of one table -> typed source columns plus change metadata.

    The image is `after` (c/u/r) or `before` (d). Values come as JSON text: numerics as strings
    (decimal.handling.mode=string), timestamptz as ISO-8601. A TOASTed column that Debezium could not
    read is left null and named in `_toast_cols` for carry_toast_forward. A value that does not cast
    to its column's type is left null and named in `_uncastable_cols`: try_cast, so one bad value
    does not fail the whole run with a message naming neither table nor key (ANSI mode), and is not
    silently nulled either: the caller stops the run with one line that names it (silver.process_table).
    """
    s = spec(table)
    image_schema = "struct<" + ",".join(f"`{c}`:string" for c in s.business_columns) + ">"
    image = F.from_json(
        F.when(F.col("operation") == "d", F.col("before")).otherwise(F.col("after")), image_schema)
    typed, toasted, uncastable = [], [], []
    for name, sql_type in s.columns:
        raw = image[name]
        is_toast = raw == TOAST_PLACEHOLDER
        text = F.when(~is_toast | raw.isNull(), raw)
        if name == s.key:
            text = F.coalesce(text, F.get_json_object("key", f"$.{name}"))
        value = text.try_cast(sql_type)
        typed.append(value.alias(name))
        toasted.append(F.when(is_toast, F.lit(name)))
        uncastable.append(F.when(text.isNotNull() & value.isNull(), F.lit(name)))
    return bronze_df.where(F.col("source_table") == table).select(
        *typed,
        F.col("operation"),
        F.col("source_lsn").alias("_source_lsn"),
        F.timestamp_millis("source_ts_ms").alias("_valid_from"),
        F.col("kafka_offset").alias("_kafka_offset"),
        F.array_compact(F.array(*toasted)).alias("_toast_cols"),
        F.array_compact(F.array(*uncastable)).alias("_uncastable_cols"),
    )



def order_changes(changes_df: DataFrame, table: str) -> DataFrame:
    """One change per (key, source_lsn), numbered per key in source order as `_change_seq`.

    Kafka redelivery yields the same LSN twice; the one at the higher offset wins, which is also the
    tie-break when ordering.
    """
    key = spec(table).key
    by_lsn = Window.partitionBy(key, "_source_lsn").orderBy(F.col("_kafka_offset").desc())
    by_key = Window.partitionBy(key).orderBy("_source_lsn", "_kafka_offset")
    return (
        changes_df.where(F.col(key).isNotNull())
        .withColumn("_dup", F.row_number().over(by_lsn))
        .where("_dup = 1")
        .drop("_dup")
        .withColumn("_change_seq", F.row_number().over(by_key))
    )


def carry_toast_forward(timeline_df: DataFrame, table: str) -> DataFrame:
    """Fill every column named in `_toast_cols` from the key's previous row that had it."""
    s = spec(table)
    earlier = (Window.partitionBy(s.key).orderBy("_source_lsn", "_kafka_offset")
               .rowsBetween(Window.unboundedPreceding, -1))
    out = timeline_df
    for name in s.business_columns:
        toasted = F.array_contains("_toast_cols", name)
        # a struct so that a real null is still "a value" and is not skipped by ignorenulls
        previous = F.last(F.when(~toasted, F.struct(F.col(name).alias("v"))), ignorenulls=True).over(earlier)
        out = out.withColumn(name, F.when(toasted, previous["v"]).otherwise(F.col(name)))
    return out.withColumn("_toast_cols", F.array().cast("array<string>"))


def derive_columns(df: DataFrame, table: str) -> DataFrame:
    """The columns silver adds to a source table: the catalog's Spark SQL expressions over its columns."""
    for name, sql_type, sql in spec(table).derived:
        df = df.withColumn(name, F.expr(sql).cast(sql_type))
    return df


def row_hash(df: DataFrame, table: str) -> DataFrame:
    """`_hash`: sha256 over the source (business) columns; derived columns follow from them."""
    cols = spec(table).business_columns
    return df.withColumn("_hash", F.sha2(F.to_json(F.struct(*cols)), 256))


def build_scd2_history(changes_df: DataFrame, current_df: DataFrame, table: str) -> DataFrame:
    """The silver rows to MERGE on (key, _source_lsn): new versions, and existing ones whose window closes.

    changes_df: order_changes output. current_df: the existing silver rows (every version) of the
    keys in changes_df. Changes already in silver (same key and LSN) are ignored, and so is a change
    whose `_hash` equals the version before it (no-op update), which makes a re-run a no-op.
    """
    s = spec(table)
    key, business = s.key, s.business_columns
    existing = current_df.select(
        *business, "operation", "_source_lsn", "_valid_from", "_hash",
        F.lit(None).cast("long").alias("_kafka_offset"),
        F.array().cast("array<string>").alias("_toast_cols"),
        F.lit(False).alias("_is_new"),
        F.col("_valid_to").alias("_old_valid_to"),
        F.col("_is_current").alias("_old_is_current"),
    )
    new = changes_df.join(current_df.select(key, "_source_lsn"), [key, "_source_lsn"], "left_anti").select(
        *business, "operation", "_source_lsn", "_valid_from",
        F.lit(None).cast("string").alias("_hash"),
        "_kafka_offset", "_toast_cols",
        F.lit(True).alias("_is_new"),
        F.lit(None).cast("timestamp").alias("_old_valid_to"),
        F.lit(None).cast("boolean").alias("_old_is_current"),
    )
    timeline = carry_toast_forward(existing.unionByName(new), table)
    timeline = row_hash(timeline.withColumnRenamed("_hash", "_old_hash"), table).withColumn(
        "_hash", F.when(F.col("_is_new"), F.col("_hash")).otherwise(F.col("_old_hash"))).drop("_old_hash")

    order = Window.partitionBy(key).orderBy("_source_lsn", "_kafka_offset")
    prev_op, prev_hash = F.lag("operation").over(order), F.lag("_hash").over(order)
    deleted, prev_deleted = F.col("operation") == "d", prev_op == "d"
    no_op = F.col("_is_new") & prev_op.isNotNull() & (
        (deleted & prev_deleted) | (~deleted & ~prev_deleted & (F.col("_hash") == prev_hash)))
    kept = timeline.withColumn("_no_op", no_op).where(~F.col("_no_op"))

    next_from = F.lead("_valid_from").over(order)
    versions = (
        kept.withColumn("_valid_to", next_from)
        .withColumn("_is_current", next_from.isNull() & (F.col("operation") != "d"))
    )
    changed = (
        F.col("_is_new")
        | ~F.col("_valid_to").eqNullSafe(F.col("_old_valid_to"))
        | ~F.col("_is_current").eqNullSafe(F.col("_old_is_current"))
    )
    return derive_columns(versions.where(changed), table).select(*silver_columns(table))
