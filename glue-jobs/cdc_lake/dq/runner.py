"""Run selected rules against the lake: read each table once, call the pure checks, shape results.

The edges live here: catalog lookups, the one consistent read of the Postgres source, and writing
the report to {root}/dq/results/<run id>.json.
"""
import json

from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from .. import catalog
from ..schema import silver_source_columns, source_type
from ..session import table_name, table_properties
from ..storage import write_object
from . import checks

# a type change allowed on a silver table (cdc_lake.silver.ALLOWANCE_PREFIX; silver imports Spark jobs' code)
_ALLOWANCE_PREFIX = "cdc.schema.allow."


class MissingTableError(RuntimeError):
    pass


def _silver_spec(table):
    return next((s for s in catalog.tables().values() if s.silver_table == table), None)


def check_tables_exist(spark, rules):
    for rule in rules:
        for table in rule.tables():
            if not spark.catalog.tableExists(table_name(table)):
                hint = "run bronze_to_silver first" if table in catalog.silver_tables() else (
                    "run silver_to_gold first" if table in catalog.gold_tables() else "check the table name")
                raise MissingTableError(
                    f"table {table_name(table)} named by rule '{rule.name}' (line {rule.line}) does not exist: {hint}")


def _source_name(source_table):
    return source_table.rpartition(".")[2]


def _reconcile_columns(rule, silver_df, source_columns):
    """The rule's columns, or every source column silver holds (the catalog's and those schema evolution
    added) that the source still has: a column the source dropped is not compared, and one silver lacks
    is the schema rule's finding."""
    if "columns" in rule.params:
        return list(rule.params["columns"])
    spec = _silver_spec(rule.table)
    if spec is None:
        raise ValueError(f"rule '{rule.name}': 'columns' is needed for {rule.table}, which is not a known silver table")
    held = [c for c, _ in silver_source_columns(spec, [(f.name, f.dataType.simpleString()) for f in silver_df.schema.fields])]
    source = source_columns.get(_source_name(rule.params["source_table"]))
    if source is None:
        raise ValueError(f"rule '{rule.name}': source table {rule.params['source_table']} not found in the source")
    return [c for c in held if c in source]


def _expected_columns(rule):
    if "expected_columns" in rule.params:
        return dict(rule.params["expected_columns"])
    spec = _silver_spec(rule.table)
    if spec is None:
        raise ValueError(f"rule '{rule.name}': 'expected_columns' is needed for {rule.table}, which is not a known silver table")
    return dict(spec.silver_schema)


def _allowances(spark, table):
    return {k[len(_ALLOWANCE_PREFIX):]: tuple(json.loads(v)[x] for x in ("silver", "source"))
            for k, v in table_properties(spark, table_name(table)).items() if k.startswith(_ALLOWANCE_PREFIX)}


def _status(outcome, severity):
    if outcome.passed:
        return "pass"
    return "fail" if severity == "fail" else "warn"


class _Tables:
    """Each lake table read once per run; `rows(t, rule)` are current rows unless all_rows."""

    def __init__(self, spark):
        self.spark, self._all = spark, {}

    def all(self, table):
        if table not in self._all:
            self._all[table] = self.spark.table(table_name(table))
        return self._all[table]

    def rows(self, table, all_rows=False):
        df = self.all(table)
        return df if all_rows or "_is_current" not in df.columns else df.where(F.col("_is_current"))


def _run_one(rule, tables, source_rows, now, source_columns=None):
    p, key, limit = rule.params, rule.key, rule.sample_limit
    rows = tables.rows(rule.table, p.get("all_rows", False))
    if rule.type == "row_count":
        return checks.row_count(rows, p.get("min"), p.get("max"))
    if rule.type == "not_null":
        return checks.not_null(rows, p["columns"], key, p.get("max_null_fraction", 0.0), limit)
    if rule.type == "unique":
        return checks.unique(rows, p["columns"], limit)
    if rule.type == "accepted_values":
        return checks.accepted_values(rows, p["column"], p["values"], key, p.get("allow_null", True), limit)
    if rule.type == "range":
        return checks.value_range(rows, p["column"], key, p.get("min"), p.get("max"), limit)
    if rule.type == "regex":
        return checks.regex(rows, p["column"], p["pattern"], key, limit)
    if rule.type == "freshness":
        return checks.freshness(tables.all(rule.table), p["max_age"], p.get("column", "_valid_from"), now)
    if rule.type == "referential":
        ref = tables.rows(p["ref_table"])
        return checks.referential(rows, p["column"], ref, p.get("ref_column", "id"), key, limit)
    if rule.type == "scd2":
        return checks.scd2(tables.all(rule.table), key, limit)
    if rule.type == "reconcile_source":
        columns = _reconcile_columns(rule, rows, source_columns or {})
        schema = StructType([rows.schema[c] for c in columns])
        source_df = tables.spark.createDataFrame(source_rows[p["source_table"]], schema)
        return checks.compare_rows(rows.select(*columns), source_df, key, columns, limit)
    if rule.type == "schema":
        source_types = None
        if "source_table" in p:
            found = (source_columns or {}).get(_source_name(p["source_table"]))
            if found is None:
                raise ValueError(f"source table {p['source_table']} not found in the source")
            source_types = {c: source_type(t).spark_type for c, t in found.items()}
        return checks.schema_columns(tables.all(rule.table), _expected_columns(rule), source_types,
                                     _allowances(tables.spark, rule.table), p.get("allow_extra", True))
    if rule.type == "gold_consistency":
        return checks.gold_consistency(rows, p["expr"], tables.rows(p["silver_table"]), p["silver_expr"],
                                       p.get("tolerance", 0))
    raise ValueError(f"unknown rule type {rule.type!r}")


def _needs_columns(rule):
    """The rule reads the source's column list: a schema rule with a source_table, a reconcile_source
    rule without its own columns."""
    if rule.type == "schema":
        return "source_table" in rule.params
    return rule.type == "reconcile_source" and "columns" not in rule.params


def run_rules(spark, rules, read_source=None, now=None, read_columns=None):
    """[Rule] -> [result dict]. `read_columns([source table])` -> {table: {column: Postgres type}} and
    `read_source({source table: [columns]})` are each called once, if a rule needs them; when one
    fails, each rule that needs it reports the error and the others still run."""
    check_tables_exist(spark, rules)
    tables = _Tables(spark)
    errors = {}  # rule name -> why it cannot run
    source_columns = {}
    needed = sorted({_source_name(r.params["source_table"]) for r in rules if _needs_columns(r)})
    if needed:
        try:
            source_columns = read_columns(needed)
        except Exception as exc:  # noqa: BLE001 - one line for every rule that needed it
            errors.update({r.name: str(exc).splitlines()[0] for r in rules if _needs_columns(r)})
    wanted = {}
    for rule in rules:
        if rule.type == "reconcile_source" and rule.name not in errors:
            try:
                wanted[rule.params["source_table"]] = _reconcile_columns(rule, tables.all(rule.table), source_columns)
            except ValueError as exc:
                errors[rule.name] = str(exc)
    source_rows = {}
    if wanted:
        try:
            source_rows = read_source(wanted)
        except Exception as exc:  # noqa: BLE001 - reported on every reconcile rule, the others still run
            errors.update({r.name: str(exc).splitlines()[0] for r in rules
                           if r.type == "reconcile_source" and r.name not in errors})
    results = []
    for rule in rules:
        base = {"name": rule.name, "type": rule.type, "table": rule.table, "severity": rule.severity}
        if rule.name in errors:
            results.append({**base, "status": "error", "observed": None, "expected": None, "sample_keys": [],
                            "message": errors[rule.name]})
            continue
        try:
            outcome = _run_one(rule, tables, source_rows, now, source_columns)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others' results
            lines = [line for line in str(exc).strip().splitlines() if line.strip()]
            results.append({**base, "status": "error", "observed": None, "expected": None, "sample_keys": [],
                            "message": f"{type(exc).__name__}: {lines[0] if lines else ''}"})
            continue
        results.append({**base, "status": _status(outcome, rule.severity), "observed": checks.jsonable(outcome.observed),
                        "expected": checks.jsonable(outcome.expected), "sample_keys": outcome.sample_keys,
                        "message": outcome.message})
    return results


def passed(results):
    """False when a fail-severity rule failed or could not run."""
    return not any(r["status"] == "fail" or (r["status"] == "error" and r["severity"] == "fail") for r in results)


def write_report(storage_root, run_id, report):
    """Write the report where `cdcctl dq history` finds it; returns its URI."""
    return write_object(storage_root, f"dq/results/{run_id}.json", json.dumps(report, indent=2, default=str))
