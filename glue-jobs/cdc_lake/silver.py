"""bronze -> silver_<table>: incremental read past the watermark, SCD2 MERGE, watermark in the same commit.

Layout: merge-on-read for MERGE/UPDATE/DELETE, so a run writes its new rows plus small position-delete
files for the rows whose window it closes, instead of rewriting every data file holding a touched
key: a run's write cost grows with its changes, not with the table.

Read side: the table is sorted on the key (WRITE ORDERED BY key: range-distributed, sorted writes,
and compaction with the sort strategy keeps it so), so each data file and row group covers a narrow
key range. A run reads the changed keys' history once (cached) through a literal predicate built
from the batch (key_predicate: the keys' ranges) that Iceberg can prune files and row groups with --
a semi-join cannot be pushed down -- and a broadcast semi-join on the keys; the MERGE's target scan
gets the same ranges in its ON clause, plus an IN list of the keys when the table is large enough
for it to pay (IN_LIST_ROWS_PER_KEY). What is read then follows the files the changed keys live in,
not the table; changes spread at random over the whole key range still touch every file
(bench/silver_merge_cost.py measures both).
"""
import dataclasses
import json
import uuid

from pyspark.sql import functions as F

from . import schema, scd2
from .bronze import BRONZE_TABLE
from .session import table_name, table_properties
from .catalog import as_spec, silver_schema, spec
from .watermark import WATERMARK_PROPERTY, commit_properties, current_lineage, encode_watermark, read_watermark_state

SILVER_PROPERTIES = {
    "format-version": "2",
    "write.merge.mode": "merge-on-read",
    "write.update.mode": "merge-on-read",
    "write.delete.mode": "merge-on-read",
}

# a predicate on the changed keys: at most this many BETWEEN ranges (split at the widest gaps), and an
# exact IN list too while there are at most IN_LIST_MAX keys (keeps the MERGE join's target side to the
# changed keys' rows; Iceberg prunes with the ranges, its metrics filters give up on IN lists > 200).
# The MERGE gets the IN list only when the table holds IN_LIST_ROWS_PER_KEY rows per key or more:
# Spark's analysis of a long IN list costs more than the rows it keeps out of the join save on a
# small table (10,000 keys: 7.9 s with it, 5.7 s without on 10k rows; 8.3 s with, 12.9 s without on 1M)
MAX_KEY_RANGES = 64
IN_LIST_MAX = 10_000
IN_LIST_ROWS_PER_KEY = 10
# more distinct keys than this are not collected: the predicate is then the keys' [min, max]
COLLECT_KEYS_MAX = 200_000

MERGE_SQL = """
MERGE INTO {target} t
USING {source} s
ON t.{key} = s.{key} AND t._source_lsn = s._source_lsn{target_filter}
WHEN MATCHED AND NOT (t._valid_to <=> s._valid_to AND t._is_current <=> s._is_current)
  THEN UPDATE SET t._valid_to = s._valid_to, t._is_current = s._is_current
WHEN NOT MATCHED THEN INSERT *
"""


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
    """Add and widen silver's columns, record new allowances: Iceberg metadata commits, before the MERGE.

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


def _sql_int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer key: {value!r}")
    return str(value)


def key_ranges(keys, max_ranges=None):
    """Integer `keys` -> at most `max_ranges` (default MAX_KEY_RANGES) sorted (lo, hi) covering every
    key, split at the widest gaps between consecutive keys (so clustered keys give tight ranges)."""
    max_ranges = max(1, MAX_KEY_RANGES if max_ranges is None else max_ranges)
    keys = sorted(set(keys))
    if not keys:
        return []
    gaps = sorted(range(1, len(keys)), key=lambda i: keys[i] - keys[i - 1], reverse=True)
    cuts = sorted(i for i in gaps[:max_ranges - 1] if keys[i] - keys[i - 1] > 1)
    bounds = [0] + cuts + [len(keys)]
    return [(keys[a], keys[b - 1]) for a, b in zip(bounds, bounds[1:])]


def key_predicate(column, keys, max_ranges=None, in_list_max=None):
    """A SQL predicate on `column` that holds for every key in `keys` (integers) and that Iceberg can
    prune data files and row groups with; None when there are no keys or they are not integers."""
    try:
        literal = {k: _sql_int(k) for k in set(keys)}
    except TypeError:
        return None
    if not literal:
        return None
    ranges = " OR ".join(
        f"{column} = {_sql_int(lo)}" if lo == hi else f"{column} BETWEEN {_sql_int(lo)} AND {_sql_int(hi)}"
        for lo, hi in key_ranges(literal, max_ranges))
    if len(literal) > (IN_LIST_MAX if in_list_max is None else in_list_max):
        return f"({ranges})"
    # the IN list first: a hash lookup (InSet) rejects most rows before the ranges are evaluated
    return f"{column} IN ({', '.join(literal[k] for k in sorted(literal))}) AND ({ranges})"


def changed_keys(df, key):
    """The distinct non-null `key` values of `df`: (keys, True), or ([min, max], False) when there are
    more than COLLECT_KEYS_MAX of them (they are not collected)."""
    keys = [r[0] for r in df.select(key).where(F.col(key).isNotNull()).distinct()
            .limit(COLLECT_KEYS_MAX + 1).collect()]
    if len(keys) <= COLLECT_KEYS_MAX:
        return keys, True
    return list(df.agg(F.min(key), F.max(key)).first()), False


def keys_predicate(column, keys, exact, in_list=True):
    """key_predicate over changed_keys' output: over the keys themselves, or over their [min, max].
    in_list=False: the ranges only."""
    if not exact:
        return key_predicate(column, keys, max_ranges=1, in_list_max=0)
    return key_predicate(column, keys, in_list_max=None if in_list else 0)


def total_records(spark, target):
    """The rows in the data files of `target`'s current snapshot (deleted ones included), 0 if none."""
    row = spark.sql(f"SELECT s.summary['total-records'] AS n FROM {target}.snapshots s "
                    f"JOIN {target}.refs r ON r.snapshot_id = s.snapshot_id WHERE r.name = 'main'").first()
    return int(row.n) if row and row.n else 0


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


def merge_history(spark, target, rows_df, key, watermark_json, target_filter, row_count=None):
    """MERGE the SCD2 rows into `target` with the watermark in the same snapshot; one commit.

    target_filter: a predicate on the target's columns (alias `t`) true for every target row a source
    row can match, ANDed into the ON clause so the target scan is pruned; None for none. (Only
    matching is affected: there is no WHEN NOT MATCHED BY SOURCE clause.)
    row_count: the rows in `rows_df` when the caller has counted them already.
    """
    if (rows_df.isEmpty() if row_count is None else row_count == 0):
        # Nothing to change, but the watermark still has to move: an empty append is one commit.
        (rows_df.select(*spark.table(target).columns).writeTo(target).option(f"snapshot-property.{WATERMARK_PROPERTY}", watermark_json).append())
        return
    spark = rows_df.sparkSession
    view = f"silver_changes_{uuid.uuid4().hex}"
    rows_df.createOrReplaceTempView(view)
    try:
        with commit_properties(spark, {WATERMARK_PROPERTY: watermark_json}):
            spark.sql(MERGE_SQL.format(target=target, source=view, key=key,
                                       target_filter=f" AND {target_filter}" if target_filter else ""))
    finally:
        spark.catalog.dropTempView(view)


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
        # decoded once, ordered once: the checks, the key collection and the history all read these
        decoded = scd2.decode_rows(bronze, effective).persist()
        uncastable = first_uncastable_change(decoded, effective, advice)
        if uncastable:
            raise _stopped(UncastableChangeError(uncastable), summary)
        changes = scd2.order_changes(decoded, effective).persist()
        keys, exact = changed_keys(changes, s.key)
        # the ranges only: the semi-join below does what an IN list would, and every plan built on a
        # long IN list pays for its literals again (10,000 keys: 10 s where the run took 5 s)
        predicate = keys_predicate(f"`{s.key}`", keys, exact, in_list=False)
        current = spark.table(target)
        if predicate:
            current = current.where(predicate)  # pushed down: prunes files and row groups
        # read once: build_scd2_history uses it twice
        current = current.join(F.broadcast(changes.select(s.key).distinct()), s.key, "left_semi").persist()
        rows = scd2.build_scd2_history(changes, current, effective).persist()
        summary["rows_read"] = bronze.count()
        written, newest = rows.agg(F.count(F.lit(1)), F.max(F.unix_millis("_valid_from"))).first()
        summary["rows_written"] = written
        # the newest change the table holds, carried from run to run (a late event is older)
        known = [v for v in (state.get("valid_from_max"), newest) if v is not None]
        valid_from_max = max(known) if known else None
        seen = dict(state.get("bronze_fields") or {})
        seen.update({f: max(ms, seen.get(f) or ms) for f, ms in fields.items()})
        current.unpersist()
        # every key of `rows` is a key of `changes` (its history is built from those keys' rows);
        # with nothing written there is no MERGE, so the table's size is not asked for
        in_list = written > 0 and len(keys) * IN_LIST_ROWS_PER_KEY <= total_records(spark, target)
        merge_history(spark, target, rows, s.key, encode_watermark(head, valid_from_max, seen, dropped),
                      target_filter=keys_predicate(f"t.`{s.key}`", keys, exact, in_list), row_count=written)
    finally:
        for df in (rows, current, changes, decoded, bronze):
            if df is not None:
                df.unpersist()
    summary["watermark"] = head
    return summary
