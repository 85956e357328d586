"""Read-only look at the lake for `cdcctl demo`: the gold tables and one key's SCD2 history.

Not a pipeline job: python glue-jobs/lake_report.py --storage-root file:///abs/root --table <source table> --key 7
Prints one JSON line: {"gold": {table: [rows]}, "history": [rows]}.
"""
import argparse
import json
import sys

from cdc_lake import catalog
from cdc_lake.session import build_session, table_name, warehouse_for


def main(argv):
    parser = argparse.ArgumentParser(prog="lake_report")
    parser.add_argument("--storage-root", required=True)
    parser.add_argument("--catalog", default="local", choices=["local", "glue"])
    parser.add_argument("--table", choices=list(catalog.tables()), default=next(iter(catalog.tables())))
    parser.add_argument("--key", type=int)
    parser.add_argument("--limit", type=int, default=10)
    opts = parser.parse_args(argv[1:])
    spark = build_session("lake_report", warehouse_for(opts.storage_root), opts.catalog)
    gold = {}
    for name in catalog.gold_tables():
        df = spark.table(table_name(name))
        gold[name] = [json.loads(r) for r in df.orderBy(df.columns[0]).limit(opts.limit).toJSON().collect()]
    history = []
    if opts.key is not None:
        s = catalog.spec(opts.table)
        cols = ", ".join(f"`{c}`" for c in s.business_columns if c not in ("created_at", "updated_at"))
        derived = "".join(f", `{c}`" for c, _, _ in s.derived)
        history = [json.loads(r) for r in spark.sql(
            f"SELECT {cols}{derived}, _valid_from, _valid_to, _is_current, operation FROM {table_name(s.silver_table)}"
            f" WHERE `{s.key}` = {opts.key} ORDER BY _valid_from").toJSON().collect()]
    print(json.dumps({"gold": gold, "history": history}, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
