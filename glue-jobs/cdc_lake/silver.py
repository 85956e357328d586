"""bronze -> silver_<table>: incremental read past the watermark, SCD2 history, watermark in the same step.

Layout: merge-on-read for DELETE, so a run writes its new rows plus small position-delete files for
the rows whose window it closes, instead of rewriting every data file holding a touched key: a run's
write cost grows with its changes, not with the table.

Write: the existing versions whose window a batch closes or moves are deleted and written again in
full, beside the new versions (stage_history). The delete reads only the key, the LSN and the row's
position from the table and joins them with the broadcast (key, LSN) pairs of those versions, so the
table is scanned once, two columns wide, and never shuffled; a MERGE with an INSERT clause is an outer
join that shuffles every row of the table (1M rows for 200k changes). Both commits go to a staging
branch, and main fast-forwards to it: readers see both or neither, as with one MERGE.

Read side: the table is sorted on the key (WRITE ORDERED BY key: range-distributed, sorted writes,
and compaction with the sort strategy keeps it so), so each data file and row group covers a narrow
key range. A run reads the changed keys' history once (cached) through the changed keys' [min, max]
range, which Iceberg prunes files and row groups with, and a broadcast semi-join on the keys; the
delete's scan gets the same range. A finer predicate (up to 64 ranges and an IN list) pruned a
little more but cost more than it saved: Spark evaluates it again on every row read (100k changes on
1M rows: 3.0 s for the delete's scan with it, 0.3-0.45 s without; bench/silver_merge_cost.py).
"""
import dataclasses
import json
import uuid

from pyspark.sql import functions as F

from . import schema, scd2
from .bronze import BRONZE_TABLE
from .session import CATALOG, table_name, table_properties
from .catalog import as_spec, silver_schema, spec
from .watermark import WATERMARK_PROPERTY, current_lineage, encode_watermark, read_watermark_state

SILVER_PROPERTIES = {
    "format-version": "2",
    "write.merge.mode": "merge-on-read",
    "write.update.mode": "merge-on-read",
    "write.delete.mode": "merge-on-read",
}

# the target side of the delete: the key and LSN of the versions the run writes again (stage_history)
DELETE_SQL = """
DELETE FROM {target} t
WHERE {target_filter}EXISTS (SELECT 1 FROM {source} s WHERE s.{key} = t.{key} AND s._source_lsn = t._source_lsn)
"""

# the branch a run stages its two commits on (the delete of the versions it writes again, then the
# append with the watermark) before main fast-forwards to them: readers of main see both or neither.
# One name per table is enough: every launcher runs bronze_to_silver one run at a time (the CLI's job
# lock, Glue's max_concurrent_runs 1, the DAG's max_active_runs 1)
STAGING_BRANCH = "cdc_staging"


# a type change allowed for a column (bronze_to_silver --allow), recorded on the silver table so that
# later runs keep allowing it: cdc.schema.allow.<column> = {"silver": type, "source": type, "run": id}
ALLOWANCE_PREFIX = "cdc.schema.allow."


class MissingTableError(RuntimeError):
    pass


class TableStopped(ValueError):
    """A change this run cannot apply to one silver table: that table stops before any write, its
    watermark stays and its events stay in bronze; the run goes on with the other tables. `summary`:
    the table's summary up to the stop (process_table sets it)."""

    summary = None


class UncastableChangeError(TableStopped):
    """A change whose values do not fit silver's column types."""


class SchemaChangeError(TableStopped):
    """A source schema change silver cannot follow (a narrowing or an incompatible type change)."""


def first_uncastable_change(decoded_df, table, advice=None):
    """One line naming the first change (by LSN) of decode_rows' output with a value that did not
    cast (table, key, LSN, Kafka offset, columns); None when every value cast. `advice(columns)`: a
    more precise fix for those columns, or None."""
    s = as_spec(table)
    rows = (decoded_df.where(F.size("_uncastable_cols") > 0)
            .orderBy("_source_lsn", "_kafka_offset").limit(1).collect())
    if not rows:
        return None
    r = rows[0]
    types = dict(s.columns)
    cols = ", ".join(f"{c} ({types[c]})" for c in r["_uncastable_cols"])
    fix = (advice(list(r["_uncastable_cols"])) if advice else None) or \
        "the source schema changed in a way this run did not see (cdcctl schema diff shows it)"
    return (f"{s.silver_table}: the change at source LSN {r['_source_lsn']} (Kafka offset {r['_kafka_offset']}, "
            f"{s.key} {r[s.key]}) has values that do not cast to their silver types: {cols}. The table stopped "
            f"before writing and its watermark did not move, so a re-run resumes there. Fix: {fix}")


def ensure_silver_table(spark, table):
    s = spec(table)
    target = table_name(s.silver_table)
    cols = ", ".join(f"`{c}` {t}" for c, t in silver_schema(table))
    props = ", ".join(f"'{k}' = '{v}'" for k, v in SILVER_PROPERTIES.items())
    spark.sql(f"CREATE TABLE IF NOT EXISTS {target} ({cols}) USING iceberg TBLPROPERTIES ({props})")
    ensure_key_order(spark, target, s.key)
    return target


def _sql_text(text):
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def silver_columns_now(spark, target):
    """(name, Spark SQL type) of every column of the silver table as it is now, in its order."""
    return [(f.name, f.dataType.simpleString()) for f in spark.table(target).schema.fields]


def recorded_allowances(spark, target):
    """{column: (silver type, source type)}: the type changes allowed on this silver table so far."""
    out = {}
    for key, value in table_properties(spark, target).items():
        if key.startswith(ALLOWANCE_PREFIX):
            record = json.loads(value)
            out[key[len(ALLOWANCE_PREFIX):]] = (record["silver"], record["source"])
    return out


def bronze_fields(bronze_df):
    """{field: newest source ts_ms} of the fields the change images (after, before) carry."""
    no_keys = F.array().cast("array<string>")
    keys = F.array_union(F.coalesce(F.expr("json_object_keys(after)"), no_keys),
                         F.coalesce(F.expr("json_object_keys(before)"), no_keys))
    rows = (bronze_df.select(F.explode(keys).alias("field"), "source_ts_ms")
            .groupBy("field").agg(F.max("source_ts_ms").alias("seen")).collect())
    return {r.field: r.seen for r in rows}


def plan_table_schema(spark, target, table, source, fields, allow=None, allow_hint=None, known_dropped=()):
    """schema.plan_schema for one silver table against the source's column types (`source`: a
    SourceSchema, or None when there is no database to ask) and the fields of this run's events."""
    s = spec(table)
    allowed = dict(recorded_allowances(spark, target))
    allowed.update({c: (None, t) for c, t in (allow or {}).items()})
    source_columns, source_error, filled = None, "no database configured for this run", ()
    if source is not None:
        source_columns, source_error = source.columns(table)
        filled = source.filled(table) if source_columns is not None else ()
    return schema.plan_schema(
        s, schema.silver_source_columns(s, silver_columns_now(spark, target)), source_columns, fields,
        allowed=allowed, allow_hint=allow_hint, source_error=source_error, source_filled=filled,
        known_dropped=known_dropped)


def apply_schema_plan(spark, target, plan, run_id=None):
    """Add and widen silver's columns, record new allowances: Iceberg metadata commits, before the rows are written.

    Each is idempotent (a re-run after a crash finds the column there and plans nothing for it); a new
    column is nullable, so earlier versions read null, and goes after the last source column."""
    columns = [c for c, _ in plan.columns]
    for change in plan.of("add"):
        after = columns[columns.index(change.column) - 1]
        origin = f"Postgres {change.pg_type}" if change.pg_type else change.message
        comment = f"added by schema evolution ({origin}) in run {run_id or 'unknown'}"
        spark.sql(f"ALTER TABLE {target} ADD COLUMN `{change.column}` {change.source_type} "
                  f"COMMENT {_sql_text(comment)} AFTER `{after}`")
    for change in plan.of("widen"):
        spark.sql(f"ALTER TABLE {target} ALTER COLUMN `{change.column}` TYPE {change.source_type}")
    recorded = recorded_allowances(spark, target)
    for change in plan.of("allow"):
        if recorded.get(change.column) != (change.silver_type, change.source_type):
            record = json.dumps({"silver": change.silver_type, "source": change.source_type, "run": run_id})
            spark.sql(f"ALTER TABLE {target} SET TBLPROPERTIES "
                      f"({_sql_text(ALLOWANCE_PREFIX + change.column)} = {_sql_text(record)})")


def effective_spec(table, columns):
    """The catalog's TableSpec of `table` with silver's source columns (name, type) instead."""
    return dataclasses.replace(spec(table), columns=tuple(columns))


def ensure_key_order(spark, target, key):
    """Sort `target` on `key` (new and existing tables alike): one metadata commit, the first time only.

    WRITE ORDERED BY also makes writes range-distributed on the key, so files get disjoint key ranges;
    existing files keep their layout until compaction (rewrite_data_files, sort strategy) rewrites them.
    """
    props = table_properties(spark, target)
    if props.get("sort-order", "").split(" ")[0].strip("`") != key:
        spark.sql(f"ALTER TABLE {target} WRITE ORDERED BY `{key}`")


def key_range(column, lo, hi):
    """`column BETWEEN lo AND hi`: true for every changed key when lo and hi are the changed keys'
    smallest and largest; None when there are none or they are not integers (no pruning then)."""
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (lo, hi)):
        return None
    return f"{column} BETWEEN {lo} AND {hi}"


def bronze_head(spark):
    """Current snapshot id of bronze, None while it is empty. Raises MissingTableError if absent."""
    bronze = table_name(BRONZE_TABLE)
    if not spark.catalog.tableExists(bronze):
        raise MissingTableError(f"bronze table {bronze} does not exist: run kafka_to_bronze first")
    head = next(current_lineage(spark, bronze), None)
    return head.snapshot_id if head else None


def read_bronze(spark, table, after_snapshot, upto_snapshot):
    """Bronze rows of `table` appended after `after_snapshot` (exclusive) up to `upto_snapshot`."""
    reader = spark.read.format("iceberg")
    if after_snapshot is None:
        # Spark's own time travel: Iceberg's snapshot-id read option is gone in its Spark 4.1 runtime
        reader = reader.option("versionAsOf", upto_snapshot)
    else:
        reader = reader.option("start-snapshot-id", after_snapshot).option("end-snapshot-id", upto_snapshot)
    return reader.load(table_name(BRONZE_TABLE)).where(F.col("source_table") == table)


def stage_history(spark, target, rows_df, key, watermark_json, target_filter, replaced=None):
    """Stage build_scd2_history's rows on `target`'s staging branch, with the watermark; publish()
    then makes them main's.

    The existing versions among the rows (`_is_new` false) are deleted from the branch, and every row
    is appended to it, with the watermark in the append's snapshot summary. The branch is made from
    main first, so a crash before publishing leaves main as it was and the next run starts over.

    target_filter: a predicate on the target's columns (alias `t`) true for every existing version
    among the rows, ANDed into the delete's condition so its scan is pruned; None for none.
    replaced: how many of the rows are existing versions, when the caller has counted them (none:
    no delete).
    """
    columns = spark.table(target).columns
    if replaced is None:
        replaced = rows_df.where(~F.col("_is_new")).count()
    spark.sql(f"ALTER TABLE {target} CREATE OR REPLACE BRANCH {STAGING_BRANCH}")
    staged = f"{target}.branch_{STAGING_BRANCH}"
    if replaced:
        view = f"silver_replaced_{uuid.uuid4().hex}"
        F.broadcast(rows_df.where(~F.col("_is_new")).select(key, "_source_lsn")).createOrReplaceTempView(view)
        try:
            spark.sql(DELETE_SQL.format(target=staged, source=view, key=key,
                                        target_filter=f"{target_filter} AND " if target_filter else ""))
        finally:
            spark.catalog.dropTempView(view)
    (rows_df.select(*columns).writeTo(staged)
     .option(f"snapshot-property.{WATERMARK_PROPERTY}", watermark_json).append())


def publish(spark, target):
    """Fast-forward `target`'s main to the staging branch, then drop the branch. Iceberg refuses the
    fast-forward when main is no longer the branch's ancestor (another writer committed meanwhile):
    the run then fails with nothing published, and its re-run starts from main again."""
    table = target.split(".", 1)[1]
    spark.sql(f"CALL {CATALOG}.system.fast_forward('{table}', 'main', '{STAGING_BRANCH}')")
    spark.sql(f"ALTER TABLE {target} DROP BRANCH {STAGING_BRANCH}")


def _stopped(exc, summary):
    exc.summary = {**summary, "status": "stopped", "error": str(exc)}
    return exc


def process_table(spark, table, bronze_snapshot=None, source=None, allow=None, allow_hint=None, run_id=None):
    """Bring silver_<table> up to bronze's current snapshot. Returns a summary dict.

    Before anything is written, silver's schema is planned against the source's (`source`, a
    SourceSchema; None: no database, so only the catalog and silver's own schema count) and the fields
    of the new events: columns are added and types widened in place, allowed changes recorded. A change
    silver cannot follow raises SchemaChangeError, a value that does not fit UncastableChangeError
    (both TableStopped): nothing is written and the watermark stays. `allow`: {column: source type}
    allowed by this run; `allow_hint(table, column, type)`: the command that allows a change.
    """
    s = spec(table)
    target = ensure_silver_table(spark, table)
    head = bronze_snapshot if bronze_snapshot is not None else bronze_head(spark)
    state = read_watermark_state(spark, target)
    watermark = state.get("bronze_snapshot_id")
    summary = {"table": s.silver_table, "rows_read": 0, "rows_written": 0, "watermark": watermark}
    if head is None or head == watermark:
        return summary

    bronze = read_bronze(spark, table, watermark, head).persist()
    decoded = changes = current = rows = None
    try:
        fields = bronze_fields(bronze)
        columns = schema.silver_source_columns(s, silver_columns_now(spark, target))
        advice = None
        # the dropped columns already warned about ride in the watermark: a drop is warned once
        dropped = list(state.get("dropped_columns") or [])
        if fields:
            hint = (lambda c, t: allow_hint(table, c, t)) if allow_hint else None
            plan = plan_table_schema(spark, target, table, source, fields, allow, hint, known_dropped=dropped)
            if plan.source_read:
                dropped = [c.column for c in plan.of("dropped")]
            summary["schema_changes"] = [c.as_dict() for c in plan.changes]
            summary["warnings"] = list(plan.warnings)
            if plan.stops:
                raise _stopped(SchemaChangeError(plan.stop_line()), summary)
            apply_schema_plan(spark, target, plan, run_id)
            columns = plan.columns
            advice = lambda cols: schema.dropped_column_advice(plan, cols, hint)  # noqa: E731
        effective = effective_spec(table, columns)
        # decoded once, ordered once: the checks, the key range and the history all read these
        decoded = scd2.decode_rows(bronze, effective).persist()
        uncastable = first_uncastable_change(decoded, effective, advice)
        if uncastable:
            raise _stopped(UncastableChangeError(uncastable), summary)
        changes = scd2.order_changes(decoded, effective).persist()
        lo, hi, toasted = changes.agg(F.min(s.key), F.max(s.key), F.max(F.size("_toast_cols")) > 0).first()
        current = spark.table(target)
        predicate = key_range(f"`{s.key}`", lo, hi)
        if predicate:
            current = current.where(predicate)  # pushed down: prunes files and row groups
        # read once: build_scd2_history uses it twice
        current = current.join(F.broadcast(changes.select(s.key).distinct()), s.key, "left_semi").persist()
        rows = scd2.build_scd2_history(changes, current, effective, toasted=bool(toasted)).persist()
        summary["rows_read"] = bronze.count()
        written, replaced, newest = rows.agg(F.count(F.lit(1)), F.count_if(~F.col("_is_new")),
                                             F.max(F.unix_millis("_valid_from"))).first()
        summary["rows_written"] = written
        # the newest change the table holds, carried from run to run (a late event is older)
        known = [v for v in (state.get("valid_from_max"), newest) if v is not None]
        valid_from_max = max(known) if known else None
        seen = dict(state.get("bronze_fields") or {})
        seen.update({f: max(ms, seen.get(f) or ms) for f, ms in fields.items()})
        current.unpersist()
        # every existing version among `rows` is a version of a changed key
        stage_history(spark, target, rows, s.key, encode_watermark(head, valid_from_max, seen, dropped),
                      target_filter=key_range(f"t.`{s.key}`", lo, hi), replaced=replaced)
    finally:
        for df in (rows, current, changes, decoded, bronze):
            if df is not None:
                df.unpersist()
    # only after the batch's cached data is released: a commit to main refreshes Spark's cache of
    # every plan that reads main, and a cached plan refreshed there could no longer be released by its
    # DataFrame (it stayed cached, and a later commit failed once the bronze snapshot it read expired)
    publish(spark, target)
    summary["watermark"] = head
    return summary
