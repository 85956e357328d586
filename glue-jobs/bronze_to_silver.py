"""The bronze table -> each source table's silver table (SCD2), incremental past its watermark.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl job run` passes them. The source's
column types are read from Postgres once per run (the database credentials are arguments, as for the
data-quality job) so that silver's schema follows the source's (cdc_lake.schema). A table whose
changes silver cannot apply stops with one line and the others go on; the run then fails (exit 1).
"""
import sys

from cdc_lake import catalog, source_db
from cdc_lake.entry import UsageError
from cdc_lake.schema import ALLOWED_FOR_DROPPED, parse_allow
from cdc_lake.session import build_session, warehouse_for
from cdc_lake.silver import TableStopped, bronze_head, process_table


def main(opts):
    tables = [t.strip() for t in (opts["tables"] or ",".join(catalog.tables())).split(",") if t.strip()]
    for t in tables:
        catalog.spec(t)
    try:
        allow = parse_allow(opts["allow"])
    except ValueError as exc:
        raise UsageError("USAGE", f"--allow: {exc}") from None
    unknown = sorted(set(allow) - set(tables))
    if unknown:
        raise UsageError("USAGE", f"--allow names {', '.join(unknown)}, which this run does not process "
                                  f"(tables: {', '.join(tables)})")
    job = catalog.job_for_script(__file__)

    def allow_hint(table, column, source_type):
        return f"cdcctl job run {job} --arg allow={table}.{column}:{source_type}"

    source = source_db.SourceSchema(lambda: source_db.credentials_from(opts), tables)
    spark = build_session("bronze_to_silver", warehouse_for(opts["storage_root"]), opts["catalog"])
    head = bronze_head(spark)  # one bronze snapshot for every table of this run
    results, stopped, warnings = [], [], []
    for t in tables:
        try:
            result = process_table(spark, t, head, source=source, allow=allow.get(t), allow_hint=allow_hint,
                                   run_id=opts["job_run_id"])
        except TableStopped as exc:
            result = exc.summary
            stopped.append(str(exc))
            print(f"error: {exc}", file=sys.stderr, flush=True)
        applied = {c["column"] for c in result.get("schema_changes", [])
                   if c["action"] == "allow" or c.get("message") == ALLOWED_FOR_DROPPED}
        for column, source_type in (allow.get(t) or {}).items():
            if column not in applied and "error" not in result:
                result.setdefault("warnings", []).append(
                    f"allow={t}.{column}:{source_type} matched no type change of this run (see cdcctl schema diff)")
        for w in result.get("warnings", []):
            print(f"warning: {w}", file=sys.stderr, flush=True)
        warnings += result.get("warnings", [])
        results.append(result)
    if source.error:
        warnings.insert(0, f"the source's column types could not be read ({source.error}): silver's schema "
                           f"followed only the catalog and its own columns")
        print(f"warning: {warnings[0]}", file=sys.stderr, flush=True)
    summary = {
        "status": "failed" if stopped else "succeeded",
        "rows_read": sum(r["rows_read"] for r in results),
        "rows_written": sum(r["rows_written"] for r in results),
        "dlq_count": 0,
        "watermark": {r["table"]: r["watermark"] for r in results},
        "tables": results,
        "warnings": warnings,
    }
    if stopped:
        summary["error"] = stopped[0] if len(stopped) == 1 else f"{len(stopped)} tables stopped: " + "; ".join(stopped)
    return summary


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
