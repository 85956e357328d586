"""Data-quality checks of silver and gold (rules from dq/rules.yaml) -> {root}/dq/results/<run id>.json.

Local: python glue-jobs/data_quality.py --storage-root file:///abs/root \
           --db-credentials-file .cdcctl/secrets/postgres.json [--rules FILE] [--table T,..] [--only TYPE,..]
Glue:  --rules s3://bucket/dq/rules.yaml --db-secret-name db-credentials
Exit 0 when every fail-severity rule passed, 1 when one failed, 2 for a bad rules file or a missing table.
"""
import datetime
import json
import sys
import uuid

from cdc_lake import args as job_args
from cdc_lake.dq import rules as dq_rules
from cdc_lake.dq import runner, source
from cdc_lake.session import build_session, warehouse_for

REQUIRED = ["storage-root"]
OPTIONAL = {
    "catalog": "local", "job-run-id": None, "JOB_RUN_ID": None, "rules": None, "table": None, "only": None,
    "db-credentials-file": None, "db-secret-name": None, "db-host": None, "db-port": None, "db-name": None,
    "db-user": None, "region": None,
}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _usage_failure(code, message):
    print(f"error: {message}", file=sys.stderr, flush=True)
    print(json.dumps({"job": "data_quality", "status": "failed", "code": code, "error": message}), flush=True)
    return 2


def _split(value):
    return [v for v in (value or "").split(",") if v]


def main(argv):
    opts = job_args.parse(argv, REQUIRED, OPTIONAL)
    run_id = opts["job_run_id"] or opts.get("JOB_RUN_ID") or f"local-{uuid.uuid4().hex[:12]}"
    try:
        rules = dq_rules.select(dq_rules.load_rules(opts["rules"]), _split(opts["table"]), _split(opts["only"]))
    except dq_rules.RulesError as exc:
        return _usage_failure("RULES_INVALID", str(exc))
    if not rules:
        return _usage_failure("RULES_INVALID", f"no rule matches --table {opts['table'] or '*'} --only {opts['only'] or '*'}")

    def read_source(tables):
        creds = source.load_credentials(
            opts["db_credentials_file"], opts["db_secret_name"], opts["region"],
            host=opts["db_host"], port=opts["db_port"], dbname=opts["db_name"], username=opts["db_user"])
        return source.read_tables(creds, tables)

    started_at = _now()
    spark = build_session("data_quality", warehouse_for(opts["storage_root"]), opts["catalog"])
    try:
        results = runner.run_rules(spark, rules, read_source)
    except runner.MissingTableError as exc:
        return _usage_failure("MISSING_TABLE", str(exc))
    ok = runner.passed(results)
    report = {"run_id": run_id, "started_at": started_at, "finished_at": _now(), "passed": ok,
              "rules_file": str(opts["rules"] or dq_rules.DEFAULT_RULES), "rules": results}
    uri = runner.write_report(opts["storage_root"], run_id, report)
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("pass", "fail", "warn", "error")}
    summary = {"job": "data_quality", "job_run_id": run_id, "status": "succeeded" if ok else "failed",
               "passed": ok, "results": uri, **counts}
    if not ok:
        failing = [r["name"] for r in results if r["status"] in ("fail", "error") and r["severity"] == "fail"]
        summary["error"] = f"{len(failing)} data-quality rule(s) failed: {', '.join(failing[:5])}"
    print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(main, sys.argv))
