"""silver (_is_current rows) -> gold_user_analytics | gold_product_analytics | gold_sales_summary.

Local: python glue-jobs/silver_to_gold.py --storage-root file:///abs/root
"""
import datetime
import json
import re
import sys
import uuid

from cdc_lake import args as job_args
from cdc_lake import gold
from cdc_lake.session import build_session, table_name, warehouse_for
from cdc_lake.silver import MissingTableError

REQUIRED = ["storage-root"]
OPTIONAL = {"catalog": "local", "job-run-id": None, "as-of": None}


def _current(spark, table):
    name = table_name(f"silver_{table}")
    if not spark.catalog.tableExists(name):
        raise MissingTableError(f"silver table {name} does not exist: run bronze_to_silver first")
    return gold.current_rows(spark.table(name))


def _as_of(value):
    """--as-of as YYYY-MM-DD, or None when it is not a date. Checked here, not left to Spark: under ANSI
    mode CAST('2026-13-45' AS DATE) fails the job deep in the first gold table (exit 1), where a
    wrong argument is a usage error (exit 2)."""
    if value is None:
        return datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def main(argv):
    opts = job_args.parse(argv, REQUIRED, OPTIONAL)
    run_id = opts["job_run_id"] or opts.get("JOB_RUN_ID") or f"local-{uuid.uuid4().hex[:12]}"
    as_of = _as_of(opts["as_of"])
    if as_of is None:
        message = f"--as-of {opts['as_of']!r} is not a date (YYYY-MM-DD)"
        print(f"error: {message}", file=sys.stderr, flush=True)
        print(json.dumps({"job": "silver_to_gold", "status": "failed", "error": message}), flush=True)
        return 2
    spark = build_session("silver_to_gold", warehouse_for(opts["storage_root"]), opts["catalog"])
    users, products, orders = (_current(spark, t).persist() for t in ("users", "products", "orders"))
    rows_read = users.count() + products.count() + orders.count()
    written = {
        "gold_user_analytics": gold.replace_table(gold.rfm_segments(users, orders, as_of), "gold_user_analytics"),
        "gold_product_analytics": gold.replace_table(
            gold.product_performance(products, orders), "gold_product_analytics"),
        "gold_sales_summary": gold.replace_table(gold.daily_sales(orders), "gold_sales_summary"),
    }
    print(json.dumps({
        "job": "silver_to_gold", "job_run_id": run_id, "status": "succeeded", "as_of": as_of,
        "rows_read": rows_read, "rows_written": sum(written.values()), "dlq_count": 0, "watermark": None,
        "tables": written,
    }), flush=True)
    return 0


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(main, sys.argv))
