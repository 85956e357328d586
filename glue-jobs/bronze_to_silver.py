"""bronze_cdc_events -> silver_users|products|orders (SCD2), incremental past each table's watermark.

Local: python glue-jobs/bronze_to_silver.py --storage-root file:///abs/root [--tables users,orders]
"""
import json
import sys
import uuid

from cdc_lake import args as job_args
from cdc_lake.session import build_session, warehouse_for
from cdc_lake.silver import bronze_head, process_table
from cdc_lake.tables import TABLES, spec

REQUIRED = ["storage-root"]
OPTIONAL = {"catalog": "local", "job-run-id": None, "tables": ",".join(TABLES)}


def main(argv):
    opts = job_args.parse(argv, REQUIRED, OPTIONAL)
    tables = [t.strip() for t in opts["tables"].split(",") if t.strip()]
    for t in tables:
        spec(t)
    run_id = opts["job_run_id"] or opts.get("JOB_RUN_ID") or f"local-{uuid.uuid4().hex[:12]}"
    spark = build_session("bronze_to_silver", warehouse_for(opts["storage_root"]), opts["catalog"])
    head = bronze_head(spark)  # one bronze snapshot for every table of this run
    results = [process_table(spark, t, head) for t in tables]
    print(json.dumps({
        "job": "bronze_to_silver", "job_run_id": run_id, "status": "succeeded",
        "rows_read": sum(r["rows_read"] for r in results),
        "rows_written": sum(r["rows_written"] for r in results),
        "dlq_count": 0,
        "watermark": {r["table"]: r["watermark"] for r in results},
        "tables": results,
    }), flush=True)
    return 0


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(main, sys.argv))
