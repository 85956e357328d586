"""Data-quality checks of silver and gold (rules from dq/rules.yaml) -> {root}/dq/results/<run id>.json.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl dq check` passes them: the rules file
and a database credentials file; on Glue the rules are staged under {root}/dq/rules/ and the database
credentials come from the Secrets Manager secret Terraform names.
Exit 0 when every fail-severity rule passed, 1 when one failed, 2 for a bad rules file or a missing table.
"""
import datetime
import sys

from cdc_lake import source_db as source
from cdc_lake.dq import rules as dq_rules
from cdc_lake.dq import runner
from cdc_lake.entry import UsageError
from cdc_lake.session import build_session, warehouse_for


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _split(value):
    return [v for v in (value or "").split(",") if v]


def main(opts):
    try:
        rules = dq_rules.select(dq_rules.load_rules(opts["rules"]), _split(opts["table"]), _split(opts["only"]))
    except dq_rules.RulesError as exc:
        raise UsageError("RULES_INVALID", str(exc)) from None
    if not rules:
        raise UsageError("RULES_INVALID", f"no rule matches --table {opts['table'] or '*'} --only {opts['only'] or '*'}")

    def read_source(tables):
        return source.read_tables(source.credentials_from(opts), tables)

    def read_columns(tables):
        return source.read_columns(source.credentials_from(opts), tables)

    started_at = _now()
    spark = build_session("data_quality", warehouse_for(opts["storage_root"]), opts["catalog"])
    try:
        results = runner.run_rules(spark, rules, read_source, read_columns=read_columns)
    except runner.MissingTableError as exc:
        raise UsageError("MISSING_TABLE", str(exc)) from None
    ok = runner.passed(results)
    run_id = opts["job_run_id"]
    report = {"run_id": run_id, "started_at": started_at, "finished_at": _now(), "passed": ok,
              "rules_file": str(opts["rules"] or dq_rules.DEFAULT_RULES), "rules": results}
    uri = runner.write_report(opts["storage_root"], run_id, report)
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("pass", "fail", "warn", "error")}
    summary = {"status": "succeeded" if ok else "failed", "passed": ok, "results": uri, **counts}
    if not ok:
        failing = [r["name"] for r in results if r["status"] in ("fail", "error") and r["severity"] == "fail"]
        summary["error"] = f"{len(failing)} data-quality rule(s) failed: {', '.join(failing[:5])}"
    return summary


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
