"""Read-only look at the lake for `cdcctl demo`: the gold tables and one key's SCD2 history.

Local: python glue-jobs/lake_report.py --storage-root file:///abs/root --table users --key 7
Prints one JSON line: {"gold": {table: [rows]}, "history": [rows]}.
"""
import json
import sys

from cdc_lake import args as job_args
from cdc_lake.session import build_session, table_name, warehouse_for

GOLD = ("gold_user_analytics", "gold_product_analytics", "gold_sales_summary")
HISTORY_COLUMNS = {
    "users": "id, email, full_name, country, email_domain",
    "products": "id, name, price, status, price_category, is_active",
    "orders": "id, user_id, status, total_amount, order_value_category",
}


def main(argv):
    opts = job_args.parse(argv, ["storage-root"], {"catalog": "local", "table": "users", "key": None, "limit": "10"})
    spark = build_session("lake_report", warehouse_for(opts["storage_root"]), opts["catalog"])
    limit = int(opts["limit"])
    gold = {}
    for name in GOLD:
        df = spark.table(table_name(name))
        gold[name] = [json.loads(r) for r in df.orderBy(df.columns[0]).limit(limit).toJSON().collect()]
    history = []
    if opts["key"] is not None:
        cols = HISTORY_COLUMNS[opts["table"]]
        history = [json.loads(r) for r in spark.sql(
            f"SELECT {cols}, _valid_from, _valid_to, _is_current, operation FROM {table_name('silver_' + opts['table'])}"
            f" WHERE id = {int(opts['key'])} ORDER BY _valid_from").toJSON().collect()]
    print(json.dumps({"gold": gold, "history": history}, default=str), flush=True)
    return 0


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(main, sys.argv))
