"""Maintain the lake's Iceberg tables: compact those due, expire old snapshots the watermarks do not need.

Local: python glue-jobs/lake_maintenance.py --storage-root file:///abs/root [--retain-days 7]
    [--retain-last 5] [--min-delete-files 24] [--min-small-files 24]
"""
import json
import sys
import uuid

from cdc_lake import args as job_args
from cdc_lake import maintenance
from cdc_lake.session import build_session, warehouse_for

REQUIRED = ["storage-root"]
OPTIONAL = {"catalog": "local", "job-run-id": None, "retain-days": "7", "retain-last": "5",
            "min-delete-files": "24", "min-small-files": "24"}


def _number(opts, name, parse, minimum):
    raw = opts[name.replace("-", "_")]
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ValueError(f"--{name} {raw!r} is not a number >= {minimum}")
    return value


def main(argv):
    opts = job_args.parse(argv, REQUIRED, OPTIONAL)
    settings = {
        "retain_days": _number(opts, "retain-days", float, 0),
        "retain_last": _number(opts, "retain-last", int, 1),
        "min_delete_files": _number(opts, "min-delete-files", int, 1),
        "min_small_files": _number(opts, "min-small-files", int, 2),
    }
    run_id = opts["job_run_id"] or opts.get("JOB_RUN_ID") or f"local-{uuid.uuid4().hex[:12]}"
    spark = build_session("lake_maintenance", warehouse_for(opts["storage_root"]), opts["catalog"])
    results = maintenance.run(spark, **settings)
    print(json.dumps({
        "job": "lake_maintenance", "job_run_id": run_id, "status": "succeeded",
        "compacted": [r["table"] for r in results if r["compacted"]],
        "deleted_files": sum(r["deleted_files"] for r in results),
        "tables": results,
    }), flush=True)
    return 0


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(main, sys.argv))
