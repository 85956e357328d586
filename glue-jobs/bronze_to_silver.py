"""The bronze table -> each source table's silver table (SCD2), incremental past its watermark.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl job run` passes them.
"""
import sys

from cdc_lake import catalog
from cdc_lake.session import build_session, warehouse_for
from cdc_lake.silver import bronze_head, process_table


def main(opts):
    tables = [t.strip() for t in (opts["tables"] or ",".join(catalog.tables())).split(",") if t.strip()]
    for t in tables:
        catalog.spec(t)
    spark = build_session("bronze_to_silver", warehouse_for(opts["storage_root"]), opts["catalog"])
    head = bronze_head(spark)  # one bronze snapshot for every table of this run
    results = [process_table(spark, t, head) for t in tables]
    return {
        "status": "succeeded",
        "rows_read": sum(r["rows_read"] for r in results),
        "rows_written": sum(r["rows_written"] for r in results),
        "dlq_count": 0,
        "watermark": {r["table"]: r["watermark"] for r in results},
        "tables": results,
    }


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
