"""Pure SCD2 logic: bronze change rows -> typed changes -> the silver rows to write.

A key's silver history is one row per applied change, in source order (source_lsn, Kafka offset as
tie-break; never ts_ms). `_valid_to` of a row is the next row's `_valid_from`, so windows neither
overlap nor leave gaps. A delete is kept as a closing row (operation 'd', `_is_current` false) with
the columns of the version it deletes; its window covers the time the key was absent, and it
remembers the delete's LSN, so a late event for a deleted key cannot resurrect it. A late event (LSN
below the key's latest) is placed where its LSN says, and only the windows around it change; the
current row stays the one with the highest LSN.
"""
import re

from pyspark.sql import Column, DataFrame, Window, functions as F

from .catalog import as_spec, silver_columns

TOAST_PLACEHOLDER = "__debezium_unavailable_value"
_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


def decode_value(text: Column, sql_type: str):
    """Debezium's JSON text of one value -> (the typed value, true where it did not fit `sql_type`).

    A date comes as days since the epoch; a decimal as its exact text, which try_cast would round to
    the column's scale: more significant fraction digits than the scale count as not fitting, so no
    digit is lost silently (a numeric(12,4) value meeting a decimal(12,2) column stops the run)."""
    sql_type = sql_type.strip().lower()
    if sql_type == "date":
        value = F.when(text.rlike(r"^-?[0-9]+$"), F.date_from_unix_date(text.try_cast("int"))) \
            .otherwise(text.try_cast("date"))
        return value, value.isNull()
    value = text.try_cast(sql_type)
    misfit = value.isNull()
    decimal = _DECIMAL.match(sql_type)
    if decimal:
        fraction = F.regexp_extract(text, r"\.([0-9]*?)0*$", 1)
        misfit = misfit | (F.length(fraction) > int(decimal.group(2)))
        value = F.when(~misfit, value)
    return value, misfit


def decode_rows(bronze_df: DataFrame, table) -> DataFrame:
    """Bronze rows of one table -> typed source columns plus change metadata.

    `table`: a name (the catalog's columns) or a TableSpec (a silver table's effective columns, with
    the ones schema evolution added). The image is `after` (c/u/r), or for a delete (d) only the key:
    under REPLICA IDENTITY DEFAULT a delete's before image holds the key, and Debezium fills each other
    NOT NULL column with the column's default or its type's zero ("", 0, the epoch), so
    build_scd2_history takes a delete's columns from the key's previous version. Values come as JSON
    text: numerics as strings (decimal.handling.mode=string), timestamptz as ISO-8601. A column the
    image lacks (dropped in the source, or added after the event) is null. A TOASTed column that
    Debezium could not read is left null and named in `_toast_cols` for carry_toast_forward. A value
    that does not fit its column's type is left null and named in `_uncastable_cols`: try_cast, so one
    bad value does not fail the whole run with a message naming neither table nor key (ANSI mode), and
    is not silently nulled either: the caller stops the table with one line that names it
    (silver.process_table).
    """
    s = as_spec(table)
    image_schema = "struct<" + ",".join(f"`{c}`:string" for c in s.business_columns) + ">"
    # parsed once, in a projection of its own: inline, from_json ran once per expression naming a
    # field (about five per column), which made decoding 6x slower
    parsed = bronze_df.where(F.col("source_table") == s.name).withColumn("_image", F.from_json(
        F.when(F.col("operation") == "d", F.col("before")).otherwise(F.col("after")), image_schema))
    image, deleted = F.col("_image"), F.col("operation") == "d"
    typed, toasted, uncastable = [], [], []
    for name, sql_type in s.columns:
        raw = image[name] if name == s.key else F.when(~deleted, image[name])
        is_toast = raw == TOAST_PLACEHOLDER
        text = F.when(~is_toast | raw.isNull(), raw)
        if name == s.key:
            text = F.coalesce(text, F.get_json_object("key", f"$.{name}"))
        value, misfit = decode_value(text, sql_type)
        typed.append(value.alias(name))
        toasted.append(F.when(is_toast, F.lit(name)))
        uncastable.append(F.when(text.isNotNull() & misfit, F.lit(name)))
    return parsed.select(
        *typed,
        F.col("operation"),
        F.col("source_lsn").alias("_source_lsn"),
        F.timestamp_millis("source_ts_ms").alias("_valid_from"),
        F.col("kafka_offset").alias("_kafka_offset"),
        F.array_compact(F.array(*toasted)).alias("_toast_cols"),
        F.array_compact(F.array(*uncastable)).alias("_uncastable_cols"),
    )



def order_changes(changes_df: DataFrame, table) -> DataFrame:
    """One change per (key, source_lsn): Kafka redelivery yields the same LSN twice, and the one at
    the higher offset wins (the offset is also the tie-break when build_scd2_history orders a key's
    changes)."""
    key = as_spec(table).key
    by_lsn = Window.partitionBy(key, "_source_lsn").orderBy(F.col("_kafka_offset").desc())
    return (
        changes_df.where(F.col(key).isNotNull())
        .withColumn("_dup", F.row_number().over(by_lsn))
        .where("_dup = 1")
        .drop("_dup")
    )


def carry_toast_forward(timeline_df: DataFrame, table) -> DataFrame:
    """Fill every column named in `_toast_cols` from the key's previous row that had it."""
    s = as_spec(table)
    earlier = (Window.partitionBy(s.key).orderBy("_source_lsn", "_kafka_offset")
               .rowsBetween(Window.unboundedPreceding, -1))
    filled = {}
    for name in s.business_columns:
        toasted = F.array_contains("_toast_cols", name)
        # a struct so that a real null is still "a value" and is not skipped by ignorenulls
        previous = F.last(F.when(~toasted, F.struct(F.col(name).alias("v"))), ignorenulls=True).over(earlier)
        filled[name] = F.when(toasted, previous["v"]).otherwise(F.col(name))
    # one projection: a withColumn per column would re-analyse the growing plan once each
    return timeline_df.withColumns({**filled, "_toast_cols": F.array().cast("array<string>")})


def derive_columns(df: DataFrame, table) -> DataFrame:
    """The columns silver adds to a source table: the catalog's Spark SQL expressions over its columns."""
    for name, sql_type, sql in as_spec(table).derived:
        df = df.withColumn(name, F.expr(sql).cast(sql_type))
    return df


def row_hash(table) -> Column:
    """The `_hash` of a row: sha256 over the source (business) columns; derived columns follow from them.

    to_json leaves null fields out, so a column added by schema evolution changes no existing hash
    while it is null (no version is written for it), and is covered from the first value it holds."""
    return F.sha2(F.to_json(F.struct(*as_spec(table).business_columns)), 256)


def build_scd2_history(changes_df: DataFrame, current_df: DataFrame, table, toasted=True) -> DataFrame:
    """The silver rows to write, keyed on (key, _source_lsn): new versions, and existing ones whose window closes.

    changes_df: order_changes output. current_df: the existing silver rows (every version) of the
    keys in changes_df. Changes already in silver (same key and LSN) are ignored, and so is a change
    whose `_hash` equals the version before it (no-op update), which makes a re-run a no-op.
    The rows have silver's columns and `_is_new`: true for a version this batch adds, false for an
    existing one whose window it closes or moves (the two are written differently: stage_history).
    toasted: whether any change names a column in `_toast_cols`; False skips carry_toast_forward, a
    running window per column that has nothing to fill then (a 100k-change run on 1M rows took 11.3 s
    with it and 8.95 s without, medians of 6; bench/silver_merge_cost.py).
    """
    s = as_spec(table)
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
    timeline = existing.unionByName(new)
    if toasted:
        timeline = carry_toast_forward(timeline, table)
    order = Window.partitionBy(key).orderBy("_source_lsn", "_kafka_offset")
    # a new delete's columns are the key's previous version's (decode_rows read only its key); one
    # lag per column in the window the no-op check needs anyway, so Spark sorts the timeline once
    new_delete = F.col("_is_new") & (F.col("operation") == "d")
    timeline = timeline.withColumns(
        {c: F.when(new_delete, F.lag(c).over(order)).otherwise(F.col(c)) for c in business if c != key})
    # an existing row keeps the hash it was written with
    timeline = timeline.withColumn("_hash", F.when(F.col("_is_new"), row_hash(table)).otherwise(F.col("_hash")))

    prev_op, prev_hash = F.lag("operation").over(order), F.lag("_hash").over(order)
    deleted, prev_deleted = F.col("operation") == "d", prev_op == "d"
    no_op = F.col("_is_new") & prev_op.isNotNull() & (
        (deleted & prev_deleted) | (~deleted & ~prev_deleted & (F.col("_hash") == prev_hash)))
    kept = timeline.withColumn("_no_op", no_op).where(~F.col("_no_op"))

    next_from = F.lead("_valid_from").over(order)
    versions = kept.withColumns({"_valid_to": next_from, "_is_current": next_from.isNull() & (F.col("operation") != "d")})
    changed = (
        F.col("_is_new")
        | ~F.col("_valid_to").eqNullSafe(F.col("_old_valid_to"))
        | ~F.col("_is_current").eqNullSafe(F.col("_old_is_current"))
    )
    return derive_columns(versions.where(changed), table).select(*silver_columns(table), "_is_new")
