"""One pure function per rule type: DataFrame(s) in, an Outcome out. No reads, no writes.

Callers pass the rows a rule is about (for silver, usually the `_is_current` rows); `scd2` and
`freshness` want every version. `sample_keys` name the table's key of offending rows, sorted, at
most `limit` of them.
"""
import datetime
import decimal
import functools
import operator
import re
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, Window, functions as F


@dataclass
class Outcome:
    passed: bool
    observed: object
    expected: object
    sample_keys: list = field(default_factory=list)
    message: str = ""


def jsonable(value):
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _any(conditions):
    return functools.reduce(operator.or_, conditions)


def _sample(df: DataFrame, key, limit):
    if limit <= 0:
        return []
    cols = [key] if isinstance(key, str) else list(key)
    rows = df.select(*cols).where(_any([F.col(c).isNotNull() for c in cols])).distinct() \
        .orderBy(*cols).limit(limit).collect()
    return [jsonable(r[0]) if len(cols) == 1 else jsonable(list(r)) for r in rows]


def _bounds(lo, hi):
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    return f">= {lo}" if lo is not None else f"<= {hi}"


def row_count(df: DataFrame, min=None, max=None) -> Outcome:  # noqa: A002 - the rule's own words
    n = df.count()
    ok = (min is None or n >= min) and (max is None or n <= max)
    return Outcome(ok, n, _bounds(min, max), [], "" if ok else f"{n} rows, expected {_bounds(min, max)}")


def not_null(df: DataFrame, columns, key, max_null_fraction=0.0, limit=10) -> Outcome:
    aggs = [F.count(F.lit(1)).alias("_total")] + [F.sum(F.col(c).isNull().cast("long")).alias(c) for c in columns]
    row = df.agg(*aggs).first()
    total = row["_total"]
    nulls = {c: int(row[c] or 0) for c in columns}
    over = {c: n for c, n in nulls.items() if n > 0 and (total == 0 or n / total > max_null_fraction)}
    if not over:
        return Outcome(True, nulls, f"null fraction <= {max_null_fraction}")
    bad = df.where(_any([F.col(c).isNull() for c in over]))
    message = ", ".join(f"{c}: {n} of {total} null" for c, n in over.items())
    return Outcome(False, nulls, f"null fraction <= {max_null_fraction}", _sample(bad, key, limit), message)


def unique(df: DataFrame, columns, limit=10) -> Outcome:
    dupes = df.groupBy(*columns).count().where("count > 1")
    n = dupes.count()
    if n == 0:
        return Outcome(True, 0, "0 duplicated values")
    key = columns[0] if len(columns) == 1 else columns
    return Outcome(False, n, "0 duplicated values", _sample(dupes, key, limit),
                   f"{n} value(s) of ({', '.join(columns)}) occur more than once")


def accepted_values(df: DataFrame, column, values, key, allow_null=True, limit=10) -> Outcome:
    col = F.col(column)
    bad_cond = col.isNotNull() & ~col.isin(*values)
    if not allow_null:
        bad_cond = bad_cond | col.isNull()
    bad = df.where(bad_cond)
    n = bad.count()
    if n == 0:
        return Outcome(True, 0, f"{column} in {values}")
    seen = [jsonable(r[0]) for r in bad.select(column).distinct().orderBy(column).limit(10).collect()]
    return Outcome(False, n, f"{column} in {values}", _sample(bad, key, limit),
                   f"{n} row(s) with {column} outside the accepted values: {seen}")


def value_range(df: DataFrame, column, key, min=None, max=None, limit=10) -> Outcome:  # noqa: A002
    col = F.col(column)
    cond = F.lit(False)
    if min is not None:
        cond = cond | (col < F.lit(min))
    if max is not None:
        cond = cond | (col > F.lit(max))
    bad = df.where(col.isNotNull() & cond)
    n = bad.count()
    expected = f"{column} {_bounds(min, max)}"
    if n == 0:
        return Outcome(True, 0, expected)
    lo_hi = bad.agg(F.min(column).alias("lo"), F.max(column).alias("hi")).first()
    return Outcome(False, n, expected, _sample(bad, key, limit),
                   f"{n} row(s) out of range (seen {jsonable(lo_hi.lo)}..{jsonable(lo_hi.hi)})")


def regex(df: DataFrame, column, pattern, key, limit=10) -> Outcome:
    re.compile(pattern)
    bad = df.where(F.col(column).isNotNull() & ~F.col(column).rlike(pattern))
    n = bad.count()
    if n == 0:
        return Outcome(True, 0, f"{column} matches {pattern}")
    return Outcome(False, n, f"{column} matches {pattern}", _sample(bad, key, limit),
                   f"{n} row(s) where {column} does not match")


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text) -> datetime.timedelta:
    m = re.fullmatch(r"(\d+)([smhd])", str(text))
    if not m:
        raise ValueError(f"duration {text!r} is not like 30m, 24h or 7d")
    return datetime.timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


def freshness(df: DataFrame, max_age, column="_valid_from", now=None) -> Outcome:
    """The newest `column` value is at most `max_age` old (as of `now`, UTC)."""
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    limit = parse_duration(max_age)
    newest = df.agg(F.max(column).alias("newest")).first().newest
    if newest is None:
        return Outcome(False, {"newest": None}, f"age <= {max_age}", [], f"no {column} value at all")
    if isinstance(newest, datetime.datetime) and newest.tzinfo is not None:
        newest = newest.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    age = now - newest
    observed = {"newest": newest.isoformat(), "age_seconds": int(age.total_seconds())}
    if age <= limit:
        return Outcome(True, observed, f"age <= {max_age}")
    return Outcome(False, observed, f"age <= {max_age}", [], f"newest {column} {newest.isoformat()} is {age} old")


def referential(df: DataFrame, column, ref_df: DataFrame, ref_column, key, limit=10) -> Outcome:
    refs = ref_df.select(F.col(ref_column).alias("_ref")).distinct()
    orphans = df.where(F.col(column).isNotNull()).join(refs, F.col(column) == F.col("_ref"), "left_anti")
    n = orphans.count()
    if n == 0:
        return Outcome(True, 0, f"every {column} in the referenced table")
    missing = [jsonable(r[0]) for r in orphans.select(column).distinct().orderBy(column).limit(10).collect()]
    return Outcome(False, n, f"every {column} in the referenced table", _sample(orphans, key, limit),
                   f"{n} row(s) reference a missing {column}: {missing}")


SCD2_PROBLEMS = ("multiple_current", "overlap", "gap", "missing_current", "current_after_delete")


def scd2(df: DataFrame, key, limit=10) -> Outcome:
    """Every version of a silver table: one current row per live key and none for a deleted key;
    each window ends where the key's next version (in source order) begins, the last one is open."""
    order = Window.partitionBy(key).orderBy("_source_lsn", "_valid_from")
    versions = (
        df.select(key, "_source_lsn", "_valid_from", "_valid_to", "_is_current", "operation")
        .withColumn("_next_from", F.lead("_valid_from").over(order))
        .withColumn("_is_last", F.lead(F.lit(1)).over(order).isNull())
    )
    to, nxt, last = F.col("_valid_to"), F.col("_next_from"), F.col("_is_last")
    flags = versions.select(
        key, "_is_last", "operation", "_is_current",
        (~last & (to.isNull() | (to > nxt))).alias("overlap"),
        ((~last & (to < nxt)) | (last & to.isNotNull())).alias("gap"),
    )
    per_key = flags.groupBy(key).agg(
        F.sum(F.col("_is_current").cast("int")).alias("_currents"),
        F.max(F.col("overlap").cast("int")).alias("_overlap"),
        F.max(F.col("gap").cast("int")).alias("_gap"),
        F.max(F.when(F.col("_is_last"), F.col("operation"))).alias("_last_op"),
    )
    deleted = F.col("_last_op") == "d"
    problems = per_key.select(
        key,
        (F.col("_currents") > 1).alias("multiple_current"),
        (F.col("_overlap") == 1).alias("overlap"),
        (F.col("_gap") == 1).alias("gap"),
        (~deleted & (F.col("_currents") == 0)).alias("missing_current"),
        (deleted & (F.col("_currents") > 0)).alias("current_after_delete"),
    ).persist()
    try:
        counts = problems.agg(*[F.sum(F.col(p).cast("int")).alias(p) for p in SCD2_PROBLEMS]).first()
        observed = {p: int(counts[p] or 0) for p in SCD2_PROBLEMS}
        bad = problems.where(F.greatest(*[F.col(p).cast("int") for p in SCD2_PROBLEMS]) == 1)
        n = bad.count()
        if n == 0:
            return Outcome(True, observed, "no SCD2 violations")
        message = f"{n} key(s) violate SCD2: " + ", ".join(f"{p} {c}" for p, c in observed.items() if c)
        return Outcome(False, observed, "no SCD2 violations", _sample(bad, key, limit), message)
    finally:
        problems.unpersist()


def row_hashes(df: DataFrame, key, columns) -> DataFrame:
    """(key, _row_hash) over `columns`; both sides of a reconcile use the same expression and types."""
    return df.select(F.col(key), F.sha2(F.to_json(F.struct(*[F.col(c) for c in columns])), 256).alias("_row_hash"))


def compare_rows(silver_df: DataFrame, source_df: DataFrame, key, columns, limit=10) -> Outcome:
    """Silver current rows against the source rows, per key: counts equal and every row hash equal."""
    lake = row_hashes(silver_df, key, columns).withColumnRenamed("_row_hash", "_lake")
    src = row_hashes(source_df, key, columns).withColumnRenamed("_row_hash", "_src")
    joined = lake.join(src, key, "full_outer")
    diff = joined.where(~F.col("_lake").eqNullSafe(F.col("_src"))).persist()
    try:
        kinds = diff.agg(
            F.sum(F.col("_src").isNull().cast("int")).alias("only_in_silver"),
            F.sum(F.col("_lake").isNull().cast("int")).alias("missing_in_silver"),
            F.sum((F.col("_src").isNotNull() & F.col("_lake").isNotNull()).cast("int")).alias("differing"),
        ).first()
        observed = {
            "silver_rows": silver_df.count(), "source_rows": source_df.count(),
            "only_in_silver": int(kinds.only_in_silver or 0), "missing_in_silver": int(kinds.missing_in_silver or 0),
            "differing": int(kinds.differing or 0),
        }
        expected = "silver current rows equal the source, key by key"
        bad = observed["only_in_silver"] + observed["missing_in_silver"] + observed["differing"]
        if bad == 0 and observed["silver_rows"] == observed["source_rows"]:
            return Outcome(True, observed, expected)
        message = f"{bad} key(s) differ from the source: " + ", ".join(
            f"{k} {observed[k]}" for k in ("differing", "missing_in_silver", "only_in_silver") if observed[k])
        if bad == 0:
            message = f"{observed['silver_rows']} current rows in silver, {observed['source_rows']} in the source"
        return Outcome(False, observed, expected, _sample(diff, key, limit), message)
    finally:
        diff.unpersist()


def _number(value):
    if value is None:
        return 0
    return decimal.Decimal(str(value)) if not isinstance(value, decimal.Decimal) else value


def gold_consistency(gold_df: DataFrame, expr, silver_df: DataFrame, silver_expr, tolerance=0) -> Outcome:
    """An aggregate over a gold table equals one over current silver rows (within `tolerance`)."""
    gold_value = gold_df.selectExpr(f"{expr} AS v").first().v
    silver_value = silver_df.selectExpr(f"{silver_expr} AS v").first().v
    diff = abs(_number(gold_value) - _number(silver_value))
    observed, expected = jsonable(gold_value), jsonable(silver_value)
    if diff <= decimal.Decimal(str(tolerance)):
        return Outcome(True, observed, expected)
    return Outcome(False, observed, expected, [],
                   f"gold {expr} = {observed}, silver {silver_expr} = {expected} (off by {jsonable(diff)})")


def schema_columns(df: DataFrame, expected, source_types=None, allowed=None, allow_extra=True) -> Outcome:
    """Silver's columns against the expected ones and, given `source_types`, the source's.

    expected: {column: Spark SQL type}; silver's type must be it or one schema evolution widened it to.
    source_types: {column: Spark SQL type} of the source table: each must be in silver with a type that
    holds it (the same, or wider), or a change allowed on the table (`allowed`: {column: (silver, source)}).
    `sample_keys` are the offending column names."""
    from ..schema import canonical, compare

    allowed = allowed or {}
    silver = {f.name: canonical(f.dataType.simpleString()) for f in df.schema.fields}
    missing = [c for c in expected if c not in silver]
    mismatched = [f"{c} is {silver[c]}, expected {canonical(t)}" for c, t in expected.items()
                  if c in silver and compare(t, silver[c]) not in ("same", "widen")]
    extra = [] if allow_extra else [c for c in silver if c not in expected]
    behind, lagging = [], []
    for c, t in (source_types or {}).items():
        if c not in silver:
            behind.append(c)
        elif compare(silver[c], t) not in ("same", "narrow") and allowed.get(c) != (silver[c], canonical(t)):
            lagging.append(f"{c} is {silver[c]} in silver, {canonical(t)} in the source")
    observed = {"columns": len(silver), "missing": missing, "mismatched": mismatched, "extra": extra,
                "not_in_silver": behind, "type_behind_source": lagging}
    expected_text = (f"{len(expected)} expected column(s) with their types"
                     + (", and every source column" if source_types is not None else ""))
    problems = [(missing, "missing"), (mismatched, "of another type"), (extra, "not expected"),
                (behind, "in the source but not in silver"), (lagging, "of a type that does not hold the source's")]
    if not any(p for p, _ in problems):
        return Outcome(True, observed, expected_text)
    message = "; ".join(f"{len(p)} column(s) {what}: {', '.join(p)}" for p, what in problems if p)
    names = sorted({x.split(" ")[0] for p, _ in problems for x in p})
    return Outcome(False, observed, expected_text, names[:10], message)
