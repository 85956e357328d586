"""Maintain the lake's Iceberg tables: compact those due, expire old snapshots the watermarks do not need.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl job run` passes them.
"""
import sys

from cdc_lake import maintenance
from cdc_lake.session import build_session, warehouse_for


def main(opts):
    # the catalog declares each as an integer or number with its minimum; args.parse checked them
    settings = {
        "retain_days": float(opts["retain_days"]),
        "retain_last": int(opts["retain_last"]),
        "min_delete_files": int(opts["min_delete_files"]),
        "min_small_files": int(opts["min_small_files"]),
    }
    spark = build_session("lake_maintenance", warehouse_for(opts["storage_root"]), opts["catalog"])
    results = maintenance.run(spark, **settings)
    return {
        "status": "succeeded",
        "compacted": [r["table"] for r in results if r["compacted"]],
        "deleted_files": sum(r["deleted_files"] for r in results),
        "tables": results,
    }


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
